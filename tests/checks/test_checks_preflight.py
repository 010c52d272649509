"""Pre-flight checks on crafted states: every way each one fails gives its message and its fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from steps.checks import run_check
from tests.checks.ckf_states import (
    PARAMS,
    app,
    obj,
    pod,
    sidecar_model,
    state,
    unit,
    with_apps,
    with_objects,
)


def check(name, st, **params):
    return run_check(name, st, {**PARAMS, **params})


def test_healthy_sidecar_model_passes_every_blocker():
    st = sidecar_model()
    for name in (
        "tools-present",
        "juju-version",
        "kubernetes-version",
        "model-exists",
        "ckf-version",
        "all-apps-active",
        "platform-matches",
        "cilium-config",
        "user-namespaces",
    ):
        result = check(name, st)
        assert result.status == "passed", (name, result)
        assert result.name == name and result.title


# tools-present
def test_tools_missing_names_them_and_how_to_install():
    result = check("tools-present", replace(sidecar_model(), tools={"kubectl": "v1.32.3"}))
    assert result.status == "failed"
    assert result.message == "not found: juju"
    assert "sudo snap install juju --channel 3.6/stable" in result.fix


def test_tools_missing_kubectl():
    result = check("tools-present", replace(sidecar_model(), tools={"juju": "3.6.8"}))
    assert result.failed and "kubectl" in result.message
    assert "sudo snap install kubectl --classic" in result.fix


def test_tools_unknown_from_files_is_a_warning():
    result = check("tools-present", replace(sidecar_model(), tools={}, source="files:/tmp/x"))
    assert result.status == "warning" and "saved files" in result.message


# juju-version
def test_old_juju_client():
    result = check("juju-version", replace(sidecar_model(), juju_version="3.5.4"))
    assert result.failed and "the juju client is 3.5.4" in result.message
    assert result.fix == "sudo snap refresh juju --channel 3.6/stable"


def test_old_model_agents_need_a_migration():
    st = replace(sidecar_model(), model=replace(sidecar_model().model, version="3.5.1"))
    result = check("juju-version", st)
    assert result.failed and "model kubeflow runs Juju 3.5.1" in result.message
    assert "juju migrate kubeflow" in result.fix and "juju upgrade-model" in result.fix


def test_juju_version_unreadable_is_a_warning():
    st = replace(sidecar_model(), juju_version="", model=None)
    assert check("juju-version", st).status == "warning"


# kubernetes-version
@pytest.mark.parametrize(
    ("platform", "fix"),
    [
        ("microk8s", "sudo snap refresh microk8s --channel 1.32/stable"),
        ("canonical-k8s", "sudo snap refresh k8s --channel 1.32-classic/stable"),
        ("gke", "upgrade the cluster to Kubernetes 1.32 or newer"),
    ],
)
def test_old_kubernetes(platform, fix):
    result = check(
        "kubernetes-version", replace(sidecar_model(), kubernetes_version="v1.31.4"), platform=platform
    )
    assert result.failed and result.message == "the cluster runs v1.31.4; CKF 1.11 needs 1.32 or newer"
    assert result.fix.startswith(fix) and "one minor version at a time" in result.fix


def test_untested_new_kubernetes_warns():
    result = check("kubernetes-version", replace(sidecar_model(), kubernetes_version="v1.35.0"))
    assert result.status == "warning" and "1.32 to 1.34" in result.message


def test_distribution_suffixes_parse():
    assert check("kubernetes-version", replace(sidecar_model(), kubernetes_version="v1.33.1+k3s1")).passed
    assert check(
        "kubernetes-version", replace(sidecar_model(), kubernetes_version="v1.32.2-gke.1297000")
    ).passed


def test_unknown_kubernetes_version_warns():
    result = check("kubernetes-version", replace(sidecar_model(), kubernetes_version=""))
    assert result.status == "warning" and result.fix == "kubectl version -o json"


# model-exists
def test_model_not_read_quotes_the_read_error():
    st = replace(
        sidecar_model(), model=None, apps={}, errors=("juju: cannot connect to model kubeflow: refused",)
    )
    result = check("model-exists", st)
    assert result.failed and "cannot connect to model kubeflow" in result.message
    assert "juju status -m kubeflow" in result.fix and "juju models" in result.fix


def test_other_model_read():
    result = check("model-exists", sidecar_model(), model="ml")
    assert result.failed and result.message == "read model kubeflow, not ml"
    assert result.fix.startswith("--set model=kubeflow")


def test_model_given_with_controller_and_owner():
    assert check("model-exists", sidecar_model(), model="uk8s:admin/kubeflow").passed


# ckf-version
def test_empty_model_is_not_ckf():
    result = check("ckf-version", state(apps=[]))
    assert result.failed and "no applications" in result.message


def test_no_istio_at_all():
    st = with_apps(sidecar_model(), drop=["istio-pilot"])
    result = check("ckf-version", st)
    assert result.failed and "neither istio-pilot nor istio-k8s" in result.message


def test_old_istio_pilot_says_upgrade_first_and_how():
    st = with_apps(sidecar_model(), app("istio-pilot", "1.27/stable"))
    result = check("ckf-version", st)
    assert result.failed
    assert "istio-pilot is on 1.27/stable; CKF 1.11 has 1.28/stable" in result.details
    assert result.fix.splitlines()[0].startswith(
        "upgrade to 1.11 first, following Upgrade from 1.10 to 1.11: https://"
    )
    assert "one minor version at a time" in result.fix
    assert "juju refresh -m kubeflow istio-pilot --channel 1.28/stable" in result.fix


def test_katib_on_0_18_points_at_the_guide_error():
    st = with_apps(sidecar_model(), app("katib-controller", "0.18/stable"), app("katib-ui", "0.18/stable"))
    result = check("ckf-version", st)
    assert result.failed and "2 application(s)" in result.message
    assert "the guide's 0.18 is a known error" in result.fix
    assert "juju refresh -m kubeflow katib-ui --channel 0.19/stable" in result.fix


def test_apps_already_on_ambient_tracks_are_fine():
    st = with_apps(sidecar_model(), app("admission-webhook", "2.0/edge"), app("jupyter-ui", "1.11/edge"))
    assert check("ckf-version", st).passed


def test_migration_started_is_a_warning():
    st = with_apps(sidecar_model(), app("istio-k8s", "2/edge"), drop=["istio-pilot", "istio-ingressgateway"])
    result = check("ckf-version", st)
    assert result.status == "warning" and "migration has started" in result.message


# apps-active
def test_apps_active_without_status():
    result = check("all-apps-active", replace(sidecar_model(), model=None))
    assert result.failed and result.fix == "juju status -m kubeflow"


def test_apps_active_with_empty_model():
    result = check("all-apps-active", state(apps=[]))
    assert result.failed and "has no applications" in result.message


def test_blocked_and_error_units_are_listed_with_their_fix():
    st = with_apps(
        sidecar_model(),
        app(
            "pvcviewer-operator",
            "1.10/stable",
            "blocked",
            "Service mesh relation present without gateway metadata relation",
        ),
        app(
            "minio",
            "1.10/stable",
            "error",
            units=[unit("minio/0", "error", message='hook failed: "install"')],
        ),
    )
    result = check("all-apps-active", st)
    assert result.failed and result.message.startswith("2 of 37 applications not active: ")
    assert (
        "pvcviewer-operator: blocked (Service mesh relation present without gateway metadata relation)"
        in result.details
    )
    assert 'minio/0: error (hook failed: "install")' in result.details
    assert "juju resolved -m kubeflow minio/0" in result.fix
    assert "juju debug-log -m kubeflow --replay --no-tail --include pvcviewer-operator" in result.fix


def test_a_unit_not_active_under_an_active_app():
    settling = app(
        "kfp-api",
        "2.15/stable",
        units=[unit("kfp-api/0"), unit("kfp-api/1", "maintenance", "executing", "installing charm software")],
    )
    result = check("all-apps-active", with_apps(sidecar_model(), settling))
    assert result.failed and "kfp-api/1: maintenance (installing charm software)" in result.details


# platform-detected
def test_platform_mismatch_names_the_right_flag():
    st = with_objects(
        sidecar_model(),
        obj(
            "Node",
            "ck-1",
            labels={"k8sd.io/role": "control-plane", "node-role.kubernetes.io/control-plane": ""},
        ),
        drop_kinds=["Node"],
    )
    st = replace(st, model=replace(st.model, cloud="ck8s"))
    result = check("platform-matches", st, platform="microk8s")
    assert result.failed
    assert result.message.startswith(
        "the cluster looks like canonical-k8s (node label k8sd.io/role=control-plane)"
    )
    assert result.fix == "run again with --platform canonical-k8s"


def test_platform_unknown_warns():
    st = replace(
        with_objects(sidecar_model(), drop_kinds=["Node"]), model=replace(sidecar_model().model, cloud="k8s")
    )
    result = check("platform-matches", st)
    assert result.status == "warning" and "could not tell" in result.message
    assert result.fix == "kubectl get nodes --show-labels"


def test_platform_not_chosen():
    result = check("platform-matches", sidecar_model(), platform="")
    assert result.failed and result.fix == "--platform microk8s"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (obj("Node", "k3d-dev-server-0", status={"nodeInfo": {"kubeletVersion": "v1.32.3+k3s1"}}), "k3d"),
        (obj("Node", "srv", status={"nodeInfo": {"kubeletVersion": "v1.32.3+k3s1"}}), "k3s"),
        (obj("Node", "gke-1", labels={"cloud.google.com/gke-nodepool": "default-pool"}), "gke"),
        (obj("Node", "minikube", labels={"minikube.k8s.io/name": "minikube"}), "minikube"),
        (obj("Node", "w1", labels={"node.openshift.io/os_id": "rhcos"}), "openshift"),
    ],
)
def test_platform_detection_from_nodes(node, expected):
    st = with_objects(state(cloud="k8s"), node)
    assert check("platform-matches", st, platform=expected).passed
    result = check("platform-matches", st, platform="microk8s")
    assert result.failed and result.fix == f"run again with --platform {expected}"


def test_microk8s_from_the_juju_cloud_alone():
    assert check("platform-matches", state(cloud="microk8s")).passed


# serverless-inferenceservices (advisory)
def test_serverless_inferenceservices_are_listed():
    st = with_objects(
        sidecar_model(),
        obj("InferenceService", "iris", "admin"),  # no annotation: the controller's serverless default
        obj(
            "InferenceService",
            "xgb",
            "alice",
            metadata={"annotations": {"serving.kserve.io/deploymentMode": "Serverless"}},
        ),
        obj(
            "InferenceService",
            "raw",
            "alice",
            metadata={"annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"}},
        ),
    )
    result = check("serverless-inference-services", st)
    assert result.status == "warning"
    assert result.details == ("admin/iris", "alice/xgb")
    assert "serving.kserve.io/deploymentMode: RawDeployment" in result.fix


def test_inferenceservices_follow_the_controller_default():
    st = with_apps(
        with_objects(sidecar_model(), obj("InferenceService", "iris", "admin")),
        app("kserve-controller", "0.15/stable", config={"deployment-mode": "rawdeployment"}),
    )
    assert check("serverless-inference-services", st).passed


# pipeline-runs (advisory)
def test_running_pipelines_from_workflows_and_pods():
    st = with_objects(
        sidecar_model(),
        obj("Workflow", "train-abc", "admin", status={"phase": "Running"}),
        obj("Workflow", "old", "admin", status={"phase": "Succeeded", "finishedAt": "2026-05-01T00:00:00Z"}),
    )
    st = replace(
        st,
        pods=st.pods
        + (pod("alice", "p-1", labels={"workflows.argoproj.io/workflow": "etl-x"}, owner=("", "")),),
    )
    result = check("running-pipelines", st)
    assert result.status == "warning" and result.details == ("admin/train-abc", "alice/etl-x")
    assert "Kubeflow Pipelines UI" in result.fix


# notebooks (advisory)
def test_running_notebooks_are_warned_about():
    st = with_objects(
        sidecar_model(),
        obj("Notebook", "nb1", "admin"),
        obj(
            "Notebook",
            "stopped",
            "admin",
            metadata={"annotations": {"kubeflow-resource-stopped": "2026-05-01T00:00:00Z"}},
        ),
    )
    st = replace(
        st,
        pods=st.pods
        + (pod("alice", "nb2-0", labels={"notebook-name": "nb2"}, owner=("StatefulSet", "nb2")),),
    )
    result = check("running-notebooks", st)
    assert result.status == "warning" and result.details == ("admin/nb1", "alice/nb2")
    assert "Notebooks UI" in result.fix


# user-namespaces
def test_given_namespace_not_in_cluster():
    result = check("user-namespaces", sidecar_model(), user_namespaces=["admin", "bob"])
    assert result.failed and result.message == "user namespace(s) not in the cluster: bob"
    assert result.fix == "--set user_namespaces=admin,alice"


def test_given_list_leaves_one_out():
    result = check("user-namespaces", sidecar_model(), user_namespaces="admin")
    assert result.status == "warning" and "alice" in result.message
    assert result.fix == "--set user_namespaces=admin,alice"


def test_no_user_namespaces_warns():
    result = check("user-namespaces", state(namespaces={"kubeflow": {}}))
    assert result.status == "warning" and "no user namespace found" in result.message


def test_user_namespaces_found_by_label_too():
    st = state(namespaces={"kubeflow": {}, "team-a": {"app.kubernetes.io/part-of": "kubeflow-profile"}})
    result = check("user-namespaces", st)
    assert result.passed and result.details == ("team-a",)
