"""ClusterState: one read of a Juju model and its Kubernetes cluster.

Every source (live, saved files, sandbox) ends in this shape, built by the parsers in this
package from the real tools' formats. It is plain frozen data: safe to hand between threads and
cheap to compare between two reads (the app highlights what changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SIDECAR_CONTAINER = "istio-proxy"


@dataclass(frozen=True)
class Status:
    """A Juju status: `current` is active, blocked, waiting, maintenance, error, unknown…"""

    current: str
    message: str = ""
    since: str | None = None


@dataclass(frozen=True)
class Relation:
    """One side of a relation as `juju status` shows it for the local app."""

    endpoint: str
    related_app: str
    interface: str = ""
    scope: str = "global"


@dataclass(frozen=True)
class Unit:
    name: str
    workload: Status
    agent: Status  # juju-status: idle, executing, allocating…; message "installing agent" etc.
    leader: bool = False
    address: str = ""


@dataclass(frozen=True)
class App:
    name: str
    charm: str
    channel: str = ""
    revision: int | None = None
    status: Status = Status("unknown")
    units: tuple[Unit, ...] = ()
    relations: tuple[Relation, ...] = ()
    scale: int | None = None
    life: str = ""
    version: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)  # only when the source read it

    def related_to(self, app: str, endpoint: str | None = None) -> bool:
        return any(
            r.related_app == app and (endpoint is None or r.endpoint == endpoint) for r in self.relations
        )


@dataclass(frozen=True)
class ModelInfo:
    name: str
    type: str = ""  # "caas" on Kubernetes
    controller: str = ""
    cloud: str = ""
    version: str = ""  # the model's agent version, e.g. "3.6.8"
    status: str = ""


@dataclass(frozen=True)
class Container:
    name: str
    image: str = ""
    init: bool = False
    restart_policy: str = ""  # "Always" on an init container makes it a native sidecar


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    containers: tuple[Container, ...] = ()
    phase: str = ""
    ready: bool = False
    owner_kind: str = ""
    owner_name: str = ""

    @property
    def has_sidecar(self) -> bool:
        """An injected istio-proxy beside the app's own container, or a native-sidecar init container.

        Gateway and waypoint pods run a lone istio-proxy: that is the proxy itself, not a sidecar.
        """
        proxies = [c for c in self.containers if c.name == SIDECAR_CONTAINER]
        if not proxies:
            return False
        if any(c.init and c.restart_policy == "Always" for c in proxies):
            return True
        app_containers = [c for c in self.containers if not c.init and c.name != SIDECAR_CONTAINER]
        return bool(app_containers)


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


GATEWAY_API = "gateway.networking.k8s.io"  # the Gateway API's group (waypoints, istio-ingress-k8s)


@dataclass(frozen=True)
class KubeObject:
    """Any other Kubernetes object, kept with its raw dict (Secret data is never kept)."""

    kind: str
    name: str
    namespace: str = ""
    api_version: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """The API group ("" for the core group): `Gateway` is Istio's in networking.istio.io and
        the Gateway API's in gateway.networking.k8s.io, and a cluster migrating to ambient has both."""
        return self.api_version.rpartition("/")[0]


@dataclass(frozen=True)
class ClusterState:
    source: str  # "live", "files:/path", "sandbox:<scenario>"
    read_at: float  # time.time() when the read finished
    model: ModelInfo | None = None
    apps: Mapping[str, App] = field(default_factory=dict)
    namespaces: Mapping[str, Namespace] = field(default_factory=dict)
    pods: tuple[Pod, ...] = ()
    # Other objects by kind as `kubectl` names it in `kind:` (ConfigMap, DaemonSet, Deployment,
    # StatefulSet, Service, Gateway, AuthorizationPolicy, InferenceService, Profile,
    # CustomResourceDefinition, PersistentVolume, PersistentVolumeClaim, Secret, Node …).
    objects: Mapping[str, tuple[KubeObject, ...]] = field(default_factory=dict)
    kubernetes_version: str = ""  # server gitVersion, e.g. "v1.32.3"
    juju_version: str = ""  # the juju client's version
    errors: tuple[str, ...] = ()  # parts of the read that failed, one line each
    # CLI tools found where the read ran, name -> version ("" when found but its version unknown).
    tools: Mapping[str, str] = field(default_factory=dict)

    def app(self, name: str) -> App | None:
        return self.apps.get(name)

    def objects_of(
        self, kind: str, namespace: str | None = None, group: str | None = None
    ) -> tuple[KubeObject, ...]:
        found = self.objects.get(kind, ())
        if namespace is None and group is None:
            return found
        return tuple(
            o
            for o in found
            if (namespace is None or o.namespace == namespace) and (group is None or o.group == group)
        )

    def find(
        self, kind: str, name: str, namespace: str | None = None, group: str | None = None
    ) -> KubeObject | None:
        for obj in self.objects_of(kind, namespace, group):
            if obj.name == name:
                return obj
        return None

    def pods_in(self, namespace: str) -> tuple[Pod, ...]:
        return tuple(p for p in self.pods if p.namespace == namespace)

    def sidecar_pods(self, namespace: str | None = None) -> tuple[Pod, ...]:
        return tuple(
            p for p in self.pods if p.has_sidecar and (namespace is None or p.namespace == namespace)
        )
