"""The sandbox source: the dump's commands through `steps.sandbox.run`, the same parsers."""

from __future__ import annotations

import os

import pytest

from steps.cluster import read_files, read_sandbox
from steps.cluster.sources.commands import read_commands
from steps.cluster.sources.dump import dump
from tests.cluster.fake_tools import respond


def test_reads_through_run_with_the_dump_commands(tmp_path):
    calls = []

    def run(argv, sandbox_dir, env=None):
        calls.append((list(argv), sandbox_dir))
        return respond(argv)

    state = read_sandbox(tmp_path, run=run, scenario="ckf-1.11-microk8s")
    assert state.source == "sandbox:ckf-1.11-microk8s"
    fixed = [list(c.argv) for c in read_commands("kubeflow")]
    assert [argv for argv, _ in calls[: len(fixed)]] == fixed
    assert all(d == tmp_path for _, d in calls)
    assert len(state.apps) == 37 and len(state.pods) == 13
    assert state.apps["kserve-controller"].config == {"deployment-mode": "serverless", "custom_images": "{}"}
    assert state.tools == {"juju": "3.6.8", "kubectl": "v1.32.3"}
    assert [e for e in state.errors if "status error" not in e] == []  # a missing CRD is no error


def test_failures_go_to_errors_not_exceptions(tmp_path):
    def run(argv, sandbox_dir, env=None):
        if argv[:2] == ["juju", "status"]:
            return 1, b"", b'ERROR model "kubeflow" not found\n'
        if "pods" in " ".join(argv):
            raise RuntimeError("emulator bug")
        if argv[-3:] == ["crd", "-o", "json"]:
            return 0, b"{not json", b""
        if argv[1:3] == ["get", "nodes"]:
            return 1, b"", b"Error from server (Forbidden): nodes is forbidden\n"  # an extra read: silent
        return respond(argv)

    state = read_sandbox(tmp_path, run=run)
    assert state.model is None and state.pods == ()
    assert (
        state.errors[0]
        == '`juju status -m kubeflow --format=json` exited 1: ERROR model "kubeflow" not found'
    )
    assert any("exited 1: sandbox: RuntimeError: emulator bug" in e for e in state.errors)
    assert any(
        e.startswith("`kubectl get crd -o json`: line 1 column 2: not valid JSON") for e in state.errors
    )
    assert not any("nodes" in e for e in state.errors)


def test_against_the_real_sandbox(tmp_path):
    sandbox = pytest.importorskip("steps.sandbox", reason="steps.sandbox cannot be imported (yet)")
    from steps.checks import preflight

    sandbox.create(tmp_path / "sb", "ckf-1.11-microk8s", speed=0)
    state = read_sandbox(tmp_path / "sb", scenario="ckf-1.11-microk8s")
    assert state.model is not None and state.model.name == "kubeflow"
    assert "istio-pilot" in state.apps and state.apps["istio-pilot"].channel.startswith("1.28/")
    assert state.pods and state.namespaces
    assert state.tools.get("juju") and state.tools.get("kubectl")
    report = preflight(state, {"platform": "microk8s", "model": "kubeflow"})
    assert {r.name for r in report.results} >= {"ckf-version", "all-apps-active"}

    # the same reads as real processes against the sandbox's emulators, read back from files
    out = tmp_path / "dump"
    dump(out, {**os.environ, **sandbox.environ(tmp_path / "sb")}, "kubeflow")
    saved = read_files(out)
    assert saved.apps.keys() == state.apps.keys()
    assert {p.name for p in saved.pods} == {p.name for p in state.pods}


def test_charm_init_containers_are_not_sidecars(tmp_path):
    """Issue 11.15: Juju's sidecar charm pods carry a `charm-init` init container beside `charm`;
    only an istio-proxy beside the app's containers makes a sidecar, however many containers there are."""
    sandbox = pytest.importorskip("steps.sandbox", reason="steps.sandbox cannot be imported (yet)")
    import json

    from steps.checks import run_check

    sandbox.create(tmp_path / "sb", "ckf-1.11-microk8s", speed=0)
    rc, out, _ = sandbox.run(["kubectl", "get", "pods", "-A", "-o", "json"], tmp_path / "sb", {})
    assert rc == 0
    raw = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in json.loads(out)["items"]}
    charm_pods = {k for k, p in raw.items() if any(c["name"] == "charm" for c in p["spec"]["containers"])}
    assert charm_pods and all(
        [c["name"] for c in raw[k]["spec"]["initContainers"]][-1] == "charm-init" for k in charm_pods
    )
    names = {k: [c["name"] for c in p["spec"]["containers"]] for k, p in raw.items()}
    injected = {
        k for k, n in names.items() if "istio-proxy" in n and len(n) > 1
    }  # not the lone gateway proxy
    # A charm pod without istio-proxy still runs several containers and init containers: a count of
    # containers says nothing about sidecars.
    assert any(len(names[k]) + len(raw[k]["spec"]["initContainers"]) >= 3 for k in charm_pods - injected)

    state = read_sandbox(tmp_path / "sb", scenario="ckf-1.11-microk8s")
    by_key = {(p.namespace, p.name): p for p in state.pods}
    assert any(c.name == "charm-init" and c.init for p in by_key.values() for c in p.containers)
    assert {k for k, p in by_key.items() if p.has_sidecar} == injected & by_key.keys()
    result = run_check("no-sidecar-pods", state, {"model": "kubeflow"}, namespace="kubeflow")
    sidecars_in_model = sorted(name for ns, name in injected if ns == "kubeflow")
    assert result.failed and list(result.details) == [f"kubeflow/{n}" for n in sidecars_in_model]
