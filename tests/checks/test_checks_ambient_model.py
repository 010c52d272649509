"""Issue 11.8: with `--set model=X`, kubeflow-profiles' istio-gateway-namespace stayed at its
default "kubeflow", so the profiles' principals named the wrong gateway."""

from __future__ import annotations

from steps.checks import run_check
from steps.runbook import params, plan, registry
from steps.runbook.argvfmt import format_argv

from .ckf_states import PARAMS, app, migrated_model, with_apps

AMBIENT = {"service-mesh-mode": "istio-ambient", "istio-gateway-service-account": "istio-ingress-k8s-istio"}


def test_the_plan_sets_the_gateway_namespace_from_the_model():
    rb = registry.find("ckf-1.11-ambient")
    p = plan.resolve(rb, params.resolve(rb, {"model": "ml"}))
    step = p.step("migrate-kubeflow-profiles")
    assert "juju config kubeflow-profiles istio-gateway-namespace=ml -m ml" in [
        format_argv(c.argv) for c in step.commands
    ]
    assert any(r.args.get("key") == "istio-gateway-namespace" and r.args["value"] == "ml" for r in step.check)


def test_verification_fails_when_the_gateway_namespace_is_not_the_models():
    profiles = app("kubeflow-profiles", "2.0/edge", config=AMBIENT)  # namespace left at its default
    st = with_apps(migrated_model(), profiles)
    assert run_check("profiles-ambient", st, PARAMS).passed  # model kubeflow: the default is right
    other = {**PARAMS, "model": "ml"}
    result = run_check("profiles-ambient", st, other)
    assert result.failed and "istio-gateway-namespace is kubeflow, needs ml" in result.message
    assert "juju config -m ml kubeflow-profiles istio-gateway-namespace=ml" in result.fix.splitlines()
