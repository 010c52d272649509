"""Already-done checks: what the runbook asks before a step; each takes arguments."""

from __future__ import annotations

from dataclasses import replace

import pytest

from steps.checks import run_check
from tests.checks.ckf_states import (
    PARAMS,
    app,
    migrated_model,
    obj,
    pod,
    sidecar_model,
    with_apps,
    with_objects,
)


def test_app_absent():
    assert run_check("app-absent", migrated_model(), PARAMS, app="istio-pilot").passed
    result = run_check("app-absent", sidecar_model(), PARAMS, app="istio-pilot")
    assert result.failed and result.message == "istio-pilot is deployed"
    assert result.fix == "juju remove-application -m kubeflow --no-prompt istio-pilot"


def test_app_absent_cannot_tell_without_status():
    result = run_check("app-absent", replace(sidecar_model(), model=None, apps={}), PARAMS, app="istio-pilot")
    assert result.failed and "cannot be told" in result.message


def test_app_present():
    assert run_check("app-present", migrated_model(), PARAMS, app="istio-k8s").passed
    result = run_check("app-present", sidecar_model(), PARAMS, app="istio-k8s")
    assert result.failed and result.message == "istio-k8s is not deployed"
    assert result.fix == "juju deploy -m kubeflow istio-k8s --trust"


def test_app_on_channel():
    st = sidecar_model()
    assert run_check("app-on-channel", st, PARAMS, app="kfp-api", channel="2.15/stable").passed
    result = run_check("app-on-channel", st, PARAMS, app="kfp-api", channel="2.15/edge")
    assert result.failed and result.message == "kfp-api is on 2.15/stable, not 2.15/edge"
    assert result.fix == "juju refresh -m kubeflow kfp-api --channel 2.15/edge"
    missing = run_check("app-on-channel", st, PARAMS, app="istio-k8s", channel="2/edge")
    assert missing.failed and missing.fix == "juju deploy -m kubeflow istio-k8s --channel 2/edge --trust"


def test_app_config():
    st = migrated_model()
    args = {"app": "kubeflow-profiles", "key": "service-mesh-mode"}
    assert run_check("app-config", st, PARAMS, **args, value="istio-ambient").passed
    result = run_check("app-config", sidecar_model(), PARAMS, **args, value="istio-ambient")
    assert result.failed and result.message == "kubeflow-profiles's service-mesh-mode was not read"
    wrong = with_apps(st, app("kubeflow-profiles", "2.0/edge", config={"service-mesh-mode": "istio-sidecar"}))
    result = run_check("app-config", wrong, PARAMS, **args, value="istio-ambient")
    assert (
        result.failed
        and result.message == "kubeflow-profiles has service-mesh-mode=istio-sidecar, not istio-ambient"
    )
    assert result.fix == "juju config -m kubeflow kubeflow-profiles service-mesh-mode=istio-ambient"
    gone = run_check("app-config", st, PARAMS, app="nope", key="k", value="v")
    assert gone.failed and gone.message == "nope is not deployed"


def test_app_config_booleans_as_juju_prints_them():
    st = with_apps(sidecar_model(), app("minio", "1.10/stable", config={"trust": True}))
    assert run_check("app-config", st, PARAMS, app="minio", key="trust", value="true").passed


def test_relation_present_both_sides():
    st = migrated_model()
    assert run_check(
        "relation-present",
        st,
        PARAMS,
        app="pvcviewer-operator",
        endpoint="gateway-metadata",
        other_app="istio-ingress-k8s",
        other_endpoint="gateway-metadata",
    ).passed
    assert run_check(
        "relation-present", st, PARAMS, app="envoy", endpoint="service-mesh", other_app="istio-beacon-k8s"
    ).passed
    result = run_check(
        "relation-present",
        sidecar_model(),
        PARAMS,
        app="kfp-api",
        endpoint="kfp-api-grpc",
        other_app="kfp-schedwf",
        other_endpoint="kfp-api-grpc",
    )
    assert result.failed and result.message == "kfp-api:kfp-api-grpc kfp-schedwf:kfp-api-grpc not related"
    assert result.fix == "juju integrate -m kubeflow kfp-api:kfp-api-grpc kfp-schedwf:kfp-api-grpc"


def test_relation_with_an_app_not_deployed():
    result = run_check(
        "relation-present",
        sidecar_model(),
        PARAMS,
        app="kfp-ui",
        endpoint="service-mesh",
        other_app="istio-beacon-k8s",
    )
    assert result.failed and "(istio-beacon-k8s not deployed)" in result.message


def test_configmap_value():
    cm = obj("ConfigMap", "cilium-config", "kube-system", data={"cni-exclusive": "true"})
    st = with_objects(sidecar_model(), cm)
    args = {"namespace": "kube-system", "name": "cilium-config", "key": "cni-exclusive"}
    assert run_check("configmap-value", st, PARAMS, **args, value="true").passed
    result = run_check("configmap-value", st, PARAMS, **args, value="false")
    assert (
        result.failed and result.message == 'kube-system/cilium-config cni-exclusive is "true", not "false"'
    )
    assert result.fix == (
        "kubectl -n kube-system patch configmap cilium-config --type merge "
        """--patch '{"data":{"cni-exclusive":"false"}}'"""
    )
    unset = run_check(
        "configmap-value", st, PARAMS, **{**args, "key": "bpf-lb-sock-hostns-only"}, value="true"
    )
    assert unset.failed and "is not set" in unset.message
    absent = run_check("configmap-value", sidecar_model(), PARAMS, **args, value="false")
    assert absent.failed and "was not read" in absent.message


def test_no_sidecar_pods_with_selector():
    st = sidecar_model()
    st = replace(
        st,
        pods=st.pods
        + (
            pod(
                "admin",
                "ml-pipeline-visualizationserver-6b7c-abc12",
                native=True,
                owner=("Deployment", "ml-pipeline-visualizationserver"),
                labels={"app": "ml-pipeline-visualizationserver"},
            ),
        ),
    )
    result = run_check(
        "no-sidecar-pods", st, PARAMS, namespace="admin", selector="app=ml-pipeline-visualizationserver"
    )
    assert (
        result.failed
        and result.message
        == "1 pod(s) with an istio-proxy sidecar in admin (app=ml-pipeline-visualizationserver)"
    )
    assert result.fix == "kubectl delete pod -n admin -l app=ml-pipeline-visualizationserver"
    assert result.details == ("admin/ml-pipeline-visualizationserver-6b7c-abc12",)
    assert run_check(
        "no-sidecar-pods", st, PARAMS, namespace="admin", selector="app=ml-pipeline-ui-artifact"
    ).passed
    assert run_check("no-sidecar-pods", st, PARAMS, namespace="alice").passed


def test_no_sidecar_pods_without_selector_restarts_owners():
    result = run_check("no-sidecar-pods", sidecar_model(), PARAMS, namespace="admin")
    assert (
        result.failed and result.fix == "kubectl -n admin rollout restart deployment ml-pipeline-ui-artifact"
    )


def test_no_sidecar_pods_rejects_set_selectors():
    result = run_check("no-sidecar-pods", sidecar_model(), PARAMS, namespace="admin", selector="app in (a,b)")
    assert result.failed and "set-based selectors are not supported" in result.message


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("app=x", {"app": "x"}, True),
        ("app==x,tier!=web", {"app": "x", "tier": "db"}, True),
        ("app=x,tier!=web", {"app": "x", "tier": "web"}, False),
        ("release", {"release": ""}, True),
        ("!release", {"release": "1"}, False),
    ],
)
def test_selectors(selector, labels, matches):
    from steps.checks.pods import matches as match
    from steps.checks.pods import parse_selector

    assert match(labels, parse_selector(selector)) is matches
