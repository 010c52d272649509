"""The built-in runbook resolved against params: what `cairn plan` shows is what runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from steps.errors import BadInput
from steps.runbook import params, plan, registry
from steps.runbook.argvfmt import format_argv


def _plan(**given):
    rb = registry.find("ckf-1.11-ambient")
    return plan.resolve(rb, params.resolve(rb, given), preview=True)


def _commands(p):
    return [format_argv(c.argv) for s in p.steps() for c in s.commands]


def test_canonical_k8s_has_cilium_first_and_empty_platform():
    p = _plan(platform="canonical-k8s")
    phase_ids = [ph.id for ph in p.phases]
    assert phase_ids[:2] == ["preflight", "cilium"], "Cilium comes right after the read-only pre-flight"
    cmds = _commands(p)
    cilium = [c for c in cmds if "cilium" in c and "kube-system" in c]
    assert cilium == [
        "kubectl -n kube-system patch configmap cilium-config --type merge --patch "
        '\'{"data":{"bpf-lb-sock-hostns-only":"true"}}\'',
        "kubectl -n kube-system patch configmap cilium-config --type merge --patch "
        '\'{"data":{"cni-exclusive":"false"}}\'',
        "kubectl -n kube-system rollout restart daemonset cilium",
        "kubectl -n kube-system rollout status daemonset cilium --timeout=10m",
    ]
    deploy = [c for c in cmds if c.startswith("juju deploy istio-k8s")]
    assert deploy == ['juju deploy istio-k8s --trust --channel 2/edge --config platform="" -m kubeflow']
    step = p.step("deploy-istio-k8s")
    assert step.commands[0].argv[7] == "platform=", "the argv element itself is an empty value, no quotes"


def test_microk8s_has_no_cilium_phase_and_platform_value():
    p = _plan(platform="microk8s")
    assert "cilium" not in [ph.id for ph in p.phases]
    assert not any("cilium" in c for c in _commands(p))
    assert (
        "juju deploy istio-k8s --trust --channel 2/edge --config platform=microk8s -m kubeflow"
        in _commands(p)
    )


@pytest.mark.parametrize("value", ["gke", "k3d", "k3s", "minikube", "openshift"])
def test_other_istio_platform_values_pass_through(value):
    assert f"--config platform={value}" in " ".join(_commands(_plan(platform=value)))


# eks is accepted since issue 11.9; rke2 is not a platform value
@pytest.mark.parametrize("value", ["x; rm -rf /", "rke2", "", "MicroK8s", "microk8s "])
def test_unknown_platform_refused_with_the_list(value):
    with pytest.raises(BadInput) as err:
        _plan(platform=value)
    msg = str(err.value)
    assert "\n" not in msg
    assert "microk8s, canonical-k8s, gke, k3d, k3s, minikube, openshift" in msg


def test_risk_stable_leaves_no_edge_channel():
    p = _plan(risk="stable")
    cmds = _commands(p)
    assert not any("/edge" in c for c in cmds)
    assert "juju refresh kfp-api --channel 2.15/stable -m kubeflow" in cmds
    assert "juju deploy istio-beacon-k8s --trust --channel 2/stable -m kubeflow" in cmds


def test_channel_override_and_model():
    p = _plan(**{"channel.kfp": "2.15/candidate", "model": "kf"})
    cmds = _commands(p)
    assert "juju refresh kfp-ui --channel 2.15/candidate -m kf" in cmds
    with pytest.raises(BadInput):
        _plan(**{"channel.nope": "1/edge"})
    with pytest.raises(BadInput):
        _plan(**{"channel.kfp": "not a channel"})
    with pytest.raises(BadInput):
        _plan(model="Bad_Model")


def test_user_namespace_steps_expand_per_namespace():
    p = _plan(user_namespaces="admin,alice")
    ids = [s.id for s in p.steps()]
    assert "delete-ml-pipeline-pods.admin" in ids and "delete-ml-pipeline-pods.alice" in ids
    cmds = _commands(p)
    assert "kubectl delete pod -l app=ml-pipeline-ui-artifact -n alice" in cmds
    assert "kubectl delete pod -l app=ml-pipeline-visualizationserver -n admin" in cmds
    preview = _plan()
    assert "delete-ml-pipeline-pods.<user_namespaces>" in [s.id for s in preview.steps()]


def test_every_step_has_a_one_line_doc_and_the_gaps_are_marked():
    rb = registry.find("ckf-1.11-ambient")
    for phase in rb.phases:
        for step in phase.steps:
            assert step.doc and "\n" not in step.doc, step.id
    p = _plan(user_namespaces="admin")
    pvc = p.step("migrate-pvcviewer-operator")
    assert "gateway-metadata" in pvc.gap
    assert any(
        c.argv[:3] == ("juju", "integrate", "pvcviewer-operator:gateway-metadata") for c in pvc.commands
    )
    minio = p.step("migrate-minio")
    # Issue 11.12: every guide version refreshed MinIO with --trust, so it is no gap of the guide.
    assert "--trust" in minio.commands[0].argv and not minio.gap and "--trust" in minio.doc
    envoy = p.step("migrate-envoy")
    assert "istio-beacon-k8s:service-mesh" in envoy.commands[1].argv and envoy.gap
    assert p.phases[-1].id == "verify"


def test_guide_order_is_kept():
    """The phases follow the newer guide's sections in its order."""
    order = [ph.id for ph in _plan(platform="canonical-k8s").phases]
    assert order == [
        "preflight",
        "cilium",
        "remove-istio",
        "remove-knative",
        "deploy-istio",
        "admission-webhook",
        "katib",
        "training-operator",
        "kserve",
        "auth",
        "envoy",
        "jupyter",
        "kfp",
        "minio",
        "dashboard",
        "profiles",
        "volumes",
        "pvcviewer",
        "tensorboard",
        "metacontroller",
        "user-namespaces",
        "verify",
    ]


GUIDE_COMMANDS = Path(__file__).resolve().parents[1] / "fixtures/guide/ckf-1.11-ambient-commands.txt"


def test_every_guide_command_is_in_the_plan():
    """Each juju/kubectl command of the newer guide appears, with -m added to juju commands."""
    cmds = set(_commands(_plan(platform="canonical-k8s", user_namespaces="admin")))
    lines = [line for line in GUIDE_COMMANDS.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) > 60  # the guide's whole command list, not a stub
    for line in lines:
        line = line.strip()
        if not line.startswith(("juju ", "kubectl ")) or "<" in line or "juju status" == line:
            continue
        expected = line + " -m kubeflow" if line.startswith("juju ") else line
        expected = expected.replace(
            "envoy:service-mesh istio-beacon-k8s -m", "envoy:service-mesh istio-beacon-k8s:service-mesh -m"
        )
        expected = expected.replace('platform=""', 'platform=""')
        assert expected in cmds or line.replace("<user-namespace>", "admin") in cmds, line


def test_the_guide_command_list_is_the_guides():
    """The test data above is the guide's own command lines, where the reference guide is at hand."""
    guide = next(
        Path(__file__).resolve().parents[3].joinpath("shared/reference/seeds").glob("001_*.txt"), None
    )
    if guide is None:
        pytest.skip("the reference guide is not beside the checkout (the command list in the repo is used)")
    from_guide = [
        s.strip() for s in guide.read_text().splitlines() if s.strip().startswith(("juju ", "kubectl "))
    ]
    kept = [line for line in GUIDE_COMMANDS.read_text().splitlines() if not line.startswith("#")]
    assert kept == from_guide


def test_upgrade_plan_reads_each_minio_key_once():
    rb = registry.find("ckf-1.6-to-1.7")
    # The volume migration is an option since issue 11.3 (the final guide refreshes MinIO).
    p = plan.resolve(rb, params.resolve(rb, {"minio": "migrate-volume"}), preview=True)
    cmds = [format_argv(c.argv) for s in p.steps() for c in s.commands]
    assert cmds.count("juju config minio access-key -m kubeflow") == 1
    assert cmds.count("juju config minio secret-key -m kubeflow") == 1
    sets = [c for c in cmds if c.startswith("juju config minio ") and "=" in c]
    assert sets == [
        "juju config minio 'access-key={captured.minio_access_key}' "
        "'secret-key={captured.minio_secret_key}' -m kubeflow"
    ]
    creds = p.step("minio-credentials").commands
    assert [c.secret for c in creds] == [True, True]
    assert [f.decode for c in creds for f in c.fallback] == ["base64", "base64"]
    text = plan.format_plan(p)
    assert "PV_SIZE" not in " ".join(cmds) and not any(c.startswith("sed") for c in cmds)
    assert "juju config minio secret-key" in text
    # Issue 11.3: the old volume is never deleted in the same run; it stays Retained.
    assert not any(c.startswith(("kubectl delete pv", "kubectl -n kubeflow delete pvc")) for c in cmds)
    order = [s.id for s in p.steps()]
    assert order.index("backup-confirm") < order.index("minio-remove-relations")
    assert order.index("minio-verify-copy") < order.index("minio-restore-relations")
    assert order.index("minio-retain-volume") < order.index("minio-remove")
