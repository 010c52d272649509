"""Issue 11.6 (part): TLS on the sidecar gateway is detected in pre-flight, with the way onto
istio-ingress-k8s (its `certificates` relation and `external_hostname` option, from the charm's
track/2 charmcraft.yaml), instead of being lost silently."""

from __future__ import annotations

import pytest

from steps import checks
from steps.checks import run_check
from steps.errors import BadInput
from steps.runbook import params, plan, registry

from .ckf_states import PARAMS, app, migrated_model, obj, sidecar_model, with_apps, with_objects


def _pilot(config=None, relations=()):
    return app(
        "istio-pilot",
        "1.28/stable",
        config=config or {"default-gateway": "kubeflow-gateway"},
        relations=relations,
    )


def test_plain_http_passes():
    assert run_check("gateway-tls", with_apps(sidecar_model(), _pilot()), PARAMS).passed


def test_a_certificates_relation_and_domain_are_carried_to_istio_ingress_k8s():
    st = with_apps(
        sidecar_model(),
        _pilot({"csr-domain-name": "kf.example.com"}, relations=["certificates:self-signed-certificates"]),
    )
    result = run_check("gateway-tls", st, PARAMS)
    assert result.failed and "serves TLS" in result.message
    fix = result.fix.splitlines()
    assert "juju integrate -m kubeflow istio-ingress-k8s:certificates self-signed-certificates" in fix
    assert "juju config -m kubeflow istio-ingress-k8s external_hostname=kf.example.com" in fix
    assert any("https://kf.example.com" in line for line in fix)  # Dex and oidc-gatekeeper URLs


def test_a_user_secret_needs_a_tls_provider():
    st = with_apps(sidecar_model(), _pilot({"tls-secret-id": "secret:abc"}))
    result = run_check("gateway-tls", st, PARAMS)
    assert result.failed and "manual-tls-certificates" in result.fix


# --- the plan carries what istio-pilot serves (params discovered from it when the run starts) ----

CARRY = {**PARAMS, "tls": "carry", "tls_provider": "self-signed-certificates", "hostname": "kf.example.com"}


def _tls_sidecar(config=None, relations=("certificates:self-signed-certificates",)):
    return with_apps(
        sidecar_model(), _pilot({"csr-domain-name": "kf.example.com", **(config or {})}, relations)
    )


def test_the_discovered_params_carry_the_relation_and_the_hostname():
    st = _tls_sidecar()
    assert checks.DISCOVERERS["gateway-tls"](st) == "carry"
    assert checks.DISCOVERERS["gateway-tls-provider"](st) == "self-signed-certificates"
    assert checks.DISCOVERERS["gateway-hostname"](st) == "kf.example.com"
    result = run_check("gateway-tls", st, CARRY)
    assert result.passed, result.message
    assert "juju config -m kubeflow istio-ingress-k8s external_hostname=kf.example.com" in result.details


def test_a_plan_that_drops_or_changes_the_tls_params_is_refused_naming_them():
    result = run_check("gateway-tls", _tls_sidecar(), {**CARRY, "tls": "off", "hostname": ""})
    assert result.failed
    assert {"--set tls=carry", "--set hostname=kf.example.com"} <= set(result.fix.splitlines())
    result = run_check("gateway-tls", _tls_sidecar(), {**CARRY, "tls_provider": "lego"})
    assert result.failed and "--set tls_provider=self-signed-certificates" in result.fix


def test_a_user_certificate_is_never_discovered_and_passes_only_as_the_operators_choice():
    st = _tls_sidecar({"tls-secret-id": "secret:abc"}, relations=())
    assert checks.DISCOVERERS["gateway-tls"](st) == ""
    refused = run_check("gateway-tls", st, {**PARAMS, "hostname": "kf.example.com"})
    assert refused.failed and "--set tls=manual-tls-certificates" in refused.fix.splitlines()
    assert "HTTPS would be lost" in refused.message
    chosen = {**PARAMS, "tls": "manual-tls-certificates", "hostname": "kf.example.com"}
    assert run_check("gateway-tls", st, chosen).passed


def test_both_a_relation_and_a_secret_is_refused():
    st = _tls_sidecar({"tls-secret-id": "secret:abc"})
    result = run_check("gateway-tls", st, CARRY)
    assert result.failed and "exactly one" in result.message


def test_plain_http_with_a_tls_plan_is_refused():
    result = run_check("gateway-tls", with_apps(sidecar_model(), _pilot()), CARRY)
    assert result.failed and result.fix == "--set tls=off"


def test_the_plan_shows_the_tls_steps_only_when_tls_is_carried():
    runbook = registry.find("ckf-1.11-ambient")

    def step_ids(given):
        return [s.id for s in plan.resolve(runbook, params.resolve(runbook, given)).steps()]

    plain = step_ids({})
    assert "ingress-certificates" not in plain and "verify-dashboard" in plain
    assert "verify-dashboard-https" not in plain and "verify-tls" in plain
    carried = step_ids(
        {"tls": "carry", "tls_provider": "self-signed-certificates", "hostname": "kf.example.com"}
    )
    assert carried.index("integrate-ingress-istio") < carried.index("ingress-hostname")
    assert carried.index("ingress-hostname") < carried.index("ingress-certificates")
    assert "verify-dashboard-https" in carried and "verify-dashboard" not in carried
    assert "ingress-manual-tls" not in carried
    by_address = step_ids({"tls": "carry", "tls_provider": "self-signed-certificates"})
    assert "ingress-hostname" not in by_address and "verify-dashboard-https-address" in by_address
    manual = step_ids({"tls": "manual-tls-certificates", "hostname": "kf.example.com"})
    assert manual.index("ingress-manual-tls") < manual.index("ingress-provide-certificate")
    assert "ingress-certificates" not in manual


# --- after the migration: the new gateway serves TLS, and the login URLs name it --------------


def _ingress(
    config=None, relations=("istio-ingress-config:istio-k8s", "certificates:self-signed-certificates")
):
    return app(
        "istio-ingress-k8s",
        "2/edge",
        relations=relations,
        config={"external_hostname": "kf.example.com"} if config is None else config,
    )


def _gateway(hostname="kf.example.com", https=True):
    listeners = [{"name": "http", "port": 80, "protocol": "HTTP", "hostname": hostname}]
    if https:
        tls = {"certificateRefs": [{"name": "istio-ingress-k8s-tls-certificate"}]}
        listeners.append(
            {"name": "https-443", "port": 443, "protocol": "HTTPS", "hostname": hostname, "tls": tls}
        )
    return obj(
        "Gateway", "istio-ingress-k8s", "kubeflow", spec={"gatewayClassName": "istio", "listeners": listeners}
    )


def _migrated(*objects, ingress=None, extra=()):
    st = with_objects(migrated_model(), *objects, drop_kinds=["Gateway"]) if objects else migrated_model()
    return with_apps(st, ingress or _ingress(), *extra)


def test_ingress_tls_passes_with_the_relation_the_hostname_and_the_https_listener():
    assert run_check("ingress-tls", _migrated(_gateway()), CARRY).passed
    assert run_check("ingress-tls", migrated_model(), PARAMS).passed  # tls off: nothing to carry


def test_ingress_tls_names_what_is_missing():
    no_relation = _migrated(_gateway(https=False), ingress=_ingress(relations=()))
    result = run_check("ingress-tls", no_relation, CARRY)
    assert result.failed
    assert "juju integrate -m kubeflow istio-ingress-k8s:certificates self-signed-certificates" in result.fix
    assert "no HTTPS listener on 443" in result.message
    other_name = run_check(
        "ingress-tls", _migrated(_gateway("other.example.com"), ingress=_ingress({})), CARRY
    )
    assert other_name.failed and "external_hostname is unset" in other_name.message
    assert "serves other.example.com, not kf.example.com" in other_name.message


def test_auth_urls_naming_the_old_gateway_are_reported_with_the_fix():
    dex = app("dex-auth", "2.41/edge", config={"issuer-url": "http://10.64.140.43/dex", "public-url": ""})
    result = run_check("auth-urls", _migrated(_gateway(), extra=[dex]), CARRY)
    assert result.failed and "dex-auth issuer-url=http://10.64.140.43/dex" in result.message
    assert result.fix == "juju config -m kubeflow dex-auth issuer-url=https://kf.example.com/dex"
    # oidc-gatekeeper's public-url exists only on its tracks up to ckf-1.8.
    old = app("oidc-gatekeeper", "ckf-1.8/stable", config={"public-url": "http://10.64.140.43"})
    result = run_check("auth-urls", _migrated(_gateway(), extra=[old]), CARRY)
    assert result.failed and "oidc-gatekeeper public-url=http://10.64.140.43" in result.details


def test_auth_urls_pass_when_they_name_the_new_gateway_or_an_in_cluster_address():
    good = app("dex-auth", "2.41/edge", config={"issuer-url": "https://kf.example.com/dex"})
    assert run_check("auth-urls", _migrated(_gateway(), extra=[good]), CARRY).passed
    internal = app("dex-auth", "2.41/edge", config={"issuer-url": "http://dex-auth.kubeflow.svc:5556/dex"})
    assert run_check("auth-urls", _migrated(_gateway(), extra=[internal]), CARRY).passed
    # The right host but http while the gateway now serves https: a login would be refused.
    http = app("dex-auth", "2.41/edge", config={"issuer-url": "http://kf.example.com/dex"})
    assert run_check("auth-urls", _migrated(_gateway(), extra=[http]), CARRY).failed


def test_the_tls_params_refuse_what_is_not_an_app_or_a_hostname():
    runbook = registry.find("ckf-1.11-ambient")
    with pytest.raises(BadInput, match="hostname"):
        params.resolve(runbook, {"hostname": "https://kf.example.com/"})
    with pytest.raises(BadInput, match="tls_provider"):
        params.resolve(runbook, {"tls_provider": "Self Signed"})
    with pytest.raises(BadInput, match="choose one of: off, carry, manual-tls-certificates"):
        params.resolve(runbook, {"tls": "yes"})
    assert (
        params.resolve(runbook, {"hostname": "kubeflow.example.com"}).params["hostname"]
        == "kubeflow.example.com"
    )


def test_before_the_migration_a_login_url_on_the_old_gateways_address_is_a_warning():
    svc = obj(
        "Service",
        "istio-ingressgateway-workload",
        "kubeflow",
        status={"loadBalancer": {"ingress": [{"ip": "10.64.140.43"}]}},
    )
    dex = app("dex-auth", "2.41/stable", config={"issuer-url": "http://10.64.140.43/dex"})
    st = with_objects(with_apps(sidecar_model(), dex), svc)
    result = run_check("auth-urls", st, PARAMS)
    assert result.status == "warning" and result.details == ("dex-auth issuer-url=http://10.64.140.43/dex",)
    named = app("dex-auth", "2.41/stable", config={"issuer-url": "https://kf.example.com/dex"})
    assert run_check("auth-urls", with_objects(with_apps(sidecar_model(), named), svc), PARAMS).passed
