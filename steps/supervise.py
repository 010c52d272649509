"""The command supervisor: runs ONE command so that it outlives Cairn.

Started by `execute.py` as `python -I -S supervise.py OUT RC PIDFILE TIMEOUT -- ARGV…` in a new
session, so a dropped SSH connection (SIGHUP to Cairn's terminal) never reaches it. It runs the
command in its own process group, copies its output (stdout and stderr merged) through the
redactor into OUT as it arrives, and when the command ends writes its exit status to RC
atomically. Only an explicit abort (SIGTERM to this process) or the timeout stops the command:
SIGTERM to the command's group, then SIGKILL after a grace period.

Stdlib only and imported by path, because it starts once per command and must start fast.
Secrets to redact arrive in the environment variable CAIRN_REDACT (separated by \x1f), which is
removed before the command starts.
"""

from __future__ import annotations

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redact import Redactor  # noqa: E402  (loaded by path, see above)

# Imports are kept to os/signal/sys/time (+ re via redact): this process starts once per command,
# and `subprocess`, `threading` and `json` would add several milliseconds to every command.
GRACE_SECONDS = 5.0
CHUNK = 1 << 16
MAX_CARRY = 1 << 20  # a line longer than this is written in pieces (redaction still applies per piece)
SECRETS_VAR = "CAIRN_REDACT"  # secrets to redact, separated by NUL-free "\x1f" (unit separator)
ALL_VAR = "CAIRN_REDACT_ALL"  # "1": the whole output is a secret (e.g. `juju config minio secret-key`)


class _State:
    child = 0
    reason = ""  # why the command was stopped early: aborted | timeout
    escalated = False


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _json_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _status(code: int, reason: str, started: float, **extra: object) -> str:
    signum = -code if code < 0 else None
    fields: dict[str, object] = {
        "exit": code if code >= 0 else 128 - code,
        "signal": "null" if signum is None else signum,
        "reason": _json_string(reason),
        "started": started,
        "ended": time.time(),
    }
    for key, value in extra.items():
        fields[key] = _json_string(value) if isinstance(value, str) else value
    return "{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}\n"


def _stop(reason: str) -> None:
    """SIGTERM to the command's group now, SIGKILL after the grace period (via the timer)."""
    if _State.reason:
        return
    _State.reason = reason
    try:
        os.killpg(_State.child, signal.SIGTERM)
    except ProcessLookupError:
        return
    signal.setitimer(signal.ITIMER_REAL, GRACE_SECONDS)


def _on_alarm(_signum: int, _frame: object) -> None:
    if not _State.reason:
        _stop("timeout")
    elif not _State.escalated:
        _State.escalated = True
        try:
            os.killpg(_State.child, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _copy_output(fd_in: int, out_fd: int, redactor: Redactor, hide_all: bool) -> None:
    if hide_all:
        total = 0
        while chunk := os.read(fd_in, CHUNK):
            total += len(chunk)
        _emit(out_fd, f"[redacted: {total} bytes of secret output]\n".encode(), redactor)
        return
    carry = b""
    while True:
        try:
            chunk = os.read(fd_in, CHUNK)
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
        if not chunk:
            break
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) < MAX_CARRY:
            carry = data
            continue
        if cut == 0:
            cut = len(data)
        carry = data[cut:]
        _emit(out_fd, data[:cut], redactor)
    if carry:
        _emit(out_fd, carry, redactor)


def _emit(out_fd: int, raw: bytes, redactor: Redactor) -> None:
    # surrogateescape keeps bytes that are not UTF-8 exactly as they were.
    text = raw.decode("utf-8", "surrogateescape")
    data = redactor.text(text).encode("utf-8", "surrogateescape")
    view = memoryview(data)
    while view:
        written = os.write(out_fd, view)
        view = view[written:]


def _which(name: str, path: str) -> str | None:
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 4 or len(argv) < 6:
        sys.stderr.write("usage: supervise.py OUT RC PIDFILE TIMEOUT -- ARGV...\n")
        return 2
    out_path, rc_path, pid_path, timeout_text = argv[:4]
    command = argv[5:]
    timeout = float(timeout_text) if timeout_text not in ("", "0", "none") else 0.0
    secrets = [s for s in os.environ.pop(SECRETS_VAR, "").split("\x1f") if s]
    hide_all = os.environ.pop(ALL_VAR, "") == "1"
    redactor = Redactor(secrets)
    started = time.time()
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    program = _which(command[0], os.environ.get("PATH", os.defpath))
    if program is None:
        _emit(out_fd, f"cairn: cannot start {command[0]}: command not found\n".encode(), redactor)
        os.close(out_fd)
        _write_atomic(rc_path, _status(127, "not-started", started, error="command not found"))
        return 0

    read_fd, write_fd = os.pipe()
    null_fd = os.open(os.devnull, os.O_RDONLY)
    actions = [
        (os.POSIX_SPAWN_DUP2, null_fd, 0),
        (os.POSIX_SPAWN_DUP2, write_fd, 1),
        (os.POSIX_SPAWN_DUP2, write_fd, 2),
        (os.POSIX_SPAWN_CLOSE, read_fd),
        (os.POSIX_SPAWN_CLOSE, out_fd),
    ]
    signal.signal(signal.SIGTERM, lambda *_: _stop("aborted"))
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # belt and braces: we have no terminal anyway
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # setpgroup=0: the command leads its own process group, which abort and timeout kill whole.
        # setsigdef: it gets default SIGINT/SIGHUP/SIGTERM handling, not our ignores.
        child = os.posix_spawn(
            program,
            command,
            os.environ,
            file_actions=actions,
            setpgroup=0,
            setsigdef=(signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGALRM),
        )
    except OSError as exc:
        for fd in (write_fd, read_fd, null_fd):
            os.close(fd)
        _emit(out_fd, f"cairn: cannot start {command[0]}: {exc.strerror}\n".encode(), redactor)
        os.close(out_fd)
        _write_atomic(rc_path, _status(126, "not-started", started, error=exc.strerror or str(exc)))
        return 0
    os.close(write_fd)
    os.close(null_fd)
    _State.child = child
    _write_atomic(pid_path, f"{os.getpid()} {child}\n")
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, timeout)

    _copy_output(read_fd, out_fd, redactor, hide_all)
    os.close(read_fd)
    _, wait_status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    signal.setitimer(signal.ITIMER_REAL, 0)
    os.fsync(out_fd)
    os.close(out_fd)
    extra: dict[str, object] = {"timeout": timeout} if _State.reason == "timeout" else {}
    _write_atomic(rc_path, _status(code, _State.reason or "exited", started, **extra))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
