"""Every read the cluster sources make (steps/cluster/sources/commands.py) against every scenario:
each succeeds, or fails as kubectl does for a type whose CRD the scenario really lacks — which the
sources take for "not installed", not for an error."""

from __future__ import annotations

import json

import pytest

import steps.sandbox as sandbox
from steps.cluster.sources.commands import config_command, missing_resource_type, read_commands
from steps.cluster.sources.sandbox import read_sandbox

ABSENT = {  # CRD-defined types each scenario does not serve
    "ckf-1.6": {"inferenceservices", "gateways", "ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"},
    "ckf-1.11-microk8s": {"gateways", "ciliumnetworkpolicies", "ciliumclusterwidenetworkpolicies"},
    "ckf-1.11-canonical-k8s": {"gateways"},
}


@pytest.mark.parametrize("scenario", sorted(ABSENT))
def test_every_read_succeeds_or_meets_a_crd_that_is_not_there(make_sandbox, scenario):
    sb = make_sandbox(scenario)
    crds = {c["metadata"]["name"] for c in sb.json("kubectl get crd -o json")["items"]}
    refused = set()
    for command in read_commands("kubeflow"):
        rc, out, err = sandbox.run(list(command.argv), sb.path, {})
        if rc == 0:
            json.loads(out) if command.suffix == ".json" else None
            continue
        plural = command.argv[2].split(".")[0]
        assert command.custom and missing_resource_type(err.decode()), (command.argv, err)
        assert err.decode() == f'error: the server doesn\'t have a resource type "{plural}"\n'
        assert command.argv[2] not in crds
        refused.add(plural)
    assert refused == ABSENT[scenario]
    for app in sb.status()["applications"]:
        rc, out, err = sandbox.run(list(config_command("kubeflow", app).argv), sb.path, {})
        assert rc == 0 and json.loads(out)["application"] == app, err
    state = read_sandbox(sb.path, scenario=scenario)
    assert state.errors == ()


def test_an_absent_crd_is_refused_by_every_name_and_by_apply(make_sandbox):
    sb = make_sandbox()
    for name in ("gateways.gateway.networking.k8s.io", "gateway.gateway.networking.k8s.io", "httproutes"):
        rc, _, err = sb.run(f"kubectl get {name} -A")
        assert (rc, err) == (1, f'error: the server doesn\'t have a resource type "{name.split(".")[0]}"\n')
    manifest = (
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
        "metadata:\n  name: waypoint\n  namespace: admin\nspec:\n  gatewayClassName: istio-waypoint\n"
    )
    rc, _, err = sb.run("kubectl apply -f -", stdin=manifest.encode())
    assert rc == 1 and err == (
        'error: resource mapping not found for name: "waypoint" namespace: "admin" from "STDIN": '
        'no matches for kind "Gateway" in version "gateway.networking.k8s.io/v1"\n'
        "ensure CRDs are installed first\n"
    )
    # Served, but empty: kubectl's words on stderr, with and without -A.
    assert sb.run("kubectl get networkpolicies -A") == (0, "", "No resources found\n")
    assert sb.run("kubectl get networkpolicies -n admin") == (
        0,
        "",
        "No resources found in admin namespace.\n",
    )
