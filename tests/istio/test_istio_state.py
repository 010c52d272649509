"""IstioState: any `kubectl get -o json|yaml` output into typed records keyed by group, kind,
namespace and name."""

from __future__ import annotations

import json

import pytest
import yaml

from steps.cluster.errors import StateParseError
from steps.istio.state import (
    GATEWAY_API,
    NETWORKING,
    ConfigObject,
    IstioState,
    Key,
    Pod,
    SecretMeta,
)

from .objects import deployment, istio, namespace, pod, proxy, service


def test_two_gateways_of_the_same_name_in_different_groups_are_both_kept():
    istio_gw = istio(
        "Gateway", "ingress", "main", {"selector": {"istio": "ingressgateway"}}, group=NETWORKING
    )
    api_gw = istio("Gateway", "ingress", "main", {"gatewayClassName": "istio"}, group=GATEWAY_API)
    state = IstioState.from_objects([{"apiVersion": "v1", "kind": "List", "items": [istio_gw, api_gw]}])
    a = state.get(NETWORKING, "Gateway", "ingress", "main")
    b = state.get(GATEWAY_API, "Gateway", "ingress", "main")
    assert isinstance(a, ConfigObject) and isinstance(b, ConfigObject)
    assert a.spec == {"selector": {"istio": "ingressgateway"}}
    assert b.spec == {"gatewayClassName": "istio"}
    assert a.key == Key(NETWORKING, "Gateway", "ingress", "main")
    assert a.key.subject == "Gateway/ingress/main"


def test_a_mixed_list_a_kind_list_without_item_kinds_and_yaml_documents():
    mixed = {"apiVersion": "v1", "kind": "List", "items": [namespace("a"), service("a", "s", {"app": "x"})]}
    # From the API a <Kind>List's items carry no kind or apiVersion.
    api_list = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicyList",
        "items": [{"metadata": {"name": "p", "namespace": "a"}, "spec": {"action": "DENY"}}],
    }
    docs = yaml.safe_dump_all([pod("a", "x-1", {"app": "x"}), deployment("a", "x", {"app": "x"})])
    state = IstioState.from_texts(
        [("mixed.json", json.dumps(mixed)), ("api.json", json.dumps(api_list)), docs]
    )
    assert [ns.key.name for ns in state.namespaces] == ["a"]
    assert state.services[0].selector == {"app": "x"}
    policy = state.get("security.istio.io", "AuthorizationPolicy", "a", "p")
    assert isinstance(policy, ConfigObject) and policy.spec == {"action": "DENY"}
    assert [p.key.name for p in state.pods] == ["x-1"]
    assert [w.key.name for w in state.workloads] == ["x"]
    assert state.notes == []


def test_unknown_kinds_are_ignored_with_one_note_per_kind():
    objs = [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"}},
        {"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "alice"}},
        namespace("a"),
    ]
    state = IstioState.from_objects(objs)
    assert state.notes == [
        "ignored objects of kinds the analysis does not read: Node (2), Profile.kubeflow.org (1)"
    ]
    assert len(state.objects) == 1


def test_text_without_kubernetes_objects_is_noted():
    state = IstioState.from_texts([("juju-status.json", json.dumps({"model": {"name": "kubeflow"}}))])
    assert state.notes == ["juju-status.json: no Kubernetes objects; ignored"]


def test_malformed_text_names_the_place():
    with pytest.raises(StateParseError, match="broken.json"):
        IstioState.from_texts([("broken.json", '{"kind": ')])


def test_only_multicluster_secrets_are_kept_and_never_their_data():
    remote = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "istio-remote-secret-east",
            "namespace": "istio-system",
            "labels": {"istio/multiCluster": "true"},
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"data": {"east": "S3CR3T"}}'
            },
        },
        "data": {"east": "S3CR3T"},
        "stringData": {"x": "S3CR3T"},
    }
    other = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "a"},
        "data": {"p": "pw"},
    }
    state = IstioState.from_objects([remote, other])
    kept = state.multicluster_secrets
    assert [s.key.subject for s in kept] == ["Secret/istio-system/istio-remote-secret-east"]
    assert isinstance(kept[0], SecretMeta)
    assert "S3CR3T" not in repr(state.objects) and "pw" not in repr(state.objects)


def test_pods_sidecars_native_sidecars_and_gateways():
    plain = pod("a", "plain", {"app": "p"}, sidecar=False)
    classic = pod("a", "classic", {"app": "c"}, hbone=False)
    native = pod("a", "native", {"app": "n"}, native=True)
    gateway = pod("ingress", "gw", {"istio.io/gateway-name": "gw"}, sidecar=False)
    gateway["spec"]["containers"] = [{**proxy(), "args": ["proxy", "router"]}]
    state = IstioState.from_objects([plain, classic, native, gateway])
    pods = {p.key.name: p for p in state.pods}
    assert all(isinstance(p, Pod) for p in pods.values())
    assert not pods["plain"].has_sidecar
    assert pods["classic"].has_sidecar and pods["classic"].proxy.env == {}
    assert pods["native"].has_sidecar and pods["native"].proxy.native_sidecar
    assert pods["native"].proxy.env == {"ISTIO_META_ENABLE_HBONE": "true"}
    assert pods["gw"].is_gateway and not pods["gw"].has_sidecar
    assert pods["classic"].owner_kind == ""


def test_a_deployments_pod_names_its_deployment():
    p = pod("a", "web-abc12-xyz", {"app": "web"}, owner="web")
    (record,) = IstioState.from_objects([p]).pods
    assert (record.owner_kind, record.owner_name) == ("Deployment", "web")


def test_a_later_copy_replaces_an_earlier_one():
    first = service("a", "s", {"app": "old"})
    second = service("a", "s", {"app": "new"})
    assert IstioState.from_objects([first, second]).services[0].selector == {"app": "new"}
