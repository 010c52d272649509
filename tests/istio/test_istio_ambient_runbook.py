"""The istio-ambient runbook end to end on the sandbox: the whole migration on istio-bookinfo,
and the blockers of the legacy and blockers scenarios stopping it in pre-reqs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PHASES = [
    "pre-reqs",
    "cluster-setup",
    "deploy-waypoints",
    "migrate-policies",
    "use-waypoints",
    "remove-sidecars",
    "policy-simplification",
]
PROBES = (
    "frontend/curl=http://details.backend:9080/details/0=403,"
    "frontend/productpage-v1=http://details.backend:9080/details/0=200,"
    "frontend/curl=http://productpage.frontend:9080/productpage=deny"
)


def cairn(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env["CAIRN_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=300
    )


def session_dir(home: Path) -> Path:
    (found,) = (home / "sessions").iterdir()
    return found


def test_list_and_plan_show_the_runbook_in_cairns_order(tmp_path):
    r = cairn(tmp_path, "list")
    assert r.returncode == 0 and "istio-ambient" in r.stdout
    r = cairn(
        tmp_path, "plan", "istio-ambient", "--set", "install=istioctl", "--set", "namespaces=frontend,backend"
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    positions = [out.index(f"[{p}]") for p in PHASES]
    assert positions == sorted(positions)
    assert out.count("Rollback:") == len(PHASES)
    assert "istioctl upgrade --set profile=ambient" in out and "helm upgrade istiod" not in out
    assert '--set values.global.platform=""' in out


def test_the_migration_on_istio_bookinfo(tmp_path):
    r = cairn(
        tmp_path,
        "run",
        "istio-ambient",
        "--sandbox",
        "istio-bookinfo",
        "--plain",
        "--yes",
        "--speed",
        "0",
        "--set",
        f"probes={PROBES}",
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    out = r.stdout
    assert "Run succeeded" in out
    # cluster-setup opens with a step already done (the Gateway API CRDs): its header comes first.
    assert out.index("== Phase 2/7: Cluster setup") < out.index(
        "already done: the Gateway API CRDs are installed"
    )
    # The ambient profile by Helm, with the platform value; callers' namespace first.
    assert "helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient" in out
    assert out.index("kubectl label namespace frontend istio.io/dataplane-mode=ambient") < out.index(
        "kubectl label namespace backend istio.io/dataplane-mode=ambient"
    )
    # The originals go last, after every sidecar.
    assert out.index("No sidecar left in frontend") < out.index("kubectl delete authorizationpolicies")
    assert "counted as success: a reset by ztunnel is the expected denial" in out
    # The probes run after each namespace moves, and once more at the end.
    assert out.count("http://details.backend:9080/details/0\n") == 2 * 3
    files = session_dir(tmp_path) / "files"
    waypoints = list(yaml.safe_load_all((files / "waypoints-apply-recommended-waypoints.yaml").read_text()))
    assert [(w["kind"], w["metadata"]["namespace"], w["metadata"]["name"]) for w in waypoints] == [
        ("Gateway", "backend", "waypoint")
    ]
    policies = list(yaml.safe_load_all((files / "policies-apply-recommended-policies.yaml").read_text()))
    assert all(p["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "cairn" for p in policies)
    analysis = json.loads((files / "prereqs-analysis-analysis.json").read_text())
    assert analysis["order"].index("frontend") < analysis["order"].index("backend")
    # The generated files are part of the record.
    exported = cairn(tmp_path, "export", "-o", "-")
    assert "files/waypoints-apply-recommended-waypoints.yaml" in exported.stdout
    assert "      | kind: Gateway" in exported.stdout
    as_json = json.loads(cairn(tmp_path, "export", "-o", "-", "--format", "json").stdout)
    assert "policies-apply-recommended-policies.yaml" in as_json["generated_files"]


@pytest.mark.parametrize(
    "scenario, codes",
    [
        ("istio-bookinfo-legacy", ["ISTIO_VERSION_UNSUPPORTED"]),
        ("istio-bookinfo-blockers", ["PEERAUTH_DISABLE", "ENVOYFILTER_SIDECAR", "VM_WORKLOADS"]),
    ],
)
def test_blockers_stop_the_run_in_pre_reqs(tmp_path, scenario, codes):
    r = cairn(tmp_path, "run", "istio-ambient", "--sandbox", scenario, "--plain", "--yes", "--speed", "0")
    assert r.returncode == 1
    out = r.stdout
    assert "Traceback" not in r.stderr + out
    assert "Analyse the configuration (stops on pre-reqs blockers)" in out
    for code in codes:
        assert code in out
    assert "== Phase 2/7" not in out and "$ helm upgrade" not in out


def test_istio_ambient_rehearses_on_istio_bookinfo_unless_told_otherwise():
    import steps.sandbox as sandbox
    from steps.run.launch import start
    from steps.run.request import RunRequest, TargetRequest

    assert sandbox.scenarios_for("istio-ambient") == [
        "istio-bookinfo",
        "istio-bookinfo-legacy",
        "istio-bookinfo-blockers",
    ]
    assert "istio-bookinfo" not in sandbox.scenarios_for("ckf-1.11-ambient")
    assert sandbox.default_scenario_for("ckf-1.11-ambient") == sandbox.DEFAULT_SCENARIO
    launched = start(RunRequest(runbook="istio-ambient", target=TargetRequest(speed=0)), read_state=False)
    try:
        assert launched.target.scenario == "istio-bookinfo"
    finally:
        launched.close()


def test_the_istioctl_path_with_a_platform(tmp_path):
    r = cairn(
        tmp_path,
        "run",
        "istio-ambient",
        "--plain",
        "--yes",
        "--speed",
        "0",
        "--set",
        "install=istioctl",
        "--platform",
        "k3d",
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert "$ istioctl upgrade --set profile=ambient --set values.global.platform=k3d -y" in r.stdout
    assert "$ helm upgrade" not in r.stdout
    assert "verify istio-no-sidecars-left: passed" in r.stdout
