"""Typed engine events. The journal is a list of these; every front end is a view of them.

Each event is a frozen dataclass with a `type` tag. `to_record`/`from_record` move them to and
from the journal's JSON lines. `CommandOutput` is the one event that is never journaled: output
lives in the command's own file.
"""

from __future__ import annotations

import dataclasses
import time
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from ..states import (
    CheckPurpose,
    Choice,
    CommandEnd,
    DecisionKind,
    Level,
    RunOutcome,
    StepEnd,
    Verdict,
    WaitOutcome,
)

JOURNAL_FORMAT = 1

_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = ""
    journaled: ClassVar[bool] = True
    t: float = field(default_factory=time.time)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type:
            _TYPES[cls.type] = cls

    def __post_init__(self) -> None:
        # The words of steps.states as members however the event was made (by the engine, read
        # back from a journal, or written by hand in a test); ValueError for a word it does not
        # know (a newer journal).
        for name, (enum, many) in _enum_fields(type(self)).items():
            value = getattr(self, name)
            if many:
                object.__setattr__(self, name, tuple(enum(v) for v in value))
            elif not isinstance(value, enum):
                object.__setattr__(self, name, enum(value))

    def to_record(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in _omitted_when_empty(type(self)):
            if not data[name]:
                del data[name]
        return {"type": self.type, **data}


def from_record(record: dict[str, Any]) -> Event:
    """An event from its journal record. Unknown types and fields are errors (a newer journal)."""
    kind = record.get("type")
    cls = _TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}")
    names, tuples = _shape(cls)
    data = {k: v for k, v in record.items() if k != "type" and k != "seq"}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"event {kind} has unknown fields: {', '.join(sorted(unknown))}")
    for name in tuples:
        if name in data and isinstance(data[name], list):
            data[name] = tuple(tuple(x) if isinstance(x, list) else x for x in data[name])
    return cls(**data)


_ENUM_FIELDS: dict[type[Event], dict[str, tuple[type[StrEnum], bool]]] = {}


def _enum_fields(cls: type[Event]) -> dict[str, tuple[type[StrEnum], bool]]:
    """The fields of an event that hold a word of steps.states: name -> (enum, a tuple of them)."""
    known = _ENUM_FIELDS.get(cls)
    if known is not None:
        return known
    out = _ENUM_FIELDS[cls] = {}
    for name, hint in typing.get_type_hints(cls).items():
        args = typing.get_args(hint)
        many = typing.get_origin(hint) is tuple and bool(args)
        inner = args[0] if many else hint
        if isinstance(inner, type) and issubclass(inner, StrEnum):
            out[name] = (inner, many)
    return out


# A dict rather than functools.cache: an event class's instances are unhashable (eq dataclasses),
# and mypy then will not let the class itself be a cache key.
_SHAPES: dict[type, tuple[frozenset[str], tuple[str, ...]]] = {}
_OMITTED: dict[type, tuple[str, ...]] = {}
# A field added to the journal after its first release is written only when it holds something,
# so records that do not need it stay byte for byte what they were (and older Cairns read them).
OMIT_WHEN_EMPTY = {"omit_when_empty": True}


def _omitted_when_empty(cls: type) -> tuple[str, ...]:
    known = _OMITTED.get(cls)
    if known is None:
        known = _OMITTED[cls] = tuple(
            f.name for f in dataclasses.fields(cls) if f.metadata.get("omit_when_empty")
        )
    return known


def _shape(cls: type) -> tuple[frozenset[str], tuple[str, ...]]:
    """An event class's field names and its tuple-typed fields (JSON gives lists), worked out once
    per class: `dataclasses.fields()` on every record was a third of a journal's replay."""
    known = _SHAPES.get(cls)
    if known is None:
        fields = dataclasses.fields(cls)
        known = _SHAPES[cls] = (
            frozenset(f.name for f in fields),
            tuple(f.name for f in fields if "tuple" in str(f.type)),
        )
    return known


# --- the session ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutlineStep:
    """A step as the journal's outline records it: enough to show the plan without the runbook."""

    id: str
    title: str
    doc: str = ""
    destructive: bool = False
    commands: tuple[str, ...] = ()  # display strings

    @classmethod
    def of(cls, data: OutlineStep | dict[str, Any]) -> OutlineStep:
        if isinstance(data, OutlineStep):
            return data
        return cls(**{**data, "commands": tuple(data.get("commands", ()))})


@dataclass(frozen=True)
class OutlinePhase:
    id: str
    title: str
    steps: tuple[OutlineStep, ...] = ()

    @classmethod
    def of(cls, data: OutlinePhase | dict[str, Any]) -> OutlinePhase:
        if isinstance(data, OutlinePhase):
            return data
        return cls(**{**data, "steps": tuple(OutlineStep.of(s) for s in data.get("steps", ()))})


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    type: ClassVar[str] = "session.started"
    format: int = JOURNAL_FORMAT
    session_id: str
    runbook: str
    runbook_title: str
    runbook_file: str = ""  # a user's runbook (--runbook FILE); "" for built-ins
    params: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)  # kind, scenario, speed, faults, …
    operator: str = ""
    host: str = ""
    cairn_version: str = ""
    yes: bool = False
    # The plan outline, so views need not reload the runbook. Journaled as plain objects; read
    # back (or given as dicts) it becomes OutlinePhase records.
    outline: tuple[OutlinePhase, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "outline", tuple(OutlinePhase.of(p) for p in self.outline))


@dataclass(frozen=True, kw_only=True)
class SessionResumed(Event):
    type: ClassVar[str] = "session.resumed"
    pid: int
    host: str
    operator: str = ""
    took_over_from: str = ""  # "pid 123 on host (no longer running)" when a stale lock was taken


@dataclass(frozen=True, kw_only=True)
class Detached(Event):
    """The front end went away (quit, hang-up, SIGTERM) while the session was unfinished."""

    type: ClassVar[str] = "session.detached"
    reason: str
    running_command: int | None = None


@dataclass(frozen=True, kw_only=True)
class RunFinished(Event):
    type: ClassVar[str] = "run.finished"
    outcome: RunOutcome
    summary: dict[str, int] = field(default_factory=dict)  # state -> step count
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    type: ClassVar[str] = "notice"
    level: Level
    text: str
    step_id: str = ""


# --- steps ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StepStarted(Event):
    type: ClassVar[str] = "step.started"
    step_id: str
    attempt: int = 1
    from_command: int = 0  # a retry starts from the failed command


@dataclass(frozen=True, kw_only=True)
class StepFinished(Event):
    type: ClassVar[str] = "step.finished"
    step_id: str
    state: StepEnd
    reason: str = ""
    duration: float = 0.0  # its own time, without the time it waited for the operator
    waited: float = 0.0  # the time it waited for the operator (questions, pauses) meanwhile


@dataclass(frozen=True, kw_only=True)
class CheckEvaluated(Event):
    type: ClassVar[str] = "check.evaluated"
    step_id: str
    purpose: CheckPurpose
    name: str
    status: Verdict
    message: str = ""
    fix: str = ""
    details: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CommandStarted(Event):
    type: ClassVar[str] = "command.started"
    step_id: str
    index: int  # position in the step's command list
    number: int  # session-wide number: commands/NNN.out
    display: str  # the argv as a person would type it (secrets redacted)
    argv: tuple[str, ...] = ()  # redacted argv
    timeout: float | None = None
    pids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CommandOutput(Event):
    type: ClassVar[str] = "command.output"
    journaled: ClassVar[bool] = False
    step_id: str
    number: int
    lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CommandFinished(Event):
    type: ClassVar[str] = "command.finished"
    step_id: str
    index: int
    number: int
    exit: int
    reason: CommandEnd = CommandEnd.EXITED
    ok: bool = False
    benign: str = ""  # why a non-zero exit counted as success
    failure: str = ""  # why a zero exit counted as failure (an expected pattern missing)
    duration: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Captured(Event):
    type: ClassVar[str] = "captured"
    step_id: str
    name: str
    value: str  # "[redacted]" for secrets
    secret: bool = False


@dataclass(frozen=True, kw_only=True)
class Generated(Event):
    type: ClassVar[str] = "generated"
    step_id: str
    generator: str
    commands: tuple[tuple[str, ...], ...] = ()
    record: Any = None
    files: dict[str, str] = field(default_factory=dict)  # name -> path written
    # Each command in full (timeout, capture, fallbacks, expectations, benign rules), when any of
    # them carries more than its argv: a resumed session replays them exactly (generated.py).
    specs: tuple[dict[str, Any], ...] = field(default=(), metadata=OMIT_WHEN_EMPTY)


# --- waiting --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class WaitProgress(Event):
    """The engine waits for apps to settle or checks to pass; `lines` say for what."""

    type: ClassVar[str] = "wait.progress"
    step_id: str
    what: str  # "settle: istio-k8s, istio-ingress-k8s" or "until: app-absent(istio-pilot)"
    lines: tuple[str, ...] = ()
    elapsed: float = 0.0
    stable_for: float = 0.0
    timeout: float = 0.0


@dataclass(frozen=True, kw_only=True)
class WaitFinished(Event):
    type: ClassVar[str] = "wait.finished"
    step_id: str
    outcome: WaitOutcome
    elapsed: float = 0.0


# --- the operator ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DecisionRequested(Event):
    type: ClassVar[str] = "decision.requested"
    id: int
    kind: DecisionKind
    step_id: str
    prompt: str
    options: tuple[Choice, ...]  # e.g. (yes, skip, abort) or (retry, skip, abort)
    detail: tuple[str, ...] = ()  # the exact commands of a destructive step, the failure, …
    warning: str = ""  # the step's known trouble, shown with the question
    # Every argv a confirmation runs, fully rendered (generated ones computed, captures filled in,
    # secrets as [redacted]): the question is asked only once all of them are known.
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DecisionMade(Event):
    type: ClassVar[str] = "decision.made"
    id: int
    kind: DecisionKind
    step_id: str
    choice: Choice
    reason: str = ""
    by: str = "operator"  # operator | --yes


@dataclass(frozen=True, kw_only=True)
class Paused(Event):
    """Journaled when the operator asks, even while a command runs (it is never killed)."""

    type: ClassVar[str] = "paused"
    step_id: str = ""  # the step it holds in (before its next command)
    by: str = "operator"
    running_command: int | None = None  # the command that goes on running meanwhile


@dataclass(frozen=True, kw_only=True)
class SkipRequested(Event):
    """The operator skips a step; journaled at once, carried out when its running command ends."""

    type: ClassVar[str] = "skip.requested"
    step_id: str
    reason: str
    by: str = "operator"
    running_command: int | None = None


@dataclass(frozen=True, kw_only=True)
class KillRequested(Event):
    """The operator kills the running command (its process group); the step then fails."""

    type: ClassVar[str] = "kill.requested"
    step_id: str
    number: int
    by: str = "operator"


@dataclass(frozen=True, kw_only=True)
class NoteAdded(Event):
    """An operator's note on a step (or on the session), for the change ticket."""

    type: ClassVar[str] = "note"
    step_id: str = ""
    text: str
    by: str = "operator"


@dataclass(frozen=True, kw_only=True)
class Resumed(Event):
    type: ClassVar[str] = "resumed"
    by: str = "operator"
