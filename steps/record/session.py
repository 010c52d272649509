"""Session directories: where they live, their ids, and the lock that keeps one controller each.

    $CAIRN_HOME (or $XDG_STATE_HOME/cairn, or ~/.local/state/cairn)/sessions/<id>/
        journal.jsonl        the events (the truth)
        commands/NNN.out     each command's output; NNN.rc its exit status; NNN.pid its pids
        files/               files Cairn generated for commands (e.g. a manifest to apply)
        lock                 who drives the session (pid, host, since)
        cluster-state.json   the latest cluster-state summary the engine read
        snapshot.txt         the export, when asked for
    $CAIRN_HOME/sandboxes/<id>/  the rehearsal deployment of a sandbox session

The sandbox lives beside the session, not in it: it plays the cluster (its state holds Secrets and
secret config, as a real cluster's etcd does), while the session directory is the record that is
handed to reviewers and must hold no secret.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput, CairnError
from ..run.execute import CommandFiles
from .journal import JOURNAL_NAME

LOCK_NAME = "lock"
COMMANDS_NAME = "commands"
GENERATED_NAME = "files"
CLUSTER_STATE_NAME = "cluster-state.json"
EXPORT_NAMES = {"text": "snapshot.txt", "json": "snapshot.json"}


@dataclass(frozen=True)
class SessionDir:
    """One session's directory: every name in it (the layout above) is spelled here and only here."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def journal(self) -> Path:
        return self.path / JOURNAL_NAME

    @property
    def commands(self) -> Path:
        return self.path / COMMANDS_NAME

    def command(self, number: int) -> CommandFiles:
        """Command NNN's files: .out (its output), .rc (its exit status), .pid."""
        return CommandFiles.numbered(self.commands, number)

    @staticmethod
    def output_name(number: int) -> str:
        """How the record names a command's output file, relative to the session directory."""
        return f"{COMMANDS_NAME}/{number:03d}.out"

    def generated(self, step_id: str, name: str) -> Path:
        """A file Cairn generated for a step's commands (e.g. a manifest to apply)."""
        return self.path / GENERATED_NAME / f"{step_id}-{name}"

    @property
    def lock(self) -> Path:
        return self.path / LOCK_NAME

    @property
    def cluster_state(self) -> Path:
        return self.path / CLUSTER_STATE_NAME

    def export(self, fmt: str = "text") -> Path:
        """Where `cairn export` and the app's `e` write the record by default."""
        return self.path / EXPORT_NAMES[fmt]

    @property
    def sandbox(self) -> Path:
        """The rehearsal deployment of a sandbox session: beside the session, never in it."""
        return sandbox_dir(self.id)

    def is_session(self) -> bool:
        return self.journal.exists()


def home() -> Path:
    if os.environ.get("CAIRN_HOME"):
        return Path(os.environ["CAIRN_HOME"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cairn"


def sessions_dir() -> Path:
    return home() / "sessions"


def sandbox_dir(session_id: str) -> Path:
    return home() / "sandboxes" / session_id


def new_id(now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    return f"{stamp}-{secrets.token_hex(2)}"


def operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def hostname() -> str:
    return socket.gethostname()


def create() -> tuple[str, Path]:
    root = sessions_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create the sessions directory {root}: {exc.strerror}") from None
    for _ in range(20):
        sid = new_id()
        path = root / sid
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise BadInput(f"cannot create a session under {root}: {exc.strerror}") from None
        SessionDir(path).commands.mkdir()
        return sid, path
    raise CairnError(f"could not create a session directory under {root}")


def all_ids() -> list[str]:
    root = sessions_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if SessionDir(p).is_session())


def find(session_id: str | None) -> tuple[str, Path]:
    """A session by id (a unique prefix is enough), or the latest when None."""
    ids = all_ids()
    if not ids:
        raise BadInput(f"no sessions yet under {sessions_dir()}; start one with `cairn run RUNBOOK`")
    if not session_id:
        return ids[-1], sessions_dir() / ids[-1]
    if "/" in session_id or session_id.startswith("."):
        raise BadInput(f"{session_id!r} is not a session id; `cairn sessions` lists them")
    matches = [i for i in ids if i == session_id] or [i for i in ids if i.startswith(session_id)]
    if not matches:
        raise BadInput(f"no session {session_id!r}; `cairn sessions` lists them")
    if len(matches) > 1:
        raise BadInput(
            f"{session_id!r} matches {len(matches)} sessions ({', '.join(matches[:3])}…); give more of the id"
        )
    return matches[0], sessions_dir() / matches[0]


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    since: float
    operator: str = ""

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        who = f" ({self.operator})" if self.operator else ""
        return f"pid {self.pid} on {self.host}{who} since {when}"


class SessionLocked(CairnError):
    exit_code = 2


class SessionLock:
    """One driver per session, even when the lock file is deleted or replaced.

    Two flocks are held for the life of the controlling process: one on the session directory
    (which cannot be swapped without swapping the journal with it) and one on the `lock` file (the
    name tag watchers read: pid, host, since). The kernel drops both when the holder dies, so a
    lock left by a crashed or killed Cairn is free to take; the file still names the old holder,
    which `acquire` reports as taken over. `verify` runs before every journal write: a lock file
    deleted or replaced under the driver is put back, and a driver that lost the session stops.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = SessionDir(directory).lock
        self._fd: int | None = None
        self._dir_fd: int | None = None
        self._record = b""
        self.took_over: LockHolder | None = None

    def holder(self) -> LockHolder | None:
        try:
            data = json.loads(self.path.read_text())
            return LockHolder(
                int(data["pid"]), str(data["host"]), float(data["since"]), str(data.get("operator", ""))
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _refused(self) -> SessionLocked:
        # The kernel's record of the directory flock is the truth; the lock file may be stale,
        # removed or forged.
        pid = _flock_holder_pid(self.directory)
        holder = self.holder()
        if holder is not None and (pid is None or holder.pid == pid):
            who = holder.describe()
        elif pid:
            who = f"pid {pid} on {hostname()} (its lock file was removed or replaced)"
        else:
            who = "another Cairn process"
        name = self.directory.name
        return SessionLocked(
            f"session {name} is being driven by {who}; follow it read-only with `cairn watch {name}`"
        )

    def acquire(self) -> None:
        dir_fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(dir_fd)
            raise self._refused() from None
        try:
            fd = self._open_tag()
        except BaseException:
            os.close(dir_fd)
            raise
        previous = self.holder()
        if previous and (previous.pid != os.getpid() or previous.host != hostname()):
            self.took_over = previous
        record = {"pid": os.getpid(), "host": hostname(), "since": time.time(), "operator": operator()}
        self._record = (json.dumps(record) + "\n").encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, self._record, 0)
        self._fd, self._dir_fd = fd, dir_fd

    def _open_tag(self) -> int:
        """Open and flock the lock file; refused when another process holds it (an older Cairn)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise SessionLocked(f"cannot open the session lock {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._refused() from None
        return fd

    def verify(self) -> None:
        """Before a journal write: is the lock file still ours? Put it back when it was removed or
        replaced (the directory flock proves nobody else drives the session); stop when another
        process holds the replacement."""
        if self._fd is None:
            return
        mine = os.fstat(self._fd)
        try:
            there = os.stat(self.path, follow_symlinks=False)
            if (there.st_ino, there.st_dev) == (mine.st_ino, mine.st_dev):
                return
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SessionLocked(f"the session lock {self.path} was replaced: {exc.strerror}") from None
        fd = self._open_tag()  # refused when another process holds the replacement
        os.ftruncate(fd, 0)
        os.pwrite(fd, self._record, 0)
        old, self._fd = self._fd, fd
        os.close(old)

    def is_held_elsewhere(self) -> bool:
        """For watchers: is a live process driving this session right now?"""
        for path in (self.path, self.directory):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            finally:
                os.close(fd)
        return False

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)  # a clean exit leaves no holder to "take over" from
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
        if self._dir_fd is not None:
            os.close(self._dir_fd)  # closing the last descriptor drops the flock
            self._dir_fd = None


def _flock_holder_pid(directory: Path) -> int | None:
    """Who holds the flock on `directory` (Linux /proc/locks), to name a holder whose lock file
    was removed."""
    try:
        st = os.stat(directory)
        locks = Path("/proc/locks").read_text()
    except OSError:
        return None
    want = f":{st.st_ino} "
    for line in locks.splitlines():
        parts = line.split()
        # 1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF
        if "FLOCK" in parts and len(parts) >= 6 and (parts[5] + " ").endswith(want):
            major, minor = parts[5].split(":")[:2]
            if (int(major, 16), int(minor, 16)) == (os.major(st.st_dev), os.minor(st.st_dev)):
                return int(parts[4])
    return None
