"""Issue 11.6 (part): TLS on the sidecar gateway is detected in pre-flight, with the way onto
istio-ingress-k8s (its `certificates` relation and `external_hostname` option, from the charm's
track/2 charmcraft.yaml), instead of being lost silently."""

from __future__ import annotations

from steps.checks import run_check

from .ckf_states import PARAMS, app, sidecar_model, with_apps


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
