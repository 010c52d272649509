"""The emulators' warm server (steps/sandbox/emulator_client.py, emulator_server.py): a command it
serves must be the command run on its own (output, status, stdin, limits), die with its process,
and leave no pipe of the command open in the server."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from steps.sandbox import emulator_server

ON_ITS_OWN = {"CAIRN_SANDBOX_SERVER": "off"}


def _env(sb, **extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{sb.path / 'bin'}:{os.environ['PATH']}", **extra}


def _run(sb, argv, stdin: bytes = b"", **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, input=stdin, capture_output=True, env=_env(sb, **extra), timeout=60)


def _timeless(output: bytes) -> bytes:
    """The output without the moment it was printed at (juju status's Timestamp column, times
    derived from now): the two runs compared may fall either side of a second."""
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z|\b\d\d:\d\d:\d\dZ", b"<time>", output)


def _server_up(name: str) -> bool:
    return f"@{name}" in Path("/proc/net/unix").read_text()


def _name(sb) -> str:
    return re.search(r"name='([^']+)'", (sb.path / "bin" / "kubectl").read_text()).group(1)


def _wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def served(make_sandbox):
    """A sandbox whose server is up (the first command starts it)."""
    sb = make_sandbox()
    _run(sb, ["kubectl", "get", "ns"])
    assert _wait(lambda: _server_up(_name(sb))), "the first command started no server"
    return sb


def test_a_served_command_is_the_command_run_on_its_own(served):
    sb = served
    manifest = (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: admin\ndata: {a: b}\n"
    )
    for argv, stdin in (
        (["juju", "status", "-m", "kubeflow"], b""),
        (["kubectl", "get", "pods", "-n", "admin", "-o", "json"], b""),
        (["kubectl", "get", "pod", "no-such-pod", "-n", "admin"], b""),  # NotFound: exit 1, stderr
        (["juju", "config", "no-such-app", "-m", "kubeflow"], b""),
        (["kubectl", "apply", "--dry-run=client", "-f", "-"], manifest),  # reads its stdin
    ):
        alone = _run(sb, argv, stdin, **ON_ITS_OWN)
        through = _run(sb, argv, stdin)
        assert (through.returncode, _timeless(through.stdout), through.stderr) == (
            alone.returncode,
            _timeless(alone.stdout),
            alone.stderr,
        ), argv
    assert _run(sb, ["kubectl", "get", "pod", "no-such-pod", "-n", "admin"]).returncode == 1


def test_a_change_made_through_the_server_is_seen_on_its_own(served):
    sb = served
    assert _run(sb, ["kubectl", "label", "namespace", "alice", "probe=served"]).returncode == 0
    shown = _run(sb, ["kubectl", "get", "namespace", "alice", "--show-labels"], **ON_ITS_OWN)
    assert b"probe=served" in shown.stdout


def test_the_commands_limits_apply_where_it_runs(served):
    """A full disk (RLIMIT_FSIZE here) fails the served command as it fails the command alone."""
    sb = served

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        ["kubectl", "label", "namespace", "kubeflow", "probe=yes"],
        capture_output=True,
        env=_env(sb),
        preexec_fn=small_files,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(b"error: the sandbox cannot save its state: File too large")


def test_a_killed_command_leaves_nothing_running_and_no_pipe_open(make_sandbox):
    """A `hang` fault blocks the served command forever: killing the command's process must end
    it, or whoever reads its output would wait for the server's child."""
    sb = make_sandbox(faults=[("anything", "hang")])
    env = _env(sb, CAIRN_STEP="anything")
    subprocess.run(["kubectl", "get", "ns"], capture_output=True, env=_env(sb), timeout=60)
    assert _wait(lambda: _server_up(_name(sb)))
    proc = subprocess.Popen(["kubectl", "get", "ns"], stdout=subprocess.PIPE, env=env, start_new_session=True)
    time.sleep(1.0)
    assert proc.poll() is None, "the hang fault did not hang"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    ended = threading.Event()
    threading.Thread(target=lambda: (proc.stdout.read(), ended.set()), daemon=True).start()
    assert ended.wait(10), "the served command outlived its process and holds its output open"


def test_a_new_server_holds_none_of_the_first_commands_pipes(make_sandbox, monkeypatch):
    """The first command starts the server: a reader of any pipe that command had (its stdout, or
    another it inherited) sees the end when the command ends, not when the server leaves."""
    sb = make_sandbox()
    name = f"cairn-sandbox-test-{uuid.uuid4().hex[:12]}"  # a server of its own, not yet up
    script = sb.path / "bin" / "kubectl"
    script.write_text(re.sub(r"name='[^']+'", f"name={name!r}", script.read_text()))
    extra_read, extra_write = os.pipe()
    try:
        proc = subprocess.Popen(
            [str(script), "get", "ns"], stdout=subprocess.PIPE, env=_env(sb), pass_fds=(extra_write,)
        )
        os.close(extra_write)
        ended = threading.Event()

        def read_both() -> None:
            proc.stdout.read()
            os.read(extra_read, 1)
            ended.set()

        threading.Thread(target=read_both, daemon=True).start()
        assert ended.wait(15), "the server kept a pipe of the command that started it"
        assert proc.wait(timeout=10) == 0
        assert _wait(lambda: _server_up(name)), "the first command started no server"
    finally:
        os.close(extra_read)
    # The command after it is served, and with the same answer.
    assert _wait(lambda: _server_up(name))
    assert subprocess.run([str(script), "get", "ns"], capture_output=True, env=_env(sb)).returncode == 0


def test_an_idle_server_leaves():
    name = f"cairn-sandbox-test-{uuid.uuid4().hex[:12]}"
    code = f"from steps.sandbox.emulator_server import serve; serve({name!r}, 0.5)"
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", code], timeout=60, check=True)
    assert time.monotonic() - began < 30
    assert not _server_up(name)


def test_the_servers_name_changes_with_the_code(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    before = emulator_server.fingerprint(package)
    assert emulator_server.fingerprint(package) == before
    time.sleep(0.01)
    (package / "a.py").write_text("x = 2\n")
    os.utime(package / "a.py", ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert emulator_server.fingerprint(package) != before
