"""Typed engine events. The journal is a list of these; every front end is a view of them.

Each event is a frozen dataclass with a `type` tag. `to_record`/`from_record` move them to and
from the journal's JSON lines. `CommandOutput` is the one event that is never journaled: output
lives in the command's own file.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

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

    def to_record(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {"type": self.type, **data}


def from_record(record: dict[str, Any]) -> Event:
    """An event from its journal record. Unknown types and fields are errors (a newer journal)."""
    kind = record.get("type")
    cls = _TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    data = {k: v for k, v in record.items() if k != "type" and k != "seq"}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"event {kind} has unknown fields: {', '.join(sorted(unknown))}")
    for f in dataclasses.fields(cls):
        if f.name in data and isinstance(data[f.name], list) and "tuple" in str(f.type):
            data[f.name] = tuple(tuple(x) if isinstance(x, list) else x for x in data[f.name])
    return cls(**data)


# --- the session ----------------------------------------------------------------------------


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
    # The plan outline, so views need not reload the runbook: [{id, title, steps: [{id, title,
    # destructive, commands: [display strings]}]}]
    outline: list[dict[str, Any]] = field(default_factory=list)


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
    outcome: str  # succeeded | failed | aborted
    summary: dict[str, int] = field(default_factory=dict)  # state -> step count
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    type: ClassVar[str] = "notice"
    level: str  # info | warning | error
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
    state: str  # succeeded | failed | skipped | assumed | done | aborted | interrupted
    reason: str = ""
    duration: float = 0.0  # its own time, without the time it waited for the operator
    waited: float = 0.0  # the time it waited for the operator (questions, pauses) meanwhile


@dataclass(frozen=True, kw_only=True)
class CheckEvaluated(Event):
    type: ClassVar[str] = "check.evaluated"
    step_id: str
    purpose: str  # check (already done?) | verify | wait
    name: str
    status: str  # passed | failed | warning | error
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
    reason: str = "exited"  # exited | timeout | aborted | killed | not-started | lost
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
    outcome: str  # settled | overridden | skipped | timed-out | aborted
    elapsed: float = 0.0


# --- the operator ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DecisionRequested(Event):
    type: ClassVar[str] = "decision.requested"
    id: int
    kind: str  # confirm | ask | failed | wait-timeout
    step_id: str
    prompt: str
    options: tuple[str, ...]  # e.g. ("yes", "skip", "abort") or ("retry", "skip", "abort")
    detail: tuple[str, ...] = ()  # the exact commands of a destructive step, the failure, …
    warning: str = ""  # the step's known trouble, shown with the question
    # Every argv a confirmation runs, fully rendered (generated ones computed, captures filled in,
    # secrets as [redacted]): the question is asked only once all of them are known.
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DecisionMade(Event):
    type: ClassVar[str] = "decision.made"
    id: int
    kind: str
    step_id: str
    choice: str
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
