"""Per-namespace Istio data plane at a glance, from a ClusterState: the mode the namespace is
labelled for, the pods that still carry a sidecar, and its waypoint with its readiness — what the
cluster pane shows while the istio-ambient runbook moves namespaces from sidecars to ambient."""

from __future__ import annotations

from dataclasses import dataclass

from .state import ClusterState

WAYPOINT_CLASS = "istio-waypoint"
SYSTEM = {"istio-system", "kube-system", "kube-public", "kube-node-lease"}


@dataclass(frozen=True)
class NamespaceMesh:
    name: str
    mode: str  # "ambient", "sidecar", "mixed" (labelled ambient, but injection still wins), "none"
    sidecars: int  # pods still carrying istio-proxy
    pods: int
    waypoint: str  # the namespace's waypoint Gateway ("" when none)
    waypoint_ready: bool  # Programmed
    use_waypoint: str  # the namespace's istio.io/use-waypoint label


def _mode(labels) -> str:
    injection = labels.get("istio-injection") == "enabled" or bool(labels.get("istio.io/rev"))
    ambient = labels.get("istio.io/dataplane-mode") == "ambient"
    if ambient and injection:
        return "mixed"
    return "ambient" if ambient else "sidecar" if injection else "none"


def _programmed(raw) -> bool:
    for cond in (raw.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Programmed":
            return cond.get("status") == "True"
    return False


def namespace_mesh(state: ClusterState) -> list[NamespaceMesh]:
    """Namespaces with an Istio label, a sidecar or a waypoint; [] on a cluster without them."""
    waypoints: dict[str, tuple[str, bool]] = {}
    for gw in state.objects_of("Gateway"):
        if (gw.raw.get("spec") or {}).get("gatewayClassName") == WAYPOINT_CLASS:
            current = waypoints.get(gw.namespace)
            if current is None or gw.name == "waypoint":
                waypoints[gw.namespace] = (gw.name, _programmed(gw.raw))
    rows = []
    for ns in sorted(state.namespaces.values(), key=lambda n: n.name):
        if ns.name in SYSTEM:
            continue
        pods = state.pods_in(ns.name)
        sidecars = sum(1 for p in pods if p.has_sidecar)
        mode = _mode(ns.labels)
        wp = waypoints.get(ns.name)
        if mode == "none" and not sidecars and wp is None:
            continue
        rows.append(
            NamespaceMesh(
                name=ns.name,
                mode=mode,
                sidecars=sidecars,
                pods=len(pods),
                waypoint=wp[0] if wp else "",
                waypoint_ready=bool(wp and wp[1]),
                use_waypoint=ns.labels.get("istio.io/use-waypoint", ""),
            )
        )
    return rows
