"""One driver per session, whatever happens to the lock file (issue 14.1): a run whose `lock` is
deleted or replaced mid-run refuses a second `cairn resume`, and its journal stays one sequence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from steps.record import session

SLOW = """cairn-runbook: 1
id: slow
title: Slow steps
phases:
  - id: p
    title: P
    steps:
      - id: a
        title: A
        doc: takes a while
        run:
          - [sh, -c, "sleep 1.5; echo a done"]
          - [sh, -c, "sleep 1.5; echo a again"]
      - id: b
        title: B
        doc: takes a while too
        run:
          - [sh, -c, "sleep 1; echo b done"]
"""


def _wait_for_session(home: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in (home / "sessions").glob("*") if (p / "journal.jsonl").exists()]
        if found and any('"command.started"' in line for line in (found[0] / "journal.jsonl").open()):
            return found[0]
        time.sleep(0.05)
    raise AssertionError("the run did not start a command")


@pytest.mark.parametrize("tamper", ["delete", "replace"])
def test_second_driver_refused_after_the_lock_file_is_tampered_with(tmp_path, tamper):
    book = tmp_path / "slow.yaml"
    book.write_text(SLOW)
    home = tmp_path / "home"
    env = {**os.environ, "CAIRN_HOME": str(home)}
    cairn = [sys.executable, "-m", "tui"]
    run = subprocess.Popen(
        [*cairn, "run", "slow", "--runbook", str(book), "--plain", "--yes", "--speed", "0"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        directory = _wait_for_session(home)
        lock = directory / session.LOCK_NAME
        lock.unlink()
        if tamper == "replace":
            lock.write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": 0}) + "\n")
        second = subprocess.run(
            [*cairn, "resume", directory.name, "--plain", "--yes"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, (second.stdout, second.stderr)
        assert f"pid {run.pid}" in second.stderr and "cairn watch" in second.stderr, second.stderr
        assert run.wait(timeout=60) == 0, run.stderr.read().decode()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    records = [json.loads(line) for line in (directory / "journal.jsonl").read_text().splitlines()]
    seqs = [r["seq"] for r in records]
    assert seqs == list(range(len(seqs))), "one writer: no duplicate or missing seq"
    started = [r["number"] for r in records if r["type"] == "command.started"]
    assert started == sorted(set(started)) and len(started) == 3, "every command ran once"
    assert not any(r["type"] == "session.resumed" for r in records)
