"""Verification checks on a migrated model, each broken one way at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from steps.checks import ckf, run_check, verify
from steps.cluster.state import Namespace
from tests.checks.ckf_states import (
    AMBIENT_NS,
    PARAMS,
    app,
    migrated_model,
    obj,
    pod,
    state,
    with_apps,
    with_objects,
)

VERIFY_CHECKS = [
    c for _, checks in __import__("steps.checks.report", fromlist=["VERIFY"]).VERIFY for c in checks
]


@pytest.mark.parametrize("name", VERIFY_CHECKS)
def test_migrated_model_passes(name):
    assert run_check(name, migrated_model(), PARAMS).passed


def test_verify_report_is_clean():
    report = verify(migrated_model(), PARAMS)
    assert not report.blocked and report.count("failed") == 0


def drop_relation(st, app_name, endpoint, other):
    found = st.app(app_name)
    kept = tuple(r for r in found.relations if not (r.endpoint == endpoint and r.related_app == other))
    return with_apps(st, replace(found, relations=kept))


def test_pvcviewer_gateway_metadata_gap():
    st = drop_relation(migrated_model(), "pvcviewer-operator", "gateway-metadata", "istio-ingress-k8s")
    result = run_check("mesh-relations", st, PARAMS)
    assert result.failed and result.message == (
        "1 mesh or ingress relation(s) missing: "
        "pvcviewer-operator:gateway-metadata istio-ingress-k8s:gateway-metadata"
    )
    assert (
        result.fix
        == "juju integrate -m kubeflow pvcviewer-operator:gateway-metadata istio-ingress-k8s:gateway-metadata"
    )
    assert "the charm stays Blocked" in result.details[0]


def test_two_missing_relations_of_one_app_are_named_apart():
    st = drop_relation(migrated_model(), "envoy", "service-mesh", "istio-beacon-k8s")
    st = drop_relation(st, "envoy", "istio-ingress-route", "istio-ingress-k8s")
    result = run_check("mesh-relations", st, PARAMS)
    assert result.failed
    assert "envoy:service-mesh istio-beacon-k8s:service-mesh" in result.message
    assert "envoy:istio-ingress-route istio-ingress-k8s:istio-ingress-route" in result.message
    assert result.message.startswith("2 mesh or ingress relation(s) missing")
    assert len(result.fix.splitlines()) == 2


def test_envoy_service_mesh_gap():
    st = drop_relation(migrated_model(), "envoy", "service-mesh", "istio-beacon-k8s")
    result = run_check("mesh-relations", st, PARAMS)
    assert (
        result.failed
        and "juju integrate -m kubeflow envoy:service-mesh istio-beacon-k8s:service-mesh" in result.fix
    )


def test_relation_missing_on_the_other_side():
    st = drop_relation(migrated_model(), "kfp-schedwf", "kfp-api-grpc", "kfp-api")
    result = run_check("mesh-relations", st, PARAMS)
    assert result.failed and "kfp-api:kfp-api-grpc kfp-schedwf:kfp-api-grpc" in result.fix


def test_mesh_needs_the_istio_charms():
    result = run_check("mesh-relations", with_apps(migrated_model(), drop=[ckf.BEACON]), PARAMS)
    assert result.failed and result.message == "istio-beacon-k8s is not deployed"
    assert result.fix == "juju deploy -m kubeflow istio-beacon-k8s --trust --channel 2/stable"


def test_mesh_without_status():
    assert run_check("mesh-relations", replace(migrated_model(), model=None), PARAMS).failed


def test_profiles_config_wrong_value():
    st = with_apps(
        migrated_model(),
        app(
            "kubeflow-profiles",
            "2.0/edge",
            config={
                "service-mesh-mode": "istio-sidecar",
                "istio-gateway-service-account": "istio-ingressgateway-workload-service-account",
            },
        ),
    )
    result = run_check("profiles-ambient", st, PARAMS)
    assert result.failed
    assert "service-mesh-mode is istio-sidecar, needs istio-ambient" in result.message
    assert result.fix.splitlines() == [
        "juju config -m kubeflow kubeflow-profiles service-mesh-mode=istio-ambient",
        "juju config -m kubeflow kubeflow-profiles istio-gateway-service-account=istio-ingress-k8s-istio",
    ]


def test_profiles_config_on_an_old_track():
    st = with_apps(migrated_model(), app("kubeflow-profiles", "1.10/stable", config={"port": 8081}))
    result = run_check("profiles-ambient", st, PARAMS)
    assert (
        result.failed
        and "not an option of kubeflow-profiles 1.10/stable (refresh it to 2.0 first)" in result.message
    )


def test_profiles_config_not_read_or_app_missing():
    unread = with_apps(migrated_model(), app("kubeflow-profiles", "2.0/edge"))
    assert "was not read" in run_check("profiles-ambient", unread, PARAMS).message
    gone = run_check("profiles-ambient", with_apps(migrated_model(), drop=["kubeflow-profiles"]), PARAMS)
    assert gone.failed and gone.message == "kubeflow-profiles is not deployed"


def test_waypoint_missing_in_one_namespace():
    base = migrated_model()
    gateways = tuple(g for g in base.objects["Gateway"] if g.namespace != "alice")
    st = replace(base, objects={**base.objects, "Gateway": gateways})
    result = run_check("waypoints", st, PARAMS)
    assert result.failed and result.message == "no waypoint Gateway in 1 user namespace(s): alice"
    assert "kubectl get gateway -n alice" in result.fix
    assert "juju config -m kubeflow kubeflow-profiles service-mesh-mode" in result.fix


def test_waypoints_when_no_gateway_was_read():
    st = with_objects(migrated_model(), drop_kinds=["Gateway"])
    result = run_check("waypoints", st, PARAMS)
    assert result.failed and "no Gateway was read" in result.message


def test_a_gateway_of_another_class_is_no_waypoint():
    base = with_objects(migrated_model(), drop_kinds=["Gateway"])
    st = with_objects(
        base,
        obj("Gateway", "waypoint", "admin", spec={"gatewayClassName": "istio"}),
        obj("Gateway", "waypoint", "alice", spec={"gatewayClassName": "istio-waypoint"}),
    )
    result = run_check("waypoints", st, PARAMS)
    assert result.failed and result.details == ("admin",)


def test_an_istio_gateway_named_waypoint_is_no_waypoint():
    """Only the Gateway API's Gateway is a waypoint; Istio's own Gateway kind shares the name."""
    base = with_objects(migrated_model(), drop_kinds=["Gateway"])
    spec = {"gatewayClassName": "istio-waypoint"}
    st = with_objects(
        base,
        obj("Gateway", "waypoint", "admin", api_version="networking.istio.io/v1", spec=spec),
        obj("Gateway", "waypoint", "alice", spec=spec),
    )
    result = run_check("waypoints", st, PARAMS)
    assert result.failed and result.details == ("admin",)


def test_waypoints_without_user_namespaces_warns():
    st = replace(
        with_objects(migrated_model(), drop_kinds=["Profile"]), namespaces={"kubeflow": Namespace("kubeflow")}
    )
    assert run_check("waypoints", st, PARAMS).status == "warning"
    assert run_check("namespaces-ambient", st, PARAMS).status == "warning"


def test_namespace_still_on_sidecar():
    base = migrated_model()
    st = replace(
        base,
        namespaces={
            **base.namespaces,
            "alice": replace(
                base.namespaces["alice"],
                labels={"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled"},
            ),
        },
    )
    result = run_check("namespaces-ambient", st, PARAMS)
    assert result.failed and result.details == ("alice: istio-injection=enabled",)
    assert "service-mesh-mode=istio-ambient" in result.fix


def test_sidecars_left_in_user_and_model_namespaces():
    base = migrated_model()
    st = replace(
        base,
        pods=base.pods
        + (
            pod(
                "admin",
                "ml-pipeline-ui-artifact-7c5d9f8b6d-x2k4q",
                sidecar=True,
                owner=("Deployment", "ml-pipeline-ui-artifact"),
            ),
            pod("alice", "my-notebook-0", native=True, owner=("StatefulSet", "my-notebook")),
            pod("kubeflow", "debug", sidecar=True, owner=("", "")),
            pod("alice", "old-job-x", sidecar=True, phase="Succeeded", owner=("Job", "old-job")),
            pod("other", "untouched", sidecar=True),
        ),
    )
    result = run_check("no-sidecars", st, PARAMS)
    assert result.failed and result.message.startswith("3 pod(s) still have an istio-proxy sidecar")
    assert result.details == (
        "admin/ml-pipeline-ui-artifact-7c5d9f8b6d-x2k4q",
        "alice/my-notebook-0",
        "kubeflow/debug",
    )
    assert result.fix.splitlines() == [
        "kubectl -n admin rollout restart deployment ml-pipeline-ui-artifact",
        "kubectl -n alice delete pod my-notebook-0",
        "kubectl -n kubeflow delete pod debug  # no controller: re-create it yourself",
    ]


def test_waypoint_and_gateway_pods_are_not_sidecars():
    assert run_check("no-sidecars", migrated_model(), PARAMS).passed  # has a lone-proxy waypoint pod


def test_istio_crds_missing():
    base = migrated_model()
    crds = tuple(
        c for c in base.objects["CustomResourceDefinition"] if "gateway.networking.k8s.io" not in c.name
    )
    result = run_check(
        "istio-crds",
        replace(base, objects={**base.objects, "CustomResourceDefinition": crds}),
        PARAMS,
    )
    assert result.failed and result.message.startswith(
        "5 CRD(s) missing: gatewayclasses.gateway.networking.k8s.io"
    )
    assert "juju status -m kubeflow istio-k8s" in result.fix
    none = run_check("istio-crds", with_objects(base, drop_kinds=["CustomResourceDefinition"]), PARAMS)
    assert none.failed and none.message == "no CustomResourceDefinition was read"


def test_legacy_apps_left():
    st = with_apps(migrated_model(), app("istio-pilot", "1.28/stable"), app("knative-serving", "1.16/stable"))
    result = run_check("no-legacy-apps", st, PARAMS)
    assert result.failed and result.message == "still deployed: istio-pilot, knative-serving"
    assert result.fix.splitlines() == [
        "juju remove-application -m kubeflow --no-prompt istio-pilot",
        "juju remove-application -m kubeflow --no-prompt knative-serving",
    ]
    assert run_check("no-legacy-apps", replace(migrated_model(), model=None), PARAMS).failed


def test_kserve_still_serverless():
    st = with_apps(
        migrated_model(), app("kserve-controller", "0.15/edge", config={"deployment-mode": "serverless"})
    )
    result = run_check("kserve-rawdeployment", st, PARAMS)
    assert (
        result.failed
        and result.fix == "juju config -m kubeflow kserve-controller deployment-mode=rawdeployment"
    )
    unread = with_apps(migrated_model(), app("kserve-controller", "0.15/edge"))
    assert "was not read" in run_check("kserve-rawdeployment", unread, PARAMS).message
    assert run_check(
        "kserve-rawdeployment", with_apps(migrated_model(), drop=["kserve-controller"]), PARAMS
    ).passed


def test_apps_active_after_migration_catches_blocked_pvcviewer():
    blocked = app(
        "pvcviewer-operator",
        "1.11/edge",
        "blocked",
        "Service mesh relation present without gateway metadata relation",
    )
    result = run_check("all-apps-active", with_apps(migrated_model(), blocked), PARAMS)
    assert result.failed and "pvcviewer-operator" in result.message


def test_user_namespaces_from_params_override_discovery():
    st = state(namespaces={"kubeflow": {}, "team": AMBIENT_NS})
    result = run_check("namespaces-ambient", st, {**PARAMS, "user_namespaces": ["team", "ghost"]})
    assert result.failed and result.details == ("ghost: not read",)
