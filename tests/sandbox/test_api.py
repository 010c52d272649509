"""The public API the engine codes against: create, environ, run, the bin scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import steps.sandbox as sandbox

PACKAGE = Path(sandbox.__file__).parent


def test_scenarios():
    assert sandbox.DEFAULT_SCENARIO == "ckf-1.11-microk8s"
    assert set(sandbox.SCENARIOS) == {
        "ckf-1.11-microk8s",
        "ckf-1.11-canonical-k8s",
        "ckf-1.11-tls",  # issue 11.6: the gateway serves TLS
        "ckf-1.6",
        "ckf-1.6-today",
        "istio-bookinfo",
        "istio-bookinfo-legacy",
        "istio-bookinfo-blockers",
    }
    assert all(isinstance(d, str) and "\n" not in d for d in sandbox.SCENARIOS.values())


def test_unknown_scenario_is_a_one_line_value_error(tmp_path):
    with pytest.raises(ValueError) as info:
        sandbox.create(tmp_path, "ckf-9")
    message = str(info.value)
    assert "\n" not in message and "ckf-9" in message
    assert all(name in message for name in sandbox.SCENARIOS)


def test_create_writes_state_volumes_and_executables(tmp_path):
    sandbox.create(tmp_path / "sb", "ckf-1.6", speed=0.5)
    state = json.loads((tmp_path / "sb" / "state.json").read_text())
    assert state["scenario"] == "ckf-1.6" and state["speed"] == 0.5
    assert any((tmp_path / "sb" / "volumes").iterdir())
    for tool in sandbox.TOOLS:
        script = tmp_path / "sb" / "bin" / tool
        assert os.access(script, os.X_OK)
        # -IS: the emulators start without `site` (issue 15: lean emulator start-up)
        assert script.read_text().startswith(f"#!{sys.executable} -IS\n")


def test_environ_puts_the_emulators_first(tmp_path):
    sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO)
    env = sandbox.environ(tmp_path / "sb")
    assert env["PATH"].split(os.pathsep)[0] == str((tmp_path / "sb" / "bin").resolve())
    assert env["CAIRN_SANDBOX"] == str((tmp_path / "sb").resolve())


def test_bin_scripts_run_with_the_environ_and_find_their_state_without_it(tmp_path):
    sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO)
    env = {**os.environ, **sandbox.environ(tmp_path / "sb")}
    done = subprocess.run(["juju", "status", "--format=json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["model"]["name"] == "kubeflow"
    env.pop("CAIRN_SANDBOX")
    done = subprocess.run(
        [str(tmp_path / "sb" / "bin" / "kubectl"), "get", "ns", "admin", "-o", "name"],
        env=env,
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert (done.returncode, done.stdout) == (0, "namespace/admin\n")
    done = subprocess.run(
        ["curl", "-sS", "http://10.64.140.99/"],
        env={**env, **sandbox.environ(tmp_path / "sb")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 7


def test_run_returns_bytes_and_refuses_other_tools(tmp_path):
    sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO)
    rc, out, err = sandbox.run(["juju", "version"], tmp_path / "sb")
    assert rc == 0 and isinstance(out, bytes) and isinstance(err, bytes)
    assert sandbox.run(["helm", "list"], tmp_path / "sb")[0] == 127
    assert sandbox.run(["/usr/bin/kubectl", "get", "ns", "-o", "name"], tmp_path / "sb")[0] == 0


def test_create_replaces_an_existing_sandbox(tmp_path):
    sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO)
    sandbox.run(["juju", "remove-application", "--no-prompt", "istio-pilot"], tmp_path / "sb")
    sandbox.create(tmp_path / "sb", sandbox.DEFAULT_SCENARIO)
    status = json.loads(sandbox.run(["juju", "status", "--format=json"], tmp_path / "sb")[1])
    assert "istio-pilot" in status["applications"]


def test_yaml_is_imported_lazily():
    code = (
        "import sys, steps.sandbox as s, steps.sandbox.cli, steps.sandbox.juju_cli, "
        "steps.sandbox.kubectl_cli; print('yaml' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parents[1])},
    )
    assert out.stdout.strip() == "False", out.stderr
