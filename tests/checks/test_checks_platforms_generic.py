"""Issue 11.9: EKS, AKS and kubeadm need istio-k8s's platform="" without the Cilium phase (which
belongs to Canonical Kubernetes only); they (and `none`) are accepted and detected."""

from __future__ import annotations

from steps.checks import detect_platform, run_check
from steps.runbook import params, plan, registry
from steps.runbook.argvfmt import format_argv

from .ckf_states import PARAMS, obj, sidecar_model, with_objects


def _node(labels=None, provider="", annotations=None):
    node = obj("Node", "node-1", labels=labels or {}, spec={"providerID": provider} if provider else {})
    node.raw["metadata"]["annotations"] = dict(annotations or {})
    return node


def test_eks_aks_and_kubeadm_are_detected():
    eks = with_objects(sidecar_model(), _node({"eks.amazonaws.com/nodegroup": "ng-1"}), drop_kinds=["Node"])
    assert detect_platform(eks) == "eks"
    aks = with_objects(sidecar_model(), _node(provider="azure:///subscriptions/x/vm-0"), drop_kinds=["Node"])
    assert detect_platform(aks) == "aks"
    kubeadm = with_objects(
        sidecar_model(),
        _node(
            annotations={"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock"}
        ),
        drop_kinds=["Node"],
    )
    assert detect_platform(kubeadm) == "kubeadm"


def test_generic_platforms_deploy_with_an_empty_platform_and_no_cilium_phase():
    rb = registry.find("ckf-1.11-ambient")
    for platform in ("eks", "aks", "kubeadm", "none"):
        p = plan.resolve(rb, params.resolve(rb, {"platform": platform}))
        cmds = [format_argv(c.argv) for s in p.steps() for c in s.commands]
        assert any(c.startswith("juju deploy istio-k8s") and 'platform=""' in c for c in cmds), platform
        assert "cilium" not in [ph.id for ph in p.phases], platform
    ck8s = plan.resolve(rb, params.resolve(rb, {"platform": "canonical-k8s"}))
    assert "cilium" in [ph.id for ph in ck8s.phases]


def test_none_is_accepted_on_a_generic_cluster():
    kubeadm = with_objects(
        sidecar_model(),
        _node(annotations={"kubeadm.alpha.kubernetes.io/cri-socket": "x"}),
        drop_kinds=["Node"],
    )
    assert run_check("platform-matches", kubeadm, {**PARAMS, "platform": "none"}).passed
    assert run_check("platform-matches", kubeadm, {**PARAMS, "platform": "kubeadm"}).passed
    assert run_check("platform-matches", kubeadm, {**PARAMS, "platform": "microk8s"}).failed


def test_the_cilium_restart_is_destructive_and_asks():
    # Issue 10.5: `rollout restart daemonset cilium` restarts the CNI on every node.
    rb = registry.find("ckf-1.11-ambient")
    p = plan.resolve(rb, params.resolve(rb, {"platform": "canonical-k8s"}))
    step = p.step("cilium-restart")
    assert step.destructive and "every node" in step.warning
    assert (
        plan.format_plan(p).count("Restart the Cilium agents  [cilium-restart]  (destructive: asks first)")
        == 1
    )
