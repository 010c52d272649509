"""Issue 11.10: knative-operator goes only after serving and eventing have finished tearing down,
and afterwards nothing of Knative is left (namespaces or CRDs stuck on finalizers)."""

from __future__ import annotations

from steps.checks import run_check
from steps.runbook import params, plan, registry

from .ckf_states import PARAMS, obj, sidecar_model, state, with_objects


def test_leftover_namespaces_and_crds_are_named_with_how_to_find_their_finalizers():
    st = state(
        namespaces={"knative-serving": {}, "kubeflow": {}},
        objects=[obj("CustomResourceDefinition", "services.serving.knative.dev")],
    )
    result = run_check("knative-gone", st, PARAMS)
    assert result.failed
    assert result.details == ("namespace knative-serving", "CRD services.serving.knative.dev")
    assert "kubectl get namespace knative-serving" in result.fix and "finalizers" in result.fix
    clean = with_objects(sidecar_model(), drop_kinds=["CustomResourceDefinition"])
    assert run_check("knative-gone", clean, PARAMS).passed


def test_namespace_absent():
    assert run_check(
        "namespace-absent", state(namespaces={"knative-serving": {}}), PARAMS, namespace="knative-serving"
    ).failed
    assert run_check("namespace-absent", state(namespaces={}), PARAMS, namespace="knative-serving").passed


def test_the_operator_waits_for_its_components_and_is_checked_after():
    rb = registry.find("ckf-1.11-ambient")
    p = plan.resolve(rb, params.resolve(rb, {}))
    for component in ("knative-serving", "knative-eventing"):
        waits = {(r.name, tuple(r.args.values())) for r in p.step(f"remove-{component}").wait_for}
        assert ("app-absent", (component,)) in waits and ("namespace-absent", (component,)) in waits
    operator = [r.name for r in p.step("remove-knative-operator").wait_for]
    assert operator[-1] == "knative-gone"


def test_knative_webhook_configurations_left_behind_are_named_and_istios_are_not():
    """Issue 11.15: the operator's finalizer deletes a component's webhook configurations; left
    behind they point at a Service that is gone. Istio's own injector is no leftover."""
    st = state(
        namespaces={"kubeflow": {}},
        objects=[
            obj("MutatingWebhookConfiguration", "webhook.serving.knative.dev"),
            obj("ValidatingWebhookConfiguration", "validation.webhook.eventing.knative.dev"),
            obj("MutatingWebhookConfiguration", "istio-sidecar-injector-kubeflow"),
        ],
    )
    result = run_check("knative-gone", st, PARAMS)
    assert result.failed
    assert result.details == (
        "MutatingWebhookConfiguration webhook.serving.knative.dev",
        "ValidatingWebhookConfiguration validation.webhook.eventing.knative.dev",
    )
    assert "kubectl delete mutatingwebhookconfiguration webhook.serving.knative.dev" in result.fix
    clean = state(
        namespaces={"kubeflow": {}},
        objects=[obj("MutatingWebhookConfiguration", "istio-sidecar-injector-kubeflow")],
    )
    assert (
        run_check("knative-gone", clean, PARAMS).message
        == "no Knative namespace, CRD or webhook configuration left"
    )
