"""End to end in a real terminal: tmux at 80x24 runs `cairn`, and we read the screen as a person would.

Each test starts its own tmux server (its own socket), so the session sees this test's
environment (CAIRN_HOME, the PATH whose juju/kubectl are tripwires) and nobody else's tmux.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux") or "/usr/bin/tmux"

pytestmark = [
    pytest.mark.skipif(not Path(TMUX).exists(), reason="tmux is not installed"),
    # One worker runs these in turn: each drives a whole app in a real terminal against deadlines.
    pytest.mark.xdist_group("tmux"),
]


class Terminal:
    def __init__(self, socket: str, command: str, env: dict[str, str]):
        self.socket = socket
        self.env = env
        self._tmux("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", command, check=True)

    def _tmux(self, *args: str, check: bool = False) -> str:
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert not check or done.returncode == 0, f"tmux {args[0]} failed: {done.stderr.strip()}"
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "e2e", *keys)

    def pane_pid(self) -> int:
        return int(self._tmux("display-message", "-p", "-t", "e2e", "#{pane_pid}").strip())

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never showed; the screen:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while text in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = self.screen()
        assert text not in screen, f"{text!r} is still there:\n{screen}"
        return screen

    def kill_session(self) -> None:
        self._tmux("kill-session", "-t", "e2e")

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def terminal(tmp_path):
    made: list[Terminal] = []
    home = tmp_path / "cairn-home"
    env = dict(os.environ, CAIRN_HOME=str(home), TERM="xterm-256color")
    for name in ("NO_COLOR", "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "TMUX"):
        env.pop(name, None)

    def start(args: str) -> Terminal:
        cairn = Path(sys.executable).with_name("cairn")
        program = str(cairn) if cairn.exists() else f"{sys.executable} -m tui"
        # The shell stays to print the exit status, as a person's shell would.
        command = f"cd {ROOT} && {program} {args}; echo '[exited '$?']'; sleep 30"
        # A socket of its own per terminal, never reused: the last test's server may still be
        # going away (kill-server) when this one starts, and a session made on it dies with it.
        term = Terminal(f"cairn-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}", command, env)
        made.append(term)
        return term

    start.home = home  # type: ignore[attr-defined]
    yield start
    for term in made:
        term.close()


def test_the_whole_ambient_migration_in_tmux_at_80x24(terminal):
    term = terminal("run ckf-1.11-ambient --yes --speed 0")
    screen = term.wait_for("The record:", timeout=240)  # the summary stays open after --yes
    assert "Run succeeded" in screen
    term.keys("Escape")  # tmux holds a lone Escape for its escape-time before passing it on
    # Two human checks were answered by --yes: assumed, so not "every step succeeded" (issue 10.10).
    term.wait_for("Run succeeded: finished with", timeout=10)
    term.wait_gone("Esc look around", timeout=10)
    # folded, counted (+ endpoints, + the mesh-policies record of issue 11.11)
    screen = term.wait_for("Pre-flight checks           9/9", timeout=10)
    tree = [line for line in screen.splitlines() if re.match(r"✓ .*\d+/\d+", line[:34])]
    assert len(tree) >= 15, f"the folded phase tree does not show:\n{screen}"
    for key in ("e Export", "/ Search", "? Help", "q Quit", "^p palette"):
        assert key in screen, f"footer lacks {key}:\n{screen}"
    term.keys("q")
    screen = term.wait_for("[exited 0]", timeout=15)
    assert "Record:" in screen


HANGUP_BOOK = """cairn-runbook: 1
id: long-command
title: One long command
params:
  - {name: model, default: kubeflow}
phases:
  - id: p
    title: Long phase
    steps:
      - id: long
        title: A command that outlives its terminal
        doc: prints a line a second for four seconds.
        run:
          - [sh, -c, "echo started; for i in 1 2 3 4; do sleep 1; echo line $i; done; echo finished"]
      - id: after
        title: The step after it
        doc: runs when the session is resumed.
        run:
          - echo after
"""


def test_a_hangup_detaches_and_the_command_finishes_on_its_own(terminal, tmp_path):
    book = tmp_path / "long.yaml"
    book.write_text(HANGUP_BOOK)
    term = terminal(f"run long-command --runbook {book} --yes --speed 0")
    term.wait_for("started", timeout=60)
    shell = term.pane_pid()
    children = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True).stdout.split()
    assert children, "cairn is not running under the pane's shell"
    cairn = int(children[0])
    term.kill_session()  # the terminal goes away: SIGHUP
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(cairn):
        time.sleep(0.1)
    assert not _alive(cairn), "cairn kept running without its terminal"
    sessions = list((terminal.home / "sessions").iterdir())
    journal = [json.loads(line) for line in (sessions[0] / "journal.jsonl").read_text().splitlines()]
    detached = [r for r in journal if r["type"] == "session.detached"]
    assert detached and detached[0]["reason"] == "received SIGHUP: the terminal went away"
    running = detached[0]["running_command"]
    rc = sessions[0] / "commands" / f"{running:03d}.rc"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not rc.exists():
        time.sleep(0.2)
    assert json.loads(rc.read_text())["exit"] == 0  # the command outlived the app and finished
    output = (sessions[0] / "commands" / f"{running:03d}.out").read_text()
    assert output == "started\nline 1\nline 2\nline 3\nline 4\nfinished\n", "every line is on disk"

    # `cairn resume` picks the session up: the finished command takes its recorded status, the run
    # goes on to the end, and the record holds that command's whole output.
    env = dict(os.environ, CAIRN_HOME=str(terminal.home))
    resumed = subprocess.run(
        [sys.executable, "-m", "tui", "resume", "--plain", "--yes"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr
    assert f"re-attaching to command {running:03d}" in resumed.stdout
    record = subprocess.run(
        [sys.executable, "-m", "tui", "export", "-o", "-"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    block = record.split(f"[{running:03d}]", 1)[1].split("\n[", 1)[0]
    assert "exit 0" in block
    for line in output.strip().splitlines():
        assert f"| {line}" in block


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state
