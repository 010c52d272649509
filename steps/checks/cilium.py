"""Cilium settings Istio ambient needs (Istio's platform prerequisites, Cilium's Istio page).

`cni-exclusive` and `bpf-lb-sock-hostns-only` are only warnings before the migration, since the
runbook's Cilium phase sets them; after it, the same values are failures. BPF masquerading and a
default-deny policy without the probe allowance are failures either way: the runbook cannot fix
them for the operator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .platform import cilium_config, cilium_present
from .result import CheckResult, fail, ok, warn

PROBE_CIDR = "169.254.7.127/32"  # ambient SNATs kubelet probes from this address
WANTED = {"cni-exclusive": "false", "bpf-lb-sock-hostns-only": "true"}

PATCH_COMMANDS = (
    "kubectl -n kube-system patch configmap cilium-config --type merge "
    """--patch '{"data":{"bpf-lb-sock-hostns-only":"true"}}'""",
    "kubectl -n kube-system patch configmap cilium-config --type merge "
    """--patch '{"data":{"cni-exclusive":"false"}}'""",
    "kubectl -n kube-system rollout restart daemonset cilium",
)
MASQUERADE_FIX = (
    "# Istio ambient does not support BPF masquerading: turn it off (Helm bpf.masquerade=false)\n"
    "kubectl -n kube-system patch configmap cilium-config --type merge "
    """--patch '{"data":{"enable-bpf-masquerade":"false"}}'\n"""
    "kubectl -n kube-system rollout restart daemonset cilium"
)
PROBE_POLICY_FIX = f"""kubectl apply -f - <<'EOF'
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: allow-ambient-hostprobes
spec:
  description: Allows SNAT-ed kubelet health check probes into ambient pods
  enableDefaultDeny:
    egress: false
    ingress: false
  endpointSelector: {{}}
  ingress:
  - fromCIDR:
    - "{PROBE_CIDR}"
EOF"""


def _empty_selector(selector: Any) -> bool:
    return not selector or (
        isinstance(selector, Mapping)
        and not selector.get("matchLabels")
        and not selector.get("matchExpressions")
    )


def default_deny_policies(state: ClusterState) -> list[str]:
    """Policies that deny ingress to every pod they select in a namespace (or cluster) by default."""
    found = []
    for policy in state.objects_of("NetworkPolicy"):
        spec = policy.raw.get("spec") or {}
        types = spec.get("policyTypes") or ["Ingress"]
        if _empty_selector(spec.get("podSelector")) and "Ingress" in types and not spec.get("ingress"):
            found.append(f"NetworkPolicy {policy.namespace}/{policy.name}")
    for kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
        for policy in state.objects_of(kind):
            specs = [policy.raw.get("spec") or {}, *(policy.raw.get("specs") or [])]
            for spec in specs:
                if not isinstance(spec, Mapping) or not _empty_selector(spec.get("endpointSelector")):
                    continue
                default_deny = (spec.get("enableDefaultDeny") or {}).get("ingress") is True
                if spec.get("ingress") == [{}] or spec.get("ingressDeny") or default_deny:
                    where = f"{policy.namespace}/{policy.name}" if policy.namespace else policy.name
                    found.append(f"{kind} {where}")
                    break
    return found


def probes_allowed(state: ClusterState) -> bool:
    """A cluster-wide Cilium policy lets the ambient probe address in."""
    for policy in state.objects_of("CiliumClusterwideNetworkPolicy"):
        for spec in [policy.raw.get("spec") or {}, *(policy.raw.get("specs") or [])]:
            for rule in (spec.get("ingress") or []) if isinstance(spec, Mapping) else []:
                cidrs = list(rule.get("fromCIDR") or []) + [
                    c.get("cidr") for c in rule.get("fromCIDRSet") or [] if isinstance(c, Mapping)
                ]
                if PROBE_CIDR in cidrs or PROBE_CIDR.removesuffix("/32") in cidrs:
                    return True
    return False


def _shown(data: Mapping[str, Any], key: str) -> str:
    return f'"{data[key]}"' if key in data else "not set"


def _judge(state: ClusterState, params: Mapping[str, Any], after_migration: bool) -> CheckResult:
    platform = str(params.get("platform") or "")
    config = cilium_config(state)
    if config is None:
        if cilium_present(state):
            text = "Cilium runs but its cilium-config ConfigMap was not read"
            fix = "kubectl -n kube-system get configmap cilium-config -o yaml"
            return fail(text, fix) if after_migration else warn(text, fix)
        if platform == "canonical-k8s":
            text = "no Cilium found on Canonical Kubernetes (cilium-config in kube-system not read)"
            fix = "kubectl -n kube-system get configmap cilium-config -o yaml"
            return fail(text, fix) if after_migration else warn(text, fix)
        return ok("Cilium not found: nothing to check")
    data = config.raw.get("data") or {}
    blocking: list[str] = []
    fixes: list[str] = []
    if str(data.get("enable-bpf-masquerade", "")).lower() == "true":
        blocking.append('enable-bpf-masquerade is "true" (unsupported: pod health probes break)')
        fixes.append(MASQUERADE_FIX)
    denies = default_deny_policies(state)
    if denies and not probes_allowed(state):
        blocking.append(f"default-deny policy without an allowance for {PROBE_CIDR}: {', '.join(denies)}")
        fixes.append(PROBE_POLICY_FIX)
    unset = [
        f'{key} is {_shown(data, key)}, needs "{value}"'
        for key, value in WANTED.items()
        if data.get(key) != value
    ]
    if unset:
        if not after_migration and platform != "canonical-k8s":
            fixes.append("# the runbook patches Cilium only on canonical-k8s: run these yourself")
        fixes.extend(PATCH_COMMANDS)
    problems = blocking + unset
    if not problems:
        return ok('cni-exclusive "false", bpf-lb-sock-hostns-only "true", no BPF masquerading')
    message = "; ".join(problems)
    if blocking or after_migration:
        return fail(message, "\n".join(fixes), problems)
    note = " (the runbook's Cilium phase sets these)" if platform == "canonical-k8s" else ""
    return warn(message + note, "\n".join(fixes), problems)


def cilium_preflight(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    return _judge(state, params, after_migration=False)


def cilium_values(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    return _judge(state, params, after_migration=True)
