"""The pods of the Juju applications: a StatefulSet per sidecar charm (a workload Deployment or
StatefulSet plus an operator pod for pod-spec charms), rolled when the charm changes its template —
a refresh, or the service-mesh labels that move it onto the ambient mesh."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from . import kube, model, pods
from .kube import Obj
from .lifecycle import MODEL_NS, grace_of, live, mark_owner, owned, provision_claim, retire, retire_owned
from .state import State

BEACON_WAYPOINT = "kubeflow-istio-beacon-k8s-waypoint"

# Applications whose pods carry an istio-proxy in the sidecar deployment: the ones the migration
# guide relates to istio-beacon-k8s:service-mesh.
MESHED_CHARMS = {
    "admission-webhook",
    "katib-controller",
    "katib-ui",
    "training-operator",
    "kserve-controller",
    "dex-auth",
    "oidc-gatekeeper",
    "envoy",
    "jupyter-controller",
    "jupyter-ui",
    "kfp-api",
    "kfp-persistence",
    "kfp-profile-controller",
    "kfp-schedwf",
    "kfp-ui",
    "kfp-viz",
    "minio",
    "kubeflow-dashboard",
    "kubeflow-profiles",
    "kubeflow-volumes",
    "pvcviewer-operator",
    "tensorboard-controller",
    "tensorboards-web-app",
    "metacontroller-operator",
}

SERVICE_PORTS = {
    "minio": [("minio", 9000), ("console", 9001)],
    "kfp-api": [("http", 8888), ("grpc", 8887)],
    "dex-auth": [("dex", 5556)],
    "oidc-gatekeeper": [("http", 8080)],
    "kubeflow-dashboard": [("http", 8082)],
    "kubeflow-profiles": [("http", 8080), ("kfam-http", 8081)],
    "jupyter-ui": [("http", 5000)],
    "kfp-ui": [("http", 3000)],
    "katib-ui": [("http", 8080)],
    "kubeflow-volumes": [("http", 5000)],
    "tensorboards-web-app": [("http", 5000)],
    "envoy": [("grpc-web", 9090)],
    "mlmd": [("grpc", 8080)],
    "mysql-k8s": [("mysql", 3306), ("mysqlx", 33060)],
    "istio-pilot": [("placeholder", 65535)],
}
# Services a charm writes beside its own, by charm: kfp-api's `ml-pipeline` is the name KFP's
# clients (and the CKF UATs) call it by.
EXTRA_SERVICES = {"kfp-api": [("ml-pipeline", [("http", 8888), ("grpc", 8887)])]}


def mesh_labels(state: State, name: str, now: float) -> dict[str, str]:
    for side in model.related(state, name, "service-mesh", now):
        provider = model.app(state, side.app, now)
        if provider and provider["charm"] == "istio-beacon-k8s":
            return {
                "istio.io/dataplane-mode": "ambient",
                "istio.io/use-waypoint": BEACON_WAYPOINT,
                "istio.io/use-waypoint-namespace": MODEL_NS,
            }
    return {}


def app_template(state: State, name: str, app: dict, now: float) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": name}
    mesh = mesh_labels(state, name, now)
    labels.update(mesh)
    if app.get("inject") and not mesh:
        labels["sidecar.istio.io/inject"] = "true"
    annotations = {
        "juju.is/version": state["model"]["version"],
        "charm.juju.is/modified-version": str(app.get("modified_version", 0)),
    }
    image_tag = app.get("track", "latest")
    containers: list[dict[str, Any]]
    init_containers: list[dict[str, Any]] = []
    if app.get("podspec"):
        containers = [
            {
                "name": name,
                "image": f"charmedkubeflow/{app['charm']}:{image_tag}",
                "imagePullPolicy": "IfNotPresent",
            }
        ]
    else:
        containers = [
            {
                "name": "charm",
                "image": "docker.io/jujusolutions/charm-base:ubuntu-22.04",
                "command": ["/charm/bin/pebble"],
                "args": ["run", "--http", ":38812", "--verbose"],
            }
        ]
        init_containers = [charm_init(state["model"]["version"], app)]
        for c in app.get("containers", []):
            containers.append(
                {
                    "name": c,
                    "image": f"docker.io/charmedkubeflow/{c}:{image_tag}",
                    "command": ["/charm/bin/pebble"],
                    "args": ["run", "--create-dirs", "--hold"],
                }
            )
    return {
        "labels": labels,
        "annotations": annotations,
        "containers": containers,
        "init_containers": init_containers,
    }


def charm_init(juju_version: str, app: dict) -> dict[str, Any]:
    """The init container Juju puts in every sidecar charm's pod (juju/juju caas/kubernetes/provider/
    application): it copies the unit agent and Pebble into the shared /charm/bin before `charm` starts.
    Juju 3 adds the Pebble directory and the charm's modified version to its arguments."""
    args = ["init"]
    if not juju_version.startswith("2."):
        args += [
            "--containeragent-pebble-dir",
            "/containeragent/pebble",
            "--charm-modified-version",
            str(app.get("modified_version", 0)),
        ]
    args += ["--data-dir", "/var/lib/juju", "--bin-dir", "/charm/bin"]
    return {
        "name": "charm-init",
        "image": f"docker.io/jujusolutions/jujud-operator:{juju_version}",
        "imagePullPolicy": "IfNotPresent",
        "workingDir": "/var/lib/juju",
        "command": ["/opt/containeragent"],
        "args": args,
    }


def ensure_app(state: State, name: str, app: dict, now: float, sandbox_dir: Path | None) -> None:
    tag = f"app:{name}"
    want = app_template(state, name, app, now)
    ready = app.get("pod_delay", 0.0)  # already scaled by the sandbox speed
    storage = app.get("storage", {})
    kind = "StatefulSet" if (not app.get("podspec") or storage) else "Deployment"
    workload = kube.get(state, kind, MODEL_NS, name, now)
    if workload is not None and not owned(workload, tag):
        workload = None
    previous = [
        w
        for w in (kube.get(state, k, MODEL_NS, name, now) for k in ("Deployment", "StatefulSet"))
        if w is not None and owned(w, tag) and not kube.terminating(w, now)
    ]
    if any(w.get("_", {}).get("podspec") != bool(app.get("podspec")) for w in previous):
        # A pod-spec charm refreshed to a sidecar charm: Juju replaces the whole layout (the
        # workload Deployment and the operator pod go) and deletes what the pod spec created.
        retire_owned(state, tag, now, 0.0)
        retire_podspec_resources(state, name, now, 0.0)
        workload = None
    if workload is None or kube.terminating(workload, now):
        claim_templates = [
            {
                "metadata": {"name": spec["template"]},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": spec["size"]}},
                    "storageClassName": state["cluster"]["storage_class"],
                },
            }
            for spec in storage.values()
        ]
        extra: dict[str, Any] = {"app": name}
        if storage:
            extra["mounts"] = {
                f"/{'data' if app['charm'] == 'minio' else s}": spec["template"]
                for s, spec in storage.items()
            }
        workload = pods.make_workload(
            state,
            now,
            kind,
            MODEL_NS,
            name,
            pod_labels=want["labels"],
            containers=want["containers"],
            init_containers=want["init_containers"],
            pod_annotations=want["annotations"],
            claim_templates=claim_templates or None,
            service_account=name,
            replicas=int(app.get("scale", 1)),
            ready_delay=ready,
            extra_pod=extra,
            annotations={"app.juju.is/created-by": "controller"} if not app.get("podspec") else None,
        )
        mark_owner(workload, tag)
        kube.private(workload)["podspec"] = bool(app.get("podspec"))
        ensure_claims(state, workload, now, sandbox_dir)
        if app.get("podspec"):
            op = pods.make_workload(
                state,
                now,
                "StatefulSet",
                MODEL_NS,
                f"{name}-operator",
                pod_labels={"operator.juju.is/name": name, "operator.juju.is/target": "application"},
                containers=[
                    {
                        "name": "juju-operator",
                        "image": f"jujusolutions/jujud-operator:{state['model']['version']}",
                    }
                ],
                ready_delay=ready,
            )
            mark_owner(op, tag)
        if kube.get(state, "Service", MODEL_NS, name, now) is None:
            mark_owner(
                kube.make_service(
                    state,
                    now,
                    MODEL_NS,
                    name,
                    selector={"app.kubernetes.io/name": name},
                    ports=SERVICE_PORTS.get(app["charm"], [("placeholder", 65535)]),
                ),
                tag,
            )
            for svc_name, svc_ports in EXTRA_SERVICES.get(app["charm"], []):
                if kube.get(state, "Service", MODEL_NS, svc_name, now) is None:
                    selector = {"app.kubernetes.io/name": name}
                    mark_owner(
                        kube.make_service(state, now, MODEL_NS, svc_name, selector=selector, ports=svc_ports),
                        tag,
                    )
            if not app.get("podspec"):
                mark_owner(
                    kube.make_service(
                        state,
                        now,
                        MODEL_NS,
                        f"{name}-endpoints",
                        selector={"app.kubernetes.io/name": name},
                        ports=[("placeholder", 65535)],
                        headless=True,
                    ),
                    tag,
                )
        if kube.get(state, "ServiceAccount", MODEL_NS, name, now) is None:
            mark_owner(kube.make_simple(state, now, "ServiceAccount", name, MODEL_NS), tag)
        service = kube.get(state, "Service", MODEL_NS, name, now)
        assert service is not None  # made just above when it was missing
        app["service_ip"] = service["spec"]["clusterIP"]
        return
    template = workload["spec"]["template"]
    new_template = dict(template)
    new_template["metadata"] = {"labels": want["labels"], "annotations": want["annotations"]}
    new_template["spec"] = {**template["spec"], "containers": want["containers"]}
    new_template["spec"].pop("initContainers", None)
    if want["init_containers"]:
        new_template["spec"] = {"initContainers": want["init_containers"], **new_template["spec"]}
    scale = int(app.get("scale", 1))
    if kube.template_hash(new_template) != kube.template_hash(template):
        workload["spec"]["template"] = new_template
        workload["spec"]["replicas"] = scale
        workload["metadata"]["generation"] = workload["metadata"].get("generation", 1) + 1
        pods.roll_pods(state, workload, now, ready)
        ensure_claims(state, workload, now, sandbox_dir)
    elif workload["spec"].get("replicas") != scale:
        workload["spec"]["replicas"] = scale
        pods.scale_pods(state, workload, now, ready)
        ensure_claims(state, workload, now, sandbox_dir)


def ensure_claims(state: State, workload: Obj, now: float, sandbox_dir: Path | None) -> None:
    """Dynamic provisioning for a StatefulSet's claim templates: a PVC bound to a fresh PV."""
    ns = workload["metadata"]["namespace"]
    for pod in pods.pods_of(state, workload["kind"], ns, workload["metadata"]["name"], now):
        for tmpl in workload["spec"].get("volumeClaimTemplates", []):
            claim = f"{tmpl['metadata']['name']}-{pod['metadata']['name']}"
            if kube.get(state, "PersistentVolumeClaim", ns, claim, now) is None:
                size = tmpl["spec"]["resources"]["requests"]["storage"]
                provision_claim(
                    state,
                    now,
                    ns,
                    claim,
                    size,
                    sandbox_dir,
                    labels={"app.kubernetes.io/name": workload["metadata"]["name"]},
                )


def retire_app(state: State, name: str, app: dict, now: float) -> None:
    """The app is going: its pods terminate; claims survive unless their volume would be deleted.

    A StatefulSet's claims outlive it in Kubernetes; Juju then releases the storage. We keep a
    claim whose volume is Retain (so the data can still be mounted and copied, as the MinIO
    migration does) and delete one whose volume is Delete — which deletes the data with it.
    """
    tag = f"app:{name}"
    grace = grace_of(app, now)
    retire_owned(state, tag, now, grace)
    if app.get("podspec"):
        retire_podspec_resources(state, name, now, grace)
    for spec in app.get("storage", {}).values():
        for pvc in kube.listing(state, "PersistentVolumeClaim", now, MODEL_NS):
            if not pvc["metadata"]["name"].startswith(spec["template"] + "-"):
                continue
            pv = kube.get(state, "PersistentVolume", None, pvc["spec"].get("volumeName", ""), now)
            if pv is None or pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
                retire(state, pvc, now, grace)


def juju_marks(state: State, app_name: str) -> tuple[dict[str, str], dict[str, str]]:
    """The labels and annotations Juju puts on the custom resources a pod spec declares."""
    m = state["model"]
    labels = {
        "app.juju.is/created-by": app_name,
        "app.kubernetes.io/managed-by": "juju",
        "app.kubernetes.io/name": app_name,
        "model.juju.is/name": m["name"],
    }
    annotations = {"controller.juju.is/id": m["controller_uuid"], "model.juju.is/id": m["uuid"]}
    return labels, annotations


def retire_podspec_resources(state: State, app_name: str, now: float, grace: float) -> None:
    """Juju deletes the custom resources a pod-spec charm declared, found by its labels, when the
    charm goes (or stops being pod-spec). The Profile kubeflow-dashboard 1.6 declares (`admin`)
    goes with them, and its namespace after it: the 1.6 -> 1.7 guide's "User namespace is wiped
    out", unless the labels were stripped first."""
    marks, _ = juju_marks(state, app_name)
    for _key, objs in list(state.get("k8s", {}).items()):
        for obj in list(objs.values()):
            labels = kube.labels_of(obj)
            if any(labels.get(k) != v for k, v in marks.items()):
                continue
            if not kube.alive(obj, now) or kube.terminating(obj, now):
                continue
            retire(state, obj, now, grace)
            if obj["kind"] == "Profile":
                # The profile controller owns the namespace: the garbage collector follows.
                uid = obj["metadata"]["uid"]
                for ns in kube.listing(state, "Namespace", now):
                    if any(r.get("uid") == uid for r in ns["metadata"].get("ownerReferences", [])):
                        retire(state, ns, now, grace)


def sync_secrets(state: State, now: float) -> None:
    """minio publishes its credentials in a Secret (pod-spec era) — kept in step with its config."""
    found = live(state, "minio", now)
    if not found:
        return
    name, app = found
    if not app.get("podspec"):
        return  # the sidecar charm hands the credentials to its workload through Pebble instead
    access = model.config_value(app, "access-key") or "minio"
    secret = model.config_value(app, "secret-key") or app.get("generated_secret", "")
    data = {
        "MINIO_ACCESS_KEY": base64.b64encode(access.encode()).decode(),
        "MINIO_SECRET_KEY": base64.b64encode(secret.encode()).decode(),
    }
    obj = kube.get(state, "Secret", MODEL_NS, f"{name}-secret", now)
    if obj is None:
        mark_owner(
            kube.make_simple(
                state, now, "Secret", f"{name}-secret", MODEL_NS, body={"type": "Opaque", "data": data}
            ),
            f"app:{name}",
        )
    elif obj.get("data") != data:
        obj["data"] = data
        kube.touch(state, obj)
