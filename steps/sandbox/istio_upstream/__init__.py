"""Upstream Istio in the rehearsal sandbox: bookinfo on Istio installed by Helm in sidecar mode,
the `helm` and `istioctl` emulators, the control plane's reactions (ambient profile, ztunnel,
istio-cni, waypoints) and the traffic oracle that decides each request as the data plane would.

The scenarios have no Juju: only `kubectl`, `curl`, `helm` and `istioctl` are on the sandbox PATH.
"""

from __future__ import annotations

SCENARIOS: dict[str, str] = {
    "istio-bookinfo": "upstream Istio 1.26 in sidecar mode (Helm), bookinfo split over frontend and backend, "
    "an ingress gateway, L4 and L7 AuthorizationPolicies and an HTTPRoute; no ztunnel yet",
    "istio-bookinfo-legacy": "the same bookinfo on Istio 1.23 (too old for the ambient migration: a blocker)",
    "istio-bookinfo-blockers": "bookinfo on Istio 1.26 with a PeerAuthentication DISABLE, an inbound "
    "EnvoyFilter and a WorkloadEntry (VM): three blockers",
}

TOOLS = ("kubectl", "curl", "helm", "istioctl")
RUNBOOK = "istio-ambient"  # the runbook these scenarios rehearse
DEFAULT = "istio-bookinfo"


def is_upstream(scenario: str) -> bool:
    return scenario in SCENARIOS
