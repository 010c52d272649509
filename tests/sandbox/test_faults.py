"""Injected faults: a transient failure once, a persistent one, and a hang that only a kill ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

import steps.sandbox as sandbox


def test_fail_once_fails_then_succeeds_on_retry(make_sandbox):
    sb = make_sandbox(faults=[("remove-istio", "fail-once")])
    env = {"CAIRN_STEP": "remove-istio"}
    rc, out, err = sb.run("juju remove-application --no-prompt istio-ingressgateway", env=env)
    assert rc == 1 and out == ""
    assert err == "ERROR cannot connect to API: dial tcp 10.152.183.11:17070: connect: connection refused\n"
    assert "simulat" not in err.lower() and "sandbox" not in err.lower()
    assert "istio-ingressgateway" in sb.status()["applications"]  # nothing happened
    assert sb.run("juju remove-application --no-prompt istio-ingressgateway", env=env)[0] == 0
    state = json.loads((sb.path / "state.json").read_text())
    assert state["faults"]["remove-istio"]["fired"]
    # Other steps, and commands without a step, are unaffected.
    assert sb.run("juju status", env={"CAIRN_STEP": "other"})[0] == 0


def test_fail_fails_every_time_with_each_tools_own_error(make_sandbox):
    sb = make_sandbox(faults=[("broken", "fail")])
    env = {"CAIRN_STEP": "broken"}
    for _ in range(3):
        assert sb.run("juju status", env=env)[0] == 1
    rc, _, err = sb.run("kubectl get pods -n admin", env=env)
    assert rc == 1 and err.startswith("The connection to the server 127.0.0.1:16443 was refused")
    rc, _, err = sb.run("curl -sS http://10.64.140.43/", env=env)
    assert rc == 56 and err.startswith("curl: (56)")


def test_unknown_fault_kind_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown fault kind 'explode'"):
        sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO, faults=[("x", "explode")])


def test_hang_hangs_until_its_process_group_is_killed(make_sandbox):
    sb = make_sandbox(faults=[("deploy-istio", "hang")])
    env = {**os.environ, **sandbox.environ(sb.path), "CAIRN_STEP": "deploy-istio"}
    proc = subprocess.Popen(
        [str(sb.path / "bin" / "juju"), "deploy", "istio-k8s", "--trust"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1.0)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=5) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "istio-k8s" not in sb.status()["applications"]
    # In-process, a hang cannot block the caller: it returns as the killed command would.
    started = time.time()
    assert sandbox.run(["juju", "status"], sb.path, {"CAIRN_STEP": "deploy-istio"})[0] == -signal.SIGTERM
    assert time.time() - started < 1


def test_bin_scripts_fail_once_too(make_sandbox):
    sb = make_sandbox(faults=[("step", "fail-once")])
    env = {**os.environ, **sandbox.environ(sb.path), "CAIRN_STEP": "step"}
    first = subprocess.run(["kubectl", "get", "ns"], env=env, capture_output=True, text=True)
    second = subprocess.run(["kubectl", "get", "ns"], env=env, capture_output=True, text=True)
    assert first.returncode == 1 and "refused" in first.stderr
    assert second.returncode == 0 and "kubeflow" in second.stdout


def test_faults_are_fixed_when_the_sandbox_is_made(make_sandbox):
    """A sandbox made without faults has emulators that do not look for any (Cairn runs every
    command with CAIRN_STEP set; looking parsed the whole state once more per command)."""
    sb = make_sandbox()
    assert "faults=False" in (sb.path / "bin" / "kubectl").read_text()
    state = json.loads((sb.path / "state.json").read_text())
    state["faults"] = {"step": {"kind": "fail", "fired": 0}}  # planted afterwards, by hand
    (sb.path / "state.json").write_text(json.dumps(state))
    env = {**os.environ, **sandbox.environ(sb.path), "CAIRN_STEP": "step"}
    done = subprocess.run(["kubectl", "get", "ns"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "kubeflow" in done.stdout
    made_with = make_sandbox(faults=[("step", "fail")])
    assert "faults=True" in (made_with.path / "bin" / "kubectl").read_text()
