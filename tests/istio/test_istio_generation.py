"""The generation rules of issue 12 (and the headless case of issue 16), each on a small state."""

from __future__ import annotations

from typing import Any

import yaml

from steps.istio.analyze import analyze, render_policies_yaml, render_waypoints_yaml
from steps.istio.order import order_namespaces
from steps.istio.state import IstioState

from .objects import ambient_ready, app, authz, bookinfo, istio, istiod, namespace, principal, service

P_BACKEND = "cluster.local/ns/backend/sa/waypoint"


def run(objs: list[dict[str, Any]], namespaces: list[str] | None = None):
    return analyze(IstioState.from_objects(objs), namespaces)


def names(manifests: list[dict[str, Any]]) -> list[str]:
    return [f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests]


def policy(analysis, name: str) -> dict[str, Any]:
    (found,) = [p for p in analysis.policies if p["metadata"]["name"] == name]
    return found


def test_one_waypoint_per_namespace_exactly_as_istioctl_waypoint_apply_writes_it():
    analysis = run(bookinfo())
    assert analysis.waypoints == [
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {
                "name": "waypoint",
                "namespace": "backend",
                "labels": {"app.kubernetes.io/managed-by": "cairn", "istio.io/waypoint-for": "service"},
            },
            "spec": {
                "gatewayClassName": "istio-waypoint",
                "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
            },
        }
    ]


def test_an_l7_policy_is_copied_once_per_service_in_front_of_its_pods():
    analysis = run(bookinfo())
    copy = policy(analysis, "details-v1-details-authz")
    assert copy["apiVersion"] == "security.istio.io/v1"
    assert copy["metadata"] == {
        "name": "details-v1-details-authz",
        "namespace": "backend",
        "labels": {"app.kubernetes.io/managed-by": "cairn"},
    }
    assert copy["spec"] == {
        "rules": [
            {
                "from": [{"source": {"principals": [principal("frontend", "bookinfo-productpage")]}}],
                "to": [{"operation": {"methods": ["GET"]}}],
            }
        ],
        "targetRefs": [{"group": "", "kind": "Service", "name": "details-v1"}],
    }
    assert "details-details-authz" in [p["metadata"]["name"] for p in analysis.policies]
    assert {
        "kind": "AuthorizationPolicy",
        "namespace": "backend",
        "name": "details-authz",
    } in analysis.deletions


def test_custom_and_audit_policies_are_copied_too():
    objs = [
        *bookinfo(),
        authz("backend", "ext-authz", selector={"app": "ratings"}, action="CUSTOM", rules=[{}]),
    ]
    analysis = run(objs)
    assert policy(analysis, "ratings-ext-authz")["spec"]["action"] == "CUSTOM"


def test_l4_allow_on_pods_behind_a_waypointed_service_is_copied_and_the_pods_allow_the_waypoint():
    rule = {"from": [{"source": {"principals": [principal("frontend", "bookinfo-productpage")]}}]}
    analysis = run(
        [*bookinfo(), authz("backend", "reviews-authz", selector={"app": "reviews"}, rules=[rule])]
    )
    copy = policy(analysis, "reviews-reviews-authz")
    assert copy["spec"] == {
        "rules": [rule],
        "targetRefs": [{"group": "", "kind": "Service", "name": "reviews"}],
    }
    assert policy(analysis, "reviews-from-waypoint")["spec"] == {
        "selector": {"matchLabels": {"app": "reviews"}},
        "action": "ALLOW",
        "rules": [{"from": [{"source": {"principals": [P_BACKEND]}}]}],
    }
    # reviews-v1..v3 front the same pods without the waypoint: the original still guards them.
    assert {
        "kind": "AuthorizationPolicy",
        "namespace": "backend",
        "name": "reviews-authz",
    } not in analysis.deletions


def test_l4_policies_on_pods_without_a_waypointed_service_are_left_alone():
    analysis = run(bookinfo())
    assert not [p for p in analysis.policies if p["metadata"]["namespace"] == "frontend"]
    assert "frontend" not in [w["metadata"]["namespace"] for w in analysis.waypoints]


def test_a_namespace_wide_policy_is_copied_to_the_waypoint_only_where_there_is_one():
    deny_all = authz("backend", "allow-nothing", rules=None)
    deny_front = authz("frontend", "allow-nothing", rules=None)
    analysis = run([*bookinfo(), deny_all, deny_front])
    copy = policy(analysis, "waypoint-allow-nothing")
    assert copy["metadata"]["namespace"] == "backend"
    assert copy["spec"] == {
        "targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "waypoint"}]
    }
    # frontend has no waypoint: a copy there would attach to nothing and fail open (#57315).
    assert [n for n in names(analysis.policies) if n.startswith("frontend/")] == []
    # Namespace-wide L4 policies are kept.
    assert not [d for d in analysis.deletions if d["name"] == "allow-nothing"]


def test_a_namespace_wide_l7_policy_is_copied_and_its_original_deleted():
    rule = {"to": [{"operation": {"methods": ["GET"]}}]}
    analysis = run([*bookinfo(), authz("backend", "get-only", rules=[rule])])
    assert policy(analysis, "waypoint-get-only")["spec"]["rules"] == [rule]
    assert {"kind": "AuthorizationPolicy", "namespace": "backend", "name": "get-only"} in analysis.deletions


def test_from_waypoint_only_where_an_allow_covers_the_pods():
    analysis = run(bookinfo())
    from_waypoint = sorted(n for n in names(analysis.policies) if n.endswith("-from-waypoint"))
    # reviews gets the waypoint (HTTPRoute) but no ALLOW covers its pods: nothing to open.
    assert from_waypoint == [
        "backend/details-from-waypoint",
        "backend/details-v1-from-waypoint",
        "backend/ratings-from-waypoint",
        "backend/ratings-v1-from-waypoint",
    ]


def test_a_namespace_wide_allow_covers_every_waypointed_service():
    allow_ns = authz("backend", "from-frontend", rules=[{"from": [{"source": {"namespaces": ["frontend"]}}]}])
    analysis = run([*bookinfo(), allow_ns])
    assert "backend/reviews-from-waypoint" in names(analysis.policies)


def test_no_from_waypoint_when_istiod_auto_allows_the_waypoint():
    objs = [o for o in bookinfo() if o["metadata"]["name"] != "istiod"] + [istiod(auto_allow=True)]
    analysis = run(objs)
    assert not [n for n in names(analysis.policies) if n.endswith("-from-waypoint")]
    assert "backend/details-details-authz" in names(analysis.policies)


def test_headless_service_gets_a_waypoint_for_all_a_finding_and_no_copy():
    objs = [*bookinfo(), service("backend", "details-headless", {"app": "details"}, headless=True)]
    analysis = run(objs)
    (gateway,) = analysis.waypoints
    assert gateway["metadata"]["labels"]["istio.io/waypoint-for"] == "all"
    (f,) = [f for f in analysis.findings if f.code == "HEADLESS_SERVICE_WAYPOINT"]
    assert f.subject == "Service/backend/details-headless"
    assert "istio.io/use-waypoint=waypoint" in f.message and "targetRefs kind Gateway" in f.message
    generated = names(analysis.policies)
    assert not [n for n in generated if "details-headless" in n]
    assert "backend/details-details-authz" in generated
    assert not [c for c in analysis.commands["use_waypoint"] if "details-headless" in c]
    # Its pods are still reached past the waypoint through the headless Service: keep the original.
    assert {
        "kind": "AuthorizationPolicy",
        "namespace": "backend",
        "name": "details-authz",
    } not in analysis.deletions


def test_namespace_order_callers_first_ties_alphabetical():
    order, cycles = order_namespaces(["c", "b", "a", "d"], {"d": {"a"}, "b": {"c"}})
    assert order == ["b", "c", "d", "a"] and cycles == []
    assert run(bookinfo()).order == ["frontend", "backend"]


def test_a_cycle_is_reported_and_broken_alphabetically():
    order, cycles = order_namespaces(["x", "a", "b"], {"a": {"b"}, "b": {"a"}, "x": {"a"}})
    assert cycles == [["a", "b"]]
    assert order == ["x", "a", "b"]


def test_deletions_are_the_copied_originals_and_sidecars_never_strict_peerauthentications():
    objs = [
        *bookinfo(),
        istio("PeerAuthentication", "backend", "strict", {"mtls": {"mode": "STRICT"}}),
        istio("Sidecar", "backend", "egress", {"egress": [{"hosts": ["./*"]}]}, group="networking.istio.io"),
    ]
    analysis = run(objs)
    assert analysis.deletions == [
        {"kind": "AuthorizationPolicy", "namespace": "backend", "name": "details-authz"},
        {"kind": "AuthorizationPolicy", "namespace": "backend", "name": "ratings-authz"},
        {"kind": "Sidecar", "namespace": "backend", "name": "egress"},
    ]


def test_every_generated_object_is_managed_by_cairn():
    analysis = run([*bookinfo(), authz("backend", "allow-nothing")])
    for m in analysis.waypoints + analysis.policies:
        assert m["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "cairn"


def test_yaml_is_pyyaml_sorted_by_namespace_and_name():
    objs = [*bookinfo(), namespace("alpha", **{"istio-injection": "enabled"}), *app("alpha", "web")]
    objs.append(
        authz(
            "alpha", "web-get", selector={"app": "web"}, rules=[{"to": [{"operation": {"methods": ["GET"]}}]}]
        )
    )
    analysis = run(objs)
    waypoints = list(yaml.safe_load_all(render_waypoints_yaml(analysis)))
    assert names(waypoints) == ["alpha/waypoint", "backend/waypoint"]
    policies = list(yaml.safe_load_all(render_policies_yaml(analysis)))
    assert names(policies) == sorted(names(policies))
    assert policies == sorted(
        analysis.policies, key=lambda m: (m["metadata"]["namespace"], m["metadata"]["name"])
    )


def test_commands_label_services_then_namespaces_in_order_then_ingress():
    analysis = run(bookinfo())
    assert analysis.commands["use_waypoint"] == [
        f"kubectl label service -n backend {s} istio.io/use-waypoint=waypoint"
        for s in ("details", "details-v1", "ratings", "ratings-v1", "reviews")
    ]
    remove = analysis.commands["remove_sidecars"]
    assert remove[0] == "kubectl label namespace frontend istio.io/dataplane-mode=ambient istio-injection-"
    assert "kubectl rollout restart deployment/productpage-v1 -n frontend" in remove
    assert remove.index(
        "kubectl label namespace backend istio.io/dataplane-mode=ambient istio-injection-"
    ) > remove.index("kubectl rollout restart deployment/productpage-v1 -n frontend")
    assert analysis.commands["ingress"] == []


def test_the_json_has_exactly_the_issues_shape():
    document = run(bookinfo()).to_json()
    assert list(document) == ["findings", "waypoints", "policies", "commands", "order", "deletions"]
    assert set(document["findings"][0]) == {"code", "severity", "phase", "subject", "message", "command"}
    assert set(document["commands"]) == {"use_waypoint", "remove_sidecars", "ingress"}
    assert set(document["deletions"][0]) == {"kind", "namespace", "name"}


def test_the_ingress_gateway_namespace_is_never_migrated():
    assert "istio-ingress" not in run(bookinfo()).order


def test_a_namespace_wide_l7_policy_gives_its_namespace_a_waypoint():
    objs = [
        *ambient_ready(),
        namespace("shop", **{"istio-injection": "enabled"}),
        *app("shop", "web"),
        *app("shop", "cart"),
        authz("shop", "get-only", rules=[{"to": [{"operation": {"methods": ["GET"]}}]}]),
    ]
    analysis = run(objs)
    assert names(analysis.waypoints) == ["shop/waypoint"]
    # At ztunnel the namespace-wide L7 ALLOW allows nothing: the pods must let the waypoint in.
    assert names(analysis.policies) == [
        "shop/cart-from-waypoint",
        "shop/waypoint-get-only",
        "shop/web-from-waypoint",
    ]
    assert {"kind": "AuthorizationPolicy", "namespace": "shop", "name": "get-only"} in analysis.deletions
    (f,) = [f for f in analysis.findings if f.code == "WAYPOINT_L7_AUTHZ"]
    assert "cart, web" in f.message and "waypoint-get-only" in f.message
    assert analysis.commands["use_waypoint"] == [
        "kubectl label service -n shop cart istio.io/use-waypoint=waypoint",
        "kubectl label service -n shop web istio.io/use-waypoint=waypoint",
    ]


def test_analysing_again_after_applying_the_generated_files_changes_nothing():
    first = run(bookinfo())
    applied = [*bookinfo(), *first.waypoints, *first.policies]
    second = run(applied)
    assert second.policies == first.policies and second.waypoints == first.waypoints
    assert second.deletions == first.deletions


def test_services_already_bound_to_the_waypoint_are_not_labelled_again():
    objs = [o for o in bookinfo() if not (o["kind"] == "Namespace" and o["metadata"]["name"] == "backend")]
    objs.append(namespace("backend", **{"istio-injection": "enabled", "istio.io/use-waypoint": "waypoint"}))
    assert run(objs).commands["use_waypoint"] == []


def test_callers_are_read_from_principals_namespaces_service_accounts_and_conditions():
    from steps.istio.authz import Policy
    from steps.istio.state import IstioState as State

    rules = [
        {"from": [{"source": {"principals": ["cluster.local/ns/a/sa/x", "*/ns/b/sa/*", "*"]}}]},
        {"from": [{"source": {"namespaces": ["c", "prod-*"], "notNamespaces": ["z"]}}]},
        {"from": [{"source": {"serviceAccounts": ["d/runner", "local"]}}]},
        {
            "when": [
                {"key": "source.namespace", "values": ["e"]},
                {"key": "source.principal", "values": ["td/ns/f/sa/y"]},
            ]
        },
    ]
    obj = State.from_objects([authz("shop", "p", selector={"app": "web"}, rules=rules)]).config(
        "security.istio.io", "AuthorizationPolicy"
    )[0]
    assert Policy(obj, "istio-system").caller_namespaces() == {"a", "b", "c", "d", "e", "f"}
