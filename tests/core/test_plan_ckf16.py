"""The 1.6 -> 1.7 plan follows the final guide (issue 11.1-11.4) and speaks the controller's Juju
dialect (issue 11.2): the plan shows the exact argv that runs."""

from __future__ import annotations

from steps.checks.ckf16 import CHANNELS_1_7
from steps.runbook import params, plan, registry, template
from steps.runbook.argvfmt import format_argv


def _commands(**given: str) -> list[str]:
    rb = registry.find("ckf-1.6-to-1.7")
    p = plan.resolve(rb, params.resolve(rb, given), preview=True)
    return [format_argv(c.argv) for s in p.steps() for c in s.commands]


def test_no_latest_edge_and_every_refresh_names_the_final_guides_channel():
    cmds = _commands()
    assert not any("latest/edge" in c for c in cmds)
    refreshes = {
        c.split()[2]: c.split()[4] for c in cmds if c.startswith("juju refresh ") and "istio" not in c
    }
    assert refreshes == {
        app: ch
        for app, ch in CHANNELS_1_7.items()
        if app not in ("kubeflow-roles",) and "istio" not in app and not app.startswith(("knative", "kserve"))
    }
    istio = [c.split()[4] for c in cmds if c.startswith("juju refresh istio-pilot")]
    assert istio == ["1.12/stable", "1.13/stable", "1.14/stable", "1.15/stable", "1.16/stable"]
    assert (
        "juju deploy istio-gateway --channel 1.16/stable --trust --config kind=ingress istio-ingressgateway -m kubeflow"
        in cmds
    )
    deploys = [c for c in cmds if c.startswith("juju deploy k")]
    assert [c.split()[2] for c in deploys] == [
        "kubeflow-roles",
        "knative-operator",
        "knative-serving",
        "knative-eventing",
        "kserve-controller",
    ]
    assert "istio.gateway.name=kubeflow-gateway" in deploys[2]  # a32fcd2's value (§9 had ingressgateway)


def test_juju_29_dialect_relate_and_no_no_prompt():
    cmds = _commands()
    assert not any(c.startswith("juju integrate") or "--no-prompt" in c for c in cmds)
    assert "juju relate istio-pilot istio-ingressgateway -m kubeflow" in cmds
    assert "juju relate istio-pilot:gateway-info kserve-controller:ingress-gateway -m kubeflow" in cmds
    assert "juju remove-application istio-ingressgateway -m kubeflow" in cmds


def test_juju_3_dialect_integrate_and_no_prompt():
    cmds = _commands(juju="3")
    assert not any(c.startswith("juju relate") for c in cmds)
    assert "juju integrate istio-pilot istio-ingressgateway -m kubeflow" in cmds
    assert "juju remove-application --no-prompt istio-ingressgateway -m kubeflow" in cmds


def test_only_the_guides_relation_is_removed_by_default():
    cmds = _commands()
    assert [c for c in cmds if c.startswith("juju remove-relation")] == [
        "juju remove-relation istio-pilot istio-ingressgateway -m kubeflow"
    ]
    rb = registry.find("ckf-1.6-to-1.7")
    p = plan.resolve(rb, params.resolve(rb, {}))
    assert not any(s.generate == "remove-relations" for s in p.steps())
    assert "juju refresh minio --channel ckf-1.7/stable -m kubeflow" in cmds


def test_a_lone_empty_placeholder_is_dropped_but_never_a_capture():
    table = {"flag": "", "v": ""}
    assert template.render_argv(("juju", "{flag}", "x"), table) == ("juju", "x")
    assert template.render_argv(("a", "k={v}"), table) == ("a", "k=")
    assert template.render_argv(("a", "{captured.c}"), {"captured.c": ""}, keep_late=False) == ("a", "")
