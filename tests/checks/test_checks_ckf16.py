"""Checks of the 1.6 -> 1.7 runbook's pre-flight (issue 11.2, issue 10.19 and 10.20) and the
pre-flight endpoint check of the ambient runbook (issue 11.5)."""

from __future__ import annotations

import json

from steps.checks import DISCOVERERS, preflight_groups, preflight_of, run_check
from steps.checks.ckf16 import BUNDLE_1_6
from steps.runbook import params, plan, registry

from .ckf_states import PARAMS, app, sidecar_model, state, unit

CKF16 = [app(name, f"{track}/stable") for name, track in BUNDLE_1_6.items()]


def _juju29(version: str = "2.9.34", client: str | None = None):
    return state(CKF16, agent_version=version, juju=client or version, kubernetes="v1.22.17")


def test_the_dialect_is_discovered_from_the_controller():
    assert DISCOVERERS["juju-dialect"](_juju29()) == "2.9"
    assert DISCOVERERS["juju-dialect"](sidecar_model()) == "3"


def test_juju_29_passes_when_the_plan_speaks_29():
    result = run_check("juju-dialect", _juju29(), {"model": "kubeflow", "juju": "2.9"})
    assert result.passed and "2.9.34" in result.message and "juju relate" in result.message


def test_a_plan_in_the_3x_dialect_is_refused_on_a_29_controller():
    result = run_check("juju-dialect", _juju29(), {"model": "kubeflow", "juju": "3"})
    assert result.failed and result.fix.startswith("--set juju=2.9")


def test_juju_older_than_29_is_refused_with_the_reason():
    result = run_check("juju-dialect", _juju29("2.8.13"), {"model": "kubeflow", "juju": "2.9"})
    assert result.failed and "Charmhub" in result.message and "2.8.13" in result.message


def test_a_client_of_another_major_version_is_refused():
    result = run_check("juju-dialect", _juju29("2.9.44", client="3.6.8"), {"model": "kubeflow"})
    assert result.failed and "2.9/stable" in result.fix


def test_ckf16_version_recognises_16_and_refuses_111():
    assert run_check("ckf16-version", _juju29(), {"model": "kubeflow"}).passed
    result = run_check("ckf16-version", sidecar_model(), {"model": "kubeflow"})
    assert result.failed and "CKF 1.11" in result.message


def test_an_older_ckf_is_sent_to_the_next_versions_runbook_never_to_direct_refreshes():
    # Issue 10.20: the fix for a CKF 1.6 model used to list `juju refresh ... --channel 2.15/stable`.
    result = run_check("ckf-version", _juju29(), PARAMS)
    assert result.failed and "CKF 1.6" in result.message
    assert "cairn run ckf-1.6-to-1.7" in result.fix
    assert "juju refresh" not in result.fix and "2.15" not in result.fix
    seven = state(
        [app(n, c) for n, c in (("kubeflow-dashboard", "1.7/stable"), ("istio-pilot", "1.16/stable"))]
    )
    result = run_check("ckf-version", seven, PARAMS)
    assert result.failed and "CKF 1.8" in result.fix and "juju refresh" not in result.fix


def test_each_runbook_has_its_own_preflight():
    # Issue 10.19: `cairn check ckf-1.6-to-1.7` ran the 1.11 ambient checks.
    rb = registry.find("ckf-1.6-to-1.7")
    pl = plan.resolve(rb, params.resolve(rb, {}))
    groups, _ = preflight_groups(pl)
    names = [r.name for _, refs in groups for r in refs]
    assert names == ["tools-present", "juju-dialect", "model-exists", "ckf16-version", "all-apps-active"]
    report = preflight_of(pl, _juju29(), pl.values.params)
    assert not report.blocked, [(r.name, r.message) for r in report.results if r.failed]
    ambient = registry.find("ckf-1.11-ambient")
    apl = plan.resolve(ambient, params.resolve(ambient, {}))
    agroups, deferred = preflight_groups(apl)
    anames = {r.name for _, refs in agroups for r in refs}
    assert {"juju-version", "ckf-version", "platform-matches"} <= anames and "juju-dialect" not in anames
    assert deferred == ("Every target channel has the endpoints the runbook integrates",)


def _info(**relations: dict[str, str]) -> str:
    return json.dumps({"type": "charm", "name": "x", "charm": {"relations": relations}, "channels": {}})


def test_charm_endpoints_names_each_missing_endpoint():
    info = _info(provides={"metrics-endpoint": "prometheus_scrape"}, requires={"logging": "loki_push_api"})
    result = run_check(
        "charm-endpoints",
        sidecar_model(),
        PARAMS,
        charm="katib-ui",
        channel="0.19/stable",
        endpoints="istio-ingress-route,service-mesh",
        info=info,
    )
    assert result.failed and result.message == "katib-ui 0.19/stable lacks istio-ingress-route, service-mesh"
    assert "--risk edge" in result.fix
    ok = run_check(
        "charm-endpoints",
        sidecar_model(),
        PARAMS,
        charm="katib-ui",
        channel="0.19/edge",
        endpoints="service-mesh",
        info=_info(requires={"service-mesh": "service_mesh"}),
    )
    assert ok.passed
    broken = run_check(
        "charm-endpoints", sidecar_model(), PARAMS, charm="a", channel="1/edge", endpoints="x", info="ERROR"
    )
    assert broken.failed and "juju info a --channel 1/edge --format=json" in broken.fix


def test_app_upgraded_accepts_istio_pilot_waiting_for_its_gateway():
    waiting = "Missing istio-ingressgateway-workload service, deferring this event"
    pilot = app("istio-pilot", "1.13/stable", units=[unit("istio-pilot/0", "waiting", message=waiting)])
    assert run_check("app-upgraded", state([pilot]), PARAMS, app="istio-pilot").passed
    busy = app("istio-pilot", "1.13/stable", units=[unit("istio-pilot/0", "maintenance", "executing")])
    assert run_check("app-upgraded", state([busy]), PARAMS, app="istio-pilot").failed


def test_app_absent_fix_speaks_the_dialect():
    present = state([app("istio-ingressgateway", "1.11/stable")])
    fix29 = run_check(
        "app-absent", present, {"model": "kubeflow", "juju": "2.9"}, app="istio-ingressgateway"
    ).fix
    assert "--no-prompt" not in fix29
    assert "--no-prompt" in run_check("app-absent", present, PARAMS, app="istio-ingressgateway").fix
