"""Every finding code: its severity and phase (issue 16), and a small hand-written state that
triggers it (issue 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from steps.istio.analyze import Analysis, analyze
from steps.istio.codes import CODES, PHASES
from steps.istio.state import IstioState

from .objects import (
    GATEWAY_CRDS,
    ambient_ready,
    app,
    authz,
    bookinfo,
    crd,
    daemonset,
    deployment,
    istio,
    istiod,
    namespace,
    pod,
    principal,
    service,
)

# Issue 16, verbatim: (severity, phase); phases of the non-blockers are the analyzer's choice.
PINNED = {
    "ISTIO_VERSION_UNSUPPORTED": ("blocker", "pre-reqs"),
    "VM_WORKLOADS": ("blocker", "pre-reqs"),
    "SPIRE": ("blocker", "pre-reqs"),
    "PEERAUTH_DISABLE": ("blocker", "pre-reqs"),
    "ENVOYFILTER_SIDECAR": ("blocker", "pre-reqs"),
    "AMBIENT_NOT_ENABLED": ("blocker", "cluster-setup"),
    "ZTUNNEL_MISSING": ("blocker", "cluster-setup"),
    "ISTIO_CNI_MISSING": ("blocker", "cluster-setup"),
    "GATEWAY_API_CRDS_MISSING": ("blocker", "cluster-setup"),
    "SIDECAR_NO_HBONE": ("blocker", "cluster-setup"),
    "ISTIO_VERSION_UNKNOWN": ("warning", "pre-reqs"),
    "MULTICLUSTER": ("warning", "pre-reqs"),
    "SIDECAR_RESOURCE_NOOP": ("warning", "migrate-policies"),
    "MIXED_DATAPLANE_LABELS": ("warning", "remove-sidecars"),
    "POD_LEVEL_INJECTION": ("warning", "remove-sidecars"),
    "VS_ON_WAYPOINT_ALPHA": ("warning", "migrate-policies"),
    "HEADLESS_SERVICE_WAYPOINT": ("warning", "deploy-waypoints"),
    "L4_POLICY_WAYPOINT_IDENTITY": ("warning", "migrate-policies"),
    "ZTUNNEL_DROPS_POLICY": ("warning", "remove-sidecars"),
    "L7_DENY_NOOP_AT_ZTUNNEL": ("warning", "remove-sidecars"),
    "INGRESS_BYPASS": ("warning", "use-waypoints"),
    "ORDER_CYCLE": ("warning", "remove-sidecars"),
    "WAYPOINT_L7_AUTHZ": ("recommend", "deploy-waypoints"),
    "WAYPOINT_VIRTUALSERVICE": ("recommend", "deploy-waypoints"),
    "WAYPOINT_HTTPROUTE": ("recommend", "deploy-waypoints"),
    "WAYPOINT_REQUESTAUTHN": ("recommend", "deploy-waypoints"),
    "WAYPOINT_WASM": ("recommend", "deploy-waypoints"),
    "PEERAUTH_PORT_DISABLE": ("info", "pre-reqs"),
    "DR_SUBSETS_NEED_SERVICES": ("info", "migrate-policies"),
}


def test_the_codes_are_exactly_the_issues_with_their_severity_and_phase():
    assert set(CODES) == set(PINNED)
    for code, (severity, phase) in PINNED.items():
        assert (CODES[code].severity, CODES[code].phase) == (severity, phase), code
        assert CODES[code].doc, f"{code} says what triggers it"
        assert phase in PHASES


def _without(objs: list[dict[str, Any]], kind: str, name: str = "") -> list[dict[str, Any]]:
    return [o for o in objs if not (o["kind"] == kind and (not name or o["metadata"]["name"] == name))]


def _ns(name: str) -> list[dict[str, Any]]:
    return [namespace(name, **{"istio-injection": "enabled"}), *app(name, "web")]


def _with_istiod(version: str = "1.26.1", **kw: Any) -> list[dict[str, Any]]:
    return [*_without(ambient_ready(), "Deployment", "istiod"), istiod(version, **kw), *_ns("shop")]


def _digest_istiod() -> list[dict[str, Any]]:
    objs = _with_istiod(helm=False)
    objs[-len(_ns("shop")) - 1]["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "istio/pilot@sha256:ab"
    )
    return objs


def _peerauth(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*ambient_ready(), *_ns("shop"), istio("PeerAuthentication", "shop", "pa", spec)]


def _envoyfilter(context: str, selector: dict[str, str] | None = None) -> list[dict[str, Any]]:
    spec: dict[str, Any] = {"configPatches": [{"applyTo": "HTTP_FILTER", "match": {"context": context}}]}
    if selector:
        spec["workloadSelector"] = {"labels": selector}
    return [
        *ambient_ready(),
        *_ns("shop"),
        istio("EnvoyFilter", "shop", "ef", spec, group="networking.istio.io"),
    ]


def _headless() -> list[dict[str, Any]]:
    return [*bookinfo(), service("backend", "details-headless", {"app": "details"}, headless=True)]


def _reviews_l4() -> list[dict[str, Any]]:
    rule = {"from": [{"source": {"principals": [principal("frontend", "bookinfo-productpage")]}}]}
    return [*bookinfo(), authz("backend", "reviews-authz", selector={"app": "reviews"}, rules=[rule])]


def _vs() -> list[dict[str, Any]]:
    spec = {"hosts": ["reviews"], "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}]}
    return [*bookinfo(), istio("VirtualService", "backend", "reviews", spec, group="networking.istio.io")]


def _dr() -> list[dict[str, Any]]:
    subsets = [{"name": "v1", "labels": {"version": "v1"}}, {"name": "v4", "labels": {"version": "v4"}}]
    spec = {"host": "reviews.backend.svc.cluster.local", "subsets": subsets}
    return [*bookinfo(), istio("DestinationRule", "backend", "reviews", spec, group="networking.istio.io")]


def _ingress_to_details() -> list[dict[str, Any]]:
    route = istio(
        "HTTPRoute",
        "backend",
        "public-details",
        {
            "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
            "rules": [{"backendRefs": [{"name": "details", "port": 9080}]}],
        },
        group="gateway.networking.k8s.io",
    )
    return [*bookinfo(), route]


def _cycle() -> list[dict[str, Any]]:
    def calls(ns: str, caller: str) -> dict[str, Any]:
        return authz(
            ns,
            f"from-{caller}",
            selector={"app": "web"},
            rules=[{"from": [{"source": {"namespaces": [caller]}}]}],
        )

    return [*ambient_ready(), *_ns("a"), *_ns("b"), calls("a", "b"), calls("b", "a")]


def _l7_deny() -> list[dict[str, Any]]:
    rule = {"to": [{"operation": {"paths": ["/admin*"]}}]}
    return [
        *ambient_ready(),
        *_ns("shop"),
        authz("shop", "no-admin", selector={"app": "web"}, action="DENY", rules=[rule]),
    ]


def _selector_policy(kind: str, group: str) -> list[dict[str, Any]]:
    spec = {"selector": {"matchLabels": {"app": "web"}}}
    return [*ambient_ready(), *_ns("shop"), istio(kind, "shop", "x", spec, group=group, version="v1alpha1")]


def _pod_injection() -> list[dict[str, Any]]:
    labels = {"app": "web", "version": "v1", "sidecar.istio.io/inject": "true"}
    return [*ambient_ready(), *_ns("shop"), deployment("shop", "web-v1", labels)]


TRIGGERS: dict[str, tuple[Callable[[], list[dict[str, Any]]], str]] = {
    "ISTIO_VERSION_UNSUPPORTED": (lambda: _with_istiod("1.23.4"), "Deployment/istio-system/istiod"),
    "ISTIO_VERSION_UNKNOWN": (_digest_istiod, "Deployment/istio-system/istiod"),
    "VM_WORKLOADS": (
        lambda: [
            *ambient_ready(),
            istio("WorkloadEntry", "shop", "vm-1", {"address": "10.0.0.9"}, group="networking.istio.io"),
        ],
        "WorkloadEntry/shop/vm-1",
    ),
    "SPIRE": (
        lambda: [
            *ambient_ready(),
            pod(
                "shop", "web-abc12-x", {"app": "web", "spiffe.io/spire-managed-identity": "true"}, owner="web"
            ),
        ],
        "Deployment/shop/web",
    ),
    "PEERAUTH_DISABLE": (lambda: _peerauth({"mtls": {"mode": "DISABLE"}}), "PeerAuthentication/shop/pa"),
    "PEERAUTH_PORT_DISABLE": (
        lambda: _peerauth({"mtls": {"mode": "STRICT"}, "portLevelMtls": {"8080": {"mode": "DISABLE"}}}),
        "PeerAuthentication/shop/pa",
    ),
    "MULTICLUSTER": (
        lambda: [
            *ambient_ready(),
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": "remote",
                    "namespace": "istio-system",
                    "labels": {"istio/multiCluster": "true"},
                },
            },
        ],
        "Secret/istio-system/remote",
    ),
    "ENVOYFILTER_SIDECAR": (lambda: _envoyfilter("SIDECAR_INBOUND"), "EnvoyFilter/shop/ef"),
    "SIDECAR_RESOURCE_NOOP": (
        lambda: [
            *ambient_ready(),
            *_ns("shop"),
            istio("Sidecar", "shop", "scope", {}, group="networking.istio.io"),
        ],
        "Sidecar/shop/scope",
    ),
    "AMBIENT_NOT_ENABLED": (lambda: _with_istiod(ambient=False), "Deployment/istio-system/istiod"),
    "ZTUNNEL_MISSING": (
        lambda: [*_without(ambient_ready(), "DaemonSet", "ztunnel"), *_ns("shop")],
        "DaemonSet/istio-system/ztunnel",
    ),
    "ISTIO_CNI_MISSING": (
        lambda: [*_without(ambient_ready(), "DaemonSet", "istio-cni-node"), *_ns("shop")],
        "DaemonSet/istio-system/istio-cni-node",
    ),
    "GATEWAY_API_CRDS_MISSING": (
        lambda: [
            *_without(ambient_ready(), "CustomResourceDefinition"),
            crd("gateways.gateway.networking.k8s.io"),
        ],
        "CustomResourceDefinition//gatewayclasses.gateway.networking.k8s.io",
    ),
    "SIDECAR_NO_HBONE": (
        lambda: [*ambient_ready(), namespace("shop"), *app("shop", "web", hbone=False)],
        "Deployment/shop/web-v1",
    ),
    "MIXED_DATAPLANE_LABELS": (
        lambda: [
            *ambient_ready(),
            namespace("shop", **{"istio-injection": "enabled", "istio.io/dataplane-mode": "ambient"}),
            *app("shop", "web"),
        ],
        "Namespace//shop",
    ),
    "POD_LEVEL_INJECTION": (_pod_injection, "Deployment/shop/web-v1"),
    "WAYPOINT_L7_AUTHZ": (bookinfo, "AuthorizationPolicy/backend/details-authz"),
    "WAYPOINT_VIRTUALSERVICE": (_vs, "VirtualService/backend/reviews"),
    "VS_ON_WAYPOINT_ALPHA": (_vs, "VirtualService/backend/reviews"),
    "DR_SUBSETS_NEED_SERVICES": (_dr, "DestinationRule/backend/reviews"),
    "WAYPOINT_HTTPROUTE": (bookinfo, "HTTPRoute/backend/bookinfo-reviews"),
    "WAYPOINT_REQUESTAUTHN": (
        lambda: _selector_policy("RequestAuthentication", "security.istio.io"),
        "RequestAuthentication/shop/x",
    ),
    "WAYPOINT_WASM": (lambda: _selector_policy("WasmPlugin", "extensions.istio.io"), "WasmPlugin/shop/x"),
    "HEADLESS_SERVICE_WAYPOINT": (_headless, "Service/backend/details-headless"),
    "L4_POLICY_WAYPOINT_IDENTITY": (_reviews_l4, "AuthorizationPolicy/backend/reviews-authz"),
    "ZTUNNEL_DROPS_POLICY": (bookinfo, "AuthorizationPolicy/backend/details-authz"),
    "L7_DENY_NOOP_AT_ZTUNNEL": (_l7_deny, "AuthorizationPolicy/shop/no-admin"),
    "INGRESS_BYPASS": (_ingress_to_details, "Service/backend/details"),
    "ORDER_CYCLE": (_cycle, "Namespace//a"),
}


def run(objs: list[dict[str, Any]], namespaces: list[str] | None = None) -> Analysis:
    return analyze(IstioState.from_objects(objs), namespaces)


def test_every_code_has_a_trigger_here():
    assert set(TRIGGERS) == set(CODES)


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_each_code_is_reported_with_its_severity_and_phase(code):
    build, subject = TRIGGERS[code]
    found = [f for f in run(build()).to_json()["findings"] if f["code"] == code]
    assert found, f"{code} not reported"
    assert subject in [f["subject"] for f in found]
    for f in found:
        assert (f["severity"], f["phase"]) == PINNED[code]
        assert f["message"]


def test_a_ready_cluster_with_plain_l4_policies_has_no_finding_and_no_blocker():
    objs = [*ambient_ready(), *_ns("shop"), authz("shop", "l4", selector={"app": "web"}, rules=[{}])]
    analysis = run(objs)
    assert analysis.findings == [] and not analysis.blocked
    assert analysis.waypoints == [] and analysis.policies == []


def test_blockers_make_the_analysis_blocked_and_carry_their_fix():
    analysis = run(_peerauth({"mtls": {"mode": "DISABLE"}}))
    assert analysis.blocked
    (f,) = analysis.blockers("pre-reqs")
    assert f.command == (
        'kubectl patch peerauthentication -n shop pa --type merge -p \'{"spec":{"mtls":{"mode":"PERMISSIVE"}}}\''
    )


def test_cluster_setup_fixes_follow_the_helm_install():
    objs = [*_without(ambient_ready(), "DaemonSet"), istiod(ambient=False), *_ns("shop")]
    objs = _without(objs, "Deployment", "istiod") + [istiod(ambient=False)]
    commands = {f.code: f.command for f in run(objs).findings}
    assert commands["AMBIENT_NOT_ENABLED"] == (
        "helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient --version 1.26.1"
    )
    assert (
        commands["ZTUNNEL_MISSING"]
        == "helm install ztunnel istio/ztunnel -n istio-system --wait --version 1.26.1"
    )
    assert commands["ISTIO_CNI_MISSING"] == (
        "helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait --version 1.26.1"
    )


def test_an_envoyfilter_on_gateways_only_is_no_blocker():
    gw = pod("shop", "gw", {"istio": "ingressgateway"}, sidecar=False)
    objs = [*_envoyfilter("GATEWAY"), gw]
    assert not [f for f in run(objs).findings if f.code == "ENVOYFILTER_SIDECAR"]
    selected = [*_envoyfilter("ANY", {"istio": "ingressgateway"}), gw]
    assert not [f for f in run(selected).findings if f.code == "ENVOYFILTER_SIDECAR"]


def test_version_1_24_is_supported_and_no_istiod_is_unknown():
    assert not [f for f in run(_with_istiod("1.24.0")).findings if f.code.startswith("ISTIO_VERSION")]
    no_istiod = run([*_without(ambient_ready(), "Deployment", "istiod"), *_ns("shop")])
    assert [f.code for f in no_istiod.findings if f.code.startswith("ISTIO_VERSION")] == [
        "ISTIO_VERSION_UNKNOWN"
    ]


def test_ztunnel_semantics_of_custom_mixed_deny_and_dry_run():
    objs = [
        *ambient_ready(),
        *_ns("shop"),
        authz("shop", "ext", selector={"app": "web"}, action="CUSTOM", rules=[{}]),
        authz(
            "shop",
            "mixed",
            selector={"app": "web"},
            action="DENY",
            rules=[
                {"from": [{"source": {"namespaces": ["evil"]}}], "to": [{"operation": {"paths": ["/x"]}}]}
            ],
        ),
        authz("shop", "trial", selector={"app": "web"}, rules=[{}], annotations={"istio.io/dry-run": "true"}),
    ]
    found = {(f.code, f.subject) for f in run(objs).findings}
    assert ("ZTUNNEL_DROPS_POLICY", "AuthorizationPolicy/shop/ext") in found
    assert ("ZTUNNEL_DROPS_POLICY", "AuthorizationPolicy/shop/mixed") in found
    assert ("L7_DENY_NOOP_AT_ZTUNNEL", "AuthorizationPolicy/shop/mixed") not in found
    assert ("ZTUNNEL_DROPS_POLICY", "AuthorizationPolicy/shop/trial") in found


def test_namespaces_limit_the_findings_about_workloads_not_the_control_plane():
    objs = [
        *_with_istiod(ambient=False),
        *_ns("other"),
        istio("Sidecar", "other", "s", {}, group="networking.istio.io"),
    ]
    codes = {f.code for f in run(objs, ["shop"]).findings}
    assert "AMBIENT_NOT_ENABLED" in codes
    assert "SIDECAR_RESOURCE_NOOP" not in codes


def test_gateway_crds_missing_says_when_no_crd_was_read_at_all():
    objs = [*_without(ambient_ready(), "CustomResourceDefinition"), *_ns("shop")]
    (f,) = [f for f in run(objs).findings if f.code == "GATEWAY_API_CRDS_MISSING"]
    assert "no CustomResourceDefinitions at all" in f.message
    assert f.command.startswith(
        "kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/"
    )
    assert len(GATEWAY_CRDS) == 5


def test_istiod_ztunnel_and_cni_by_label_too():
    objs = [
        *_without(ambient_ready(), "DaemonSet"),
        daemonset("ztunnel-renamed", ("app", "ztunnel")),
        daemonset("cni", ("k8s-app", "istio-cni-node")),
        *_ns("shop"),
    ]
    assert not [f for f in run(objs).findings if f.phase == "cluster-setup"]


def test_a_pod_labelled_ambient_that_keeps_its_sidecar_is_mixed():
    labels = {"app": "web", "istio.io/dataplane-mode": "ambient"}
    objs = [*ambient_ready(), *_ns("shop"), pod("shop", "web-abc12-y", labels, owner="web-v1")]
    found = [f for f in run(objs).findings if f.code == "MIXED_DATAPLANE_LABELS"]
    assert [f.subject for f in found] == ["Deployment/shop/web-v1"]


def test_items_of_an_api_list_keep_the_lists_api_version():
    listed = {
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "AuthorizationPolicyList",
        "items": [{"metadata": {"name": "p", "namespace": "shop"}, "spec": {}}],
    }
    (policy,) = IstioState.from_objects([listed]).config("security.istio.io", "AuthorizationPolicy")
    assert policy.api_version == "security.istio.io/v1beta1"


def test_namespaced_prereqs_count_only_where_the_migration_goes_or_mesh_wide():
    objs = [
        *_peerauth({"mtls": {"mode": "DISABLE"}}),
        *_ns("other"),
        istio("PeerAuthentication", "other", "pa", {"mtls": {"mode": "DISABLE"}}),
        istio("PeerAuthentication", "istio-system", "mesh", {"mtls": {"mode": "DISABLE"}}),
    ]
    subjects = {f.subject for f in run(objs, ["shop"]).findings if f.code == "PEERAUTH_DISABLE"}
    assert subjects == {"PeerAuthentication/shop/pa", "PeerAuthentication/istio-system/mesh"}
