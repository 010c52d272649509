"""Pods and the controllers that own them: Istio's injection decided when a pod is created, the
runtime view (ContainerCreating, Running, CrashLoopBackOff, Terminating) derived from timestamps,
and Deployments/StatefulSets/DaemonSets rolling or replacing their pods as their controllers do."""

from __future__ import annotations

import copy
import json
from typing import Any

from . import kinds
from .kube import (
    Obj,
    alloc_pod_ip,
    delete,
    get,
    iso,
    labels_of,
    listing,
    new_object,
    private,
    public,
    put,
    rand_suffix,
    template_hash,
    terminating,
    touch,
)
from .state import State

ISTIO_SIDECAR_VOLUMES = [
    "workload-socket",
    "credential-socket",
    "workload-certs",
    "istio-envoy",
    "istio-data",
    "istio-podinfo",
    "istio-token",
    "istiod-ca-cert",
]


def injector(state: State, now: float) -> Obj | None:
    """The istiod that would inject sidecars into new pods (sidecar or ambient install alike)."""
    for dep in listing(state, "Deployment", now):
        if dep["metadata"]["name"] == "istiod" and not terminating(dep, now):
            return dep
    return None


def wants_sidecar(state: State, namespace: str, pod_labels: dict[str, str], now: float) -> bool:
    ns = get(state, "Namespace", None, namespace, now)
    ns_label = labels_of(ns).get("istio-injection") if ns else None
    pod_label = pod_labels.get("sidecar.istio.io/inject")
    if ns_label == "disabled" or pod_label == "false":
        return False
    # A revision label injects as istio-injection=enabled does; istio.io/dataplane-mode=ambient
    # alone never removes a sidecar (the injection labels decide).
    rev_label = labels_of(ns).get("istio.io/rev") if ns else None
    return ns_label == "enabled" or pod_label == "true" or bool(rev_label)


def spawn_pod(
    state: State,
    now: float,
    *,
    namespace: str,
    name: str,
    labels: dict[str, str],
    containers: list[Obj],
    owner: Obj | None,
    ready_delay: float,
    annotations: dict[str, str] | None = None,
    volumes: list[Obj] | None = None,
    init_containers: list[Obj] | None = None,
    service_account: str = "default",
    extra: dict[str, Any] | None = None,
) -> Obj:
    """Create a pod as the kubelet would start it, with Istio's injection decided right now."""
    kind = kinds.by_store_key("Pod")
    labels = dict(labels)
    annotations = dict(annotations or {})
    containers = copy.deepcopy(containers)
    init_containers = copy.deepcopy(init_containers or [])
    volumes = copy.deepcopy(volumes or [])
    istiod = injector(state, now)
    if istiod is not None and wants_sidecar(state, namespace, labels, now):
        version = private(istiod).get("istio_version", "1.28.0")
        proxy = f"docker.io/istio/proxyv2:{version}"
        # Istio puts its init container first: the others then start with the traffic redirected.
        init_containers.insert(
            0,
            {
                "name": "istio-init",
                "image": proxy,
                "args": ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337"],
            },
        )
        sidecar: Obj = {
            "name": "istio-proxy",
            "image": proxy,
            "args": ["proxy", "sidecar", "--domain", f"{namespace}.svc.cluster.local"],
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
        }
        if private(istiod).get("hbone"):  # the ambient profile's injection template
            sidecar["env"] = [{"name": "ISTIO_META_ENABLE_HBONE", "value": "true"}]
        containers.append(sidecar)
        volumes += [{"name": v, "emptyDir": {}} for v in ISTIO_SIDECAR_VOLUMES]
        annotations["sidecar.istio.io/status"] = json.dumps(
            {
                "initContainers": ["istio-init"],
                "containers": ["istio-proxy"],
                "volumes": ISTIO_SIDECAR_VOLUMES,
                "imagePullSecrets": None,
                "revision": "default",
            },
            separators=(",", ":"),
        )
        app_name = labels.get("app.kubernetes.io/name") or labels.get("app") or name
        labels.setdefault("security.istio.io/tlsMode", "istio")
        labels.setdefault("service.istio.io/canonical-name", app_name)
        labels.setdefault("service.istio.io/canonical-revision", "latest")
    pod = new_object(
        state, kind, name, namespace, now, labels=labels, annotations=annotations or None, owner=owner
    )
    spec: Obj = {}
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    spec.update(
        {
            "dnsPolicy": "ClusterFirst",
            "nodeName": state["cluster"]["node"],
            "restartPolicy": "Always",
            "serviceAccountName": service_account,
            "terminationGracePeriodSeconds": 30,
        }
    )
    if volumes:
        spec["volumes"] = volumes
    pod["spec"] = spec
    p = private(pod)
    p["ready_at"] = now + ready_delay
    p["ip"] = alloc_pod_ip(state)
    if extra:
        p.update(extra)
    return put(state, pod)


def has_sidecar(pod: Obj) -> bool:
    names = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
    return "istio-proxy" in names and len(names) > 1


def pod_runtime(state: State, pod: Obj, now: float) -> dict[str, Any]:
    """Phase, readiness and the STATUS column of a pod at `now`."""
    p = pod.get("_", {})
    containers = pod.get("spec", {}).get("containers", [])
    total = len(containers)
    created = p.get("created", now)
    ready_at = p.get("ready_at", created)
    pending = p.get("pending_reason")
    if pending is None and p.get("claims"):
        pending = missing_claim(state, pod, now)
    if terminating(pod, now):
        return {
            "phase": "Running",
            "status": "Terminating",
            "ready": 0,
            "total": total,
            "restarts": 0,
            "started": True,
        }
    if pending:
        return {
            "phase": "Pending",
            "status": "Pending",
            "ready": 0,
            "total": total,
            "restarts": 0,
            "started": False,
            "pending": pending,
        }
    if now < ready_at:
        half = created + (ready_at - created) / 2
        status = (
            "PodInitializing" if pod["spec"].get("initContainers") and now >= half else "ContainerCreating"
        )
        return {
            "phase": "Pending",
            "status": status,
            "ready": 0,
            "total": total,
            "restarts": 0,
            "started": False,
        }
    crash = p.get("crash")
    if crash:
        restarts = 1 + int((now - ready_at) // 40)
        return {
            "phase": "Running",
            "status": "CrashLoopBackOff",
            "ready": total - 1,
            "total": total,
            "restarts": restarts,
            "started": True,
            "crash": crash,
        }
    return {
        "phase": "Running",
        "status": "Running",
        "ready": total,
        "total": total,
        "restarts": p.get("restarts", 0),
        "started": True,
    }


def missing_claim(state: State, pod: Obj, now: float) -> str | None:
    ns = pod["metadata"].get("namespace")
    for claim in pod.get("_", {}).get("claims", []):
        if get(state, "PersistentVolumeClaim", ns, claim, now) is None:
            return f'persistentvolumeclaim "{claim}" not found'
    return None


def render_pod(state: State, pod: Obj, now: float) -> Obj:
    out = public(pod)
    rt = pod_runtime(state, pod, now)
    p = pod.get("_", {})
    started = iso(p.get("created", now))
    ready_ts = iso(p.get("ready_at", now))
    ready = rt["ready"] == rt["total"] and rt["status"] == "Running"
    conditions = [
        {
            "type": "PodReadyToStartContainers",
            "status": "True" if rt["started"] else "False",
            "lastTransitionTime": ready_ts,
        },
        {"type": "Initialized", "status": "True", "lastTransitionTime": started},
        {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_ts},
        {"type": "ContainersReady", "status": "True" if ready else "False", "lastTransitionTime": ready_ts},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": started},
    ]
    status: Obj = {"phase": rt["phase"], "conditions": conditions, "qosClass": "BestEffort"}
    if rt.get("pending"):
        status["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": f"0/1 nodes are available: {rt['pending']}. "
                "preemption: 0/1 nodes are available: "
                "1 Preemption is not helpful for scheduling.",
                "lastTransitionTime": started,
            }
        ]
        out["status"] = status
        return out
    status["hostIP"] = state["cluster"]["node_ip"]
    status["podIP"] = p.get("ip", "")
    status["podIPs"] = [{"ip": p.get("ip", "")}]
    status["startTime"] = started
    cstats = []
    for i, c in enumerate(out.get("spec", {}).get("containers", [])):
        crashing = rt.get("crash") and i == 0
        cs: Obj = {
            "name": c["name"],
            "image": c.get("image", ""),
            "imageID": "",
            "ready": rt["started"] and not crashing and rt["status"] == "Running",
            "restartCount": rt["restarts"] if crashing else 0,
            "started": rt["started"],
        }
        if not rt["started"]:
            cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
        elif crashing:
            cs["state"] = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container={c['name']}",
                }
            }
            cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "message": str(rt["crash"])}}
        else:
            cs["state"] = {"running": {"startedAt": ready_ts}}
        cstats.append(cs)
    status["containerStatuses"] = cstats
    if out.get("spec", {}).get("initContainers"):
        status["initContainerStatuses"] = [
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "ready": rt["started"],
                "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}
                if rt["started"]
                else {"waiting": {"reason": "PodInitializing"}},
            }
            for c in out["spec"]["initContainers"]
        ]
    out["status"] = status
    from . import enrolment  # istio-cni's mark, read at each render like the rest of the status

    if enrolment.redirected(state, pod, rt["status"] == "Running", now):
        out["metadata"].setdefault("annotations", {})[enrolment.REDIRECTION] = "enabled"
    return out


def claim_mounts(pod: Obj) -> dict[str, str]:
    """Container path -> claim name: a bare pod's own claims, or a StatefulSet pod's templates."""
    p = pod.get("_", {})
    if p.get("claim_mounts"):
        return dict(p["claim_mounts"])
    return {
        path: f"{template}-{pod['metadata']['name']}" for path, template in (p.get("mounts") or {}).items()
    }


def pods_of(state: State, workload_kind: str, namespace: str, name: str, now: float) -> list[Obj]:
    return [
        p
        for p in listing(state, "Pod", now, namespace)
        if tuple(p.get("_", {}).get("workload", ())) == (workload_kind, name)
    ]


def render_workload(state: State, obj: Obj, now: float) -> Obj:
    """Deployment / StatefulSet / DaemonSet with a status derived from their pods."""
    out = public(obj)
    kind = obj["kind"]
    ns, name = obj["metadata"].get("namespace"), obj["metadata"]["name"]
    pods = [p for p in pods_of(state, kind, ns, name, now) if not terminating(p, now)]
    ready = sum(1 for p in pods if pod_runtime(state, p, now)["status"] == "Running")
    current = obj.get("_", {}).get("template_hash")
    updated = sum(1 for p in pods if p.get("_", {}).get("template_hash") == current)
    generation = obj["metadata"].get("generation", 1)
    if kind == "Deployment":
        replicas = obj.get("spec", {}).get("replicas", 1)
        out["status"] = {
            "observedGeneration": generation,
            "replicas": len(pods),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= replicas else "False",
                    "reason": "MinimumReplicasAvailable"
                    if ready >= replicas
                    else "MinimumReplicasUnavailable",
                }
            ],
        }
        if ready == 0:
            out["status"].pop("readyReplicas")
            out["status"].pop("availableReplicas")
    elif kind == "StatefulSet":
        out["status"] = {
            "observedGeneration": generation,
            "replicas": len(pods),
            "readyReplicas": ready,
            "currentReplicas": updated,
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": f"{name}-{current or ''}"[:63],
            "updateRevision": f"{name}-{current or ''}"[:63],
            "collisionCount": 0,
        }
    elif kind == "DaemonSet":
        out["status"] = {
            "observedGeneration": generation,
            "desiredNumberScheduled": 1,
            "currentNumberScheduled": len(pods),
            "numberReady": ready,
            "updatedNumberScheduled": updated,
            "numberAvailable": ready,
            "numberMisscheduled": 0,
        }
        if ready == 0:
            out["status"]["numberUnavailable"] = 1
    return out


def make_workload(
    state: State,
    now: float,
    kind: str,
    namespace: str,
    name: str,
    *,
    pod_labels: dict[str, str],
    containers: list[Obj],
    init_containers: list[Obj] | None = None,
    replicas: int = 1,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    pod_annotations: dict[str, str] | None = None,
    volumes: list[Obj] | None = None,
    claim_templates: list[Obj] | None = None,
    service_account: str | None = None,
    ready_delay: float = 0.0,
    extra_pod: dict[str, Any] | None = None,
) -> Obj:
    """A Deployment/StatefulSet/DaemonSet and its pods, replacing one of the same name."""
    k = kinds.by_store_key(kind)
    obj = new_object(state, k, name, namespace, now, labels=labels or pod_labels, annotations=annotations)
    obj["metadata"]["generation"] = 1
    template: Obj = {
        "metadata": {"labels": dict(pod_labels)},
        "spec": {"containers": containers, "serviceAccountName": service_account or "default"},
    }
    if init_containers:
        template["spec"] = {"initContainers": init_containers, **template["spec"]}
    if pod_annotations:
        template["metadata"]["annotations"] = dict(pod_annotations)
    if volumes:
        template["spec"]["volumes"] = volumes
    spec: Obj = {"selector": {"matchLabels": selector_labels(pod_labels)}, "template": template}
    if kind != "DaemonSet":
        spec = {"replicas": replicas, **spec}
    if kind == "StatefulSet":
        spec["serviceName"] = f"{name}-endpoints"
        spec["podManagementPolicy"] = "Parallel"
        if claim_templates:
            spec["volumeClaimTemplates"] = claim_templates
    if kind == "Deployment":
        spec["strategy"] = {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        }
    obj["spec"] = spec
    private(obj)["extra_pod"] = extra_pod or {}
    put(state, obj)
    roll_pods(state, obj, now, ready_delay)
    return obj


def selector_labels(pod_labels: dict[str, str]) -> dict[str, str]:
    for key in ("app.kubernetes.io/name", "app", "k8s-app", "name"):
        if key in pod_labels:
            return {key: pod_labels[key]}
    return dict(pod_labels)


def roll_pods(
    state: State, obj: Obj, now: float, ready_delay: float, *, only_missing: bool = False
) -> list[Obj]:
    """(Re)create the pods of a workload from its current template, terminating the old ones."""
    kind, ns, name = obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]
    template = obj["spec"]["template"]
    thash = template_hash(template)
    private(obj)["template_hash"] = thash
    old = pods_of(state, kind, ns, name, now)
    if only_missing and old:
        return []
    grace = min(ready_delay, 5.0)
    replicas = 1 if kind == "DaemonSet" else obj["spec"].get("replicas", 1)
    extra = dict(obj.get("_", {}).get("extra_pod", {}))
    created = []
    for pod in old:
        if not terminating(pod, now):
            # A StatefulSet pod keeps its name, so the old one must be gone before the new one.
            delete(state, pod, now, 0.0 if kind == "StatefulSet" else grace)
    owner = obj
    if kind == "Deployment":
        rs_name = f"{name}-{thash[:10]}"
        rs = new_object(
            state,
            kinds.by_store_key("ReplicaSet"),
            rs_name,
            ns,
            now,
            labels={**template["metadata"].get("labels", {}), "pod-template-hash": thash[:10]},
            owner=obj,
        )
        rs["spec"] = {"replicas": replicas, "selector": obj["spec"]["selector"], "template": template}
        rs["status"] = {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
        put(state, rs)
        owner = rs
    for ordinal in range(replicas):
        labels = dict(template["metadata"].get("labels", {}))
        if kind == "Deployment":
            pod_name = f"{name}-{thash[:10]}-{rand_suffix()}"
            labels["pod-template-hash"] = thash[:10]
        elif kind == "StatefulSet":
            pod_name = f"{name}-{ordinal}"
            labels["apps.kubernetes.io/pod-index"] = str(ordinal)
            labels["controller-revision-hash"] = f"{name}-{thash[:10]}"
            labels["statefulset.kubernetes.io/pod-name"] = pod_name
        else:
            pod_name = f"{name}-{rand_suffix()}"
            labels["controller-revision-hash"] = thash[:10]
            labels["pod-template-generation"] = str(obj["metadata"].get("generation", 1))
        volumes = list(template["spec"].get("volumes", []))
        claims = []
        for claim in obj["spec"].get("volumeClaimTemplates", []):
            claim_name = f"{claim['metadata']['name']}-{pod_name}"
            volumes.append(
                {"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}}
            )
            claims.append(claim_name)
        for vol in template["spec"].get("volumes", []):
            if "persistentVolumeClaim" in vol:
                claims.append(vol["persistentVolumeClaim"]["claimName"])
        pod_extra = {**extra, "workload": [kind, name], "template_hash": thash}
        if claims:
            pod_extra["claims"] = claims
        pod = spawn_pod(
            state,
            now,
            namespace=ns,
            name=pod_name,
            labels=labels,
            annotations=template["metadata"].get("annotations"),
            containers=template["spec"]["containers"],
            init_containers=template["spec"].get("initContainers"),
            owner=owner,
            ready_delay=ready_delay,
            volumes=volumes,
            service_account=template["spec"].get("serviceAccountName", "default"),
            extra=pod_extra,
        )
        created.append(pod)
    touch(state, obj)
    return created


def scale_pods(state: State, obj: Obj, now: float, ready_delay: float) -> None:
    """A StatefulSet scaled: add the missing ordinals, remove the highest ones; others untouched."""
    kind, ns, name = obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]
    if kind != "StatefulSet":
        roll_pods(state, obj, now, ready_delay)
        return
    want = obj["spec"].get("replicas", 1)
    current = [p for p in pods_of(state, kind, ns, name, now) if not terminating(p, now)]
    by_ordinal = {int(p["metadata"]["name"].rsplit("-", 1)[1]): p for p in current}
    for ordinal, pod in by_ordinal.items():
        if ordinal >= want:
            delete(state, pod, now, min(ready_delay, 5.0))
    template = obj["spec"]["template"]
    thash = obj.get("_", {}).get("template_hash", "")
    for ordinal in range(want):
        if ordinal in by_ordinal:
            continue
        pod_name = f"{name}-{ordinal}"
        labels = {
            **template["metadata"].get("labels", {}),
            "apps.kubernetes.io/pod-index": str(ordinal),
            "statefulset.kubernetes.io/pod-name": pod_name,
            "controller-revision-hash": f"{name}-{thash[:10]}",
        }
        volumes = list(template["spec"].get("volumes", []))
        claims = []
        for claim in obj["spec"].get("volumeClaimTemplates", []):
            claim_name = f"{claim['metadata']['name']}-{pod_name}"
            volumes.append(
                {"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}}
            )
            claims.append(claim_name)
        extra = {**obj.get("_", {}).get("extra_pod", {}), "workload": [kind, name], "template_hash": thash}
        if claims:
            extra["claims"] = claims
        spawn_pod(
            state,
            now,
            namespace=ns,
            name=pod_name,
            labels=labels,
            annotations=template["metadata"].get("annotations"),
            containers=template["spec"]["containers"],
            init_containers=template["spec"].get("initContainers"),
            owner=obj,
            ready_delay=ready_delay,
            volumes=volumes,
            service_account=template["spec"].get("serviceAccountName", "default"),
            extra=extra,
        )
    touch(state, obj)


def replace_pod(state: State, pod: Obj, now: float, ready_delay: float) -> Obj | None:
    """What the owning controller does after `kubectl delete pod`: a fresh pod from the template."""
    workload = pod.get("_", {}).get("workload")
    if not workload:
        return None
    kind, name = workload
    owner = get(state, kind, pod["metadata"]["namespace"], name, now)
    if owner is None:
        return None
    template = owner["spec"]["template"]
    labels = dict(template["metadata"].get("labels", {}))
    base_extra = {
        k: v
        for k, v in pod.get("_", {}).items()
        if k in ("workload", "template_hash", "claims", "crash", "app", "mounts")
    }
    if kind == "StatefulSet":
        new_name = pod["metadata"]["name"]
        for key in (
            "apps.kubernetes.io/pod-index",
            "controller-revision-hash",
            "statefulset.kubernetes.io/pod-name",
        ):
            if key in labels_of(pod):
                labels[key] = labels_of(pod)[key]
        labels.setdefault("statefulset.kubernetes.io/pod-name", new_name)
        owner_obj = owner
    elif kind == "Deployment":
        thash = owner.get("_", {}).get("template_hash") or template_hash(template)
        new_name = f"{name}-{thash[:10]}-{rand_suffix()}"
        labels["pod-template-hash"] = thash[:10]
        owner_obj = (
            get(state, "ReplicaSet", pod["metadata"]["namespace"], f"{name}-{thash[:10]}", now) or owner
        )
    else:
        new_name = f"{name}-{rand_suffix()}"
        owner_obj = owner
    volumes = [v for v in pod["spec"].get("volumes", []) if v["name"] not in ISTIO_SIDECAR_VOLUMES]
    return spawn_pod(
        state,
        now,
        namespace=pod["metadata"]["namespace"],
        name=new_name,
        labels=labels,
        annotations=template["metadata"].get("annotations"),
        containers=template["spec"]["containers"],
        init_containers=template["spec"].get("initContainers"),
        owner=owner_obj,
        ready_delay=ready_delay,
        volumes=volumes,
        service_account=template["spec"].get("serviceAccountName", "default"),
        extra=base_extra,
    )
