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

from .errors import BadInput, CairnError
from .execute import CommandFiles
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
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        sid = new_id()
        path = root / sid
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
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
    """An exclusive flock held for the life of the controlling process.

    The kernel drops a flock when its holder dies, so a lock left by a crashed or killed Cairn is
    free to take; the file still names the old holder, which `acquire` reports as taken over.
    """

    def __init__(self, directory: Path):
        self.path = SessionDir(directory).lock
        self._fd: int | None = None
        self.took_over: LockHolder | None = None

    def holder(self) -> LockHolder | None:
        try:
            data = json.loads(self.path.read_text())
            return LockHolder(
                int(data["pid"]), str(data["host"]), float(data["since"]), str(data.get("operator", ""))
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.holder()
            who = holder.describe() if holder else "another Cairn process"
            raise SessionLocked(
                f"session {self.path.parent.name} is being driven by {who}; "
                f"follow it read-only with `cairn watch {self.path.parent.name}`"
            ) from None
        previous = self.holder()
        if previous and (previous.pid != os.getpid() or previous.host != hostname()):
            self.took_over = previous
        record = {"pid": os.getpid(), "host": hostname(), "since": time.time(), "operator": operator()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
        self._fd = fd

    def is_held_elsewhere(self) -> bool:
        """For watchers: is a live process driving this session right now?"""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
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
