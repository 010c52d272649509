"""Issue 11.11: verification that every user pod is enrolled (istio-cni's
ambient.istio.io/redirection), that no AuthorizationPolicy or VirtualService was lost, and that
custom routes bound to kubeflow-gateway are named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from steps.checks import get_check, run_check
from steps.checks.mesh_policies import LISTING_JSONPATH, parse_listing
from steps.runbook import params, plan, registry, template

from .ckf_states import PARAMS, migrated_model, obj, pod, with_objects


def _with_annotations(state, annotations):
    pods = tuple(
        replace(p, annotations=dict(annotations)) if p.namespace == "admin" else p for p in state.pods
    )
    return replace(state, pods=pods)


def test_pods_enrolled_passes_when_istio_cni_marked_every_user_pod():
    result = run_check("pods-enrolled", migrated_model(), PARAMS)
    assert result.passed and "1 pod(s)" in result.message  # the waypoint is the mesh's own proxy
    missed = run_check("pods-enrolled", _with_annotations(migrated_model(), {}), PARAMS)
    assert missed.failed and missed.details == (
        "admin/ml-pipeline-ui-artifact-5f7d9c8b4-abcde (not redirected)",
    )


def test_pods_enrolled_names_the_pods_istio_cni_did_not_redirect():
    st = migrated_model()
    st = replace(
        st, pods=(*st.pods, pod("alice", "alice-notebook-0", sidecar=True, owner=("StatefulSet", "x")))
    )
    result = run_check("pods-enrolled", st, PARAMS)
    assert result.failed
    assert result.details == ("alice/alice-notebook-0 (a sidecar)",)
    assert "alice/alice-notebook-0 (a sidecar)" in result.details
    assert "kubectl delete pod -n alice alice-notebook-0" in result.fix.splitlines()


def test_pods_enrolled_skips_pods_that_are_not_running():
    st = migrated_model()
    st = replace(st, pods=(*st.pods, pod("alice", "job-x", phase="Succeeded")))
    assert run_check("pods-enrolled", st, PARAMS).passed


LISTING = (
    "AuthorizationPolicy\tadmin\tns-owner-access-istio\t\t\t\t\n"
    "AuthorizationPolicy\tadmin\tuser-bob-example-com-clusterrole-edit\t\tedit\tbob@example.com\t\n"
    'VirtualService\tkubeflow\tjupyter-ui\tingress\t\t\t["kubeflow/kubeflow-gateway"]\n'
    'VirtualService\tadmin\tmy-app\t\t\t\t["kubeflow/kubeflow-gateway"]\n'
)


def test_the_listing_is_parsed_with_the_charms_label_kfams_annotations_and_gateways():
    parsed = parse_listing(LISTING)
    assert [o.name for o in parsed] == [
        "ns-owner-access-istio",
        "user-bob-example-com-clusterrole-edit",
        "jupyter-ui",
        "my-app",
    ]
    assert (
        parsed[1].contributor
        and parsed[2].charm_made
        and parsed[3].gateways == ("kubeflow/kubeflow-gateway",)
    )


def test_lost_contributor_policies_and_custom_routes_are_named_but_the_charms_own_are_expected():
    st = with_objects(migrated_model(), obj("AuthorizationPolicy", "ns-owner-access-istio", "admin"))
    result = run_check("mesh-policies-kept", st, PARAMS, before=LISTING)
    assert result.failed
    assert result.details == (
        "AuthorizationPolicy admin/user-bob-example-com-clusterrole-edit",
        "VirtualService admin/my-app",
    )
    assert "jupyter-ui" not in result.message  # istio-pilot's own route: the ambient charms route it now
    kept = "".join(line + "\n" for line in LISTING.splitlines() if "bob" not in line and "my-app" not in line)
    assert run_check("mesh-policies-kept", st, PARAMS, before=kept).passed


def test_mesh_policies_kept_needs_its_listing():
    with pytest.raises(ValueError, match="check mesh-policies-kept needs before"):
        get_check("mesh-policies-kept").validate_args([])


def test_custom_virtualservices_on_kubeflow_gateway_are_named():
    custom = obj("VirtualService", "my-app", "admin", spec={"gateways": ["kubeflow/kubeflow-gateway"]})
    charms = obj(
        "VirtualService",
        "jupyter-ui",
        "kubeflow",
        labels={"kubernetes-resource-handler-scope": "ingress"},
        spec={"gateways": ["kubeflow/kubeflow-gateway"]},
    )
    elsewhere = obj("VirtualService", "mine", "admin", spec={"gateways": ["admin/my-gateway"]})
    result = run_check(
        "custom-virtualservices", with_objects(migrated_model(), custom, charms, elsewhere), PARAMS
    )
    assert result.status == "warning" and result.details == ("VirtualService admin/my-app",)
    assert run_check("custom-virtualservices", with_objects(migrated_model(), charms), PARAMS).passed


def test_a_pod_opted_out_of_ambient_is_named_without_blocking():
    st = migrated_model()
    opted = pod(
        "admin", "legacy-0", owner=("StatefulSet", "legacy"), labels={"istio.io/dataplane-mode": "none"}
    )
    result = run_check("pods-enrolled", replace(st, pods=(*st.pods, opted)), PARAMS)
    assert result.status == "warning" and result.details == ("admin/legacy-0",)


def test_the_runbook_records_the_listing_the_check_reads():
    runbook = registry.find("ckf-1.11-ambient")
    step = next(
        s
        for s in plan.resolve(runbook, params.resolve(runbook, {})).steps()
        if s.id == "preflight-mesh-policies"
    )
    captured = next(c for c in step.commands if c.capture == "mesh_policies_before")
    assert template.unescape(captured.argv[-1]) == "jsonpath=" + LISTING_JSONPATH
