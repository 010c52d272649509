"""The command line contract: output, exit status 0/1/2, one clear line for bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from steps import session


def cairn(*args, input_text=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=env or os.environ.copy(),
        timeout=120,
    )


def test_list():
    r = cairn("list")
    assert r.returncode == 0 and "ckf-1.11-ambient" in r.stdout


def test_plan_canonical_k8s():
    r = cairn("plan", "ckf-1.11-ambient", "--platform", "canonical-k8s")
    assert r.returncode == 0
    out = r.stdout
    assert out.index("Configure Cilium") < out.index("Remove legacy Istio")
    assert '--config platform=""' in out and "Nothing was run." in out


def test_plan_touches_nothing(tmp_path):
    env = os.environ.copy()
    env["CAIRN_HOME"] = str(tmp_path / "home")
    r = cairn("plan", "--platform", "microk8s", "--risk", "stable", env=env)
    assert r.returncode == 0 and "/edge" not in r.stdout and "Cilium" not in r.stdout
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--platform", "x; rm -rf /"],
        ["plan", "--risk", "beta"],
        ["plan", "nope"],
        ["plan", "--set", "model"],
        ["plan", "--set", "colour=blue"],
        ["run", "--platform", "rke2", "--plain"],
        ["run", "--fault", "nocolon", "--plain"],
        ["run", "--fault", "step:explode", "--plain"],
        ["run", "--speed", "fast", "--plain"],
        ["run", "--speed", "-1", "--plain", "--yes"],
        ["run", "--sandbox", "ckf-9.9", "--plain"],
        ["run", "--from-files", "/nonexistent", "--plain"],
        ["frobnicate"],
        ["export", "no-such-session"],
        ["resume", "no-such-session", "--plain"],
        ["plan", "--runbook", "/nonexistent.yaml"],
    ],
)
def test_bad_input_exits_2_with_one_line(args, tmp_path):
    env = os.environ.copy()
    env["CAIRN_HOME"] = str(tmp_path / "home")
    r = cairn(*args, env=env)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: "), r.stderr
    assert "Traceback" not in r.stderr
    assert not session.all_ids(), "bad input leaves no session behind"


def test_platform_injection_names_the_choices():
    r = cairn("plan", "--platform", "x; rm -rf /")
    assert "microk8s, canonical-k8s, gke, k3d, k3s, minikube, openshift" in r.stderr


def test_sessions_when_none():
    r = cairn("sessions")
    assert r.returncode == 0 and "no sessions yet" in r.stdout
