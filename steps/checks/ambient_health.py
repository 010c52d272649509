"""Verification of the ambient data plane and of what the migration leaves behind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import model_namespace
from .preflight_checks import _deployment_mode
from .result import CheckResult, fail, ok, warn

# istio-k8s installs these two DaemonSets (Istio's own names): ztunnel carries the ambient
# traffic of every node, istio-cni redirects each pod's traffic to it.
DATAPLANE_DAEMONSETS = ("ztunnel", "istio-cni-node")


def ambient_dataplane(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    nodes = len(state.objects_of("Node"))
    namespace = model_namespace(params, state)
    problems, fine = [], []
    for name in DATAPLANE_DAEMONSETS:
        found = [d for d in state.objects_of("DaemonSet") if d.name == name]
        if not found:
            problems.append(f"DaemonSet {name} not found")
            continue
        ds = found[0]
        status = ds.raw.get("status") or {}
        desired, ready = int(status.get("desiredNumberScheduled") or 0), int(status.get("numberReady") or 0)
        if ready < desired or desired == 0 or (nodes and desired < nodes):
            problems.append(
                f"{ds.namespace}/{name}: {ready} ready of {desired} scheduled on {nodes or '?'} node(s)"
            )
        else:
            fine.append(f"{name} {ready}/{desired}")
    if problems:
        return fail(
            "the ambient data plane is not ready on every node: " + "; ".join(problems),
            f"kubectl -n {namespace} get daemonset ztunnel istio-cni-node -o wide\n"
            f"kubectl -n {namespace} get pods -l 'app in (ztunnel),k8s-app in (istio-cni-node)' -o wide",
            problems,
        )
    return ok(f"ready on every node: {', '.join(fine)}")


def serverless_left(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    """InferenceServices that needed Knative stop serving once it is gone; they must be named."""
    left = []
    for isvc in state.objects_of("InferenceService"):
        conditions = (isvc.raw.get("status") or {}).get("conditions") or []
        ready = next((c.get("status") for c in conditions if c.get("type") == "Ready"), "Unknown")
        if _deployment_mode(state, isvc.raw) == "serverless" or ready != "True":
            left.append(
                f"{isvc.namespace}/{isvc.name} (mode {_deployment_mode(state, isvc.raw)}, Ready {ready})"
            )
    if left:
        return warn(
            f"{len(left)} InferenceService(s) not serving after the migration: {', '.join(left)}",
            "re-create each with the annotation serving.kserve.io/deploymentMode: RawDeployment, e.g.\n"
            "kubectl get inferenceservice -n NS NAME -o yaml > NAME.yaml  # add the annotation, then\n"
            "kubectl delete inferenceservice -n NS NAME && kubectl apply -f NAME.yaml",
            left,
        )
    return ok(f"every InferenceService serving ({len(state.objects_of('InferenceService'))} read)")


def sidecars_elsewhere(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    """Pods with sidecars outside the model and the Profile namespaces: nothing in the runbook
    restarts them, and with istio-pilot gone their proxies talk to no control plane."""
    from .context import user_namespaces

    covered = {model_namespace(params, state), *user_namespaces(state, params)}
    left = sorted(f"{p.namespace}/{p.name}" for p in state.sidecar_pods() if p.namespace not in covered)
    if left:
        namespaces = sorted({name.split("/")[0] for name in left})
        return warn(
            f"{len(left)} pod(s) outside the Kubeflow namespaces still carry a sidecar: {', '.join(left[:5])}",
            "\n".join(
                f"kubectl label namespace {ns} istio-injection- && kubectl label namespace {ns} "
                f"istio.io/dataplane-mode=ambient  # then restart its workloads"
                for ns in namespaces
            ),
            left,
        )
    return ok("no sidecar outside the Kubeflow namespaces")


# istio-cni marks each pod whose traffic it redirected to ztunnel (Istio's annotation.AmbientRedirection).
REDIRECTION = "ambient.istio.io/redirection"


def pods_enrolled(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    """Every running pod of the user namespaces is in the ambient mesh: a namespace label alone does
    not say that istio-cni could redirect each pod (a sidecar left, a CNI not chained, a pod opted out)."""
    from .context import user_namespaces

    namespaces = user_namespaces(state, params)
    if not namespaces:
        return warn("no user namespace to check", "kubectl get profiles.kubeflow.org")
    outside, opted_out, checked = [], [], 0
    for ns in namespaces:
        for pod in state.pods_in(ns):
            lone_proxy = [c.name for c in pod.containers if not c.init] == ["istio-proxy"]
            if pod.phase != "Running" or lone_proxy:  # a waypoint is the mesh's own proxy
                continue
            checked += 1
            if pod.annotations.get(REDIRECTION) == "enabled":
                continue
            if pod.labels.get("istio.io/dataplane-mode") == "none" and not pod.has_sidecar:
                opted_out.append(f"{ns}/{pod.name}")  # someone's choice: named, never blocking
                continue
            outside.append(f"{ns}/{pod.name} ({'a sidecar' if pod.has_sidecar else 'not redirected'})")
    if outside:
        model_ns = model_namespace(params, state)
        return fail(
            f"{len(outside)} of {checked} pod(s) in user namespaces are not enrolled in ambient "
            f"({REDIRECTION} is not enabled): {', '.join(outside[:5])}",
            "\n".join(
                [
                    f"kubectl -n {model_ns} logs daemonset/istio-cni-node --tail=50  # why istio-cni skipped them",
                    "kubectl get namespace " + " ".join(namespaces) + " -L istio.io/dataplane-mode",
                    "# a pod istio-cni missed (started before its node agent, say) is enrolled when it is recreated:",
                    *sorted(
                        {
                            f"kubectl delete pod -n {o.split('/')[0]} {o.split('/')[1].split(' ')[0]}"
                            for o in outside
                        }
                    ),
                ]
            ),
            outside,
        )
    if opted_out:
        return warn(
            f"{len(opted_out)} pod(s) in user namespaces opted out of ambient (istio.io/dataplane-mode=none): "
            f"{', '.join(opted_out[:5])}; no policy of the mesh protects them",
            "kubectl label pod -n NS NAME istio.io/dataplane-mode-  # to enrol one, if that was not meant",
            opted_out,
        )
    return ok(f"{checked} pod(s) in {len(namespaces)} user namespace(s) enrolled ({REDIRECTION}: enabled)")
