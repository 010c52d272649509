"""Kubernetes objects as `kubectl get -o json|yaml` (and the API) print them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steps.cluster import StateBuilder, StateParseError
from steps.cluster.kube_parse import KubeObjects, add_objects, parse_version

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cluster"
DUMP = FIXTURES / "ckf-1.11-microk8s"
FORMATS = FIXTURES / "formats"


def read(*paths: Path):
    builder = StateBuilder()
    for path in paths:
        assert builder.add_text(path.read_text(), path.name) is not None, path
    return builder.build("test")


@pytest.fixture(scope="module")
def cluster():
    return read(DUMP / "kubectl-get-workloads.json")


def pod(state, namespace, prefix):
    return next(p for p in state.pods if p.namespace == namespace and p.name.startswith(prefix))


def test_mixed_kind_list(cluster):
    assert sorted(cluster.namespaces) == [
        "admin",
        "alice",
        "default",
        "knative-serving",
        "kube-public",
        "kube-system",
        "kubeflow",
    ]
    assert cluster.namespaces["admin"].labels["app.kubernetes.io/part-of"] == "kubeflow-profile"
    assert len(cluster.pods) == 13
    assert {k: len(v) for k, v in cluster.objects.items()} == {
        "ConfigMap": 3,
        "DaemonSet": 1,
        "Deployment": 3,
        "Service": 3,
        "StatefulSet": 3,
    }
    cm = cluster.find("ConfigMap", "inferenceservice-config", "kubeflow")
    assert json.loads(cm.raw["data"]["deploy"]) == {"defaultDeploymentMode": "Serverless"}


def test_classic_sidecar(cluster):
    p = pod(cluster, "admin", "ml-pipeline-ui-artifact")
    assert p.has_sidecar
    assert [(c.name, c.init) for c in p.containers] == [
        ("ml-pipeline-ui-artifact", False),
        ("istio-proxy", False),
        ("istio-init", True),
    ]
    assert (p.owner_kind, p.owner_name) == ("Deployment", "ml-pipeline-ui-artifact")  # from the ReplicaSet
    assert p.ready and p.phase == "Running"
    assert "sidecar.istio.io/status" in p.annotations


def test_native_sidecar(cluster):
    p = pod(cluster, "admin", "ml-pipeline-visualizationserver")
    proxy = next(c for c in p.containers if c.name == "istio-proxy")
    assert proxy.init and proxy.restart_policy == "Always"
    assert p.has_sidecar


def test_gateway_and_charm_pods_are_not_sidecars(cluster):
    gateway = pod(cluster, "kubeflow", "istio-ingressgateway-workload")
    assert [c.name for c in gateway.containers] == ["istio-proxy"] and not gateway.has_sidecar
    charm = pod(cluster, "kubeflow", "kfp-api-0")
    assert (charm.owner_kind, charm.owner_name) == ("StatefulSet", "kfp-api")
    assert [c.name for c in charm.containers] == ["charm", "ml-pipeline-api-server", "charm-init"]
    assert not charm.has_sidecar


def test_pod_without_owner_and_finished_pod(cluster):
    running = pod(cluster, "admin", "iris-pipeline-x7p2q")
    assert (running.owner_kind, running.owner_name) == ("", "")
    done = pod(cluster, "admin", "iris-pipeline-a1b2c")
    assert done.phase == "Succeeded" and not done.ready


def test_daemonset_pod_owner(cluster):
    assert pod(cluster, "kube-system", "calico-node").owner_kind == "DaemonSet"


def test_identical_containers_are_shared(cluster):
    a, b = pod(cluster, "admin", "ml-pipeline-ui-artifact"), pod(cluster, "alice", "ml-pipeline-ui-artifact")
    assert a.containers[1] is b.containers[1]


def test_yaml_list_matches_json(cluster):
    from_yaml = read(FORMATS / "pods-admin.yaml")
    json_admin = [p for p in cluster.pods if p.namespace == "admin"]
    assert list(from_yaml.pods) == json_admin


def test_several_yaml_documents_and_a_single_json_object():
    state = read(FORMATS / "gateways-after.yaml", FORMATS / "gateway-waypoint.json")
    gateways = state.objects_of("Gateway")
    assert [(g.namespace, g.name) for g in gateways] == [
        ("admin", "waypoint"),
        ("kubeflow", "kubeflow-istio-beacon-k8s-waypoint"),
        ("kubeflow", "istio-ingress-k8s"),
    ]  # the JSON copy of admin/waypoint replaced the YAML one instead of doubling it
    assert gateways[0].api_version == "gateway.networking.k8s.io/v1"
    assert gateways[0].raw["spec"]["gatewayClassName"] == "istio-waypoint"


def test_waypoint_pod_is_a_lone_proxy():
    state = read(FORMATS / "pod-waypoint.json")
    (p,) = state.pods
    assert p.owner_name == "waypoint" and not p.has_sidecar


def test_kind_list_from_the_api_has_items_without_kind():
    state = read(DUMP / "kubectl-get-nodes.json")
    (node,) = state.objects_of("Node")
    assert node.name == "ckf-node-1" and node.api_version == "v1"
    assert node.labels["microk8s.io/cluster"] == "true"


def test_cilium_documents():
    state = read(FORMATS / "canonical-k8s-cilium.yaml")
    config = state.find("ConfigMap", "cilium-config", "kube-system")
    assert config.raw["data"]["cni-exclusive"] == "true"
    assert state.find("DaemonSet", "cilium", "kube-system").labels["k8s-app"] == "cilium"
    assert state.find("NetworkPolicy", "default-deny-ingress", "alice") is not None
    assert state.objects_of("Node")[0].labels["node-role.kubernetes.io/control-plane"] == ""


def test_crds_profiles_inferenceservices():
    state = read(
        DUMP / "kubectl-get-crd.json",
        DUMP / "kubectl-get-profiles.json",
        DUMP / "kubectl-get-inferenceservices.json",
    )
    assert "authorizationpolicies.security.istio.io" in {
        c.name for c in state.objects_of("CustomResourceDefinition")
    }
    assert [p.name for p in state.objects_of("Profile")] == ["admin", "alice"]
    isvc = state.find("InferenceService", "xgb-raw", "alice")
    assert isvc.raw["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "RawDeployment"


def test_secret_values_are_never_kept():
    text = (FORMATS / "secret-minio.json").read_text()
    state = read(FORMATS / "secret-minio.json")
    secret = state.find("Secret", "minio-secret", "kubeflow")
    assert "data" not in secret.raw and "stringData" not in secret.raw
    assert secret.raw["metadata"]["annotations"] == {}
    assert secret.labels == {"app.kubernetes.io/name": "minio"}
    kept = json.dumps([o.raw for objs in state.objects.values() for o in objs])
    for value in ("czNjcjN0LXZhbHVlLTEyMzQ=", "s3cr3t-value-1234", "bWluaW8="):
        assert value in text and value not in kept


def test_kubectl_version():
    state = read(DUMP / "kubectl-version.json")
    assert state.kubernetes_version == "v1.32.3" and state.tools == {"kubectl": "v1.32.3"}
    assert parse_version({"clientVersion": {"gitVersion": "v1.33.0"}}, "x") == ("v1.33.0", "")


def test_kubectl_version_plain_text():
    builder = StateBuilder()
    assert (
        builder.add_text("Client Version: v1.32.3\nKustomize Version: v5.5.0\nServer Version: v1.32.2\n", "v")
        == "kubectl version"
    )
    assert builder.build("x").kubernetes_version == "v1.32.2"


def test_yaml_scalars_that_are_not_strings_become_strings():
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n"
    text += "  labels:\n    enabled: true\n    tier: 2\n"
    builder = StateBuilder()
    builder.add_text(text, "ns.yaml")
    assert builder.build("x").namespaces["team"].labels == {"enabled": "true", "tier": "2"}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"apiVersion": "v1", "kind": "List", "items": {}}, "ns.json: items: expected a list, got a mapping"),
        (
            {"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod", "metadata": {}}]},
            "ns.json: items[0].metadata.name: a Pod without metadata.name",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"image": "x"}]}}
                ],
            },
            "ns.json: items[0].spec.containers[0].name: a container without a name",
        ),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": "app"}},
            "ns.json: spec.containers: expected a list, got a string",
        ),
        (
            {"apiVersion": "v1", "kind": "List", "items": ["pod"]},
            "ns.json: items[0]: expected an object (a mapping)",
        ),
        (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "labels": {"a": ["b"]}}},
            "ns.json: metadata.labels.a: expected a string, got a list",
        ),
    ],
)
def test_malformed_objects(doc, message):
    with pytest.raises(StateParseError) as caught:
        add_objects(doc, "ns.json", KubeObjects())
    assert str(caught.value) == message


def test_broken_json_names_line_and_column():
    with pytest.raises(StateParseError) as caught:
        StateBuilder().add_text('{\n  "kind": "List",\n  "items": [,]\n}', "pods.json")
    assert str(caught.value) == "pods.json: line 3 column 13: not valid JSON: Expecting value"


def test_broken_yaml_names_the_line():
    with pytest.raises(StateParseError) as caught:
        StateBuilder().add_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n", "pod.yaml")
    assert str(caught.value).startswith("pod.yaml: line ")
    assert "not valid YAML" in str(caught.value)


def test_unknown_content_is_not_recognised():
    assert StateBuilder().add_text("just some notes\n", "README") is None
    assert StateBuilder().add_text('{"hello": "world"}', "x.json") is None


def _big_list(indent: int | None) -> str:
    """The fixture's pods copied into enough namespaces to pass the fast path's 1 MB threshold."""
    doc = json.loads((DUMP / "kubectl-get-workloads.json").read_text())
    items = list(doc["items"])
    pods = [i for i in items if i["kind"] == "Pod"]
    for n in range(1 + (1 << 20) // len(json.dumps(pods))):
        for p in pods:
            copy = json.loads(json.dumps(p))
            copy["metadata"]["namespace"] = f"copy-{n}"
            items.append(copy)
    return json.dumps({**doc, "items": items}, indent=indent)


@pytest.mark.parametrize("indent", [None, 4])
def test_big_lists_decode_straight_into_pods_as_the_standard_path_would(indent, monkeypatch):
    from steps.cluster import fast_json

    text = _big_list(indent)
    fast = fast_json.decode_list(text)
    assert fast is not None and any(type(i).__name__ == "Pod" for i in fast["items"]), (
        "typed structs, no dicts"
    )
    quick = StateBuilder()
    quick.add_text(text, "big")
    monkeypatch.setattr(fast_json, "MIN_SIZE", 1 << 40)
    slow = StateBuilder()
    slow.add_text(text, "big")
    assert quick.build("t", read_at=1.0) == slow.build("t", read_at=1.0)
    assert len(quick.build("t", read_at=1.0).pods) > 100


def test_a_big_list_with_a_bad_pod_gets_the_standard_paths_error():
    from steps.cluster import fast_json

    doc = json.loads(_big_list(None))
    pod_index = next(i for i, item in enumerate(doc["items"]) if item["kind"] == "Pod")
    del doc["items"][pod_index]["metadata"]["name"]
    text = json.dumps(doc)
    assert fast_json.decode_list(text) is None
    with pytest.raises(StateParseError, match="without metadata.name"):
        StateBuilder().add_text(text, "big")


@pytest.mark.parametrize("shape", ["namespaces,pods", "PodList"])
def test_big_pod_lists_take_one_typed_pass_and_agree_with_the_standard_path(shape, monkeypatch):
    """`kubectl get namespaces,pods -A -o json` (a List of two kinds) and the API's PodList (items
    without a kind) decode in one pass; the pods are the ones the standard path builds."""
    from steps.cluster import fast_json

    doc = json.loads(_big_list(None))
    if shape == "PodList":
        items = [{k: v for k, v in i.items() if k != "kind"} for i in doc["items"] if i["kind"] == "Pod"]
        doc = {"apiVersion": "v1", "kind": "PodList", "items": items}
    else:
        doc["items"] = [i for i in doc["items"] if i["kind"] in ("Pod", "Namespace")]
    text = json.dumps(doc)
    calls = []
    monkeypatch.setattr(fast_json, "_item_by_item", lambda t: calls.append(t))
    quick = StateBuilder()
    quick.add_text(text, "big")
    assert not calls, "decoded in one pass"
    monkeypatch.setattr(fast_json, "MIN_SIZE", 1 << 40)
    slow = StateBuilder()
    slow.add_text(text, "big")
    assert quick.build("t", read_at=1.0) == slow.build("t", read_at=1.0)


def test_one_kind_in_two_api_groups_keeps_both():
    """Istio's Gateway and the Gateway API's share the kind name and may share a name: both stay."""
    builder = StateBuilder()
    gateways = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "networking.istio.io/v1",
                "kind": "Gateway",
                "metadata": {"name": "waypoint", "namespace": "admin"},
                "spec": {"selector": {"istio": "ingressgateway"}},
            },
            {
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "Gateway",
                "metadata": {"name": "waypoint", "namespace": "admin"},
                "spec": {"gatewayClassName": "istio-waypoint"},
            },
        ],
    }
    assert builder.add_text(json.dumps(gateways), "gateways.json") is not None
    state = builder.build("test")
    assert sorted(g.group for g in state.objects_of("Gateway")) == [
        "gateway.networking.k8s.io",
        "networking.istio.io",
    ]
    (waypoint,) = state.objects_of("Gateway", "admin", group="gateway.networking.k8s.io")
    assert waypoint.raw["spec"]["gatewayClassName"] == "istio-waypoint"
    assert state.objects_of("Namespace", group="") == ()
