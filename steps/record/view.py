"""SessionView: the journal folded into what a person wants to see.

Step states and durations, each command with its exit, the checks, the operator's decisions, and
how the run ended. The app, plain mode, `watch`, `resume` and `export` all build on this fold, so
they can never disagree about what happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..run import events as ev
from ..states import FINAL_STATES as FINAL_STATES  # re-exported under its old home
from ..states import StepEnd, StepState
from .printable import printable

# The step states under their old names here (steps/states.py defines them).
PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, DONE, INTERRUPTED, ABORTED = (
    StepState.PENDING,
    StepState.RUNNING,
    StepState.SUCCEEDED,
    StepState.FAILED,
    StepState.SKIPPED,
    StepState.DONE,
    StepState.INTERRUPTED,
    StepState.ABORTED,
)
# A human check that --yes answered: nobody looked, so it is neither ok nor skipped.
ASSUMED = StepState.ASSUMED


@dataclass
class CommandRecord:
    number: int
    step_id: str
    index: int
    display: str
    started: float
    timeout: float | None = None
    pids: tuple[int, ...] = ()
    finished: float | None = None
    exit: int | None = None
    reason: str = ""  # a CommandEnd once it finished
    ok: bool | None = None
    benign: str = ""
    failure: str = ""
    last_output: float | None = None  # when it last printed (live views only: output is not journaled)

    def silent_for(self, now: float) -> float:
        return max(0.0, now - (self.last_output or self.started))


@dataclass
class StepRecord:
    id: str
    title: str
    phase_id: str
    doc: str = ""
    destructive: bool = False
    commands_planned: tuple[str, ...] = ()
    state: StepState = StepState.PENDING
    attempts: int = 0
    started: float | None = None
    finished: float | None = None
    reason: str = ""
    commands: list[CommandRecord] = field(default_factory=list)
    checks: list[ev.CheckEvaluated] = field(default_factory=list)
    captured: dict[str, str] = field(default_factory=dict)
    generated: list[ev.Generated] = field(default_factory=list)
    waits: list[ev.WaitFinished] = field(default_factory=list)
    notes: list[ev.NoteAdded] = field(default_factory=list)
    skip_requested: str = ""  # a skip's reason, given but not carried out yet
    # When the step waited for the operator (a question open, a pause held): (from, to) times.
    operator_waits: list[tuple[float, float]] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    @property
    def waited(self) -> float:
        """Seconds the step waited for the operator (its confirmation included)."""
        return sum(end - begin for begin, end in self.operator_waits)

    @property
    def run_time(self) -> float | None:
        """Its time from start to end without the time it waited for the operator meanwhile."""
        if self.started is None or self.finished is None:
            return None
        begin, end = self.started, self.finished
        inside = sum(max(0.0, min(b, end) - max(a, begin)) for a, b in self.operator_waits)
        return max(0.0, end - begin - inside)


@dataclass
class PhaseRecord:
    id: str
    title: str
    step_ids: list[str]


@dataclass
class SessionView:
    started: ev.SessionStarted
    phases: list[PhaseRecord] = field(default_factory=list)
    steps: dict[str, StepRecord] = field(default_factory=dict)
    decisions: list[tuple[ev.DecisionRequested | None, ev.DecisionMade]] = field(default_factory=list)
    pending_decision: ev.DecisionRequested | None = None
    notices: list[ev.Notice] = field(default_factory=list)
    resumes: list[ev.SessionResumed] = field(default_factory=list)
    detaches: list[ev.Detached] = field(default_factory=list)
    pauses: list[ev.Paused | ev.Resumed] = field(default_factory=list)
    finished: ev.RunFinished | None = None
    last_event_at: float = 0.0
    current_step: str = ""
    last_wait: ev.WaitProgress | None = None
    notes: list[ev.NoteAdded] = field(default_factory=list)  # every note, in order
    controls: list[ev.SkipRequested | ev.KillRequested] = field(default_factory=list)
    _requested: dict[int, ev.DecisionRequested] = field(default_factory=dict)
    _by_number: dict[int, CommandRecord] = field(default_factory=dict)
    _paused_at: ev.Paused | None = None  # a pause not yet lifted

    @classmethod
    def build(cls, events: Iterable[ev.Event]) -> SessionView:
        it = iter(events)
        first = next(it)
        assert isinstance(first, ev.SessionStarted)
        view = cls(started=first)
        for phase in first.outline:
            view.phases.append(PhaseRecord(phase.id, phase.title, [s.id for s in phase.steps]))
            for s in phase.steps:
                view.steps[s.id] = StepRecord(
                    id=s.id,
                    title=s.title,
                    phase_id=phase.id,
                    destructive=bool(s.destructive),
                    commands_planned=s.commands,
                )
        view.last_event_at = first.t
        for event in it:
            view.apply(event)
        return view

    def apply(self, event: ev.Event) -> None:  # noqa: C901 - one branch per event type
        self.last_event_at = max(self.last_event_at, event.t)
        step = self.steps.get(getattr(event, "step_id", "") or "")
        match event:
            case ev.StepStarted():
                if step:
                    step.state, step.attempts = StepState.RUNNING, max(event.attempt, step.attempts)
                    step.started = step.started if event.attempt > 1 and step.started else event.t
                    step.finished, step.reason = None, ""
                self.current_step = event.step_id
            case ev.StepFinished():
                if step:
                    step.state = StepEnd(event.state).state
                    step.finished, step.reason = event.t, event.reason
                    if step.state in FINAL_STATES:
                        step.skip_requested = ""
                if self.current_step == event.step_id and event.state not in (
                    StepEnd.FAILED,
                    StepEnd.INTERRUPTED,
                ):
                    self.current_step = ""
            case ev.CommandStarted():
                if step:
                    rec = CommandRecord(
                        number=event.number,
                        step_id=event.step_id,
                        index=event.index,
                        display=event.display,
                        started=event.t,
                        timeout=event.timeout,
                        pids=tuple(event.pids),
                    )
                    step.commands.append(rec)
                    self._by_number[rec.number] = rec
            case ev.CommandOutput():
                out = self._by_number.get(event.number)
                if out is not None:
                    out.last_output = event.t
            case ev.CommandFinished():
                ended = self.command(event.number)
                if ended:
                    ended.finished, ended.exit, ended.reason = event.t, event.exit, event.reason
                    ended.ok, ended.benign, ended.failure = event.ok, event.benign, event.failure
            case ev.CheckEvaluated():
                if step:
                    step.checks.append(event)
            case ev.Captured():
                if step:
                    step.captured[event.name] = event.value
            case ev.Generated():
                if step:
                    step.generated.append(event)
            case ev.WaitProgress():
                self.last_wait = event
            case ev.WaitFinished():
                self.last_wait = None
                if step:
                    step.waits.append(event)
            case ev.DecisionRequested():
                self._requested[event.id] = event
                self.pending_decision = event
            case ev.DecisionMade():
                asked = self._requested.get(event.id)
                self.decisions.append((asked, event))
                if self.pending_decision and self.pending_decision.id == event.id:
                    self.pending_decision = None
                if asked is not None and step is not None:
                    step.operator_waits.append((asked.t, max(asked.t, event.t)))
            case ev.Paused():
                self.pauses.append(event)
                self._paused_at = event
            case ev.Resumed():
                self.pauses.append(event)
                paused, self._paused_at = self._paused_at, None
                held = self.steps.get(paused.step_id) if paused is not None else None
                if paused is not None and held is not None:
                    # The run waited only once the command that kept running had ended.
                    running = self.command(paused.running_command) if paused.running_command else None
                    begin = paused.t
                    if running is not None:
                        begin = max(begin, running.finished if running.finished is not None else event.t)
                    held.operator_waits.append((begin, max(begin, event.t)))
            case ev.SkipRequested():
                self.controls.append(event)
                if step and step.state not in FINAL_STATES:
                    step.skip_requested = event.reason
            case ev.KillRequested():
                self.controls.append(event)
            case ev.NoteAdded():
                self.notes.append(event)
                if step:
                    step.notes.append(event)
            case ev.Notice():
                self.notices.append(event)
            case ev.SessionResumed():
                self.resumes.append(event)
                self.finished = None
            case ev.Detached():
                self.detaches.append(event)
            case ev.RunFinished():
                self.finished = event
                self.pending_decision = None

    def command(self, number: int) -> CommandRecord | None:
        return self._by_number.get(number)

    def pending_skips(self) -> dict[str, str]:
        """Skips the operator gave that were not carried out yet (they survive a resume)."""
        return {sid: st.skip_requested for sid, st in self.steps.items() if st.skip_requested}

    def last_step_id(self) -> str:
        """The step that ran most recently (for a note given between steps)."""
        started = [(st.started, sid) for sid, st in self.steps.items() if st.started is not None]
        return max(started)[1] if started else ""

    def all_commands(self) -> list[CommandRecord]:
        return sorted((c for s in self.steps.values() for c in s.commands), key=lambda c: c.number)

    def running_command(self) -> CommandRecord | None:
        unfinished = [c for c in self.all_commands() if c.finished is None]
        return unfinished[-1] if unfinished else None

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and isinstance(self.pauses[-1], ev.Paused)

    def counts(self) -> dict[StepState, int]:
        out: dict[StepState, int] = {}
        for step in self.steps.values():
            out[step.state] = out.get(step.state, 0) + 1
        return out

    def phase_progress(self, phase: PhaseRecord) -> tuple[int, int]:
        done = sum(1 for sid in phase.step_ids if self.steps[sid].state.final)
        return done, len(phase.step_ids)

    def params_line(self) -> str:
        parts = []
        for key, value in self.started.params.items():
            if key == "channels":
                continue
            shown: Any = ",".join(value) if isinstance(value, list) else value
            parts.append(f"{key}={shown if shown != '' else chr(34) * 2}")
        return printable(" ".join(parts))  # values are typed by people: no terminal controls

    def target_line(self) -> str:
        t = self.started.target
        kind = t.get("kind", "?")
        if kind == "sandbox":
            return f"sandbox:{t.get('scenario', '?')}"
        if kind == "files":
            return f"files:{t.get('directory', '?')}"
        aimed = [
            f"context {t['context']}" if t.get("context") else "",
            f"controller {t.get('controller')}" if t.get("controller") else "",
        ]
        return "live" + (f" ({', '.join(a for a in aimed if a)})" if any(aimed) else "")
