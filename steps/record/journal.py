"""The journal: `journal.jsonl`, one event per line, appended and flushed as it happens.

It is the truth about a session: the app, plain mode, `resume`, `watch` and `export` all read it.
A torn last line (a crash mid-write) is dropped with a warning; a journal written by a newer
Cairn is refused rather than half-understood.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, CairnError
from ..run.events import JOURNAL_FORMAT, Event, SessionStarted, from_record
from .redact import Redactor

JOURNAL_NAME = "journal.jsonl"


class JournalUnwritable(CairnError):
    """The journal cannot be appended to (disk full, read-only): the run stops where it is."""

    exit_code = 2


class JournalWriter:
    """Appends events; thread-safe; every string is redacted before it is written."""

    def __init__(self, path: Path, redactor: Redactor | None = None, guard: Callable[[], None] | None = None):
        self.path = path
        self.redactor = redactor or Redactor()
        # Called before every write: the session lock's `verify`, so a driver that lost the
        # session never appends to a journal another driver writes.
        self.guard = guard
        self._lock = threading.Lock()
        self._seq = _count_lines(path)
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the session's life

    def write(self, event: Event) -> None:
        if not event.journaled:
            return
        record = {"seq": 0, **event.to_record()}
        with self._lock:
            if self.guard is not None:
                self.guard()
            record["seq"] = self._seq
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
            line = self.redactor.text(line)
            try:
                self._fh.write(line + "\n")
                self._fh.flush()
            except OSError as exc:  # a full or read-only disk: the journal so far stays as it is
                raise JournalUnwritable(
                    f"cannot write the journal {self.path}: {exc.strerror}; "
                    "free space (or fix permissions), then `cairn resume` continues"
                ) from None
            self._seq += 1

    def sync(self) -> None:
        with self._lock:
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                self._fh.close()


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


@dataclass(frozen=True)
class JournalRead:
    events: tuple[Event, ...]
    warnings: tuple[str, ...]
    complete_bytes: int  # offset after the last whole line (a torn tail starts here)


def read(path: Path) -> JournalRead:
    """Every event of a journal. Raises BadInput for a missing, corrupt or too-new journal."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no journal here (is this a Cairn session directory?)") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the journal: {exc.strerror}") from None
    events: list[Event] = []
    warnings: list[str] = []
    # Every event is written as one line ending in "\n"; only an unterminated tail can be torn.
    complete = raw.rfind(b"\n") + 1
    tail = raw[complete:]
    if tail.strip():
        warnings.append(
            f"{path.name}: dropped a torn last line ({len(tail)} bytes; the process died mid-write)"
        )
    for number, line in enumerate(raw[:complete].split(b"\n")[:-1], 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            if number == 1:
                _check_format(path, record)
            if record.get("type") == SessionStarted.type:  # checked raw: reading builds records of it
                _check_outline(record.get("outline", []))
            event = from_record(record)
            _check_types(event)
            events.append(event)
        except BadInput:
            raise
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise BadInput(f"{path}:{number}: corrupt journal line: {exc}") from None
    if not events or not isinstance(events[0], SessionStarted):
        raise BadInput(f"{path}: not a Cairn journal (it does not start with session.started)")
    return JournalRead(events=tuple(events), warnings=tuple(warnings), complete_bytes=complete)


def _check_format(path: Path, record: dict) -> None:
    fmt = record.get("format", 0) if record.get("type") == SessionStarted.type else 0
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise BadInput(f"{path}:1: not a Cairn journal (its format is {fmt!r}, not a number)")
    if fmt > JOURNAL_FORMAT:
        raise BadInput(
            f"{path}: written by a newer Cairn (journal format {fmt}; this Cairn reads format "
            f"{JOURNAL_FORMAT}); open it with a newer Cairn"
        )


# What each annotated field of an event must hold; a hand-edited or foreign journal with a
# string where a number belongs is refused here, not half-read into a crash later.
_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "dict": (dict,),
    "tuple": (tuple,),
    "list": (list,),
    "None": (type(None),),
}


def _check_types(event: Event) -> None:
    for f in dataclasses.fields(event):
        allowed: tuple[type, ...] = ()
        for part in str(f.type).split("|"):
            base = part.strip().split("[", 1)[0]
            if base not in _TYPES:
                allowed = ()
                break
            allowed += _TYPES[base]
        value = getattr(event, f.name)
        if allowed and (not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)):
            raise TypeError(f"field {f.name!r} of {event.type} is {type(value).__name__}, not {f.type}")
    if isinstance(event, SessionStarted):
        _check_target(event.target)


_TARGET_FIELDS: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "scenario": (str,),
    "directory": (str,),
    "context": (str,),
    "controller": (str,),
    "model": (str,),
    "cluster": (str,),
    "server": (str,),
    "speed": (int, float),
    "faults": (list,),
}


def _check_target(target: dict[str, Any]) -> None:
    for key, allowed in _TARGET_FIELDS.items():
        value = target.get(key)
        if value is not None and (not isinstance(value, allowed) or isinstance(value, bool)):
            raise TypeError(f"target.{key} is {type(value).__name__}")


def _check_outline(outline: Any) -> None:
    if not isinstance(outline, list):
        raise TypeError("outline is not a list of phases")
    for phase in outline:
        if not isinstance(phase, dict) or not isinstance(phase.get("steps"), list):
            raise TypeError("outline: a phase is not {id, title, steps}")
        for key in ("id", "title"):
            if not isinstance(phase.get(key), str):
                raise TypeError(f"outline: a phase's {key} is not text")
        for step in phase["steps"]:
            if not isinstance(step, dict) or not all(isinstance(step.get(k), str) for k in ("id", "title")):
                raise TypeError("outline: a step is not {id, title, …}")
            if not isinstance(step.get("commands", []), list):
                raise TypeError("outline: a step's commands are not a list")


def repair(path: Path, read_result: JournalRead) -> None:
    """Cut a torn tail off so appends start on a fresh line."""
    if read_result.complete_bytes < path.stat().st_size:
        with open(path, "r+b") as f:
            f.truncate(read_result.complete_bytes)


def follow(path: Path, start: int = 0) -> Iterator[tuple[int, list[Event]]]:
    """Yield (new offset, events) for lines appended since `start`; for read-only watchers."""
    offset = start
    while True:
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        cut = data.rfind(b"\n") + 1
        events = []
        for line in data[:cut].split(b"\n"):
            if line.strip():
                try:
                    events.append(from_record(json.loads(line)))
                except (ValueError, TypeError):
                    continue
        offset += cut
        yield offset, events
