"""`kubectl get -o json|yaml` and `kubectl version -o json` output -> state parts.

Accepts single objects, `List` (kubectl's mixed-kind list) and `<Kind>List` (one resource type;
from the API its items carry no `kind`, so the list's kind names them). Pods and Namespaces get
their own types; every other object is kept whole as a `KubeObject`, except that a Secret's
`data`, `stringData` and last-applied annotation are dropped here, before anything can keep them.

Written for size: a cluster with tens of thousands of pods is parsed without copying each pod's
dict, and identical containers are shared between pods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import StateParseError
from .shape import EMPTY, mapping, sequence, string_map, text
from .state import Container, KubeObject, Namespace, Pod

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_SECRET_FIELDS = ("data", "stringData")


@dataclass
class KubeObjects:
    """Objects collected from any number of documents; a later copy of an object replaces an earlier one."""

    pods: dict[tuple[str, str], Pod] = field(default_factory=dict)
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    # kind -> (API group, namespace, name) -> object: one kind name can live in two API groups.
    objects: dict[str, dict[tuple[str, str, str], KubeObject]] = field(default_factory=dict)
    # Containers are frozen and hashable: pods of one workload share the same instances.
    containers: dict[tuple[str, str, bool, str], Container] = field(default_factory=dict)


def looks_like_objects(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("kind"), str) and "apiVersion" in doc


def looks_like_version(doc: Any) -> bool:
    return isinstance(doc, Mapping) and ("clientVersion" in doc or "serverVersion" in doc)


def parse_version(doc: Any, where: str) -> tuple[str, str]:
    """`kubectl version -o json` -> (client gitVersion, server gitVersion); "" for a part not shown."""
    found = mapping(doc, where, "")
    client = mapping(found.get("clientVersion"), where, "clientVersion")
    server = mapping(found.get("serverVersion"), where, "serverVersion")
    return (
        text(client.get("gitVersion"), where, "clientVersion.gitVersion"),
        text(server.get("gitVersion"), where, "serverVersion.gitVersion"),
    )


def add_objects(doc: Any, where: str, into: KubeObjects) -> int:
    """Add one document (an object or a list of them) to `into`; returns how many objects it held."""
    if not looks_like_objects(doc):
        raise StateParseError(where, "not a Kubernetes object (no kind and apiVersion)")
    kind = doc["kind"]
    if kind == "List" or (kind.endswith("List") and "items" in doc):
        item_kind = "" if kind == "List" else kind[: -len("List")]
        api_version = text(doc.get("apiVersion"), where, "apiVersion")
        items = sequence(doc.get("items"), where, "items")
        for i, item in enumerate(items):
            _add_one(item, where, f"items[{i}]", into, item_kind, api_version)
        return len(items)
    _add_one(doc, where, "", into, "", "")
    return 1


def _add_one(obj: Any, where: str, path: str, into: KubeObjects, list_kind: str, list_api: str) -> None:
    if type(obj) is Pod:  # decoded straight into a Pod by fast_json
        into.pods[(obj.namespace, obj.name)] = obj
        return
    if not isinstance(obj, dict):
        raise StateParseError(where, "expected an object (a mapping)", path or "document")
    kind = obj.get("kind") or list_kind
    if not isinstance(kind, str) or not kind:
        raise StateParseError(where, "the object has no kind", path or "document")
    meta = obj.get("metadata")
    if type(meta) is not dict:
        meta = mapping(meta, where, _join(path, "metadata"))
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise StateParseError(where, f"a {kind} without metadata.name", _join(path, "metadata.name"))
    namespace = meta.get("namespace") or ""
    if not isinstance(namespace, str):
        raise StateParseError(where, "expected a string", _join(path, "metadata.namespace"))
    if kind == "Pod":
        into.pods[(namespace, name)] = _pod(obj, meta, namespace, name, where, path, into.containers)
    elif kind == "Namespace":
        into.namespaces[name] = Namespace(name, _strings(meta.get("labels"), where, path, "metadata.labels"))
    else:
        if kind == "Secret":
            obj = _without_secret_values(obj)
        api_version = text(obj.get("apiVersion") or list_api, where, _join(path, "apiVersion"))
        found = KubeObject(
            kind=kind,
            name=name,
            namespace=namespace,
            api_version=api_version,
            labels=_strings(meta.get("labels"), where, path, "metadata.labels"),
            raw=obj,
        )
        into.objects.setdefault(kind, {})[(found.group, namespace, name)] = found


def _join(path: str, rest: str) -> str:
    return f"{path}.{rest}" if path else rest


def _without_secret_values(obj: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in obj.items() if k not in _SECRET_FIELDS}
    meta = obj.get("metadata")
    if (
        isinstance(meta, dict)
        and isinstance(meta.get("annotations"), dict)
        and LAST_APPLIED in meta["annotations"]
    ):
        # The last-applied annotation holds a copy of the Secret's data.
        annotations = {k: v for k, v in meta["annotations"].items() if k != LAST_APPLIED}
        kept["metadata"] = {**meta, "annotations": annotations}
    return kept


def _strings(value: Any, where: str, path: str, name: str) -> Mapping[str, str]:
    """Labels or annotations; the common case (a dict of strings) is returned as it is."""
    if value is None:
        return EMPTY
    if type(value) is dict:
        for item in value.values():
            if type(item) is not str:
                break
        else:
            return value
    return string_map(value, where, _join(path, name))  # converts YAML scalars, or raises


def _pod(
    obj: dict[str, Any],
    meta: Mapping[str, Any],
    namespace: str,
    name: str,
    where: str,
    path: str,
    cache: dict[tuple[Any, Any, bool, Any], Container],  # keyed by the raw fields, malformed or not
) -> Pod:
    labels = _strings(meta.get("labels"), where, path, "metadata.labels")
    spec = obj.get("spec") or EMPTY
    if type(spec) is not dict:
        spec = mapping(spec, where, _join(path, "spec"))
    containers: list[Container] = []
    for key, init in (("containers", False), ("initContainers", True)):
        items = spec.get(key)
        if not items:
            continue
        if type(items) is not list:
            items = sequence(items, where, _join(path, f"spec.{key}"))
        for i, item in enumerate(items):
            container = None
            if type(item) is dict:
                try:
                    container = cache.get(
                        (item.get("name"), item.get("image") or "", init, item.get("restartPolicy") or "")
                    )
                except TypeError:  # an unhashable (so malformed) field: _container reports it
                    pass
            if container is None:
                container = _container(item, init, where, _join(path, f"spec.{key}[{i}]"), cache)
            containers.append(container)
    status = obj.get("status") or EMPTY
    if type(status) is not dict:
        status = mapping(status, where, _join(path, "status"))
    phase = status.get("phase") or ""
    if type(phase) is not str:
        phase = text(phase, where, _join(path, "status.phase"))
    owner_kind, owner_name = _owner(meta, labels, where, path)
    return Pod(
        namespace=namespace,
        name=name,
        labels=labels,
        annotations=_strings(meta.get("annotations"), where, path, "metadata.annotations"),
        containers=tuple(containers),
        phase=phase,
        ready=_ready(status, where, path),
        owner_kind=owner_kind,
        owner_name=owner_name,
    )


def _container(item: Any, init: bool, where: str, path: str, cache: dict) -> Container:
    """The first container of its kind: checked, then shared through `cache`."""
    if type(item) is not dict:
        raise StateParseError(where, "expected a container (a mapping)", path)
    cname = item.get("name")
    if not isinstance(cname, str) or not cname:
        raise StateParseError(where, "a container without a name", f"{path}.name")
    image = item.get("image") or ""
    restart = item.get("restartPolicy") or ""
    if type(image) is not str or type(restart) is not str:
        raise StateParseError(where, "image and restartPolicy must be strings", path)
    ident = (cname, image, init, restart)
    container = cache[ident] = Container(cname, image, init, restart)
    return container


def _ready(status: Mapping[str, Any], where: str, path: str) -> bool:
    conditions = status.get("conditions")
    if conditions:
        if type(conditions) is not list:
            conditions = sequence(conditions, where, _join(path, "status.conditions"))
        for cond in conditions:
            if type(cond) is not dict:
                raise StateParseError(where, "expected a mapping", _join(path, "status.conditions"))
            if cond.get("type") == "Ready":
                return cond.get("status") == "True"
    statuses = sequence(status.get("containerStatuses"), where, _join(path, "status.containerStatuses"))
    return bool(statuses) and all(isinstance(s, dict) and s.get("ready") is True for s in statuses)


def _owner(meta: Mapping[str, Any], labels: Mapping[str, str], where: str, path: str) -> tuple[str, str]:
    refs = meta.get("ownerReferences")
    if not refs:
        return "", ""
    if type(refs) is not list:
        refs = sequence(refs, where, _join(path, "metadata.ownerReferences"))
    chosen = refs[0]
    for ref in refs:
        if type(ref) is dict and ref.get("controller"):
            chosen = ref
            break
    if type(chosen) is not dict:
        raise StateParseError(where, "expected a mapping", _join(path, "metadata.ownerReferences[0]"))
    kind = chosen.get("kind") or ""
    owner = chosen.get("name") or ""
    if type(kind) is not str or type(owner) is not str:
        raise StateParseError(where, "kind and name must be strings", _join(path, "metadata.ownerReferences"))
    return deployment_of(kind, owner, labels)


def deployment_of(kind: str, owner: str, labels: Mapping[str, str]) -> tuple[str, str]:
    """A Deployment's ReplicaSet is named <deployment>-<pod-template-hash>: name the Deployment,
    which is what a person restarts."""
    if kind == "ReplicaSet":
        suffix = f"-{labels.get('pod-template-hash', '')}"
        if len(suffix) > 1 and owner.endswith(suffix):
            return "Deployment", owner[: -len(suffix)]
    return kind, owner
