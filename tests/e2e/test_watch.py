"""`cairn watch --plain` follows a session another process drives, read-only, to its end."""

from __future__ import annotations

import os
import subprocess
import sys
import time

BOOK = """cairn-runbook: 1
id: slow
title: A slow runbook
params:
  - {name: model, default: kubeflow}
phases:
  - id: p
    title: Slow phase
    steps:
      - id: s1
        title: Counting slowly
        doc: prints over a couple of seconds.
        run:
          - [sh, -c, "echo one; sleep 1; echo two; sleep 1; echo three"]
      - id: s2
        title: Second step
        doc: one more.
        run:
          - echo last-line
"""


def test_watch_follows_a_running_session(tmp_path):
    env = {**os.environ, "CAIRN_HOME": str(tmp_path / "home")}
    book = tmp_path / "slow.yaml"
    book.write_text(BOOK)
    driver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "run",
            "slow",
            "--runbook",
            str(book),
            "--plain",
            "--yes",
            "--speed",
            "0",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sessions = tmp_path / "home" / "sessions"
    deadline = time.monotonic() + 60
    while not list(sessions.glob("*/journal.jsonl")) and time.monotonic() < deadline:
        time.sleep(0.05)
    watch = subprocess.run(
        [sys.executable, "-m", "tui", "watch", "--plain"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    driver.wait(timeout=60)
    assert driver.returncode == 0, driver.stderr.read()
    out = watch.stdout
    assert watch.returncode == 0, watch.stderr
    assert "read-only" in out
    for text in ("Counting slowly", "one", "two", "three", "last-line", "Run succeeded"):
        assert text in out, (text, out)
    assert out.index("three") < out.index("-> exit 0"), "a command's output comes before how it ended"
