"""`analyze(state)`: the findings, the generated waypoints and policies, the commands, the namespace
order and the deletions of a sidecar -> ambient migration. A pure function of the parsed state.

Generation rules (P is `<trustDomain>/ns/<ns>/sa/waypoint`, the waypoint's identity):
- one waypoint Gateway per namespace that needs one, as `istioctl waypoint apply` writes it
  (`istio.io/waypoint-for: all` when a headless Service needs it);
- a selector policy with HTTP attributes, CUSTOM or AUDIT is copied once per Service in front of
  its pods as `<service>-<policy>`: the same spec, `targetRefs` to the Service instead of `selector`;
- a selector policy without HTTP attributes that names sources (an ALLOW, or a DENY with `from`)
  on pods behind a waypointed Service is copied the same way (its callers arrive as P at the pods);
- a namespace-wide policy in a namespace that gets a waypoint is copied as `waypoint-<policy>`
  targeting the Gateway; nothing is generated in a namespace without one (#57315);
- `<service>-from-waypoint` (the Service's selector, ALLOW from P) where an ALLOW already covers
  those pods, unless istiod has PILOT_AUTO_ALLOW_WAYPOINT_POLICY=true;
- deletions, last: the originals copied for every Service in front of their pods (an L4 DENY is
  kept: it still guards direct traffic), and `Sidecar` objects. STRICT PeerAuthentications and
  namespace-wide L4 policies are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .authz import MESH_WIDE, NAMESPACE_WIDE, SELECTOR, Policy, rule_has_l4, rule_http_attributes
from .codes import BLOCKER, PHASES
from .controlplane import (
    argv,
    by_owner,
    cluster_setup_findings,
    prereq_findings,
    read_control_plane,
    restart_command,
)
from .finding import Finding, finding
from .mesh import EXTENSIONS, INJECTION_LABELS, WAYPOINT_CLASS, Mesh, injected
from .order import order_namespaces
from .state import NETWORKING, SECURITY, ConfigObject, IstioState, Service

MANAGED_BY = {"app.kubernetes.io/managed-by": "cairn"}
WAYPOINT = "waypoint"
AP_API = "security.istio.io/v1"
# Pre-reqs about one namespace's objects: they matter only where the migration goes (or mesh-wide).
SCOPED_PREREQS = frozenset({"SPIRE", "PEERAUTH_DISABLE", "PEERAUTH_PORT_DISABLE", "ENVOYFILTER_SIDECAR"})


@dataclass
class Analysis:
    findings: list[Finding] = field(default_factory=list)
    waypoints: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[str, list[str]] = field(
        default_factory=lambda: {"use_waypoint": [], "remove_sidecars": [], "ingress": []}
    )
    order: list[str] = field(default_factory=list)
    deletions: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the input, not the cluster
    # "namespace/name" of a generated policy -> why it is there (for the text report, not the JSON)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return any(f.severity == BLOCKER for f in self.findings)

    def blockers(self, phase: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKER and (phase is None or f.phase == phase)]

    def by_phase(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {p: [] for p in PHASES}
        for f in self.findings:
            out[f.phase].append(f)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "waypoints": copy.deepcopy(self.waypoints),
            "policies": copy.deepcopy(self.policies),
            "commands": {k: list(v) for k, v in self.commands.items()},
            "order": list(self.order),
            "deletions": [dict(d) for d in self.deletions],
        }


def _meta(name: str, namespace: str, extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": {**MANAGED_BY, **(extra or {})}}


def waypoint_gateway(namespace: str, waypoint_for: str = "service") -> dict[str, Any]:
    """The Gateway `istioctl waypoint apply -n NS [--for all]` writes, plus Cairn's label."""
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": _meta(WAYPOINT, namespace, {"istio.io/waypoint-for": waypoint_for}),
        "spec": {
            "gatewayClassName": WAYPOINT_CLASS,
            "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
        },
    }


def _copy(policy: Policy, name: str, target: dict[str, str]) -> dict[str, Any]:
    spec = {
        k: copy.deepcopy(v)
        for k, v in policy.spec.items()
        if k not in ("selector", "targetRef", "targetRefs")
    }
    spec["targetRefs"] = [target]
    return {
        "apiVersion": AP_API,
        "kind": "AuthorizationPolicy",
        "metadata": _meta(name, policy.obj.namespace),
        "spec": spec,
    }


def _service_ref(svc: Service) -> dict[str, str]:
    return {"group": "", "kind": "Service", "name": svc.key.name}


def _from_waypoint(svc: Service, principal: str) -> dict[str, Any]:
    return {
        "apiVersion": AP_API,
        "kind": "AuthorizationPolicy",
        "metadata": _meta(f"{svc.key.name}-from-waypoint", svc.key.namespace),
        "spec": {
            "selector": {"matchLabels": dict(svc.selector)},
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": [principal]}}]}],
        },
    }


def _names(services: list[Service]) -> str:
    return ", ".join(s.key.name for s in services)


class _Run:
    """One analysis: collects findings and manifests as the rules fire."""

    def __init__(self, state: IstioState, namespaces: list[str] | None):
        self.state = state
        self.cp = read_control_plane(state)
        self.mesh = Mesh(state, self.cp, namespaces)
        self.out = Analysis(notes=list(state.notes))
        self.needs: dict[tuple[str, str], Service] = {}  # Services that need the waypoint
        self.headless_reasons: dict[tuple[str, str], list[str]] = {}

    def add(self, f: Finding) -> None:
        self.out.findings.append(f)

    def need(self, services: list[Service]) -> None:
        for s in services:
            self.needs.setdefault((s.key.namespace, s.key.name), s)

    # -- the rules ----------------------------------------------------------------------------
    def run(self) -> Analysis:
        mesh, cp = self.mesh, self.cp
        for f in prereq_findings(self.state, cp):
            namespace = f.subject.split("/")[1]
            if f.code in SCOPED_PREREQS and not (mesh.in_scope(namespace) or namespace == cp.root_namespace):
                continue  # a namespace that is not migrated keeps its sidecars and what they read
            self.add(f)
        for f in cluster_setup_findings(self.state, cp, mesh.sidecar_pods):
            self.add(f)
        self._waypoint_needs()
        waypoint_ns = sorted({ns for ns, _ in self.needs})
        waypointed = {k: s for k, s in sorted(self.needs.items()) if not s.headless}
        headless = {k: s for k, s in sorted(self.needs.items()) if s.headless}
        for ns in waypoint_ns:
            wants_all = any(k[0] == ns for k in headless)
            self.out.waypoints.append(waypoint_gateway(ns, "all" if wants_all else "service"))
        for (ns, name), svc in headless.items():
            reasons = "; ".join(self.headless_reasons.get((ns, name), []))
            self.add(
                finding(
                    "HEADLESS_SERVICE_WAYPOINT",
                    svc.key.subject,
                    f"headless Service (clusterIP: None) needs the waypoint ({reasons}) "
                    "but cannot be a targetRefs target, so nothing is copied for it and the waypoint is made "
                    f"istio.io/waypoint-for: all. By hand: label its pods' template istio.io/use-waypoint={WAYPOINT}, "
                    f"attach the policy to Gateway {ns}/{WAYPOINT} (targetRefs kind Gateway) narrowed to these pods, "
                    f"and allow {self.principal(ns)} at the pods",
                )
            )
        self._policies(set(waypoint_ns), waypointed)
        self._from_waypoint(waypointed)
        self._ztunnel_semantics()
        self._labels_and_injection()
        self._ingress(waypointed)
        for (ns, name), svc in waypointed.items():
            bound = svc.labels.get("istio.io/use-waypoint") or self.state.namespace_labels(ns).get(
                "istio.io/use-waypoint"
            )
            if bound == WAYPOINT:
                continue  # already uses it
            self.out.commands["use_waypoint"].append(
                argv("kubectl", "label", "service", "-n", ns, name, f"istio.io/use-waypoint={WAYPOINT}")
            )
        self._order()
        self._sidecars()
        self.out.findings.sort(key=Finding.sort_key)
        self.out.waypoints.sort(key=_ns_name)
        self.out.policies.sort(key=_ns_name)
        self.out.deletions.sort(key=lambda d: (d["kind"], d["namespace"], d["name"]))
        return self.out

    def principal(self, namespace: str) -> str:
        return f"{self.cp.trust_domain}/ns/{namespace}/sa/{WAYPOINT}"

    def _waypoint_needs(self) -> None:
        mesh = self.mesh
        for p in mesh.policies:
            if p.scope not in (SELECTOR, NAMESPACE_WIDE) or not p.is_l7 or not mesh.in_scope(p.obj.namespace):
                continue
            why = (
                f"HTTP attributes ({', '.join(p.http_attributes)})"
                if p.http_attributes
                else f"action {p.action}"
            )
            # A namespace-wide policy selects every pod of its namespace (`selects` is then always true).
            services = mesh.fronting(p.obj.namespace, p.selects)
            ns = p.obj.namespace
            if services:
                self.need(services)
                for s in services:
                    self.headless_reasons.setdefault((ns, s.key.name), []).append(
                        f"AuthorizationPolicy {ns}/{p.obj.name}"
                    )
                msg = (
                    f"requires a waypoint due to {why}: ztunnel cannot enforce it. Services in front of its pods: "
                    f"{_names(services)}; "
                    + (
                        "the policy is copied to the waypoint for each"
                        if p.scope == SELECTOR
                        else f"the policy is copied to the waypoint as {WAYPOINT}-{p.obj.name}"
                    )
                )
                self.add(
                    finding(
                        "WAYPOINT_L7_AUTHZ",
                        p.obj.key.subject,
                        msg,
                        argv("istioctl", "waypoint", "apply", "-n", ns),
                    )
                )
            else:
                self.add(
                    finding(
                        "WAYPOINT_L7_AUTHZ",
                        p.obj.key.subject,
                        f"requires a waypoint due to {why}, but no Service selects its pods: a waypoint only sees "
                        "traffic addressed to a Service; give the pods a Service, or rewrite the policy by hand",
                    )
                )
        routes = mesh.service_routes()
        routed = {(s.key.namespace, s.key.name) for _, attached in routes for s in attached}
        for vs, services in mesh.mesh_virtual_services():
            self.need(services)
            for s in services:
                self.headless_reasons.setdefault((s.key.namespace, s.key.name), []).append(
                    f"VirtualService {vs.namespace}/{vs.name}"
                )
            ns = services[0].key.namespace
            self.add(
                finding(
                    "WAYPOINT_VIRTUALSERVICE",
                    vs.key.subject,
                    f"routes mesh traffic for {_names(services)}: only a waypoint routes at L7 in ambient",
                    argv("istioctl", "waypoint", "apply", "-n", ns),
                )
            )
            both = [s for s in services if (s.key.namespace, s.key.name) in routed]
            extra = (
                f"; an HTTPRoute also attaches to {_names(both)}: the two together are undefined"
                if both
                else ""
            )
            self.add(
                finding(
                    "VS_ON_WAYPOINT_ALPHA",
                    vs.key.subject,
                    f"VirtualService on a waypoint is Alpha (#56773): convert it to an HTTPRoute with parentRefs "
                    f"Service {_names(services)}{extra}",
                )
            )
        for route, services in routes:
            self.need(services)
            for s in services:
                self.headless_reasons.setdefault((s.key.namespace, s.key.name), []).append(
                    f"HTTPRoute {route.namespace}/{route.name}"
                )
            self.add(
                finding(
                    "WAYPOINT_HTTPROUTE",
                    route.key.subject,
                    f"attaches to Service {_names(services)}: only a waypoint applies it in ambient",
                    argv("istioctl", "waypoint", "apply", "-n", services[0].key.namespace),
                )
            )
        for code, kind, group in (
            ("WAYPOINT_REQUESTAUTHN", "RequestAuthentication", SECURITY),
            ("WAYPOINT_WASM", "WasmPlugin", EXTENSIONS),
        ):
            for obj, services in mesh.workload_policies(group, kind):
                self.need(services)
                for s in services:
                    self.headless_reasons.setdefault((s.key.namespace, s.key.name), []).append(
                        f"{kind} {obj.namespace}/{obj.name}"
                    )
                target = f" for {_names(services)}" if services else ""
                self.add(
                    finding(
                        code,
                        obj.key.subject,
                        f"enforced by sidecars today; in ambient only a waypoint can{target}: re-create it with "
                        "targetRefs to the Service (or the waypoint Gateway) instead of a selector",
                        argv("istioctl", "waypoint", "apply", "-n", obj.namespace),
                    )
                )
        for v in mesh.state.config(NETWORKING, "DestinationRule"):
            self._dr_subsets(v)

    def _dr_subsets(self, dr: ConfigObject) -> None:
        subsets = (
            [s for s in (dr.spec.get("subsets") or []) if isinstance(s, dict)]
            if isinstance(dr.spec.get("subsets"), list)
            else []
        )
        host = self.mesh.resolve_host(str(dr.spec.get("host") or ""), dr.namespace)
        if not subsets or host is None or not self.mesh.in_scope(host.key.namespace):
            return
        missing = []
        for subset in subsets:
            raw_labels = subset.get("labels")
            labels = raw_labels if isinstance(raw_labels, dict) else {}
            wanted = {**host.selector, **{str(k): str(v) for k, v in labels.items()}}
            if not any(dict(s.selector) == wanted for s in self.mesh.services_in(host.key.namespace)):
                missing.append(
                    f"{subset.get('name')} ({', '.join(f'{k}={v}' for k, v in sorted(wanted.items()))})"
                )
        if missing:
            self.add(
                finding(
                    "DR_SUBSETS_NEED_SERVICES",
                    dr.key.subject,
                    f"subsets of {host.key.name} without a Service of their own: {'; '.join(missing)}. An HTTPRoute "
                    "cannot name subsets: create one Service per version to route to",
                )
            )

    def _policies(self, waypoint_ns: set[str], waypointed: dict[tuple[str, str], Service]) -> None:
        mesh = self.mesh
        for p in mesh.policies:
            ns, name = p.obj.namespace, p.obj.name
            if ns not in waypoint_ns:
                continue  # no waypoint, nothing generated: a copy would fail open (#57315)
            if p.managed:
                continue  # Cairn's own, from an earlier run: analysing again must not copy it
            if p.scope == NAMESPACE_WIDE:
                self._why(
                    ns, f"{WAYPOINT}-{name}", f"copied from namespace policy {ns}/{name} to the waypoint"
                )
                self.out.policies.append(
                    _copy(
                        p,
                        f"{WAYPOINT}-{name}",
                        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": WAYPOINT},
                    )
                )
                if p.is_l7:
                    self._delete("AuthorizationPolicy", ns, name)
                continue
            if p.scope != SELECTOR:
                continue
            l4_sources = not p.is_l7 and (p.action == "ALLOW" or (p.action == "DENY" and p.names_sources))
            if not (p.is_l7 or l4_sources):
                continue
            fronting = mesh.fronting(ns, p.selects)
            targets = [s for s in fronting if (ns, s.key.name) in waypointed]
            if not targets:
                continue
            for s in targets:
                self._why(ns, f"{s.key.name}-{name}", f"copied from policy {ns}/{name} to the waypoint")
                self.out.policies.append(_copy(p, f"{s.key.name}-{name}", _service_ref(s)))
            complete = len(targets) == len(fronting)
            if complete and (p.is_l7 or p.action == "ALLOW"):
                self._delete("AuthorizationPolicy", ns, name)
            if l4_sources:
                allow = (
                    "istiod allows the waypoint itself (PILOT_AUTO_ALLOW_WAYPOINT_POLICY)"
                    if self.cp.auto_allow_waypoint
                    else f"the pods allow {self.principal(ns)} (<service>-from-waypoint)"
                )
                kept = "" if complete and p.action == "ALLOW" else "; the original is kept"
                self.add(
                    finding(
                        "L4_POLICY_WAYPOINT_IDENTITY",
                        p.obj.key.subject,
                        f"through the waypoint its callers arrive as {self.principal(ns)}, not as themselves: "
                        f"copied to the waypoint for {_names(targets)} (checked there with the callers' identity), "
                        f"and {allow}{kept}",
                        argv("kubectl", "apply", "-f", "recommended-policies.yaml"),
                    )
                )

    def _why(self, namespace: str, name: str, reason: str) -> None:
        self.out.reasons[f"{namespace}/{name}"] = reason

    def _delete(self, kind: str, namespace: str, name: str) -> None:
        entry = {"kind": kind, "namespace": namespace, "name": name}
        if entry not in self.out.deletions:
            self.out.deletions.append(entry)

    def _from_waypoint(self, waypointed: dict[tuple[str, str], Service]) -> None:
        if self.cp.auto_allow_waypoint:
            return  # istiod already allows the waypoint's identity on every workload
        for (ns, _), svc in waypointed.items():
            if svc.selector and self.mesh.covered_by_allow(svc):
                self._why(
                    ns,
                    f"{svc.key.name}-from-waypoint",
                    f"Service/{ns}/{svc.key.name} must allow its waypoint",
                )
                self.out.policies.append(_from_waypoint(svc, self.principal(ns)))

    def _ztunnel_semantics(self) -> None:
        mesh = self.mesh
        for p in mesh.policies:
            ns = p.obj.namespace
            if p.scope not in (SELECTOR, NAMESPACE_WIDE, MESH_WIDE):
                continue
            if not (mesh.in_scope(ns) or ns == self.cp.root_namespace):
                continue
            subject = p.obj.key.subject
            later = "once the sidecars are gone, ztunnel enforces it"
            if p.dry_run:
                self.add(
                    finding(
                        "ZTUNNEL_DROPS_POLICY",
                        subject,
                        f"istio.io/dry-run: {later}... not at all: ztunnel rejects dry-run policies",
                    )
                )
            if p.action in ("CUSTOM", "AUDIT"):
                self.add(
                    finding(
                        "ZTUNNEL_DROPS_POLICY",
                        subject,
                        f"action {p.action} is never sent to ztunnel (fails open); only a waypoint copy enforces it, "
                        "for traffic through the waypoint",
                    )
                )
                continue
            http_rules = [r for r in p.rules if rule_http_attributes(r)]
            if not http_rules:
                continue
            if p.action == "ALLOW":
                all_http = len(http_rules) == len(p.rules)
                effect = (
                    "with every rule HTTP, it allows nothing: its pods refuse all traffic but what another ALLOW "
                    "(the generated <service>-from-waypoint) lets in"
                    if all_http
                    else "its HTTP rules are dropped, so it allows less than today"
                )
                self.add(
                    finding("ZTUNNEL_DROPS_POLICY", subject, f"{later} without its HTTP attributes: {effect}")
                )
            elif p.action == "DENY":
                noop = [r for r in http_rules if not rule_has_l4(r)]
                if noop:
                    self.add(
                        finding(
                            "L7_DENY_NOOP_AT_ZTUNNEL",
                            subject,
                            f"{len(noop)} DENY rule(s) made only of HTTP attributes match nothing at ztunnel (#61126): "
                            "only the waypoint copy enforces them, and only for traffic through the waypoint",
                        )
                    )
                if len(noop) < len(http_rules):
                    self.add(
                        finding(
                            "ZTUNNEL_DROPS_POLICY",
                            subject,
                            f"{later} on its L4 part alone: a DENY mixing HTTP and L4 attributes "
                            "denies more than today",
                        )
                    )

    def _labels_and_injection(self) -> None:
        mesh = self.mesh
        for ns in mesh.scope:
            labels = self.state.namespace_labels(ns)
            if labels.get("istio.io/dataplane-mode") == "ambient" and injected(labels):
                drop = [f"{k}-" for k in INJECTION_LABELS if k in labels]
                self.add(
                    finding(
                        "MIXED_DATAPLANE_LABELS",
                        f"Namespace//{ns}",
                        "labelled istio.io/dataplane-mode=ambient and for injection: the sidecar wins, and the "
                        "namespace is not ambient",
                        argv("kubectl", "label", "namespace", ns, *drop),
                    )
                )
        mixed_pods = [p for p in mesh.sidecar_pods if p.labels.get("istio.io/dataplane-mode") == "ambient"]
        for subject, pods in by_owner(mixed_pods):
            self.add(
                finding(
                    "MIXED_DATAPLANE_LABELS",
                    subject,
                    f"{len(pods)} pod(s) labelled istio.io/dataplane-mode=ambient still run a sidecar: the sidecar "
                    "wins until the pod is injected no more",
                )
            )
        for w in self.state.workloads:
            if not mesh.in_scope(w.key.namespace):
                continue
            if "gateway" in w.template_annotations.get("inject.istio.io/templates", "").split(","):
                continue
            for where, values in (("labels", w.template_labels), ("annotations", w.template_annotations)):
                for key in ("sidecar.istio.io/inject", "istio.io/rev"):
                    value = values.get(key)
                    if value is None or (key == "sidecar.istio.io/inject" and value.lower() != "true"):
                        continue
                    if key == "istio.io/rev" and where == "annotations":
                        continue
                    path = f"/spec/template/metadata/{where}/{key.replace('~', '~0').replace('/', '~1')}"
                    self.add(
                        finding(
                            "POD_LEVEL_INJECTION",
                            w.key.subject,
                            f"its pod template asks for a sidecar itself ({where[:-1]} {key}={value}): removing the "
                            "namespace label will not remove it",
                            argv(
                                "kubectl",
                                "patch",
                                w.key.kind.lower(),
                                w.key.name,
                                "-n",
                                w.key.namespace,
                                "--type",
                                "json",
                                "-p",
                                f'[{{"op":"remove","path":"{path}"}}]',
                            ),
                        )
                    )

    def _ingress(self, waypointed: dict[tuple[str, str], Service]) -> None:
        for key, svc in waypointed.items():
            via = self.mesh.ingress_backends.get(key)
            if via is None:
                continue
            if "true" in (
                svc.labels.get("istio.io/ingress-use-waypoint"),
                self.state.namespace_labels(key[0]).get("istio.io/ingress-use-waypoint"),
            ):
                continue
            command = argv(
                "kubectl", "label", "service", "-n", key[0], key[1], "istio.io/ingress-use-waypoint=true"
            )
            self.out.commands["ingress"].append(command)
            self.add(
                finding(
                    "INGRESS_BYPASS",
                    svc.key.subject,
                    f"an ingress backend ({via}) that gets the waypoint: ingress gateways skip waypoints unless the "
                    "Service or its namespace is labelled istio.io/ingress-use-waypoint=true (#51214)",
                    command,
                )
            )

    def _order(self) -> None:
        calls: dict[str, set[str]] = {}
        for p in self.mesh.policies:
            if p.scope == MESH_WIDE:
                continue
            for caller in p.caller_namespaces():
                calls.setdefault(caller, set()).add(p.obj.namespace)
        order, cycles = order_namespaces(self.mesh.scope, calls)
        self.out.order = order
        for cycle in cycles:
            self.add(
                finding(
                    "ORDER_CYCLE",
                    f"Namespace//{cycle[0]}",
                    f"namespaces {', '.join(cycle)} call each other: whichever goes first, a caller keeps its sidecar "
                    f"while its callee is ambient and bypasses the callee's waypoint. The order takes {cycle[0]} "
                    "first; "
                    "consider a maintenance window for these namespaces",
                )
            )

    def _sidecars(self) -> None:
        mesh = self.mesh
        for sc in self.state.config(NETWORKING, "Sidecar"):
            if not (mesh.in_scope(sc.namespace) or sc.namespace == self.cp.root_namespace):
                continue
            self.add(
                finding(
                    "SIDECAR_RESOURCE_NOOP",
                    sc.key.subject,
                    "Sidecar will be removed in a later step: it has no effect in ambient (IST0167); its "
                    "configuration scoping (egress hosts) goes with it",
                    argv("kubectl", "delete", "sidecars.networking.istio.io", "-n", sc.namespace, sc.name),
                )
            )
            self._delete("Sidecar", sc.namespace, sc.name)
        remove = self.out.commands["remove_sidecars"]
        for ns in self.out.order:
            labels = self.state.namespace_labels(ns)
            change = (
                []
                if labels.get("istio.io/dataplane-mode") == "ambient"
                else ["istio.io/dataplane-mode=ambient"]
            )
            change += [f"{k}-" for k in INJECTION_LABELS if k in labels]
            if change:
                overwrite = ["--overwrite"] if "istio.io/dataplane-mode" in labels else []
                remove.append(argv("kubectl", "label", "namespace", ns, *change, *overwrite))
            restarts: list[str] = []
            for pod in mesh.pods_by_ns.get(ns, []):
                if pod.has_sidecar:
                    command = restart_command(pod)
                    if command not in restarts:
                        restarts.append(command)
            remove.extend(restarts)


def _ns_name(manifest: Mapping[str, Any]) -> tuple[str, str]:
    meta = manifest["metadata"]
    return (meta["namespace"], meta["name"])


def analyze(state: IstioState, namespaces: list[str] | None = None) -> Analysis:
    """Analyse the whole cluster; `namespaces` limits the migration to those namespaces."""
    return _Run(state, namespaces).run()


def _render(manifests: list[dict[str, Any]]) -> str:
    if not manifests:
        return ""
    return yaml.safe_dump_all(sorted(manifests, key=_ns_name), default_flow_style=False, sort_keys=True)


def render_waypoints_yaml(analysis: Analysis) -> str:
    return _render(analysis.waypoints)


def render_policies_yaml(analysis: Analysis) -> str:
    return _render(analysis.policies)
