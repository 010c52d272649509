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


def test_dump_with_no_cluster_fails_and_counts_only_what_it_wrote(tmp_path):
    """Issue 14.9: `cairn dump --live` with no cluster said "wrote 15 reads" and exited 0."""
    dump_dir = tmp_path / "dump"
    bin_dir = tmp_path / "bin"  # tools that fail as they do with no cluster to talk to
    bin_dir.mkdir()
    for tool in ("juju", "kubectl"):
        script = bin_dir / tool
        script.write_text("#!/bin/sh\necho 'error: no cluster reachable' >&2\nexit 1\n")
        script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    r = cairn("dump", str(dump_dir), "--live", env=env)
    assert r.returncode == 1, r.stderr
    assert "nothing could be read" in r.stderr and "wrote" not in r.stderr
    commands = (dump_dir / "COMMANDS").read_text()
    assert commands.endswith("\n"), "COMMANDS ends with a newline (issue 10.27)"


def test_dump_counts_the_reads_it_wrote(tmp_path):
    dump_dir = tmp_path / "dump"
    r = cairn("dump", str(dump_dir), "--sandbox")
    assert r.returncode == 0, r.stderr
    files = [p for p in dump_dir.iterdir() if p.name != "COMMANDS"]
    assert f"wrote {len(files)} of " in r.stderr
    assert (dump_dir / "COMMANDS").read_text().endswith("\n")
