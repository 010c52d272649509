"""Start commands, stream their output, kill them — through the supervisor, so they outlive Cairn.

Each command gets three files in the session's `commands/` directory: `NNN.out` (its merged
output, redacted), `NNN.pid` (supervisor and command pids) and `NNN.rc` (its exit status, JSON,
written when it ends). The UI only ever tails `NNN.out`; `attach` follows a command started by an
earlier Cairn process the same way.
"""

from __future__ import annotations

import codecs
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..states import CommandEnd

SUPERVISOR = Path(__file__).with_name("supervise.py")
# The supervisor is imported, not run as a script: a script is compiled afresh on every start
# (~8 ms a command), an imported module's bytecode is cached. Its path stays in the command line,
# where `_is_supervisor` recognises it.
_SUPERVISOR_STUB = (
    "import sys; sys.path.insert(0, sys.argv[1].rpartition('/')[0]); "
    "import supervise; sys.exit(supervise.main(sys.argv[2:]))"
)
POLL_SECONDS = 0.02
READ_CHUNK = 1 << 20
MAX_EVENT_LINE = 16_384  # longer lines reach the front end cut, with a note; the file keeps them whole
ABORT_GRACE_SECONDS = 8.0
PIDFILE_GRACE_SECONDS = 5.0
TIMEOUT_EXIT = 124  # as timeout(1) reports a command it stopped
# Every command Cairn runs, on any target, can tell which session and which step ran it: a script
# a runbook calls can log it or keep state beside the record, and the sandbox's fault injection
# picks a step's faults by it.
SESSION_ENV = "CAIRN_SESSION"
STEP_ENV = "CAIRN_STEP"


def command_env(base: Mapping[str, str], session_dir: Path, step_id: str) -> dict[str, str]:
    """The environment of one of a step's commands: the target's, plus who ran it."""
    return {**base, SESSION_ENV: str(session_dir), STEP_ENV: step_id}


@dataclass(frozen=True)
class ExitStatus:
    exit: int
    reason: CommandEnd
    signal: int | None = None
    started: float = 0.0
    ended: float = 0.0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit == 0 and self.reason == CommandEnd.EXITED

    def write(self, path: Path) -> None:
        """As the supervisor writes it (for commands Cairn runs itself, or finishes by force)."""
        record = {
            "exit": self.exit,
            "signal": self.signal,
            "reason": self.reason,
            "started": self.started,
            "ended": self.ended,
        }
        tmp = path.with_suffix(".rc.tmp")
        tmp.write_text(json.dumps(record) + "\n")
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> ExitStatus | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            reason = CommandEnd(str(data.get("reason", CommandEnd.EXITED)))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return cls(exit=255, reason=CommandEnd.LOST, error=f"unreadable exit status file {path.name}")
        return cls(
            exit=int(data.get("exit", 255)),
            reason=reason,
            signal=data.get("signal"),
            started=float(data.get("started", 0.0)),
            ended=float(data.get("ended", 0.0)),
            error=str(data.get("error", "")),
        )


@dataclass(frozen=True)
class CommandFiles:
    out: Path
    rc: Path
    pid: Path

    @classmethod
    def numbered(cls, directory: Path, number: int) -> CommandFiles:
        stem = directory / f"{number:03d}"
        return cls(out=stem.with_suffix(".out"), rc=stem.with_suffix(".rc"), pid=stem.with_suffix(".pid"))


class LineSplitter:
    """Bytes in, complete text lines out. Invalid UTF-8 becomes U+FFFD; a partial last line waits."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""

    def feed(self, data: bytes, final: bool = False) -> list[str]:
        text = self._partial + self._decoder.decode(data, final=final)
        lines = text.split("\n")
        self._partial = lines.pop()
        if final and self._partial:
            lines.append(self._partial)
            self._partial = ""
        return [_shorten(line.rstrip("\r")) for line in lines]


class CommandTails:
    """Incremental reads of several commands' output files, for views that follow a session
    without driving it (`cairn watch`): each call returns the complete lines written since."""

    def __init__(self, commands_dir: Path):
        self.commands_dir = commands_dir
        self._state: dict[int, tuple[int, LineSplitter]] = {}

    def start(self, number: int, offset: int = 0) -> None:
        """Follow command `number` from `offset` (a view that already showed the start)."""
        self._state.setdefault(number, (offset, LineSplitter()))

    @property
    def following(self) -> list[int]:
        return list(self._state)

    def read(self, number: int, final: bool = False) -> list[str]:
        """New lines of command `number`; `final` flushes a last unterminated line and forgets it."""
        offset, splitter = self._state.get(number, (0, LineSplitter()))
        try:
            with open(CommandFiles.numbered(self.commands_dir, number).out, "rb") as f:
                f.seek(offset)
                data = f.read()
        except OSError:
            data = b""
        lines = splitter.feed(data, final=final)
        if final:
            self._state.pop(number, None)
        else:
            self._state[number] = (offset + len(data), splitter)
        return lines


def _shorten(line: str) -> str:
    if len(line) <= MAX_EVENT_LINE:
        return line
    return (
        line[:MAX_EVENT_LINE]
        + f" … [{len(line) - MAX_EVENT_LINE} more characters; the whole line is in the output file]"
    )


def _pids(path: Path) -> tuple[int, int] | None:
    try:
        sup, child = path.read_text().split()
        return int(sup), int(child)
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _is_supervisor(pid)


def _is_supervisor(pid: int) -> bool:
    """Guards against pid reuse: the pid must still be a supervisor process."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust kill(0)
    return SUPERVISOR.name.encode() in cmdline


class RunningCommand:
    """A command under its supervisor: poll it for output, wait for it, abort it."""

    def __init__(self, files: CommandFiles, proc: subprocess.Popen | None = None, offset: int = 0):
        self.files = files
        self._proc = proc
        self._offset = offset
        self._splitter = LineSplitter()
        self._fh: BinaryIO | None = None
        self._created = time.monotonic()
        self._pidfd: int | None = None

    @property
    def pids(self) -> tuple[int, int] | None:
        return _pids(self.files.pid)

    def read_new(self, final: bool = False) -> list[str]:
        if self._fh is None:
            try:
                self._fh = open(self.files.out, "rb")  # noqa: SIM115 - held open while tailing
                self._fh.seek(self._offset)
            except FileNotFoundError:
                return []
        lines: list[str] = []
        while True:
            data = self._fh.read(READ_CHUNK)
            if not data:
                break
            lines.extend(self._splitter.feed(data))
        if final:
            lines.extend(self._splitter.feed(b"", final=True))
            self._fh.close()
            self._fh = None
        return lines

    def finished(self) -> ExitStatus | None:
        status = ExitStatus.read(self.files.rc)
        if status is not None:
            if self._proc is not None:
                self._proc.poll()
            return status
        if self._proc is not None:
            if self._proc.poll() is None:
                return None
            status = ExitStatus.read(self.files.rc)  # written just before the supervisor exits
            return status or ExitStatus(
                exit=255, reason=CommandEnd.LOST, error="the supervisor died without an exit status"
            )
        pids = self.pids
        if pids is None:
            # The supervisor writes its pids right after starting the command; give it a moment.
            if time.monotonic() - self._created < PIDFILE_GRACE_SECONDS:
                return None
            return ExitStatus(
                exit=255, reason=CommandEnd.LOST, error="the command left no pid file and no exit status"
            )
        if _alive(pids[0]):
            return None
        return ExitStatus.read(self.files.rc) or ExitStatus(
            exit=255, reason=CommandEnd.LOST, error="the supervisor is gone and left no exit status"
        )

    def follow(
        self,
        on_lines: Callable[[list[str]], None],
        should_abort: Callable[[], bool] = lambda: False,
        poll: float = POLL_SECONDS,
    ) -> ExitStatus:
        """Stream output to `on_lines` until the command ends; abort when `should_abort()`."""
        try:
            return self._follow(on_lines, should_abort, poll)
        finally:
            self._close_pidfd()

    def _follow(
        self, on_lines: Callable[[list[str]], None], should_abort: Callable[[], bool], poll: float
    ) -> ExitStatus:
        aborting_since = 0.0
        signalled = False
        while True:
            lines = self.read_new()
            if lines:
                on_lines(lines)
            status = self.finished()
            if status is not None:
                rest = self.read_new(final=True)
                if rest:
                    on_lines(rest)
                return status
            if should_abort():
                aborting_since = aborting_since or time.monotonic()
                if not signalled:
                    # Until the supervisor has written its pids there is nobody to signal yet:
                    # try again next poll rather than wait out the grace period.
                    signalled = self.abort()
                elif time.monotonic() - aborting_since > ABORT_GRACE_SECONDS:
                    self.kill_hard()
            self._wait(poll)

    def _close_pidfd(self) -> None:
        if self._pidfd is not None and self._pidfd >= 0:
            os.close(self._pidfd)
        self._pidfd = None

    def _wait(self, poll: float) -> None:
        """Sleep up to `poll` s, waking the moment our supervisor exits (Popen.wait's timeout is a
        sleep loop whose steps grow to 50 ms: up to ~10 ms late on every short command)."""
        if self._proc is None:
            time.sleep(poll)
            return
        if self._pidfd is None:
            try:
                self._pidfd = os.pidfd_open(self._proc.pid)
            except (AttributeError, OSError):  # no pidfd (old kernel, other OS) or already reaped
                self._pidfd = -1
        if self._pidfd < 0:
            try:
                self._proc.wait(timeout=poll)
            except subprocess.TimeoutExpired:
                pass
            return
        if select.select([self._pidfd], [], [], poll)[0]:
            self._proc.poll()

    def abort(self) -> bool:
        """SIGTERM to the supervisor: it stops the command's process group and records why.
        False when its pids are not known yet."""
        pids = self.pids
        if pids is None:
            return False
        try:
            os.kill(pids[0], signal.SIGTERM)
        except ProcessLookupError:
            pass
        return True

    def kill_hard(self) -> None:
        """The supervisor did not finish in time: SIGKILL the command's group and the supervisor."""
        pids = self.pids
        if pids is None:
            return
        for action in (lambda: os.killpg(pids[1], signal.SIGKILL), lambda: os.kill(pids[0], signal.SIGKILL)):
            try:
                action()
            except ProcessLookupError:
                pass
        if not self.files.rc.exists():
            ExitStatus(exit=137, reason=CommandEnd.ABORTED, signal=9, ended=time.time()).write(self.files.rc)


def start(
    argv: Sequence[str],
    files: CommandFiles,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    secrets: Sequence[str] = (),
    cwd: Path | None = None,
    hide_output: bool = False,
) -> RunningCommand:
    """Start `argv` (a list — never a shell string) under a detached supervisor.

    `hide_output`: the whole output is a secret; the file records only how much there was."""
    files.out.parent.mkdir(parents=True, exist_ok=True)
    files.out.touch(mode=0o600)
    child_env = dict(os.environ if env is None else env)
    child_env.pop("CAIRN_REDACT", None)
    # Secrets go through an inherited pipe, never the environment: /proc/PID/environ would show
    # them for the supervisor's whole life.
    secrets_read, secrets_write = os.pipe()
    child_env["CAIRN_REDACT_FD"] = str(secrets_read)
    child_env["CAIRN_REDACT_ALL"] = "1" if hide_output else ""
    child_env.setdefault("NO_COLOR", "1")  # colour codes would be noise in the record
    supervisor = [
        sys.executable,
        "-I",
        "-S",
        "-c",
        _SUPERVISOR_STUB,
        str(SUPERVISOR),
        str(files.out),
        str(files.rc),
        str(files.pid),
        str(timeout or 0),
        "--",
        *argv,
    ]
    try:
        proc = subprocess.Popen(
            supervisor,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=child_env,
            cwd=cwd,
            close_fds=True,
            pass_fds=(secrets_read,),
        )
    except BaseException:
        os.close(secrets_write)
        raise
    finally:
        os.close(secrets_read)
    _send_secrets(secrets_write, "\x1f".join(sorted(set(secrets))).encode("utf-8", "surrogateescape"))
    return RunningCommand(files, proc)


def _send_secrets(fd: int, data: bytes) -> None:
    """Write the secrets into the supervisor's pipe and close it (EOF tells it there are no more)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:  # the supervisor is already gone: its exit status says why
        pass
    finally:
        os.close(fd)


def attach(files: CommandFiles, offset: int = 0) -> RunningCommand:
    """Follow a command an earlier Cairn process started (resume after a crash or hang-up)."""
    return RunningCommand(files, None, offset)


def run_captured(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, timeout: float = 120.0
) -> tuple[int, str, str]:
    """Run a short read whose output is a secret: it never touches a file. (exit, stdout, stderr)"""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=dict(env) if env else None,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return 127, "", f"cairn: cannot start {argv[0]}: command not found"
    except subprocess.TimeoutExpired:
        return TIMEOUT_EXIT, "", f"cairn: timed out after {timeout:.0f}s"
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
