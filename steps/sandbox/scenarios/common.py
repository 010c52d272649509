"""Building blocks of the scenarios: the cluster, the Juju model, a bundle, Kubeflow profiles."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from .. import catalogue, juju_changes, kube, lifecycle, nodes, pods
from ..state import State

DAY = 86400.0
ADMIN = "admin@example.com"


def base_state(scenario: str, distribution: str, speed: float, t0: float) -> State:
    cluster: dict[str, Any]
    if distribution == "microk8s":
        cluster = {
            "distribution": "microk8s",
            "node": "kf-node-1",
            "node_ip": "10.76.123.10",
            "k8s_version": "v1.32.3",
            "storage_class": "microk8s-hostpath",
            "provisioner": "microk8s.io/hostpath",
        }
        mdl = {"controller": "microk8s-localhost", "cloud": "microk8s", "region": "localhost"}
    else:
        cluster = {
            "distribution": "canonical-k8s",
            "node": "kf-node-1",
            "node_ip": "10.76.123.10",
            "k8s_version": "v1.32.4",
            "storage_class": "csi-rawfile-default",
            "provisioner": "rawfile.csi.openebs.io",
        }
        mdl = {"controller": "ck8s", "cloud": "k8s", "region": "default"}
    cluster["lb_ips"] = {}
    return {
        "format": 1,
        "scenario": scenario,
        "speed": speed,
        "created": t0,
        "cluster": cluster,
        "model": {
            "name": "kubeflow",
            "type": "caas",
            "version": "3.6.8",
            "uuid": str(uuid.uuid4()),
            "controller_uuid": str(uuid.uuid4()),
            "controller_model_uuid": str(uuid.uuid4()),
            "created": t0,
            **mdl,
        },
        "apps": {},
        "relations": [],
        "k8s": {},
        "counters": {},
        "faults": {},
    }


KUBEFLOW_CRDS = [
    "profiles.kubeflow.org",
    "notebooks.kubeflow.org",
    "poddefaults.kubeflow.org",
    "inferenceservices.serving.kserve.io",
    "workflows.argoproj.io",
    "scheduledworkflows.kubeflow.org",
    "experiments.kubeflow.org",
]


def cluster_base(state: State, t0: float, kubeflow_crds: list[str] = KUBEFLOW_CRDS) -> None:
    """The node, the system namespaces and what runs in kube-system on this distribution, and the
    CRDs of the Kubeflow release (`kubeflow_crds`)."""
    c = state["cluster"]
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        kube.ensure_namespace(state, ns, t0)
    node_labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": c["node"],
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/control-plane": "",
        "node-role.kubernetes.io/worker": "",
    }
    if c["distribution"] == "microk8s":
        node_labels["microk8s.io/cluster"] = "true"
    nodes.make_node(
        state,
        t0,
        labels=node_labels,
        pod_cidr="10.1.0.0/24",
        runtime="containerd://1.7.27",
        os_image="Ubuntu 24.04.2 LTS",
        kernel="6.8.0-60-generic",
        capacity={"cpu": "16", "memory": "65831540Ki", "pods": "250"},
    )
    if c["distribution"] == "microk8s":
        pods.make_workload(
            state,
            t0,
            "DaemonSet",
            "kube-system",
            "calico-node",
            pod_labels={"k8s-app": "calico-node"},
            containers=[{"name": "calico-node", "image": "docker.io/calico/node:v3.28.1"}],
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "calico-kube-controllers",
            pod_labels={"k8s-app": "calico-kube-controllers"},
            containers=[
                {"name": "calico-kube-controllers", "image": "docker.io/calico/kube-controllers:v3.28.1"}
            ],
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "coredns",
            pod_labels={"k8s-app": "kube-dns"},
            containers=[{"name": "coredns", "image": "coredns/coredns:1.10.1"}],
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "hostpath-provisioner",
            pod_labels={"k8s-app": "hostpath-provisioner"},
            containers=[{"name": "hostpath-provisioner", "image": "cdkbot/hostpath-provisioner:1.5.0"}],
        )
        kube.ensure_namespace(state, "metallb-system", t0)
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "metallb-system",
            "controller",
            pod_labels={"app": "metallb", "component": "controller"},
            containers=[{"name": "controller", "image": "quay.io/metallb/controller:v0.13.3"}],
        )
        pods.make_workload(
            state,
            t0,
            "DaemonSet",
            "metallb-system",
            "speaker",
            pod_labels={"app": "metallb", "component": "speaker"},
            containers=[{"name": "speaker", "image": "quay.io/metallb/speaker:v0.13.3"}],
        )
    else:
        data = {
            # k8s-snap's defaults: fine for Kubernetes, not yet for Istio ambient (cni-exclusive,
            # and socket load-balancing that is not confined to the host namespace).
            "agent-not-ready-taint-key": "node.cilium.io/agent-not-ready",
            "auto-direct-node-routes": "false",
            "bpf-lb-external-clusterip": "false",
            "bpf-lb-map-max": "65536",
            "bpf-lb-sock": "false",
            "bpf-map-dynamic-size-ratio": "0.0025",
            "cgroup-root": "/run/cilium/cgroupv2",
            "cluster-name": "default",
            "cluster-pool-ipv4-cidr": "10.1.0.0/16",
            "cluster-pool-ipv4-mask-size": "24",
            "cni-exclusive": "true",
            "cni-log-file": "/var/run/cilium/cilium-cni.log",
            "debug": "false",
            "enable-bpf-clock-probe": "false",
            "enable-bpf-masquerade": "false",
            "enable-ipv4": "true",
            "enable-ipv4-masquerade": "true",
            "enable-ipv6": "false",
            "enable-l7-proxy": "true",
            "enable-policy": "default",
            "identity-allocation-mode": "crd",
            "ipam": "cluster-pool",
            "kube-proxy-replacement": "true",
            "monitor-aggregation": "medium",
            "routing-mode": "tunnel",
            "tunnel-protocol": "vxlan",
            "write-cni-conf-when-ready": "/host/etc/cni/net.d/05-cilium.conflist",
        }
        kube.make_simple(
            state,
            t0,
            "ConfigMap",
            "cilium-config",
            "kube-system",
            annotations={
                "meta.helm.sh/release-name": "ck-network",
                "meta.helm.sh/release-namespace": "kube-system",
            },
            labels={"app.kubernetes.io/managed-by": "Helm"},
            body={"data": data},
        )
        state["cluster"]["cilium_effective"] = dict(data)
        pods.make_workload(
            state,
            t0,
            "DaemonSet",
            "kube-system",
            "cilium",
            pod_labels={"k8s-app": "cilium"},
            containers=[{"name": "cilium-agent", "image": "ghcr.io/canonical/cilium:1.16.3-ck0"}],
            service_account="cilium",
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "cilium-operator",
            pod_labels={"io.cilium/app": "operator", "name": "cilium-operator"},
            containers=[
                {"name": "cilium-operator", "image": "ghcr.io/canonical/cilium-operator-generic:1.16.3-ck0"}
            ],
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "coredns",
            pod_labels={"k8s-app": "coredns"},
            containers=[{"name": "coredns", "image": "ghcr.io/canonical/coredns:1.11.3-ck0"}],
        )
        pods.make_workload(
            state,
            t0,
            "Deployment",
            "kube-system",
            "metrics-server",
            pod_labels={"k8s-app": "metrics-server"},
            containers=[{"name": "metrics-server", "image": "ghcr.io/canonical/metrics-server:0.7.2"}],
        )
    lifecycle.ensure_crds(state, list(kubeflow_crds), t0, "kubeflow")
    if c["distribution"] == "canonical-k8s":
        lifecycle.ensure_crds(
            state,
            [
                "ciliumnetworkpolicies.cilium.io",
                "ciliumclusterwidenetworkpolicies.cilium.io",
                "ciliumendpoints.cilium.io",
                "ciliumidentities.cilium.io",
                "ciliumnodes.cilium.io",
            ],
            t0,
            "cilium",
        )


def model_namespace(state: State, t0: float) -> None:
    m = state["model"]
    kube.ensure_namespace(
        state,
        m["name"],
        t0,
        labels={
            "app.kubernetes.io/managed-by": "juju",
            "model.juju.is/id": m["uuid"],
            "model.juju.is/name": m["name"],
            "controller.juju.is/id": m["controller_uuid"],
        },
    )


def install_bundle(
    state: State,
    apps: dict[str, dict[str, Any]],
    relations: list[tuple[str, str]],
    t0: float,
    meshed: set[str] | None = None,
) -> None:
    """Deploy a bundle as already settled at t0 (every unit active/idle)."""
    for name, spec in apps.items():
        rev = catalogue.resolve_in(state, spec["charm"], spec["channel"])
        app = juju_changes.new_app(
            state,
            name,
            rev,
            spec.get("options", {}),
            trust=spec.get("trust", False),
            scale=spec.get("scale", 1),
            storage=spec.get("storage", {}),
            created=t0,
            constraints=spec.get("constraints"),
        )
        app["deployed_untrusted"] = False  # the bundle's apps are installed and working
        if spec.get("podspec") is not None:
            app["podspec"] = spec["podspec"]
        if meshed is not None and spec["charm"] in meshed:
            app["inject"] = True
    for a, b in relations:
        a_name, a_ep, b_name, b_ep = juju_changes.plan_relation(state, [a, b], t0)
        juju_changes.add_relation(state, a_name, a_ep, b_name, b_ep, t0, settle=False)


def profile(
    state: State,
    name: str,
    owner: str,
    t0: float,
    *,
    sidecar: bool = True,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> None:
    """A Kubeflow Profile and its namespace as kubeflow-profiles (sidecar mode) leaves them.
    `labels`/`annotations` go on the Profile (Juju's marks when a pod-spec charm declared it)."""
    kube.make_simple(
        state,
        t0,
        "Profile",
        name,
        labels=labels,
        annotations=annotations,
        body={
            "spec": {"owner": {"kind": "User", "name": owner}, "resourceQuotaSpec": {}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        },
    )
    labels = {
        "app.kubernetes.io/part-of": "kubeflow-profile",
        "katib.kubeflow.org/metrics-collector-injection": "enabled",
        "pipelines.kubeflow.org/enabled": "true",
        "pod-security.kubernetes.io/enforce": "privileged",
        "serving.kubeflow.org/inferenceservice": "enabled",
        "user.kubeflow.org/enabled": "true",
    }
    if sidecar:
        labels["istio-injection"] = "enabled"
    ns = kube.ensure_namespace(state, name, t0, labels=labels)
    ns["metadata"]["annotations"] = {"owner": owner}
    profile_obj = kube.get(state, "Profile", None, name, t0)
    assert profile_obj is not None  # made just above
    ns["metadata"]["ownerReferences"] = [kube.owner_ref(profile_obj)]
    for sa in ("default-editor", "default-viewer"):
        kube.make_simple(state, t0, "ServiceAccount", sa, name)
    kube.make_simple(
        state,
        t0,
        "ConfigMap",
        "kfp-launcher",
        name,
        body={"data": {"defaultPipelineRoot": "minio://mlpipeline/v2/artifacts"}},
    )
    kube.make_simple(
        state,
        t0,
        "ConfigMap",
        "metadata-grpc-configmap",
        name,
        body={"data": {"METADATA_GRPC_SERVICE_HOST": "mlmd.kubeflow", "METADATA_GRPC_SERVICE_PORT": "8080"}},
    )
    kube.make_simple(
        state,
        t0,
        "Secret",
        "mlpipeline-minio-artifact",
        name,
        body={"type": "Opaque", "data": {"accesskey": "bWluaW8=", "secretkey": "c2VjcmV0"}},
    )
    # What kfp-profile-controller (through metacontroller) deploys in every profile namespace.
    for app in ("ml-pipeline-ui-artifact", "ml-pipeline-visualizationserver"):
        image = "frontend" if app.endswith("artifact") else "visualization-server"
        dep = pods.make_workload(
            state,
            t0,
            "Deployment",
            name,
            app,
            pod_labels={"app": app},
            containers=[{"name": app, "image": f"ghcr.io/kubeflow/kfp-{image}:2.5.0"}],
            service_account="default-editor",
        )
        kube.private(dep)["owner"] = "kfp-profile-controller"
        kube.make_service(
            state,
            t0,
            name,
            app,
            selector={"app": app},
            ports=[("http", 80 if app.endswith("artifact") else 8888)],
        )


def notebook(state: State, ns: str, name: str, t0: float, sandbox_dir: Path) -> None:
    kube.make_simple(
        state,
        t0,
        "Notebook",
        name,
        ns,
        labels={"app": name},
        body={
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": name, "image": "kubeflownotebookswg/jupyter-scipy:v1.10.0"}]
                    }
                }
            }
        },
    )
    claim = f"{name}-workspace"
    lifecycle.provision_claim(state, t0, ns, claim, "5Gi", sandbox_dir, labels={"app": name})
    sts = pods.make_workload(
        state,
        t0,
        "StatefulSet",
        ns,
        name,
        pod_labels={"app": name, "notebook-name": name, "statefulset": name},
        containers=[
            {
                "name": name,
                "image": "kubeflownotebookswg/jupyter-scipy:v1.10.0",
                "volumeMounts": [{"mountPath": "/home/jovyan", "name": "workspace"}],
            }
        ],
        volumes=[{"name": "workspace", "persistentVolumeClaim": {"claimName": claim}}],
        service_account="default-editor",
        extra_pod={"mounts": {}, "claim_mounts": {"/home/jovyan": claim}},
    )
    kube.private(sts)["owner"] = "notebook"
    kube.make_service(state, t0, ns, name, selector={"statefulset": name}, ports=[("http-" + name, 80)])


def inference_service(state: State, ns: str, name: str, t0: float) -> None:
    """A serverless InferenceService: a Knative revision whose pods carry queue-proxy (and a sidecar)."""
    isvc = kube.make_simple(
        state,
        t0,
        "InferenceService",
        name,
        ns,
        annotations={"serving.kserve.io/deploymentMode": "Serverless"},
        body={
            "spec": {
                "predictor": {
                    "model": {
                        "modelFormat": {"name": "sklearn"},
                        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
                    }
                }
            }
        },
    )
    kube.private(isvc)["status_fn"] = "isvc"
    dep = pods.make_workload(
        state,
        t0,
        "Deployment",
        ns,
        f"{name}-predictor-00001-deployment",
        pod_labels={
            "app": f"{name}-predictor-00001",
            "serving.knative.dev/revision": f"{name}-predictor-00001",
            "serving.kserve.io/inferenceservice": name,
            "component": "predictor",
        },
        containers=[
            {"name": "kserve-container", "image": "kserve/sklearnserver:v0.15.0"},
            {"name": "queue-proxy", "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.16.0"},
        ],
        service_account="default-editor",
    )
    kube.private(dep)["owner"] = "knative-serving-workloads"
