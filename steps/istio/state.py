"""`kubectl get … -o json|yaml` output -> `IstioState`: typed records keyed by (API group, kind,
namespace, name), so an Istio `Gateway` and a Gateway API `Gateway` of the same name never
overwrite each other.

Accepts single objects, `List` (kubectl's mixed-kind list) and `<Kind>List` (from the API, whose
items carry no kind), several kinds in one text. Kinds the analysis does not read are ignored with
one note per kind. Of Secrets only those labelled `istio/multiCluster=true` are kept, and only
their metadata: `data`, `stringData` and the last-applied annotation never enter a record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from ..cluster.documents import load_documents
from ..cluster.errors import StateParseError
from ..cluster.shape import EMPTY, mapping, sequence, string_map, text

CORE = ""
APPS = "apps"
CRD_GROUP = "apiextensions.k8s.io"
SECURITY = "security.istio.io"
NETWORKING = "networking.istio.io"
EXTENSIONS = "extensions.istio.io"
TELEMETRY = "telemetry.istio.io"
GATEWAY_API = "gateway.networking.k8s.io"

MULTICLUSTER_LABEL = "istio/multiCluster"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# The Istio and Gateway API kinds the analysis reads, kept whole (metadata and spec).
CONFIG_KINDS: tuple[tuple[str, str], ...] = (
    (SECURITY, "AuthorizationPolicy"),
    (SECURITY, "PeerAuthentication"),
    (SECURITY, "RequestAuthentication"),
    (NETWORKING, "VirtualService"),
    (NETWORKING, "DestinationRule"),
    (NETWORKING, "EnvoyFilter"),
    (NETWORKING, "Sidecar"),
    (NETWORKING, "ServiceEntry"),
    (NETWORKING, "WorkloadEntry"),
    (NETWORKING, "Gateway"),
    (EXTENSIONS, "WasmPlugin"),
    (TELEMETRY, "Telemetry"),
    (GATEWAY_API, "Gateway"),
    (GATEWAY_API, "HTTPRoute"),
    (GATEWAY_API, "GatewayClass"),
)
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# Mesh configuration lives in these ConfigMaps (`istio`, `istio-<revision>`, istio-cni's own).
ISTIO_CNI_CONFIG = "istio-cni-config"


@dataclass(frozen=True, order=True)
class Key:
    group: str
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    @property
    def subject(self) -> str:
        """`Kind/namespace/name`; a cluster-scoped object has an empty namespace: `Kind//name`."""
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    env: Mapping[str, str]  # literal values only; valueFrom entries read as ""
    args: tuple[str, ...]
    native_sidecar: bool = False  # an init container with restartPolicy Always


@dataclass(frozen=True)
class Namespace:
    key: Key
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Pod:
    key: Key
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...]
    service_account: str
    host_network: bool
    owner_kind: str  # Deployment for a ReplicaSet named <deployment>-<pod-template-hash>
    owner_name: str

    @property
    def proxy(self) -> Container | None:
        """The `istio-proxy` container, a native sidecar (init container) included."""
        for c in self.containers:
            if c.name == "istio-proxy":
                return c
        for c in self.init_containers:
            if c.name == "istio-proxy" and c.native_sidecar:
                return c
        return None

    @property
    def is_gateway(self) -> bool:
        """An ingress, egress, east-west gateway or waypoint: its proxy is the workload, not a sidecar."""
        if any(k in self.labels for k in GATEWAY_POD_LABELS):
            return True
        if self.labels.get("istio") in ("ingressgateway", "egressgateway", "eastwestgateway"):
            return True
        if "gateway" in self.annotations.get("inject.istio.io/templates", "").split(","):
            return True
        proxy = self.proxy
        return proxy is not None and proxy.args[:2] == ("proxy", "router")

    @property
    def has_sidecar(self) -> bool:
        return self.proxy is not None and not self.is_gateway


GATEWAY_POD_LABELS = (
    "istio.io/gateway-name",
    "gateway.networking.k8s.io/gateway-name",
    "gateway.istio.io/managed",
)


@dataclass(frozen=True)
class Service:
    key: Key
    labels: Mapping[str, str]
    selector: Mapping[str, str]
    cluster_ip: str
    ports: tuple[Mapping[str, Any], ...]

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"


@dataclass(frozen=True)
class Workload:
    """A Deployment, StatefulSet or DaemonSet, with its pod template."""

    key: Key
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    template_labels: Mapping[str, str]
    template_annotations: Mapping[str, str]
    containers: tuple[Container, ...]


@dataclass(frozen=True)
class Crd:
    key: Key  # cluster-scoped; name = <plural>.<group>


@dataclass(frozen=True)
class ConfigMap:
    key: Key
    labels: Mapping[str, str]
    data: Mapping[str, str]  # kept only for Istio's own ConfigMaps (see `_keeps_data`)


@dataclass(frozen=True)
class SecretMeta:
    """A Secret labelled istio/multiCluster=true: its metadata only, never its data."""

    key: Key
    labels: Mapping[str, str]


@dataclass(frozen=True)
class ConfigObject:
    """An Istio or Gateway API object: metadata and spec as read."""

    key: Key
    api_version: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    spec: Mapping[str, Any]

    @property
    def namespace(self) -> str:
        return self.key.namespace

    @property
    def name(self) -> str:
        return self.key.name


Record = Namespace | Pod | Service | Workload | Crd | ConfigMap | SecretMeta | ConfigObject


@dataclass
class IstioState:
    objects: dict[Key, Record] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # (group, kind) -> its keys, sorted; rebuilt after objects are added.
    _index: dict[tuple[str, str], list[Key]] | None = field(default=None, repr=False, compare=False)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_objects(cls, objs: Iterable[Mapping[str, Any]], where: str = "input") -> IstioState:
        """Objects or lists of them, as `kubectl get -o json` or the API hands them over."""
        state = cls()
        ignored: Counter[str] = Counter()
        for i, doc in enumerate(objs):
            state._add_document(doc, f"{where}[{i}]", ignored)
        state._note_ignored(ignored)
        return state

    @classmethod
    def from_texts(cls, texts: Iterable[str | tuple[str, str]]) -> IstioState:
        """Each text is kubectl output (JSON, or YAML with one or many documents); a pair is
        (where it came from, text). Malformed text raises `StateParseError` naming the place."""
        state = cls()
        ignored: Counter[str] = Counter()
        for i, item in enumerate(texts):
            where, body = item if isinstance(item, tuple) else (f"text {i + 1}", item)
            state.add_text(body, where, ignored)
        state._note_ignored(ignored)
        return state

    def add_text(self, body: str, where: str, ignored: Counter[str] | None = None) -> int:
        """Add one text's objects; returns how many Kubernetes documents it held."""
        own = ignored is None
        counts: Counter[str] = Counter() if ignored is None else ignored
        if not body.strip():
            return 0
        found = 0
        for doc in load_documents(body, where):
            if _looks_like_objects(doc):
                self._add_document(doc, where, counts)
                found += 1
            elif isinstance(doc, list) and doc and all(_looks_like_objects(d) for d in doc):
                for j, item in enumerate(doc):
                    self._add_document(item, f"{where}[{j}]", counts)
                found += 1
        if not found:
            self.notes.append(f"{where}: no Kubernetes objects; ignored")
        if own:
            self._note_ignored(counts)
        return found

    def _note_ignored(self, ignored: Counter[str]) -> None:
        if ignored:
            listed = ", ".join(f"{kind} ({n})" for kind, n in sorted(ignored.items()))
            self.notes.append(f"ignored objects of kinds the analysis does not read: {listed}")

    def _add_document(self, doc: Any, where: str, ignored: Counter[str]) -> None:
        doc = mapping(doc, where, "")
        kind = text(doc.get("kind"), where, "kind")
        api_version = text(doc.get("apiVersion"), where, "apiVersion")
        if kind == "List" or (kind.endswith("List") and "items" in doc):
            item_kind = "" if kind == "List" else kind[: -len("List")]
            for i, item in enumerate(sequence(doc.get("items"), where, "items")):
                self._add_one(item, where, f"items[{i}]", ignored, item_kind, api_version)
            return
        self._add_one(doc, where, "", ignored, "", "")

    def _add_one(
        self, obj: Any, where: str, path: str, ignored: Counter[str], list_kind: str, list_api: str
    ) -> None:
        obj = mapping(obj, where, path or "document")
        kind = text(obj.get("kind"), where, _join(path, "kind")) or list_kind
        api_version = text(obj.get("apiVersion"), where, _join(path, "apiVersion")) or list_api
        if not kind:
            raise StateParseError(where, "the object has no kind", path or "document")
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else CORE
        meta = mapping(obj.get("metadata"), where, _join(path, "metadata"))
        name = text(meta.get("name"), where, _join(path, "metadata.name"))
        if not name:
            raise StateParseError(where, f"a {kind} without metadata.name", _join(path, "metadata.name"))
        key = Key(group, kind, text(meta.get("namespace"), where, _join(path, "metadata.namespace")), name)
        labels = string_map(meta.get("labels"), where, _join(path, "metadata.labels"))
        parser = _PARSERS.get((group, kind))
        if parser is None:
            ignored[kind if not group else f"{kind}.{group}"] += 1
            return
        record = parser(key, obj, meta, labels, where, path)
        if isinstance(record, ConfigObject) and record.api_version != api_version:
            record = replace(record, api_version=api_version)  # a <Kind>List's items carry none
        if record is not None:
            self.objects[key] = record  # a later copy of an object replaces an earlier one
            self._index = None

    # -- reading ----------------------------------------------------------------------------
    def records(self, group: str, kind: str) -> Iterator[Any]:
        """Every record of one kind, sorted by namespace and name."""
        if self._index is None:
            index: dict[tuple[str, str], list[Key]] = {}
            for k in sorted(self.objects):
                index.setdefault((k.group, k.kind), []).append(k)
            self._index = index
        for key in self._index.get((group, kind), ()):
            yield self.objects[key]

    def get(self, group: str, kind: str, namespace: str, name: str) -> Any | None:
        return self.objects.get(Key(group, kind, namespace, name))

    @property
    def namespaces(self) -> list[Namespace]:
        return list(self.records(CORE, "Namespace"))

    @property
    def pods(self) -> list[Pod]:
        return list(self.records(CORE, "Pod"))

    @property
    def services(self) -> list[Service]:
        return list(self.records(CORE, "Service"))

    @property
    def workloads(self) -> list[Workload]:
        return [w for kind in WORKLOAD_KINDS for w in self.records(APPS, kind)]

    @property
    def crds(self) -> list[Crd]:
        return list(self.records(CRD_GROUP, "CustomResourceDefinition"))

    @property
    def config_maps(self) -> list[ConfigMap]:
        return list(self.records(CORE, "ConfigMap"))

    @property
    def multicluster_secrets(self) -> list[SecretMeta]:
        return list(self.records(CORE, "Secret"))

    def config(self, group: str, kind: str) -> list[ConfigObject]:
        return list(self.records(group, kind))

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        ns = self.objects.get(Key(CORE, "Namespace", "", name))
        return ns.labels if isinstance(ns, Namespace) else EMPTY


# -- parsers ---------------------------------------------------------------------------------


def _join(path: str, rest: str) -> str:
    return f"{path}.{rest}" if path else rest


def _looks_like_objects(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("kind"), str) and "apiVersion" in doc


def _annotations(meta: Mapping[str, Any], where: str, path: str) -> Mapping[str, str]:
    found = string_map(meta.get("annotations"), where, _join(path, "metadata.annotations"))
    if LAST_APPLIED in found:
        # A copy of the whole object; never needed, and for a Secret it holds the data.
        return {k: v for k, v in found.items() if k != LAST_APPLIED}
    return found


def _containers(items: Any, where: str, path: str, init: bool = False) -> tuple[Container, ...]:
    out = []
    for i, item in enumerate(sequence(items, where, path)):
        c = mapping(item, where, f"{path}[{i}]")
        env: dict[str, str] = {}
        for j, e in enumerate(sequence(c.get("env"), where, f"{path}[{i}].env")):
            e = mapping(e, where, f"{path}[{i}].env[{j}]")
            env[text(e.get("name"), where, f"{path}[{i}].env[{j}].name")] = text(
                e.get("value"), where, f"{path}[{i}].env[{j}].value"
            )
        args = tuple(
            text(a, where, f"{path}[{i}].args") for a in sequence(c.get("args"), where, f"{path}[{i}].args")
        )
        out.append(
            Container(
                name=text(c.get("name"), where, f"{path}[{i}].name"),
                image=text(c.get("image"), where, f"{path}[{i}].image"),
                env=env,
                args=args,
                native_sidecar=init and c.get("restartPolicy") == "Always",
            )
        )
    return tuple(out)


def _owner(meta: Mapping[str, Any], labels: Mapping[str, str]) -> tuple[str, str]:
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list) or not refs:
        return "", ""
    chosen = next((r for r in refs if isinstance(r, Mapping) and r.get("controller")), refs[0])
    if not isinstance(chosen, Mapping):
        return "", ""
    kind, name = str(chosen.get("kind") or ""), str(chosen.get("name") or "")
    suffix = f"-{labels.get('pod-template-hash', '')}"
    if kind == "ReplicaSet" and len(suffix) > 1 and name.endswith(suffix):
        return "Deployment", name[: -len(suffix)]
    return kind, name


def _namespace(key, obj, meta, labels, where, path) -> Namespace:
    return Namespace(Key(CORE, "Namespace", "", key.name), labels)


def _pod(key, obj, meta, labels, where, path) -> Pod:
    spec = mapping(obj.get("spec"), where, _join(path, "spec"))
    owner_kind, owner_name = _owner(meta, labels)
    return Pod(
        key=key,
        labels=labels,
        annotations=_annotations(meta, where, path),
        containers=_containers(spec.get("containers"), where, _join(path, "spec.containers")),
        init_containers=_containers(
            spec.get("initContainers"), where, _join(path, "spec.initContainers"), True
        ),
        service_account=text(spec.get("serviceAccountName"), where, _join(path, "spec.serviceAccountName"))
        or "default",
        host_network=spec.get("hostNetwork") is True,
        owner_kind=owner_kind,
        owner_name=owner_name,
    )


def _service(key, obj, meta, labels, where, path) -> Service:
    spec = mapping(obj.get("spec"), where, _join(path, "spec"))
    ports = tuple(
        dict(mapping(p, where, _join(path, "spec.ports")))
        for p in sequence(spec.get("ports"), where, "spec.ports")
    )
    return Service(
        key=key,
        labels=labels,
        selector=string_map(spec.get("selector"), where, _join(path, "spec.selector")),
        cluster_ip=text(spec.get("clusterIP"), where, _join(path, "spec.clusterIP")),
        ports=ports,
    )


def _workload(key, obj, meta, labels, where, path) -> Workload:
    spec = mapping(obj.get("spec"), where, _join(path, "spec"))
    template = mapping(spec.get("template"), where, _join(path, "spec.template"))
    tmeta = mapping(template.get("metadata"), where, _join(path, "spec.template.metadata"))
    tspec = mapping(template.get("spec"), where, _join(path, "spec.template.spec"))
    return Workload(
        key=key,
        labels=labels,
        annotations=_annotations(meta, where, path),
        template_labels=string_map(tmeta.get("labels"), where, _join(path, "spec.template.metadata.labels")),
        template_annotations=string_map(
            tmeta.get("annotations"), where, _join(path, "spec.template.metadata.annotations")
        ),
        containers=_containers(tspec.get("containers"), where, _join(path, "spec.template.spec.containers")),
    )


def _crd(key, obj, meta, labels, where, path) -> Crd:
    return Crd(Key(CRD_GROUP, "CustomResourceDefinition", "", key.name))


def _keeps_data(name: str) -> bool:
    return name == "istio" or name.startswith("istio-")


def _config_map(key, obj, meta, labels, where, path) -> ConfigMap | None:
    if not _keeps_data(key.name):
        return None  # the analysis reads only Istio's own ConfigMaps; others may be large
    data = string_map(obj.get("data"), where, _join(path, "data"))
    return ConfigMap(key, labels, data)


def _secret(key, obj, meta, labels, where, path) -> SecretMeta | None:
    if labels.get(MULTICLUSTER_LABEL) != "true":
        return None
    return SecretMeta(key, labels)  # metadata only: the data is never looked at


def _config(key, obj, meta, labels, where, path) -> ConfigObject:
    api_version = text(obj.get("apiVersion"), where, _join(path, "apiVersion"))
    return ConfigObject(
        key=key,
        api_version=api_version or key.group,
        labels=labels,
        annotations=_annotations(meta, where, path),
        spec=mapping(obj.get("spec"), where, _join(path, "spec")),
    )


# Typed, or mypy joins the parsers into one returning `object`. None: an object not kept.
_PARSERS: dict[tuple[str, str], Callable[..., Record | None]] = {
    (CORE, "Namespace"): _namespace,
    (CORE, "Pod"): _pod,
    (CORE, "Service"): _service,
    (CORE, "ConfigMap"): _config_map,
    (CORE, "Secret"): _secret,
    (CRD_GROUP, "CustomResourceDefinition"): _crd,
    **{(APPS, kind): _workload for kind in WORKLOAD_KINDS},
    **{gk: _config for gk in CONFIG_KINDS},
}


def mesh_config(cm: ConfigMap) -> Mapping[str, Any]:
    """The `mesh` key of Istio's ConfigMap, parsed; {} when absent or unreadable."""
    try:
        found = yaml.safe_load(cm.data.get("mesh", "") or "{}")
    except yaml.YAMLError:
        return {}
    return found if isinstance(found, Mapping) else {}
