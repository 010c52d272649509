"""Execution: argv only, own process session, output to a file, exit status beside it, streamed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from steps.run import execute


def _run(tmp_path, argv, n=1, **kw):
    files = execute.CommandFiles.numbered(tmp_path, n)
    lines: list[str] = []
    status = execute.start(argv, files, **kw).follow(lines.extend)
    return status, lines, files


def test_output_file_and_exit_status(tmp_path):
    status, lines, files = _run(tmp_path, [sys.executable, "-c", "print('a'); import sys; sys.exit(3)"])
    assert status.exit == 3 and status.reason == "exited" and not status.ok
    assert lines == ["a"]
    assert files.out.read_text() == "a\n"
    assert json.loads(files.rc.read_text())["exit"] == 3


def test_stderr_is_merged_in_order(tmp_path):
    code = "import sys; print('out', flush=True); print('err', file=sys.stderr, flush=True); print('out2')"
    _, lines, _ = _run(tmp_path, [sys.executable, "-c", code])
    assert lines == ["out", "err", "out2"]


def test_not_utf8_and_no_trailing_newline(tmp_path):
    code = "import sys; sys.stdout.buffer.write(b'caf\\xe9 ok\\nlast line without newline')"
    status, lines, files = _run(tmp_path, [sys.executable, "-c", code])
    assert status.ok
    assert lines == ["caf\ufffd ok", "last line without newline"]
    assert files.out.read_bytes() == b"caf\xe9 ok\nlast line without newline", (
        "the file keeps the bytes as they were"
    )


def test_one_10mb_line(tmp_path):
    code = "import sys; sys.stdout.write('x' * 10_000_000 + '\\n'); sys.stdout.write('after\\n')"
    status, lines, files = _run(tmp_path, [sys.executable, "-c", code])
    assert status.ok
    assert files.out.stat().st_size == 10_000_000 + 1 + 6
    assert len(lines) == 2 and lines[1] == "after"
    assert len(lines[0]) < 20_000 and "more characters" in lines[0], "the front end gets it cut, with a note"


def test_timeout_kills_the_group(tmp_path):
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    started = time.monotonic()
    status, _, files = _run(tmp_path, [sys.executable, "-c", script], timeout=0.5)
    assert status.reason == "timeout" and status.exit != 0
    assert time.monotonic() - started < 10


def test_abort_kills_the_process_group(tmp_path):
    files = execute.CommandFiles.numbered(tmp_path, 1)
    script = "import subprocess, time; p = subprocess.Popen(['sleep', '60']); print(p.pid, flush=True); time.sleep(60)"
    running = execute.start([sys.executable, "-c", script], files)
    lines: list[str] = []
    abort_at = [0.0]

    def should_abort():
        if lines and not abort_at[0]:
            abort_at[0] = time.monotonic()
        return bool(lines)

    status = running.follow(lines.extend, should_abort)
    assert status.reason == "aborted"
    grandchild = int(lines[0])
    assert _gone(grandchild), "the command's child died with its group"


def _gone(pid: int, wait: float = 3.0) -> bool:
    """Dead or a zombie (reparented children may wait for a reaper that is not init here)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_command_not_found(tmp_path):
    status, lines, _ = _run(tmp_path, ["no-such-command-cairn"])
    assert status.exit == 127 and status.reason == "not-started"
    assert "cannot start no-such-command-cairn" in lines[0]


def test_secrets_never_reach_the_file(tmp_path):
    code = "print('the key is s3cr3t-value, Authorization: Bearer abcdefghijkl')"
    _, lines, files = _run(tmp_path, [sys.executable, "-c", code], secrets=["s3cr3t-value"])
    assert "s3cr3t-value" not in files.out.read_text() and "abcdefghijkl" not in files.out.read_text()
    assert "[redacted]" in lines[0]


def test_command_outlives_the_process_that_started_it(tmp_path):
    """Start a command from a child Python process, kill that process, the command still finishes."""
    out = tmp_path / "001.out"
    launcher = f"""
import sys
sys.path.insert(0, {str(execute.SUPERVISOR.parents[2])!r})
from pathlib import Path
from steps.run import execute
files = execute.CommandFiles.numbered(Path({str(tmp_path)!r}), 1)
execute.start(['sh', '-c', 'sleep 1; echo finished'], files)
print('started', flush=True)
import time; time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", launcher], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout.readline().strip() == b"started"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    files = execute.CommandFiles.numbered(tmp_path, 1)
    lines: list[str] = []
    status = execute.attach(files).follow(lines.extend)
    assert status.ok and lines == ["finished"]
    assert out.read_text() == "finished\n"


def test_line_splitter_handles_split_multibyte():
    s = execute.LineSplitter()
    data = "é\nß".encode()
    assert s.feed(data[:1]) == []
    assert s.feed(data[1:]) == ["é"]
    assert s.feed(b"", final=True) == ["ß"]


def test_secrets_are_not_in_the_supervisors_environment(tmp_path):
    """/proc/PID/environ is readable for the process's whole life: secrets reach the supervisor another way."""
    files = execute.CommandFiles.numbered(tmp_path, 1)
    code = "import time; print('ready', flush=True); time.sleep(1.5); print('s3cr3t-value-xyz')"
    running = execute.start([sys.executable, "-c", code], files, secrets=["s3cr3t-value-xyz"])
    deadline = time.monotonic() + 10
    while running.pids is None and time.monotonic() < deadline:
        time.sleep(0.02)
    supervisor, child = running.pids
    for pid in (supervisor, child):
        environ = open(f"/proc/{pid}/environ", "rb").read()
        assert b"s3cr3t-value-xyz" not in environ and b"CAIRN_REDACT=" not in environ
    lines: list[str] = []
    status = running.follow(lines.extend)
    assert status.ok and lines == ["ready", "[redacted]"], "the secret still reached the redactor"


def test_timeout_holds_against_a_setsid_grandchild(tmp_path):
    """The timeout is the time the command gets: a grandchild in its own session that keeps the
    output pipe open neither keeps the supervisor reading nor survives it."""
    script = "setsid sleep 40 & echo started; sleep 60"
    started = time.monotonic()
    status, lines, _ = _run(tmp_path, ["sh", "-c", script], timeout=1)
    assert status.reason == "timeout" and status.exit != 0
    assert time.monotonic() - started < 6
    assert lines == ["started"]
    assert not _sleepers_holding(tmp_path), "what was left is killed"


def test_a_background_child_does_not_outlast_the_command(tmp_path):
    """`sh -c "sleep 20 & echo parent done"`: done when sh is, not 20 s later."""
    started = time.monotonic()
    status, lines, _ = _run(tmp_path, ["sh", "-c", "sleep 20 & echo parent done"])
    assert status.ok and lines == ["parent done"]
    assert time.monotonic() - started < 5


def _sleepers_holding(tmp_path) -> list[int]:
    """`sleep 40` processes still alive (not zombies), started by this test."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        if cmdline == b"sleep\x0040\x00" and not stat.split(") ", 1)[1].startswith("Z"):
            found.append(int(entry))
    time.sleep(0)
    return found
