"""Ambient enrolment as istio-cni marks it: a pod whose traffic its node's ztunnel carries gets the
annotation `ambient.istio.io/redirection: enabled` (Istio's annotation.AmbientRedirection), set by
the CNI node agent when it sets up the redirection - on pods already running when their namespace is
labelled, too. Pods with a sidecar, opted out (`istio.io/dataplane-mode: none`), on the host network
or not running are never enrolled, nor is anything while the ambient data plane cannot redirect.
"""

from __future__ import annotations

from typing import Any

from . import kube
from .state import State

REDIRECTION = "ambient.istio.io/redirection"
PROXY = "istio-proxy"


def redirected(state: State, pod: dict[str, Any], running: bool, now: float) -> bool:
    if not running:
        return False
    spec = pod.get("spec", {})
    names = [c["name"] for c in spec.get("containers", [])]
    if PROXY in names or spec.get("hostNetwork"):  # a sidecar, or a gateway/waypoint's own proxy
        return False
    labels = pod["metadata"].get("labels") or {}
    mode = labels.get("istio.io/dataplane-mode")
    if mode is None:
        ns = kube.get(state, "Namespace", None, pod["metadata"].get("namespace", ""), now)
        mode = ((ns or {}).get("metadata", {}).get("labels") or {}).get("istio.io/dataplane-mode")
    if mode != "ambient":
        return False
    from . import istio  # istio imports pods, which imports this lazily

    return istio.dataplane_problem(state, now) is None
