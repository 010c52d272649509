"""The Kubernetes object store inside the state (pods and their controllers are in pods.py).

Objects live in state["k8s"][<store key>][<namespace>/<name> or <name>] as the API would hold
them, plus a private "_" dict (stripped on output) with the timestamps the lazy clock needs:
`ready_at` (containers up), `gone_at` (deleted; Terminating until then) and failure marks.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterable
from typing import Any

from . import kinds
from .state import State, next_counter, snapshot_memo

Obj = dict[str, Any]
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# --- keys, timestamps, names -------------------------------------------------------------------


def okey(namespace: str | None, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(text: str | None) -> float:
    if not text:
        return 0.0
    # calendar, hashlib, random and uuid are imported where used: most emulated commands are
    # reads that need few of them, and each emulator process pays for its imports.
    import calendar

    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def rand_suffix(n: int = 5) -> str:
    import random

    return "".join(random.choice(_HASH_ALPHABET) for _ in range(n))


def template_hash(template: Any) -> str:
    import hashlib

    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_HASH_ALPHABET[b % len(_HASH_ALPHABET)] for b in digest[:10])


def hex8() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


def alloc_pod_ip(state: State) -> str:
    n = next_counter(state, "pod_ip", 20)
    return f"10.1.{(n // 250) % 250}.{n % 250 + 2}"


def alloc_cluster_ip(state: State) -> str:
    n = next_counter(state, "svc_ip", 20)
    return f"10.152.183.{n % 250 + 2}"


# --- the store ---------------------------------------------------------------------------------


def bucket(state: State, key: str) -> dict[str, Obj]:
    return state.setdefault("k8s", {}).setdefault(key, {})


def private(obj: Obj) -> dict[str, Any]:
    return obj.setdefault("_", {})


def alive(obj: Obj | None, now: float) -> bool:
    """Visible to the API: not deleted, or deleted but still terminating."""
    if obj is None:
        return False
    gone = obj.get("_", {}).get("gone_at")
    return gone is None or gone > now


def terminating(obj: Obj, now: float) -> bool:
    gone = obj.get("_", {}).get("gone_at")
    return gone is not None and gone > now


def new_object(
    state: State,
    kind: kinds.Kind,
    name: str,
    namespace: str | None,
    now: float,
    *,
    labels: dict | None = None,
    annotations: dict | None = None,
    owner: Obj | None = None,
) -> Obj:
    meta: Obj = {"name": name}
    if kind.namespaced:
        meta["namespace"] = namespace or "default"
    import uuid

    meta["uid"] = str(uuid.uuid4())
    meta["resourceVersion"] = str(next_counter(state, "resource_version", 1000))
    meta["creationTimestamp"] = iso(now)
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    if owner is not None:
        meta["ownerReferences"] = [owner_ref(owner)]
    obj: Obj = {"apiVersion": kind.api_version, "kind": kind.kind, "metadata": meta}
    obj["_"] = {"created": now}
    return obj


def owner_ref(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def put(state: State, obj: Obj) -> Obj:
    kind = kind_of(obj)
    meta = obj["metadata"]
    bucket(state, kinds.store_key(kind))[
        okey(meta.get("namespace") if kind.namespaced else None, meta["name"])
    ] = obj
    return obj


def touch(state: State, obj: Obj) -> None:
    """A change to an existing object: new resourceVersion, like the API server."""
    obj["metadata"]["resourceVersion"] = str(next_counter(state, "resource_version", 1000))


def kind_of(obj: Obj) -> kinds.Kind:
    api = obj["apiVersion"]
    group = api.split("/")[0] if "/" in api else ""
    for k in kinds.KINDS:
        if k.kind == obj["kind"] and k.group == group:
            return k
    raise KeyError(f"{obj['kind']} {api}")


def get(state: State, key: str, namespace: str | None, name: str, now: float) -> Obj | None:
    obj = state.get("k8s", {}).get(key, {}).get(okey(namespace, name))
    return obj if alive(obj, now) else None


def listing(state: State, key: str, now: float, namespace: str | None = None) -> list[Obj]:
    """The live objects of a kind, sorted. Inside a read-only snapshot each listing is made once:
    a state read renders every workload, and each looked up its pods by scanning them all."""
    memo = snapshot_memo(state)
    if memo is None:
        return _listing(state, key, now, namespace)
    found = memo.get(("listing", key, namespace))
    if found is None:
        found = memo[("listing", key, namespace)] = _listing(state, key, now, namespace)
    return list(found)


def _listing(state: State, key: str, now: float, namespace: str | None) -> list[Obj]:
    out = []
    for obj in state.get("k8s", {}).get(key, {}).values():
        if not alive(obj, now):
            continue
        if namespace is not None and obj["metadata"].get("namespace") != namespace:
            continue
        out.append(obj)
    out.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    return out


def delete(state: State, obj: Obj, now: float, grace: float = 0.0) -> None:
    """Mark deleted; with a grace period the object shows as Terminating until it passes."""
    p = private(obj)
    if p.get("held_by"):
        return  # deletion already requested; a finalizer nobody removes holds it (see knative.py)
    if p.get("gone_at") is not None and p["gone_at"] <= now + grace:
        return
    p["gone_at"] = now + grace
    obj["metadata"]["deletionTimestamp"] = iso(now + grace)
    touch(state, obj)


def collect_garbage(state: State, now: float) -> None:
    """Drop objects whose deletion has completed (done inside write transactions only)."""
    for _key, objs in state.get("k8s", {}).items():
        for k in [k for k, o in objs.items() if not alive(o, now)]:
            del objs[k]


def public(obj: Obj) -> Obj:
    """The object as the API returns it: without the sandbox's private marks."""
    return {k: _copy(v) for k, v in obj.items() if k != "_"}


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, tuples, scalars): several times faster than
    `copy.deepcopy`, whose memo and dispatch serve object graphs this data never has."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset((str, int, float, bool, type(None)))


def labels_of(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("labels") or {}


# --- namespaces, services, plain objects --------------------------------------------------------


def ensure_namespace(state: State, name: str, now: float, labels: dict[str, str] | None = None) -> Obj:
    ns = get(state, "Namespace", None, name, now)
    if ns is None:
        ns = new_object(
            state,
            kinds.by_store_key("Namespace"),
            name,
            None,
            now,
            labels={"kubernetes.io/metadata.name": name, **(labels or {})},
        )
        ns["spec"] = {"finalizers": ["kubernetes"]}
        ns["status"] = {"phase": "Active"}
        put(state, ns)
    return ns


def make_service(
    state: State,
    now: float,
    namespace: str,
    name: str,
    *,
    selector: dict[str, str],
    ports: Iterable[tuple[str, int]],
    svc_type: str = "ClusterIP",
    labels: dict | None = None,
    headless: bool = False,
    lb_ip: str | None = None,
) -> Obj:
    svc = new_object(state, kinds.by_store_key("Service"), name, namespace, now, labels=labels or selector)
    spec: Obj = {
        "clusterIP": "None" if headless else alloc_cluster_ip(state),
        "ports": [
            {"name": pname, "port": port, "protocol": "TCP", "targetPort": port} for pname, port in ports
        ],
        "selector": dict(selector),
        "sessionAffinity": "None",
        "type": svc_type,
    }
    spec["clusterIPs"] = [spec["clusterIP"]]
    if svc_type == "LoadBalancer":
        spec["externalTrafficPolicy"] = "Cluster"
        for port in spec["ports"]:
            port["nodePort"] = 30000 + next_counter(state, "node_port", 100) % 2700
    svc["spec"] = spec
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": lb_ip, "ipMode": "VIP"}]} if lb_ip else {}}
    return put(state, svc)


def make_simple(
    state: State,
    now: float,
    store_key: str,
    name: str,
    namespace: str | None = None,
    *,
    labels: dict | None = None,
    annotations: dict | None = None,
    body: Obj | None = None,
    owner: Obj | None = None,
) -> Obj:
    obj = new_object(
        state,
        kinds.by_store_key(store_key),
        name,
        namespace,
        now,
        labels=labels,
        annotations=annotations,
        owner=owner,
    )
    for key, value in (body or {}).items():
        obj[key] = copy.deepcopy(value)
    return put(state, obj)
