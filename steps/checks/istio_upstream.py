"""Checks and the namespace discoverer of the `istio-ambient` runbook (upstream Istio)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .result import CheckResult, fail, ok

Params = Mapping[str, Any]
ISTIO_NS = "istio-system"
GATEWAY_API_CRDS = (
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
)
GATEWAY_API_INSTALL = (
    "kubectl apply --server-side -f "
    "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.3.0/standard-install.yaml"
)
# Namespaces that are Istio's own or the cluster's: never an application to migrate.
SYSTEM_NAMESPACES = {ISTIO_NS, "kube-system", "kube-public", "kube-node-lease", "istio-ingress"}


def gateway_api_crds(state: ClusterState, params: Params) -> CheckResult:
    have = {o.name for o in state.objects_of("CustomResourceDefinition")}
    missing = [c for c in GATEWAY_API_CRDS if c not in have]
    if missing:
        return fail(f"Gateway API CRDs missing: {', '.join(missing)}", GATEWAY_API_INSTALL, missing)
    return ok("the Gateway API CRDs are installed")


def _env(obj_raw: Mapping[str, Any], container: str) -> dict[str, str]:
    spec = obj_raw.get("spec", {}).get("template", {}).get("spec", {})
    for c in spec.get("containers") or []:
        if c.get("name") == container:
            return {e.get("name", ""): str(e.get("value", "")) for e in c.get("env") or []}
    return {}


def _daemonset_ready(state: ClusterState, name: str) -> str | None:
    """None when the DaemonSet runs everywhere, else why not."""
    ds = state.find("DaemonSet", name, ISTIO_NS)
    if ds is None:
        return f"DaemonSet {ISTIO_NS}/{name} not found"
    status = ds.raw.get("status") or {}
    desired = int(status.get("desiredNumberScheduled") or 0)
    ready = int(status.get("numberReady") or 0)
    if desired == 0 or ready < desired:
        return f"DaemonSet {ISTIO_NS}/{name}: {ready}/{desired} ready"
    return None


def ambient_ready(state: ClusterState, params: Params) -> CheckResult:
    """istiod serves ambient (PILOT_ENABLE_AMBIENT=true), istio-cni and ztunnel run on every node."""
    problems = []
    istiod = state.find("Deployment", "istiod", ISTIO_NS)
    if istiod is None:
        problems.append(f"Deployment {ISTIO_NS}/istiod not found")
    elif _env(istiod.raw, "discovery").get("PILOT_ENABLE_AMBIENT") != "true":
        problems.append("istiod lacks PILOT_ENABLE_AMBIENT=true")
    for name in ("istio-cni-node", "ztunnel"):
        why = _daemonset_ready(state, name)
        if why:
            problems.append(why)
    if problems:
        install = str(params.get("install") or "helm")
        fix = (
            "istioctl upgrade --set profile=ambient -y"
            if install == "istioctl"
            else "helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient --wait"
        )
        return fail("; ".join(problems), fix, problems)
    return ok("istiod serves ambient; istio-cni and ztunnel run on every node")


def discover_istio_namespaces(state: ClusterState) -> list[str]:
    """Namespaces labelled for sidecar injection, or with sidecar pods, or already ambient."""
    found = set()
    for ns in state.namespaces.values():
        labels = ns.labels
        if (
            labels.get("istio-injection") == "enabled"
            or labels.get("istio.io/rev")
            or labels.get("istio.io/dataplane-mode") == "ambient"
        ):
            found.add(ns.name)
    found.update(p.namespace for p in state.sidecar_pods())
    return sorted(found - SYSTEM_NAMESPACES)


def no_sidecars_left(state: ClusterState, params: Params) -> CheckResult:
    """No pod anywhere still carries a sidecar: upstream sidecars bypass waypoints, so until the
    last one goes the originals are what judges their requests (why policy-simplification is last)."""
    pods = state.sidecar_pods()
    if pods:
        namespaces = sorted({p.namespace for p in pods})
        return fail(
            f"{len(pods)} pod(s) in {', '.join(namespaces)} still carry a sidecar; they bypass the waypoints, "
            "so deleting the original policies would change what they may call",
            "\n".join(f"kubectl rollout restart deployment -n {ns}" for ns in namespaces)
            + "\n(after moving those namespaces to ambient; or skip this phase until then)",
            [f"{p.namespace}/{p.name}" for p in pods],
        )
    return ok("no sidecar left anywhere: the waypoints and ztunnel enforce every policy")
