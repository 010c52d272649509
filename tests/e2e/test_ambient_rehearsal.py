"""The whole ckf-1.11-ambient runbook through the real engine against the sandbox, at speed 0,
and the end state judged with the same parsers and checks the live target uses."""

from __future__ import annotations

import pytest

from steps import checks
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest

from ..ambient_end_state import CHANNELS, GATEWAY_METADATA_WITH_GAP_CLOSED, MESHED, REMOVED, ROUTED
from ..engine_runs import run_aborting_on_questions


def rehearse(scenario: str, skip: str = ""):
    launched = start(
        RunRequest(
            runbook="ckf-1.11-ambient",
            target=TargetRequest(kind="sandbox", scenario=scenario, speed=0),
            yes=True,
        )
    )
    if skip:
        launched.engine.skip(skip, "skipped wrongly, on purpose")
    outcome, decisions = run_aborting_on_questions(launched)
    return launched, outcome, decisions


@pytest.mark.parametrize(
    "scenario, platform", [("ckf-1.11-microk8s", "microk8s"), ("ckf-1.11-canonical-k8s", "")]
)
def test_rehearsal_ends_in_a_correct_ambient_deployment(scenario, platform):
    launched, outcome, decisions = rehearse(scenario)
    assert outcome == "succeeded", [d.prompt for d in decisions]
    state = launched.target.read_state()
    apps = state.apps
    for name in REMOVED:
        assert name not in apps, f"{name} is still deployed"
    assert apps["istio-k8s"].config.get("platform", "") == platform
    for name in ("istio-k8s", "istio-beacon-k8s", "istio-ingress-k8s"):
        assert name in apps and apps[name].status.current == "active"
    assert apps["istio-ingress-k8s"].related_to("istio-k8s", "istio-ingress-config")
    for name, channel in CHANNELS.items():
        assert apps[name].channel == channel, name
    for name in MESHED:
        assert apps[name].related_to("istio-beacon-k8s", "service-mesh"), f"{name} is not on the mesh"
    for name in ROUTED:
        assert apps[name].related_to("istio-ingress-k8s", "istio-ingress-route"), name
    for name in GATEWAY_METADATA_WITH_GAP_CLOSED:
        assert apps[name].related_to("istio-ingress-k8s", "gateway-metadata"), name
    assert apps["oidc-gatekeeper"].related_to("istio-ingress-k8s", "forward-auth")
    assert apps["kserve-controller"].config.get("deployment-mode") == "rawdeployment"
    assert apps["kubeflow-profiles"].config.get("service-mesh-mode") == "istio-ambient"
    assert apps["kubeflow-profiles"].config.get("istio-gateway-service-account") == "istio-ingress-k8s-istio"
    assert not state.sidecar_pods(), [f"{p.namespace}/{p.name}" for p in state.sidecar_pods()]
    assert all(a.status.current == "active" for a in apps.values()), {
        a.name: a.status.current for a in apps.values() if a.status.current != "active"
    }
    report = checks.verify(state, launched.plan.values.params)
    assert not report.blocked, checks.format_report(report, ascii=True)


def test_a_wrongly_skipped_step_is_caught_by_verification():
    launched, outcome, decisions = rehearse("ckf-1.11-microk8s", skip="migrate-kubeflow-profiles")
    assert outcome == "aborted"
    failed_steps = {d.step_id for d in decisions}
    # The gate before the sidecar restarts catches it first now (the namespace never gets its
    # ambient labels, so no pod is restarted into a sidecar); verification would catch it after.
    caught_by = {
        "wait-namespace-relabelled.admin",
        "verify-status",
        "verify-relations",
        "verify-user-namespaces",
    }
    assert failed_steps & caught_by, failed_steps
    state = launched.target.read_state()
    report = checks.verify(state, launched.plan.values.params)
    assert report.blocked
    failing = {r.name for g in report.groups for r in g.results if r.status == "failed"}
    assert "profiles-ambient" in failing and "waypoints" in failing, failing
