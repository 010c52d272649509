"""Lifecycle of the objects the charms own: tagging, retiring with a grace period (cascading as
the API server and garbage collector do), CRDs, volumes and load-balancer addresses."""

from __future__ import annotations

from pathlib import Path

from . import kinds, kube, model, pods
from .kube import Obj
from .state import State

MODEL_NS = "kubeflow"

LB_POOLS = {"microk8s": "10.64.140.", "canonical-k8s": "172.16.10."}


def live(state: State, charm: str, now: float) -> tuple[str, dict] | None:
    return model.first_app(state, charm, now)


def owned(obj: Obj | None, tag: str) -> bool:
    return obj is not None and obj.get("_", {}).get("owner") == tag


def mark_owner(obj: Obj, tag: str) -> Obj:
    kube.private(obj)["owner"] = tag
    return obj


def retire_owned(state: State, tag: str, now: float, grace: float) -> None:
    """Delete everything a charm created (with its pods), terminating for `grace` seconds."""
    for _key, objs in list(state.get("k8s", {}).items()):
        for obj in list(objs.values()):
            if owned(obj, tag) and kube.alive(obj, now) and not kube.terminating(obj, now):
                retire(state, obj, now, grace)


def retire(state: State, obj: Obj, now: float, grace: float) -> None:
    kube.delete(state, obj, now, grace)
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        for pod in pods.pods_of(state, obj["kind"], ns, name, now):
            kube.delete(state, pod, now, grace)
        for rs in kube.listing(state, "ReplicaSet", now, ns):
            if rs["metadata"].get("ownerReferences", [{}])[0].get("uid") == obj["metadata"]["uid"]:
                kube.delete(state, rs, now, grace)
    if obj["kind"] == "CustomResourceDefinition":
        # Deleting a CRD deletes every object of its type.
        plural, group = obj["metadata"]["name"].split(".", 1)
        for k in kinds.KINDS:
            if k.plural == plural and k.group == group:
                for cr in kube.listing(state, kinds.store_key(k), now):
                    retire(state, cr, now, grace)
    if obj["kind"] == "Namespace":
        name = obj["metadata"]["name"]
        for _key, objs in list(state.get("k8s", {}).items()):
            for child in list(objs.values()):
                if child["metadata"].get("namespace") == name and not kube.terminating(child, now):
                    kube.delete(state, child, now, grace)
    if obj["kind"] == "Service" and obj.get("spec", {}).get("type") == "LoadBalancer":
        state.get("cluster", {}).get("lb_ips", {}).pop(obj["metadata"]["name"], None)
    if obj["kind"] == "PersistentVolumeClaim":
        release_claim(state, obj, now)


def release_claim(state: State, pvc: Obj, now: float) -> None:
    """A deleted claim releases its volume: Retain keeps it (Released), Delete removes it and its data."""
    pv = kube.get(state, "PersistentVolume", None, pvc.get("spec", {}).get("volumeName", ""), now)
    if pv is None:
        return
    if pv["spec"].get("persistentVolumeReclaimPolicy", "Delete") == "Delete":
        kube.delete(state, pv, now, 0.0)
        kube.private(pv)["wipe"] = True
        state.setdefault("pending_wipes", []).append(pv["_"].get("dir"))
    else:
        pv.setdefault("status", {})["phase"] = "Released"
        kube.touch(state, pv)


def ensure_crds(state: State, names: list[str], now: float, tag: str) -> None:
    for name in names:
        if kube.get(state, "CustomResourceDefinition", None, name, now) is None:
            plural, group = name.split(".", 1)
            kind_name = next(
                (k.kind for k in kinds.KINDS if k.plural == plural and k.group == group),
                plural[:-1].capitalize(),
            )
            scoped = next(
                (k.namespaced for k in kinds.KINDS if k.plural == plural and k.group == group), True
            )
            crd = kube.make_simple(
                state,
                now,
                "CustomResourceDefinition",
                name,
                body={
                    "spec": {
                        "group": group,
                        "names": {"kind": kind_name, "plural": plural, "singular": kind_name.lower()},
                        "scope": "Namespaced" if scoped else "Cluster",
                        "versions": [{"name": "v1", "served": True, "storage": True}],
                    },
                    "status": {"conditions": [{"type": "Established", "status": "True"}]},
                },
            )
            mark_owner(crd, tag)


def retire_crds(state: State, names: list[str], now: float, grace: float) -> None:
    for name in names:
        crd = kube.get(state, "CustomResourceDefinition", None, name, now)
        if crd is not None and not kube.terminating(crd, now):
            retire(state, crd, now, grace)


def grace_of(app: dict | None, now: float) -> float:
    if app is None or app.get("gone_at") is None:
        return 0.0
    return max(0.0, app["gone_at"] - now)


def alloc_lb_ip(state: State, service: str) -> str:
    ips = state["cluster"].setdefault("lb_ips", {})
    if service in ips:
        return ips[service]
    pool = LB_POOLS.get(state["cluster"]["distribution"], "10.64.140.")
    used = set(ips.values())
    for last in range(43, 250):
        ip = f"{pool}{last}"
        if ip not in used:
            ips[service] = ip
            return ip
    raise RuntimeError("load balancer pool exhausted")


def provision_claim(
    state: State,
    now: float,
    ns: str,
    claim: str,
    size: str,
    sandbox_dir: Path | None,
    labels: dict | None = None,
    reclaim: str = "Delete",
) -> tuple[Obj, Obj]:
    import uuid  # here: uuid brings `platform`, and most emulated commands make no volume

    pv_name = f"pvc-{uuid.uuid4()}"
    storage_class = state["cluster"]["storage_class"]
    pvc = kube.make_simple(
        state,
        now,
        "PersistentVolumeClaim",
        claim,
        ns,
        labels=labels,
        annotations={
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "volume.beta.kubernetes.io/storage-provisioner": state["cluster"]["provisioner"],
            "volume.kubernetes.io/storage-provisioner": state["cluster"]["provisioner"],
        },
        body={
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                "storageClassName": storage_class,
                "volumeMode": "Filesystem",
                "volumeName": pv_name,
            },
            "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}, "phase": "Bound"},
        },
    )
    pvc["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    host_path = (
        f"/var/snap/microk8s/common/default-storage/{ns}-{claim}-{pv_name}"
        if state["cluster"]["distribution"] == "microk8s"
        else f"/var/snap/k8s/common/rawfile-storage/{pv_name}"
    )
    pv = kube.make_simple(
        state,
        now,
        "PersistentVolume",
        pv_name,
        annotations={"pv.kubernetes.io/provisioned-by": state["cluster"]["provisioner"]},
        body={
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": size},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "name": claim,
                    "namespace": ns,
                    "uid": pvc["metadata"]["uid"],
                },
                "hostPath": {"path": host_path, "type": "DirectoryOrCreate"},
                "persistentVolumeReclaimPolicy": reclaim,
                "storageClassName": storage_class,
                "volumeMode": "Filesystem",
            },
            "status": {"phase": "Bound"},
        },
    )
    pv["metadata"]["finalizers"] = ["kubernetes.io/pv-protection"]
    kube.private(pv)["dir"] = f"volumes/{pv_name}"
    if sandbox_dir is not None:
        (Path(sandbox_dir) / "volumes" / pv_name).mkdir(parents=True, exist_ok=True)
    return pvc, pv
