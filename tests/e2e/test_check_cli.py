"""`cairn check` on the three targets, and `cairn dump` feeding `--from-files`."""

from __future__ import annotations

import os
import subprocess
import sys


def cairn(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
        timeout=180,
    )


def _body(output: str) -> str:
    """The report without its first line (which names the target)."""
    return output.split("\n", 1)[1]


def test_dump_then_check_from_files_equals_check_sandbox(tmp_path):
    dump_dir = tmp_path / "dump"
    r = cairn("dump", str(dump_dir), "--sandbox")
    assert r.returncode == 0, r.stderr
    assert (dump_dir / "COMMANDS").exists()
    from_files = cairn("check", "--from-files", str(dump_dir), "--ascii")
    sandbox = cairn("check", "--sandbox", "--ascii")
    assert sandbox.returncode == 0, sandbox.stdout + sandbox.stderr
    assert from_files.returncode == sandbox.returncode
    assert _body(from_files.stdout) == _body(sandbox.stdout)
    assert "[ok]" in sandbox.stdout and "Pre-flight:" in sandbox.stdout


def test_check_fails_on_a_wrong_platform():
    r = cairn("check", "--sandbox", "ckf-1.11-canonical-k8s", "--platform", "microk8s", "--ascii")
    assert r.returncode == 1
    assert "[FAIL]" in r.stdout and "canonical-k8s" in r.stdout


def test_dump_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "x").write_text("keep me")
    r = cairn("dump", str(tmp_path), "--sandbox")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
