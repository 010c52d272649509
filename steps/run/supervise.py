"""The command supervisor: runs ONE command so that it outlives Cairn.

Started by `execute.py` as `python -I -S -c STUB supervise.py OUT RC PIDFILE TIMEOUT -- ARGV…` (the
stub imports this module, so its bytecode is cached; run directly it works the same) in a new
session, so a dropped SSH connection (SIGHUP to Cairn's terminal) never reaches it. It runs the
command in its own process group, copies its output (stdout and stderr merged) through the
redactor into OUT as it arrives, and when the command ends writes its exit status to RC
atomically. Only an explicit abort (SIGTERM to this process) or the timeout stops the command:
SIGTERM to the command's group, then SIGKILL after a grace period.

The timeout is the time the command gets, whatever its children do: when it expires, or when the
command itself has exited, whatever is left (its process group, and anything still holding the
output pipe, such as a `setsid` grandchild) is killed and reading stops.

Stdlib only and imported by path, because it starts once per command and must start fast.
Secrets to redact are never put in the environment (`/proc/PID/environ` is readable by the
same user for the process's whole life): the starter writes them, separated by \x1f, into a pipe
whose read end this process inherits as the file descriptor named by CAIRN_REDACT_FD; it is read
to the end and closed before the command starts.
"""

from __future__ import annotations

import os
import select
import sys
import time

# `typing` is not imported (startup time); mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    # `_signal` has no stubs; `signal` re-exports all of it, with the same names and values.
    import signal as _signal

    from ..record.redact import Redactor
else:
    import _signal  # the C module: `signal` builds IntEnums at import (~5 ms on every command)

# Imports are kept to os/select/_signal/sys/time: this process starts once per command, and
# `subprocess`, `threading`, `json`, `signal`, `re` would add milliseconds to every command. The
# redactor (and with it `re`) is imported only when the command prints something.
GRACE_SECONDS = 5.0
AFTER_EXIT_SECONDS = 0.2  # output still in flight from the command's last children, once it exited
CHUNK = 1 << 16
MAX_CARRY = 1 << 20  # a line longer than this is written in pieces (redaction still applies per piece)
SECRETS_FD_VAR = "CAIRN_REDACT_FD"  # fd to read the secrets from, separated by "\x1f" (unit separator)
LEGACY_SECRETS_VAR = "CAIRN_REDACT"  # never passed on to the command, should a caller still set it
ALL_VAR = "CAIRN_REDACT_ALL"  # "1": the whole output is a secret (e.g. `juju config minio secret-key`)
SIGTERM, SIGKILL, SIGALRM, SIGCHLD = _signal.SIGTERM, _signal.SIGKILL, _signal.SIGALRM, _signal.SIGCHLD


class _State:
    child = 0
    reason = ""  # why the command was stopped early: aborted | timeout
    escalated = False


def _write_atomic(path: str, text: str, durable: bool = True) -> None:
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode())
        if durable:
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
        os.killpg(_State.child, SIGTERM)
    except ProcessLookupError:
        return
    _signal.setitimer(_signal.ITIMER_REAL, GRACE_SECONDS)


def _on_alarm(_signum: int, _frame: object) -> None:
    if not _State.reason:
        _stop("timeout")
    elif not _State.escalated:
        _State.escalated = True
        try:
            os.killpg(_State.child, SIGKILL)
        except ProcessLookupError:
            pass


class _Output:
    """Copies the command's output through the redactor into OUT; the redactor is loaded on first use."""

    def __init__(self, out_fd: int, secrets: list[str], hide_all: bool):
        self.out_fd = out_fd
        self.secrets = secrets
        self.hide_all = hide_all
        self.redactor: Redactor | None = None
        self.carry = b""
        self.hidden = 0
        self.written = False

    def feed(self, chunk: bytes) -> None:
        if self.hide_all:
            self.hidden += len(chunk)
            return
        data = self.carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) < MAX_CARRY:
            self.carry = data
            return
        if cut == 0:
            cut = len(data)
        self.carry = data[cut:]
        self.emit(data[:cut])

    def close(self) -> None:
        if self.hide_all:
            self.emit(f"[redacted: {self.hidden} bytes of secret output]\n".encode())
        elif self.carry:
            self.emit(self.carry)
            self.carry = b""

    def emit(self, raw: bytes) -> None:
        if self.redactor is None:
            # The redactor lives with the record (steps/record/redact.py), which it protects;
            # loaded by path, as this module is (see the module docstring).
            here = os.path.dirname(os.path.abspath(__file__))
            sys.path.insert(0, os.path.join(os.path.dirname(here), "record"))
            from redact import Redactor

            self.redactor = Redactor(self.secrets)
        # surrogateescape keeps bytes that are not UTF-8 exactly as they were.
        text = raw.decode("utf-8", "surrogateescape")
        data = self.redactor.text(text).encode("utf-8", "surrogateescape")
        view = memoryview(data)
        while view:
            written = os.write(self.out_fd, view)
            view = view[written:]
        self.written = True


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _copy_output(read_fd: int, wake_fd: int, output: _Output) -> int:
    """Copy output until EOF, or until the command has exited and its leftovers had a moment.

    Returns the command's wait status. The read never blocks on its own: SIGCHLD, SIGALRM and
    SIGTERM wake the poll through the wakeup pipe, so a grandchild that keeps the output pipe open
    cannot hold the supervisor past the command's end or its timeout."""
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)
    poller.register(wake_fd, select.POLLIN)
    wait_status: int | None = None
    deadline = 0.0
    while True:
        if wait_status is None:
            pid, status = os.waitpid(_State.child, os.WNOHANG)
            if pid:
                wait_status = status
                deadline = time.monotonic() + AFTER_EXIT_SECONDS
        if wait_status is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                _kill_leftovers(read_fd)
                _read_available(read_fd, output)
                return wait_status
            events = poller.poll(left * 1000)
        else:
            events = poller.poll()
        for fd, _event in events:
            if fd == wake_fd:
                _drain(wake_fd)
                continue
            try:
                chunk = os.read(read_fd, CHUNK)
            except BlockingIOError:
                continue
            if not chunk:  # EOF: every writer is gone; wait for the command itself
                if wait_status is None:
                    _, wait_status = os.waitpid(_State.child, 0)
                _kill_group()
                return wait_status
            output.feed(chunk)


def _read_available(read_fd: int, output: _Output) -> None:
    try:
        while chunk := os.read(read_fd, CHUNK):
            output.feed(chunk)
    except BlockingIOError:
        pass


def _kill_group() -> None:
    """Whatever the command left running in its process group dies with it."""
    try:
        os.killpg(_State.child, SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_leftovers(read_fd: int) -> None:
    """Kill the command's group and every process still holding the output pipe (e.g. `setsid cmd &`).

    Only reached when the command exited (or was stopped) with its pipe still open: the /proc scan
    costs a few milliseconds and ordinary commands never pay it."""
    _kill_group()
    pipe = f"pipe:[{os.fstat(read_fd).st_ino}]"
    me = os.getpid()
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
    except OSError:
        return
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            holds = any(os.readlink(f"/proc/{pid}/fd/{fd}") == pipe for fd in fds)
        except OSError:
            continue
        if holds:
            try:
                os.kill(pid, SIGKILL)
            except OSError:
                pass


def _which(name: str, path: str) -> str | None:
    if "/" in name:
        return name if os.access(name, os.X_OK) else None
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _read_secrets() -> list[str]:
    os.environ.pop(LEGACY_SECRETS_VAR, None)
    fd_text = os.environ.pop(SECRETS_FD_VAR, "")
    if not fd_text.isdigit():
        return []
    fd = int(fd_text)
    chunks = []
    try:
        while chunk := os.read(fd, CHUNK):
            chunks.append(chunk)
        os.close(fd)
    except OSError:
        return []
    return [s for s in b"".join(chunks).decode("utf-8", "surrogateescape").split("\x1f") if s]


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 4 or len(argv) < 6:
        sys.stderr.write("usage: supervise.py OUT RC PIDFILE TIMEOUT -- ARGV...\n")
        return 2
    out_path, rc_path, pid_path, timeout_text = argv[:4]
    command = argv[5:]
    timeout = float(timeout_text) if timeout_text not in ("", "0", "none") else 0.0
    secrets = _read_secrets()
    hide_all = os.environ.pop(ALL_VAR, "") == "1"
    started = time.time()
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    output = _Output(out_fd, secrets, hide_all)

    program = _which(command[0], os.environ.get("PATH", os.defpath))
    if program is None:
        output.emit(f"cairn: cannot start {command[0]}: command not found\n".encode())
        os.close(out_fd)
        _write_atomic(rc_path, _status(127, "not-started", started, error="command not found"))
        return 0

    read_fd, write_fd = os.pipe()
    wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    actions = [
        (os.POSIX_SPAWN_DUP2, null_fd, 0),
        (os.POSIX_SPAWN_DUP2, write_fd, 1),
        (os.POSIX_SPAWN_DUP2, write_fd, 2),
        (os.POSIX_SPAWN_CLOSE, read_fd),
        (os.POSIX_SPAWN_CLOSE, out_fd),
    ]
    _signal.set_wakeup_fd(wake_write)
    _signal.signal(SIGTERM, lambda *_: _stop("aborted"))
    _signal.signal(SIGALRM, _on_alarm)
    _signal.signal(SIGCHLD, lambda *_: None)  # only to wake the poll through the wakeup pipe
    _signal.signal(_signal.SIGHUP, _signal.SIG_IGN)  # belt and braces: we have no terminal anyway
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    try:
        # setpgroup=0: the command leads its own process group, which abort and timeout kill whole.
        # setsigdef: it gets default SIGINT/SIGHUP/SIGTERM handling, not our ignores.
        child = os.posix_spawn(
            program,
            command,
            os.environ,
            file_actions=actions,
            setpgroup=0,
            setsigdef=(_signal.SIGINT, _signal.SIGHUP, SIGTERM, SIGALRM, SIGCHLD),
        )
    except OSError as exc:
        for fd in (write_fd, read_fd, null_fd):
            os.close(fd)
        output.emit(f"cairn: cannot start {command[0]}: {exc.strerror}\n".encode())
        os.close(out_fd)
        _write_atomic(rc_path, _status(126, "not-started", started, error=exc.strerror or str(exc)))
        return 0
    os.close(write_fd)
    os.close(null_fd)
    os.set_blocking(read_fd, False)
    _State.child = child
    # No fsync: after a crash of the machine the pids it names are gone anyway.
    _write_atomic(pid_path, f"{os.getpid()} {child}\n", durable=False)
    if timeout:
        _signal.setitimer(_signal.ITIMER_REAL, timeout)

    wait_status = _copy_output(read_fd, wake_read, output)
    output.close()
    os.close(read_fd)
    code = os.waitstatus_to_exitcode(wait_status)
    _signal.setitimer(_signal.ITIMER_REAL, 0)
    if output.written:  # the output is on disk before the status says the command is done
        os.fdatasync(out_fd)
    os.close(out_fd)
    extra: dict[str, object] = {"timeout": timeout} if _State.reason == "timeout" else {}
    _write_atomic(rc_path, _status(code, _State.reason or "exited", started, **extra))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
