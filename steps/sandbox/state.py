"""The sandbox's persistent state: one JSON document beside a lock file.

Every emulated command is its own process (the bin/ scripts) or an in-process call, and several
may run at once (the engine's command and the cluster-state refresher). So every read takes a
shared flock and every read-modify-write an exclusive one, and writes go to a temp file that is
renamed over the old one: a reader never sees half a document.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import msgspec

STATE_FILE = "state.json"
LOCK_FILE = ".state.lock"
FORMAT_VERSION = 1

State = dict[str, Any]


class SandboxMissing(Exception):
    """The directory holds no sandbox state (never created, or deleted)."""


def state_path(sandbox_dir: Path) -> Path:
    return Path(sandbox_dir) / STATE_FILE


@contextmanager
def _locked(sandbox_dir: Path, mode: int) -> Iterator[None]:
    lock = Path(sandbox_dir) / LOCK_FILE
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(sandbox_dir: Path) -> State:
    try:
        with open(state_path(sandbox_dir), "rb") as fh:
            return msgspec.json.decode(fh.read())  # twice as fast as json.load, same documents
    except FileNotFoundError as exc:
        raise SandboxMissing(f"no sandbox state in {sandbox_dir}") from exc


def _write(sandbox_dir: Path, state: State) -> None:
    import tempfile  # here, not at the top: most emulated commands only read (~5 ms a start)

    fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=sandbox_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(msgspec.json.encode(state))  # compact, as json.dump(separators=(",", ":"))
        os.chmod(tmp, 0o600)  # it holds the planted Secrets and secret config, as etcd would
        os.replace(tmp, state_path(sandbox_dir))
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_SNAPSHOT = threading.local()  # (resolved dir, state, dir as given) while `snapshot()` is active


@contextmanager
def snapshot(sandbox_dir: Path) -> Iterator[None]:
    """Answer every `load()` of this sandbox, in this thread, from one read of the state.

    A cluster-state read runs some fifty emulated read commands; parsing the state once instead
    of fifty times makes it several times faster, and every read then sees the same instant.
    Only for read-only commands: a `transaction()` inside would write a stale copy back. Their
    JSON output is compact (see `compact_json`): it is parsed by Cairn, never shown.
    """
    if getattr(_SNAPSHOT, "value", None) is not None:  # re-entrant: the outer read answers
        yield
        return
    state = load(sandbox_dir)
    _SNAPSHOT.value = (Path(sandbox_dir).resolve(), state, Path(sandbox_dir))
    _SNAPSHOT.memo = {}
    try:
        yield
    finally:
        _SNAPSHOT.value = None
        _SNAPSHOT.memo = None


def snapshot_memo(state: State) -> dict[Any, Any] | None:
    """A dict that lives as long as the `snapshot()` holding `state`, for answers derived from it
    alone (the state cannot change inside a snapshot); None outside one."""
    held = getattr(_SNAPSHOT, "value", None)
    return _SNAPSHOT.memo if held is not None and held[1] is state else None


def compact_json() -> bool:
    """True while this thread answers reads from a `snapshot()`: Cairn's own state read, whose
    output only its parsers see. Indented JSON goes through the standard library's pure-Python
    encoder (~3 ms for a pod list); compact JSON through its C one."""
    return getattr(_SNAPSHOT, "value", None) is not None


def load(sandbox_dir: Path) -> State:
    """A consistent snapshot of the state, for read-only commands."""
    held = getattr(_SNAPSHOT, "value", None)
    # The path as the snapshot was given it answers without a realpath() per read.
    if held is not None and (held[2] == Path(sandbox_dir) or held[0] == Path(sandbox_dir).resolve()):
        return held[1]
    if not Path(sandbox_dir).is_dir():
        raise SandboxMissing(f"no sandbox directory {sandbox_dir}")
    with _locked(sandbox_dir, fcntl.LOCK_SH):
        return _read(sandbox_dir)


@contextmanager
def transaction(sandbox_dir: Path) -> Iterator[State]:
    """Hold the exclusive lock, yield the state, write it back unless the body raised."""
    if not Path(sandbox_dir).is_dir():
        raise SandboxMissing(f"no sandbox directory {sandbox_dir}")
    assert getattr(_SNAPSHOT, "value", None) is None, "a sandbox write inside a read-only snapshot"
    with _locked(sandbox_dir, fcntl.LOCK_EX):
        state = _read(sandbox_dir)
        yield state
        _write(sandbox_dir, state)


def initialise(sandbox_dir: Path, state: State) -> None:
    Path(sandbox_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(sandbox_dir, 0o700)
    with _locked(sandbox_dir, fcntl.LOCK_EX):
        _write(sandbox_dir, state)


# --- time --------------------------------------------------------------------------------------
# Settling is lazy: mutations store timestamps and every read derives the status at "now". "Now"
# comes from the sandbox's clock: the wall clock, or (in-process, for tests) one set by `clock()`.


class Clock(Protocol):
    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class WallClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock:
    """Time that moves only when told to, or when the sandbox waits (`kubectl wait` sleeping moves
    it on): a test sees each transient state at a moment it chooses, with no real sleep."""

    def __init__(self, start: float | None = None):
        self.t = time.time() if start is None else start

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.t += seconds


_clock: Clock = WallClock()


@contextmanager
def clock(replacement: Clock) -> Iterator[Clock]:
    """Run the in-process sandbox (create, run) on `replacement` within the block."""
    global _clock
    previous, _clock = _clock, replacement
    try:
        yield replacement
    finally:
        _clock = previous


def now() -> float:
    return _clock.now()


def sleep(seconds: float) -> None:
    _clock.sleep(seconds)


def delay(state: State, seconds: float) -> float:
    """A charm/pod delay scaled by the sandbox speed (0 = instant)."""
    return max(0.0, float(seconds) * float(state.get("speed", 1.0)))


def next_counter(state: State, name: str, start: int = 1) -> int:
    counters = state.setdefault("counters", {})
    value = counters.get(name, start - 1) + 1
    counters[name] = value
    return value
