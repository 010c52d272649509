"""`cairn sandbox exec|shell`: look at a session's rehearsal deployment as at a real one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest


def cairn(*args, env, input_text=None):
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env,
        input=input_text,
        timeout=120,
    )


def _session() -> str:
    launched = start(RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(kind="sandbox", speed=0)))
    launched.close()
    return launched.session_id


def test_exec_runs_one_emulated_command_against_the_latest_or_named_session():
    sid = _session()
    env = os.environ.copy()
    r = cairn("sandbox", "exec", "--", "juju", "status", "-m", "kubeflow", "--format=json", env=env)
    assert r.returncode == 0, r.stderr
    assert "istio-pilot" in json.loads(r.stdout)["applications"]
    r = cairn("sandbox", "exec", sid, "--", "kubectl", "get", "ns", "admin", "-o", "name", env=env)
    assert (r.returncode, r.stdout.strip()) == (0, "namespace/admin")
    r = cairn("sandbox", "exec", "--", "juju", "status", "no-such-app", "-m", "kubeflow", env=env)
    assert r.returncode == 0 and "no-such-app" not in r.stdout, "filters like the real juju status"
    r = cairn("sandbox", "exec", "--", "kubectl", "get", "pod", "nope", "-n", "kubeflow", env=env)
    assert r.returncode == 1 and 'pods "nope" not found' in r.stderr


def test_exec_refuses_what_it_cannot_do():
    _session()
    env = os.environ.copy()
    for args in (
        ["sandbox", "exec", "--", "rm", "-rf", "/"],
        ["sandbox", "exec", "--"],
        ["sandbox", "exec", "no-such-session", "--", "juju", "status"],
    ):
        r = cairn(*args, env=env)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_shell_puts_the_emulators_first_on_path():
    _session()
    env = {**os.environ, "SHELL": "/bin/sh"}
    r = cairn(
        "sandbox",
        "shell",
        env=env,
        input_text="juju status -m kubeflow --format=json | head -c 200\nexit 0\n",
    )
    assert r.returncode == 0, r.stderr
    assert '"model"' in r.stdout and "kubeflow" in r.stdout


def test_exec_offers_helm_and_istioctl_on_an_upstream_istio_sandbox():
    launched = start(RunRequest(runbook="istio-ambient", target=TargetRequest(kind="sandbox", speed=0)))
    launched.close()
    env = os.environ.copy()
    r = cairn("sandbox", "exec", launched.session_id, "--", "helm", "ls", "-A", env=env)
    assert r.returncode == 0 and "istiod-1.26.1" in r.stdout, r.stderr
    r = cairn("sandbox", "exec", launched.session_id, "--", "istioctl", "waypoint", "list", "-A", env=env)
    assert (r.returncode, r.stdout) == (0, "No waypoints found.\n")
    r = cairn("sandbox", "exec", launched.session_id, "--", "juju", "status", env=env)
    assert r.returncode == 2 and "curl, helm, istioctl, kubectl, not 'juju'" in r.stderr
