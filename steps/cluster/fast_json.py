"""A fast path for big `kubectl get -o json` lists: decode only what Cairn reads of each pod.

A 20,000-pod list is tens of megabytes of JSON; the standard library builds every field of every
pod as Python objects (about 300 ms) only for the converter to read a dozen of them. msgspec
decodes pods straight into TypedDicts holding just those fields (plain dicts, so the converter in
`kube_format` is the same for every source) and other kinds in full. Anything unusual — not a
list, a type the schema does not expect — returns None, and the caller takes the standard path,
which also gives the precise error for malformed input.
"""

from __future__ import annotations

import gc
from typing import Any, TypedDict

try:
    import msgspec
except ImportError:  # pragma: no cover - msgspec is a dependency; the slow path still works
    msgspec = None  # type: ignore[assignment]

MIN_SIZE = 1 << 20  # below a megabyte the standard library is as quick


class _Container(TypedDict, total=False):
    name: str
    image: str
    restartPolicy: str


class _OwnerRef(TypedDict, total=False):
    kind: str
    name: str
    controller: bool


class _Meta(TypedDict, total=False):
    name: str
    namespace: str
    labels: dict[str, str]
    annotations: dict[str, str]
    ownerReferences: list[_OwnerRef]


class _Spec(TypedDict, total=False):
    containers: list[_Container]
    initContainers: list[_Container]


class _Condition(TypedDict, total=False):
    type: str
    status: str


class _ContainerStatus(TypedDict, total=False):
    ready: bool


class _Status(TypedDict, total=False):
    phase: str
    conditions: list[_Condition]
    containerStatuses: list[_ContainerStatus]


class _Pod(TypedDict, total=False):
    apiVersion: str
    kind: str
    metadata: _Meta
    spec: _Spec
    status: _Status


if msgspec is not None:

    class _List(msgspec.Struct, gc=False):
        kind: str = ""
        apiVersion: str = ""
        items: list[msgspec.Raw] = []

    _LIST = msgspec.json.Decoder(_List)
    _POD = msgspec.json.Decoder(_Pod)
    _ANY = msgspec.json.Decoder()


def decode_list(text: str) -> dict[str, Any] | None:
    """A Kubernetes List/`<Kind>List` as a dict with partial pods, or None to take the slow path."""
    if msgspec is None or len(text) < MIN_SIZE:
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of acyclic objects: the collector would only re-scan them
    try:
        doc = _LIST.decode(text)  # msgspec reads str directly: no 40 ms copy into bytes
        if not doc.kind.endswith("List") or not doc.items:
            return None
        pod_list = doc.kind == "PodList"
        items = []
        for raw in doc.items:
            # Most items are pods: decode with the pod schema first, and in full only when the
            # item turns out to be something else (its whole content may matter to a check).
            item = _POD.decode(raw)
            kind = item.get("kind", "")
            items.append(item if kind == "Pod" or (pod_list and not kind) else _ANY.decode(raw))
        return {"kind": doc.kind, "apiVersion": doc.apiVersion, "items": items}
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    finally:
        if enabled:
            gc.enable()
