"""The istio-ambient runbook's checks and namespace discovery, on states read from the sandbox."""

from __future__ import annotations

import steps.sandbox as sandbox
from steps.checks import DISCOVERERS, run_check
from steps.cluster.sources.sandbox import read_sandbox


def _state(path):
    return read_sandbox(path, scenario="istio-bookinfo")


def test_ambient_ready_fails_in_sidecar_mode_and_passes_after_the_helm_upgrade(tmp_path):
    sandbox.create(tmp_path, "istio-bookinfo", speed=0)
    before = run_check("istio-ambient-ready", _state(tmp_path), {"install": "helm"})
    assert before.failed
    assert "PILOT_ENABLE_AMBIENT" in before.message and "ztunnel not found" in before.message
    assert before.fix.startswith("helm upgrade istiod istio/istiod")
    istioctl_fix = run_check("istio-ambient-ready", _state(tmp_path), {"install": "istioctl"}).fix
    assert istioctl_fix == "istioctl upgrade --set profile=ambient -y"
    for argv in (
        "helm upgrade istiod istio/istiod -n istio-system --set profile=ambient --wait",
        "helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait",
        "helm install ztunnel istio/ztunnel -n istio-system --wait",
    ):
        assert sandbox.run(argv.split(), tmp_path)[0] == 0
    assert run_check("istio-ambient-ready", _state(tmp_path), {}).passed


def test_gateway_api_crds_and_discovered_namespaces(tmp_path):
    sandbox.create(tmp_path, "istio-bookinfo", speed=0)
    state = _state(tmp_path)
    assert run_check("gateway-api-crds", state, {}).passed
    assert DISCOVERERS["istio-namespaces"](state) == ["backend", "frontend"]
    sandbox.run(["kubectl", "delete", "crd", "httproutes.gateway.networking.k8s.io"], tmp_path)
    missing = run_check("gateway-api-crds", _state(tmp_path), {})
    assert missing.failed and "httproutes.gateway.networking.k8s.io" in missing.message
    assert "standard-install.yaml" in missing.fix


def test_no_sidecars_left_names_the_namespaces_that_still_have_them(tmp_path):
    sandbox.create(tmp_path, "istio-bookinfo", speed=0)
    result = run_check("istio-no-sidecars-left", _state(tmp_path), {})
    assert result.failed and "backend, frontend" in result.message
    assert "frontend/" in " ".join(result.details)
    for argv in (
        "helm upgrade istiod istio/istiod -n istio-system --set profile=ambient --wait",
        "helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait",
        "helm install ztunnel istio/ztunnel -n istio-system --wait",
        "kubectl label namespace frontend istio.io/dataplane-mode=ambient istio-injection-",
        "kubectl label namespace backend istio.io/dataplane-mode=ambient istio-injection-",
        "kubectl rollout restart deployment -n frontend",
    ):
        assert sandbox.run(argv.split(), tmp_path)[0] == 0
    result = run_check("istio-no-sidecars-left", _state(tmp_path), {})
    assert result.failed and "backend" in result.message and "frontend" not in result.message
    assert sandbox.run("kubectl rollout restart deployment -n backend".split(), tmp_path)[0] == 0
    assert run_check("istio-no-sidecars-left", _state(tmp_path), {}).passed
