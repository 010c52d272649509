"""The live Kubernetes read through the `kubernetes` client, against an API stand-in on loopback."""

from __future__ import annotations

import socket

import pytest

from steps.cluster import StateBuilder
from steps.cluster.sources.live_kube import default_kubeconfig, read_kubernetes
from tests.cluster.loopback_api import LoopbackAPI, api_lists, kubeconfig

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.3", "platform": "linux/amd64"}
FORBIDDEN = (
    403,
    {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": 'networkpolicies.networking.k8s.io is forbidden: User "ops" cannot list resource',
    },
)


@pytest.fixture
def api():
    routes = {"/version": VERSION, **api_lists(), "/apis/networking.k8s.io/v1/networkpolicies": FORBIDDEN}
    with LoopbackAPI(routes) as server:
        yield server


def read(config, context=None):
    builder = StateBuilder()
    read_kubernetes(builder, str(config), context, timeout=10)
    return builder


def test_reads_every_resource_in_the_api_format(api, tmp_path):
    builder = read(kubeconfig(tmp_path / "config", api.url))
    state = builder.build("live")
    assert state.kubernetes_version == "v1.32.3"
    assert len(state.pods) == 13 and len(state.namespaces) == 7
    assert state.objects_of("Node")[0].labels["microk8s.io/cluster"] == "true"
    assert [p.name for p in state.objects_of("Profile")] == ["admin", "alice"]
    assert state.find("StatefulSet", "kfp-api", "kubeflow").api_version == "apps/v1"
    pod = next(p for p in state.pods if p.name.startswith("ml-pipeline-visualizationserver"))
    assert pod.has_sidecar and pod.owner_name == "ml-pipeline-visualizationserver"


def test_crds_decide_which_custom_resources_are_asked_for(api, tmp_path):
    read(kubeconfig(tmp_path / "config", api.url))
    paths = [path for path, _, _ in api.requests]
    assert "/apis/kubeflow.org/v1/profiles" in paths  # the CRD's storage version
    assert not any("gateway.networking.k8s.io" in p for p in paths)  # no CRD installed: not asked
    assert not any("cilium.io" in p for p in paths)


def test_lists_are_paged_and_the_token_is_sent(api, tmp_path):
    read(kubeconfig(tmp_path / "config", api.url, token="s3cret"))
    pod_requests = [q for path, q, _ in api.requests if path == "/api/v1/pods"]
    assert len(pod_requests) == 3 and pod_requests[0]["limit"] == ["500"]
    assert pod_requests[1]["continue"] == ["5"]
    assert {auth for _, _, auth in api.requests} == {"Bearer s3cret"}


def test_forbidden_read_is_one_error_line(api, tmp_path):
    builder = read(kubeconfig(tmp_path / "config", api.url))
    assert builder.errors == [
        "kubernetes: GET /apis/networking.k8s.io/v1/networkpolicies: 403 Forbidden: "
        'networkpolicies.networking.k8s.io is forbidden: User "ops" cannot list resource'
    ]


def test_an_extra_read_failing_is_no_error(tmp_path):
    routes = {
        "/version": VERSION,
        **api_lists(),
        "/api/v1/nodes": FORBIDDEN,
        "/apis/networking.k8s.io/v1/networkpolicies": {
            "kind": "NetworkPolicyList",
            "apiVersion": "v1",
            "items": [],
        },
    }
    with LoopbackAPI(routes) as server:
        builder = read(kubeconfig(tmp_path / "config", server.url))
    assert builder.errors == []


def test_context_is_chosen_and_a_wrong_one_reported(api, tmp_path):
    config = kubeconfig(tmp_path / "config", api.url, contexts=("other", "loop"))
    assert read(config, context="loop").build("x").pods
    builder = read(config, context="nope")
    assert len(builder.errors) == 1 and builder.errors[0].startswith(
        f"kubernetes: cannot use kubeconfig {config} context nope"
    )


def test_unreachable_server_is_one_error(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    builder = read(kubeconfig(tmp_path / "config", f"http://127.0.0.1:{port}"))
    assert len(builder.errors) == 1
    assert builder.errors[0].startswith(f"kubernetes: cannot reach the API server at http://127.0.0.1:{port}")


def test_missing_kubeconfig(tmp_path):
    builder = read(tmp_path / "none")
    assert builder.errors[0].startswith(f"kubernetes: cannot use kubeconfig {tmp_path / 'none'}")


def test_default_kubeconfig_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path}/a:{tmp_path}/b")
    assert default_kubeconfig() == f"{tmp_path}/a:{tmp_path}/b"
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_kubeconfig() == f"{tmp_path}/.kube/config"
