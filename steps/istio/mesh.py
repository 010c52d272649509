"""The mesh as the migration sees it: which namespaces migrate, which pods each Service fronts,
which Services a policy or route needs a waypoint for, and who is an ingress backend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .authz import Policy
from .controlplane import ControlPlane
from .state import EXTENSIONS, GATEWAY_API, NETWORKING, SECURITY, ConfigObject, IstioState, Pod, Service

INJECTION_LABELS = ("istio-injection", "istio.io/rev")
WAYPOINT_CLASS = "istio-waypoint"


def injected(labels: Mapping[str, str]) -> bool:
    return labels.get("istio-injection") == "enabled" or bool(labels.get("istio.io/rev"))


@dataclass
class Mesh:
    state: IstioState
    cp: ControlPlane
    requested: list[str] | None = None
    _label_sets: dict[str, list[Mapping[str, str]]] = field(default_factory=dict)

    @cached_property
    def pods_by_ns(self) -> dict[str, list[Pod]]:
        return _by_namespace(self.state.pods)

    @cached_property
    def services_by_ns(self) -> dict[str, list[Service]]:
        return _by_namespace(self.state.services)

    @cached_property
    def policies_by_ns(self) -> dict[str, list[Policy]]:
        return _by_namespace(self.policies, lambda p: p.obj.namespace)

    @cached_property
    def scope(self) -> list[str]:
        """The namespaces to migrate: those asked for, else every namespace outside the control
        plane's with a sidecar, or with an injection label and no gateway pods (an ingress
        gateway's namespace is labelled for injection too, and must keep it)."""
        if self.requested is not None:
            return sorted(set(self.requested))
        names = {ns.key.name for ns in self.state.namespaces} | {p.key.namespace for p in self.state.pods}
        out = []
        for name in sorted(names - self.cp.system_namespaces):
            pods = self.pods_by_ns.get(name, [])
            if any(p.has_sidecar for p in pods):
                out.append(name)
            elif injected(self.state.namespace_labels(name)) and not any(p.is_gateway for p in pods):
                out.append(name)
        return out

    def in_scope(self, namespace: str) -> bool:
        return namespace in self.scope

    @cached_property
    def sidecar_pods(self) -> list[Pod]:
        return [p for p in self.state.pods if p.has_sidecar and self.in_scope(p.key.namespace)]

    @cached_property
    def policies(self) -> list[Policy]:
        return [Policy(o, self.cp.root_namespace) for o in self.state.config(SECURITY, "AuthorizationPolicy")]

    def label_sets(self, namespace: str) -> list[Mapping[str, str]]:
        """The label sets of the pods of a namespace: running pods, and pod templates (a workload
        scaled to zero still has its policy)."""
        if namespace not in self._label_sets:
            if not self._label_sets:
                for p in self.state.pods:
                    self._label_sets.setdefault(p.key.namespace, []).append(p.labels)
                for w in self.state.workloads:
                    self._label_sets.setdefault(w.key.namespace, []).append(w.template_labels)
            if namespace not in self._label_sets:
                self._label_sets[namespace] = []
        return self._label_sets[namespace]

    def services_in(self, namespace: str) -> list[Service]:
        return self.services_by_ns.get(namespace, [])

    def fronting(self, namespace: str, selects) -> list[Service]:
        """The Services of `namespace` in front of pods that `selects(labels)` accepts."""
        out = []
        for svc in self.services_in(namespace):
            if not svc.selector:
                continue
            if any(
                _subset(svc.selector, labels) and selects(labels) for labels in self.label_sets(namespace)
            ):
                out.append(svc)
        return out

    def service(self, namespace: str, name: str) -> Service | None:
        found = self.state.get("", "Service", namespace, name)
        return found if isinstance(found, Service) else None

    def resolve_host(self, host: str, namespace: str) -> Service | None:
        """A VirtualService/DestinationRule host -> the Service it names (short names are relative
        to the object's namespace)."""
        parts = host.split(".")
        if len(parts) == 1:
            return self.service(namespace, parts[0])
        if len(parts) >= 2 and (len(parts) == 2 or parts[2] == "svc"):
            return self.service(parts[1], parts[0])
        return None

    def covered_by_allow(self, svc: Service) -> bool:
        """An ALLOW policy already applies to the pods behind `svc` (so they deny what it does not list)."""
        ns = svc.key.namespace
        nearby = self.policies_by_ns.get(ns, [])
        if ns != self.cp.root_namespace:
            nearby = nearby + self.policies_by_ns.get(self.cp.root_namespace, [])
        for p in nearby:
            if p.action != "ALLOW" or p.scope == "targetRefs":
                continue
            if p.scope == "mesh":
                return True
            if p.scope == "namespace" and p.obj.namespace == ns:
                return True
            if p.scope == "selector" and p.obj.namespace in (ns, self.cp.root_namespace):
                if any(_subset(svc.selector, labels) and p.selects(labels) for labels in self.label_sets(ns)):
                    return True
        return False

    @cached_property
    def ingress_backends(self) -> dict[tuple[str, str], str]:
        """(namespace, Service) -> the route or VirtualService that sends ingress traffic to it."""
        out: dict[tuple[str, str], str] = {}
        ingress_gateways = {
            (g.namespace, g.name)
            for g in self.state.config(GATEWAY_API, "Gateway")
            if g.spec.get("gatewayClassName") != WAYPOINT_CLASS
        }
        for route in self.state.config(GATEWAY_API, "HTTPRoute"):
            parents = [p for p in _list(route.spec.get("parentRefs")) if isinstance(p, dict)]
            if not any(
                (p.get("kind") or "Gateway") == "Gateway"
                and (p.get("namespace") or route.namespace, p.get("name")) in ingress_gateways
                for p in parents
            ):
                continue
            for rule in _list(route.spec.get("rules")):
                for ref in _list(rule.get("backendRefs") if isinstance(rule, dict) else None):
                    if (
                        isinstance(ref, dict)
                        and (ref.get("kind") or "Service") == "Service"
                        and not ref.get("group")
                    ):
                        out.setdefault(
                            (str(ref.get("namespace") or route.namespace), str(ref.get("name"))),
                            route.key.subject,
                        )
        for vs in self.state.config(NETWORKING, "VirtualService"):
            gateways = [g for g in _list(vs.spec.get("gateways")) if isinstance(g, str)]
            if not any(g != "mesh" for g in gateways):
                continue
            for http in _list(vs.spec.get("http")):
                for route in _list(http.get("route") if isinstance(http, dict) else None):
                    dest = route.get("destination") if isinstance(route, dict) else None
                    host = dest.get("host") if isinstance(dest, dict) else None
                    svc = self.resolve_host(str(host), vs.namespace) if host else None
                    if svc is not None:
                        out.setdefault((svc.key.namespace, svc.key.name), vs.key.subject)
        return out

    def mesh_virtual_services(self) -> list[tuple[ConfigObject, list[Service]]]:
        out = []
        for vs in self.state.config(NETWORKING, "VirtualService"):
            gateways = [g for g in _list(vs.spec.get("gateways")) if isinstance(g, str)]
            if gateways and "mesh" not in gateways:
                continue
            services = [
                s for h in _list(vs.spec.get("hosts")) if (s := self.resolve_host(str(h), vs.namespace))
            ]
            services = [s for s in services if self.in_scope(s.key.namespace)]
            if services:
                out.append((vs, services))
        return out

    def service_routes(self) -> list[tuple[ConfigObject, list[Service]]]:
        """HTTPRoutes attached to Services (mesh routing)."""
        out = []
        for route in self.state.config(GATEWAY_API, "HTTPRoute"):
            services = []
            for p in _list(route.spec.get("parentRefs")):
                if isinstance(p, dict) and p.get("kind") == "Service" and not p.get("group"):
                    svc = self.service(str(p.get("namespace") or route.namespace), str(p.get("name")))
                    if svc is not None and self.in_scope(svc.key.namespace):
                        services.append(svc)
            if services:
                out.append((route, services))
        return out

    def workload_policies(self, group: str, kind: str) -> list[tuple[ConfigObject, list[Service]]]:
        """RequestAuthentications or WasmPlugins that sidecars enforce (a selector, or namespace-wide,
        outside the root namespace), with the Services in front of the pods they apply to."""
        out = []
        for obj in self.state.config(group, kind):
            if (
                obj.spec.get("targetRefs")
                or obj.spec.get("targetRef")
                or obj.namespace == self.cp.root_namespace
            ):
                continue
            if not self.in_scope(obj.namespace):
                continue
            selector = obj.spec.get("selector")
            labels = selector.get("matchLabels") if isinstance(selector, dict) else None
            wanted = labels if isinstance(labels, dict) else {}
            services = self.fronting(obj.namespace, lambda ls, w=wanted: _subset(w, ls))
            out.append((obj, services))
        return out


def _by_namespace(items, namespace_of=lambda r: r.key.namespace) -> dict:
    out: dict[str, list] = {}
    for item in items:
        out.setdefault(namespace_of(item), []).append(item)
    return out


def _subset(wanted: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in wanted.items())


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


__all__ = ["EXTENSIONS", "Mesh", "injected"]
