"""Cilium: warnings before the migration for what the runbook sets, failures after it, and
failures either way for what the runbook cannot fix."""

from __future__ import annotations

from steps.checks import run_check
from steps.checks.cilium import PATCH_COMMANDS, PROBE_CIDR
from tests.checks.ckf_states import PARAMS, cilium_config, obj, sidecar_model, with_objects

CK = {**PARAMS, "platform": "canonical-k8s"}


def cluster(*objects):
    return with_objects(sidecar_model(), *objects)


def test_no_cilium_nothing_to_check():
    assert run_check("cilium-config", sidecar_model(), PARAMS).passed
    assert run_check("cilium-ambient-ready", sidecar_model(), PARAMS).passed


def test_good_values_pass_both():
    st = cluster(cilium_config())
    assert run_check("cilium-config", st, CK).passed
    assert run_check("cilium-ambient-ready", st, CK).passed


def test_values_the_runbook_sets_only_warn_before():
    st = cluster(cilium_config(cni_exclusive="true", bpf_lb_sock_hostns_only="false"))
    result = run_check("cilium-config", st, CK)
    assert result.status == "warning"
    assert 'cni-exclusive is "true", needs "false"' in result.message
    assert 'bpf-lb-sock-hostns-only is "false", needs "true"' in result.message
    assert "the runbook's Cilium phase sets these" in result.message
    assert result.fix.splitlines() == list(PATCH_COMMANDS)


def test_same_values_fail_after():
    st = cluster(cilium_config(cni_exclusive="true"))
    result = run_check("cilium-ambient-ready", st, CK)
    assert result.failed and 'cni-exclusive is "true", needs "false"' in result.message
    assert "kubectl -n kube-system rollout restart daemonset cilium" in result.fix


def test_off_canonical_k8s_the_operator_patches_by_hand():
    st = cluster(cilium_config(bpf_lb_sock_hostns_only="false"))
    result = run_check("cilium-config", st, {**PARAMS, "platform": "gke"})
    assert result.status == "warning"
    assert result.fix.startswith("# the runbook patches Cilium only on canonical-k8s")


def test_bpf_masquerade_fails_before_and_after():
    st = cluster(cilium_config(enable_bpf_masquerade="true"))
    for name in ("cilium-config", "cilium-ambient-ready"):
        result = run_check(name, st, CK)
        assert result.failed and 'enable-bpf-masquerade is "true"' in result.message
        assert '"enable-bpf-masquerade":"false"' in result.fix


def test_default_deny_without_probe_allowance_fails_with_the_policy_to_apply():
    deny = obj("NetworkPolicy", "default-deny", "alice", spec={"podSelector": {}, "policyTypes": ["Ingress"]})
    result = run_check("cilium-config", cluster(cilium_config(), deny), CK)
    assert result.failed
    assert "NetworkPolicy alice/default-deny" in result.message
    assert "kind: CiliumClusterwideNetworkPolicy" in result.fix and PROBE_CIDR in result.fix


def test_cilium_default_deny_policy_is_seen_too():
    deny = obj("CiliumNetworkPolicy", "deny-all", "admin", spec={"endpointSelector": {}, "ingress": [{}]})
    result = run_check("cilium-ambient-ready", cluster(cilium_config(), deny), CK)
    assert result.failed and "CiliumNetworkPolicy admin/deny-all" in result.message


def test_probe_allowance_makes_default_deny_fine():
    deny = obj("NetworkPolicy", "default-deny", "alice", spec={"podSelector": {}, "policyTypes": ["Ingress"]})
    allow = obj(
        "CiliumClusterwideNetworkPolicy",
        "allow-ambient-hostprobes",
        spec={"endpointSelector": {}, "ingress": [{"fromCIDR": [PROBE_CIDR]}]},
    )
    assert run_check("cilium-ambient-ready", cluster(cilium_config(), deny, allow), CK).passed


def test_policy_selecting_some_pods_is_not_default_deny():
    narrow = obj("NetworkPolicy", "db-only", "alice", spec={"podSelector": {"matchLabels": {"app": "db"}}})
    assert run_check("cilium-ambient-ready", cluster(cilium_config(), narrow), CK).passed


def test_cilium_running_but_config_not_read():
    ds = obj("DaemonSet", "cilium", "kube-system", labels={"k8s-app": "cilium"})
    assert run_check("cilium-config", cluster(ds), CK).status == "warning"
    result = run_check("cilium-ambient-ready", cluster(ds), CK)
    assert result.failed and "cilium-config ConfigMap was not read" in result.message


def test_canonical_k8s_without_cilium():
    assert run_check("cilium-config", sidecar_model(), CK).status == "warning"
    result = run_check("cilium-ambient-ready", sidecar_model(), CK)
    assert result.failed and "no Cilium found on Canonical Kubernetes" in result.message
