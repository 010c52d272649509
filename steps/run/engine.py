"""The engine: runs a plan step by step and emits typed events. It knows no front end.

Run it in a thread (`Engine.run`); drive it from any thread with the controls:
- `pause()` / `resume()`: pause holds before the next command; a running command is never killed.
- `skip(step_id, reason)`: a pending step is skipped when reached; the current step after its
  running command ends.
- `decide(id, choice, reason)`: answers a `DecisionRequested` (confirm a destructive step, retry /
  skip / abort a failed one, keep waiting or override a wait that timed out).
- `override_wait()`: stop waiting for apps to settle and go on (journaled).
- `kill_command()`: kill just the running command (its process group); the step fails and the
  operator chooses retry, skip or abort. `running_command_info()` says what runs, its timeout
  and how long it has been silent.
- `add_note(text)`: the operator's note on the current step, journaled for the change record.
- `abort()`: kills the running command's process group and ends the run (front ends confirm first).
- `detach(reason)`: the front end is leaving; the running command keeps running, the run stops
  where it is and `cairn resume` continues it.

Every event goes to the journal first, then to the listener, so what a front end shows is
always already on disk.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import errno
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cluster.state import ClusterState
from ..record import narrator, secret_store, state_summary
from ..record.journal import JournalUnwritable, JournalWriter
from ..record.redact import MIN_SECRET_LEN, REDACTED, Redactor, output_is_secret
from ..record.session import SessionDir, SessionLocked
from ..record.view import SessionView
from ..runbook import generators, template
from ..runbook.argvfmt import format_argv
from ..runbook.model import BenignRule, CheckRef, Command
from ..runbook.plan import Plan, PlannedStep
from ..states import (
    CheckPurpose,
    Choice,
    CommandEnd,
    DecisionKind,
    Level,
    RunOutcome,
    StepEnd,
    StepState,
    Verdict,
    WaitOutcome,
)
from . import events as ev
from . import execute
from .targets import LiveTarget, Target

Listener = Callable[[ev.Event], None]

OUTCOME_SUCCEEDED, OUTCOME_FAILED, OUTCOME_ABORTED, OUTCOME_DETACHED = (
    RunOutcome.SUCCEEDED,
    RunOutcome.FAILED,
    RunOutcome.ABORTED,
    RunOutcome.DETACHED,
)
SUMMARY_EVERY_SECONDS = 5.0  # how often the cluster-state summary file is rewritten during waits
FAILURE_TAIL_LINES = 12  # the end of a failed command's output, shown with the question


_STORAGE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EFBIG)


class _Abort(Exception):
    """Unwinds the run after an abort."""


class _Detach(Exception):
    """Unwinds the run when the front end leaves; nothing is killed."""


@dataclass
class EngineOptions:
    yes: bool = False  # answer yes to confirmations and questions (journaled as by --yes)
    settle_timeout: float | None = None  # overrides the runbook's
    on_failure: str = "ask"  # ask | abort: what --yes does when a step fails (it never retries blindly)


@dataclass(frozen=True)
class RunningInfo:
    """The command running now, for views that show its timeout and its silence."""

    step_id: str
    number: int
    display: str
    timeout: float | None
    started: float  # time.time()
    last_output: float  # time.time() of its latest output (its start when it printed nothing)

    def silent_for(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.last_output)


@dataclass
class _StepRun:
    step: PlannedStep
    commands: list[Command] = field(default_factory=list)
    next_index: int = 0
    attempt: int = 0


class Engine:
    def __init__(
        self,
        plan: Plan,
        session_dir: Path,
        journal: JournalWriter,
        target: Target,
        *,
        listener: Listener | None = None,
        options: EngineOptions | None = None,
        check_runner: Callable[..., Any] | None = None,
        settle_evaluator: Callable[..., Any] | None = None,
        resume_view: SessionView | None = None,
        captured: Mapping[str, str] | None = None,
        secret_names: set[str] | None = None,
    ):
        self.plan = plan
        self.session_dir = session_dir
        self.layout = SessionDir(session_dir)
        self.journal = journal
        self.target = target
        self.listener = listener or (lambda _e: None)
        self.options = options or EngineOptions()
        self._check_runner = check_runner
        self._settle_evaluator = settle_evaluator
        self.view = resume_view
        self.redactor: Redactor = journal.redactor
        self.captured: dict[str, str] = dict(captured or {})
        self.secret_names: set[str] = set(secret_names or ())
        self.params = dict(plan.values.params)
        self._table = plan.values.table()
        self._cond = threading.Condition()
        # Events come from the engine thread and, for the controls journaled when given (pause,
        # skip, kill, notes), from the caller's thread: one at a time into journal, view, listener.
        self._emit_lock = threading.RLock()
        # A pause given before an earlier process stopped still holds (it is in the journal).
        self._paused = bool(resume_view is not None and resume_view.paused)
        self._kill = False
        self._running: tuple[str, int, execute.RunningCommand] | None = None
        self._running_info: RunningInfo | None = None
        self._abort = False
        self._detach = ""
        self._override_wait = False
        # Skips given before an earlier process stopped are still owed.
        self._skips: dict[str, str] = dict(resume_view.pending_skips()) if resume_view is not None else {}
        self._decision: tuple[int, str, str] | None = None
        self._decision_id = 0
        self._command_number = self._first_free_command_number()
        if resume_view is not None:
            # A capture runs in memory and writes its files only when it ends: killed before that,
            # its number is in the journal but not on disk, and must not be handed out again.
            self._command_number = max(
                [self._command_number, *(c.number for c in resume_view.all_commands())]
            )
        self.current_step: str = ""
        self.outcome: RunOutcome | str = ""  # "" until the run ends
        self.last_state: ClusterState | None = None
        self._finished_here: list[str] = []  # steps this process finished (done, skipped, …)
        self._summary_written = -SUMMARY_EVERY_SECONDS
        self._last_command: tuple[str, int] | None = None  # (step id, number) of the latest command
        self._produced: dict[str, Any] = self._produced_from_view()
        self.stopped_because = ""  # why the run stopped when it could not go on recording

    def _run_check(self, name: str, state: ClusterState, params: Mapping[str, Any], **args: str) -> Any:
        if self._check_runner is None:
            from ..checks import run_check

            self._check_runner = run_check
        return self._check_runner(name, state, params, **args)

    def _evaluate_settle(self, state: ClusterState, apps: list[str]) -> Any:
        if self._settle_evaluator is None:
            from ..checks import evaluate_settle

            self._settle_evaluator = evaluate_settle
        return self._settle_evaluator(state, apps)

    # --- controls (any thread) ----------------------------------------------------------

    def pause(self, by: str = "operator") -> None:
        """Hold before the next command. Journaled now, not when the running command ends."""
        with self._cond:
            was = self._paused
            self._paused = True
            self._cond.notify_all()
        if not was:
            self._emit(ev.Paused(step_id=self.current_step, by=by, running_command=self._running_number()))

    def resume(self, by: str = "operator") -> None:
        with self._cond:
            was = self._paused
            self._paused = False
            self._cond.notify_all()
        if was:
            self._emit(ev.Resumed(by=by))

    @property
    def paused(self) -> bool:
        return self._paused

    def skip(self, step_id: str, reason: str, by: str = "operator") -> None:
        """Skip a step: journaled now; carried out when it is reached or its command ends."""
        reason = reason or "no reason given"
        with self._cond:
            self._skips[step_id] = reason
            self._cond.notify_all()
        number = self._running_number(step_id)
        self._emit(ev.SkipRequested(step_id=step_id, reason=reason, by=by, running_command=number))

    def _running_number(self, step_id: str = "") -> int | None:
        """The command running now (also one just journaled and not yet followed)."""
        running = self._running
        if running is not None:
            return running[1] if not step_id or running[0] == step_id else None
        rec = self.view.running_command() if self.view is not None else None
        return rec.number if rec is not None and (not step_id or rec.step_id == step_id) else None

    def kill_command(self, by: str = "operator") -> bool:
        """Kill the running command's process group (front ends ask first). The step then fails
        and the operator decides: retry, skip or abort. False when no command runs."""
        running = self._running
        if running is None:
            return False
        with self._cond:
            self._kill = True
            self._cond.notify_all()
        self._emit(ev.KillRequested(step_id=running[0], number=running[1], by=by))
        return True

    def running_command_info(self) -> RunningInfo | None:
        return self._running_info

    def add_note(self, text: str, step_id: str = "", by: str = "operator") -> ev.NoteAdded | None:
        """The operator's note on a step (the current one, else the latest): journaled at once."""
        text = text.strip()
        if not text:
            return None
        target = step_id or self.current_step or (self.view.current_step if self.view else "")
        if not target and self.view is not None:
            target = self.view.last_step_id()
        note = ev.NoteAdded(step_id=target, text=text, by=by)
        self._emit(note)
        return note

    def decide(self, decision_id: int, choice: Choice | str, reason: str = "") -> None:
        with self._cond:
            self._decision = (decision_id, choice, reason)
            self._cond.notify_all()

    def override_wait(self) -> None:
        with self._cond:
            self._override_wait = True
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._abort = True
            self._cond.notify_all()

    def detach(self, reason: str) -> None:
        with self._cond:
            self._detach = reason or "the front end left"
            self._cond.notify_all()

    # --- the run ------------------------------------------------------------------------

    def run(self) -> str:
        """Run to the end (or abort/detach); returns the outcome."""
        self._record_before()
        try:
            self._confirm_live_target()
            for step in self.plan.steps():
                self._run_step(step)
            self.outcome = OUTCOME_SUCCEEDED
            self._finish(OUTCOME_SUCCEEDED, "")
        except _Abort:
            self.outcome = OUTCOME_ABORTED
            self._finish(OUTCOME_ABORTED, "aborted by the operator")
        except _Detach:
            self.outcome = OUTCOME_DETACHED
        except _StepFailed as exc:
            self.outcome = OUTCOME_FAILED
            self._finish(OUTCOME_FAILED, str(exc))
        except OSError as exc:
            if exc.errno not in _STORAGE_ERRORS:
                raise
            self.outcome = OUTCOME_DETACHED
            self.stopped_because = f"cannot write {exc.filename or 'the session'}: {exc.strerror}"
            self._tell(ev.Notice(level=Level.ERROR, text=f"stopped: {self.stopped_because}"))
        except (JournalUnwritable, SessionLocked) as exc:
            # Nothing more can be recorded (or this process no longer drives the session): stop
            # where we are, as a detach; the running command goes on and the record stays whole.
            self.outcome = OUTCOME_DETACHED
            self.stopped_because = str(exc)
            self._tell(ev.Notice(level=Level.ERROR, text=f"stopped: {exc}"))
        return self.outcome

    def _tell(self, event: ev.Event) -> None:
        """To the front end only (the journal is what failed)."""
        try:
            self.listener(event)
        except Exception:  # noqa: BLE001 - stopping anyway
            pass

    def _record_before(self) -> None:
        """The cluster as it was before the session changed anything, once per session (a
        resume keeps the first one), so the record can show what the run changed."""
        if (self.session_dir / state_summary.BEFORE_NAME).exists():
            return
        if self.view is not None and any(st.state != StepState.PENDING for st in self.view.steps.values()):
            return  # a session from before this was recorded: "before" is long past
        state = self._read_state_quietly()
        if state is None:
            return
        try:
            state_summary.write(self.session_dir, state, state_summary.BEFORE_NAME)
        except OSError as exc:
            self._emit(
                ev.Notice(level=Level.WARNING, text=f"could not save the cluster state before the run: {exc}")
            )

    def _finish(self, outcome: RunOutcome, message: str) -> None:
        if self.target.runs_commands:
            self._write_summary(self._read_state_quietly())
        counts: dict[str, int] = {}
        if self.view is not None:  # journaled under the words the view shows ("already done")
            counts = {state.value: n for state, n in self.view.counts().items()}
        if not message:
            message = narrator.success_message(counts)
        self._emit(ev.RunFinished(outcome=outcome, summary=counts, message=message))
        self.journal.sync()
        if outcome == OUTCOME_SUCCEEDED:
            secret_store.forget(self.session_dir.name)  # a finished session is never resumed

    def _confirm_live_target(self) -> None:
        """Before a live run changes anything: which cluster and which controller/model, asked."""
        if not isinstance(self.target, LiveTarget):
            return
        done = self.view.steps if self.view else {}
        first = next((s for s in self.plan.steps() if s.id not in done or not done[s.id].state.final), None)
        if first is None:
            return
        choice, _ = self._ask(
            DecisionKind.ASK,
            first.id,
            "This live run changes the cluster and model below. Go on?",
            (Choice.YES, Choice.ABORT),
            tuple(self.target.scope()),
        )
        if choice != Choice.YES:
            raise _Abort()

    # --- one step -----------------------------------------------------------------------

    def _run_step(self, step: PlannedStep) -> None:
        prior = self.view.steps.get(step.id) if self.view else None
        if prior is not None and prior.state.final:
            return
        self.current_step = step.id
        self._hold_if_paused(step.id)
        if step.id in self._skips:
            self._finish_step(step, StepEnd.SKIPPED, self._skips.pop(step.id), started=None)
            return

        run = _StepRun(step=step, attempt=prior.attempts if prior else 0)
        # A step that failed before it started (not ready, or "no" to its question) was never
        # confirmed: it goes through its question again, never straight to its commands.
        started_before = prior is not None and bool(prior.attempts or prior.commands)
        unfinished = (StepState.RUNNING, StepState.INTERRUPTED, StepState.FAILED, StepState.ABORTED)
        if prior is not None and started_before and prior.state in unfinished:
            self._resume_step(run, prior)
            if step.id in self._finished_here:
                return
        else:
            if self._already_done(step, CheckPurpose.CHECK):
                return
            if step.warning:
                self._emit(ev.Notice(level=Level.WARNING, text=step.warning, step_id=step.id))
            prepared = self._prepare(step)
            if prepared is None:
                return
            run.commands, shown = prepared
            if not self._confirm(step, shown):
                return

        started = time.time()
        while True:
            run.attempt += 1
            self._emit(ev.StepStarted(step_id=step.id, attempt=run.attempt, from_command=run.next_index))
            try:
                self._run_commands(run)
                self._wait(step)
                self._verify(step)
            except _StepSkipped as exc:
                self._finish_step(step, StepEnd.SKIPPED, str(exc), started)
                return
            except _StepFailedHere as failure:
                choice, reason = self._on_failure(step, str(failure))
                if choice == Choice.RETRY:
                    if self._done_before_rerun(step):
                        return
                    continue
                if choice == Choice.SKIP:
                    self._finish_step(step, StepEnd.SKIPPED, reason or "skipped after it failed", started)
                    return
                raise _Abort() from None
            self._finish_step(step, StepEnd.SUCCEEDED, "", started)
            return

    def _resume_step(self, run: _StepRun, prior: Any) -> None:
        """Continue a step an earlier process left: re-attach a running command or re-check."""
        running = next((c for c in prior.commands if c.finished is None), None)
        if running is not None:
            self._emit(
                ev.Notice(
                    level=Level.INFO,
                    step_id=run.step.id,
                    text=f"re-attaching to command {running.number:03d} started by an earlier Cairn",
                )
            )
            files = self.layout.command(running.number)
            run.commands = self._materialise(run.step, replay=True)
            first = run.commands[running.index] if running.index < len(run.commands) else None
            if first is not None and first.capture and not files.out.exists():
                # A capture runs inside Cairn and writes its files only when it ends: killed
                # before that, there is nothing to re-attach to. Record it as lost; run it again.
                files.out.write_text(
                    "[cairn] this read ran inside the Cairn process that stopped; it runs again\n"
                )
                lost = execute.ExitStatus(
                    exit=255, reason=CommandEnd.LOST, error="the read ran in the stopped Cairn process"
                )
                lost.write(files.rc)
                # Not a failure to decide on: a read changes nothing, so it simply runs again.
                again = (True, "lost with the stopped Cairn process; the read runs again", "")
                self._finished(run.step.id, running.index, running.number, lost, again)
                run.next_index = running.index
                return
            status, lines_out = self._follow(
                execute.attach(files), run.step.id, running.index, running.number
            )
            cmd = run.commands[running.index] if running.index < len(run.commands) else None
            ok, benign, failure = self._judge(cmd, status, files) if cmd else (status.ok, "", "")
            self._finished(run.step.id, running.index, running.number, status, (ok, benign, failure))
            if cmd and ok and cmd.capture:
                value = self._decode(run.step.id, cmd, "\n".join(lines_out).strip())
                ok = bool(value) and self._store_capture(run.step.id, cmd, value)
            run.next_index = running.index + 1 if ok else running.index
            if not ok:
                # Lost (its supervisor died), failed or timed out while no Cairn watched: never run
                # again by itself. The check says whether it took effect; else the operator decides.
                why = failure or status.error or status.reason
                self._recover(run, f"command {running.number:03d} {why}", already_failed=False)
            return
        run.commands = self._materialise(run.step, replay=True)
        # Go on from the first command never recorded as succeeded (a retry may have fixed an
        # earlier failure; commands that succeeded are not run twice).
        succeeded = {c.index for c in prior.commands if c.ok}
        # A read whose value was lost with the process (killed between its end and the journaling
        # of the value) runs again: a later command or check needs the value, not the exit.
        succeeded = {
            i
            for i in succeeded
            if not (
                i < len(run.commands)
                and run.commands[i].capture
                and run.commands[i].capture not in self.captured
            )
        }
        run.next_index = next((i for i in range(len(run.commands)) if i not in succeeded), len(run.commands))
        if prior.state in (StepState.FAILED, StepState.ABORTED):
            # It had failed (or was aborted) before: the operator decides again, as they would have.
            self._recover(
                run, f"it had {prior.state} before this resume: {prior.reason}", already_failed=True
            )
            return
        # Interrupted between commands (or while waiting): re-check before anything re-runs.
        self._emit(
            ev.StepFinished(
                step_id=run.step.id, state=StepEnd.INTERRUPTED, reason="the Cairn process driving it stopped"
            )
        )
        self._already_done(
            run.step, CheckPurpose.CHECK
        )  # if its check passes, _run_step sees it done and moves on

    def _recover(self, run: _StepRun, why: str, *, already_failed: bool) -> None:
        """A failure found on resume waits for retry, skip or abort exactly as live; the step's
        check is consulted first, since a command recorded as lost may well have done its work."""
        step = run.step
        if self._done_before_rerun(step):
            return
        if already_failed:
            choice, reason = self._ask(
                DecisionKind.FAILED,
                step.id,
                f"{step.title} failed: {why}",
                (Choice.RETRY, Choice.SKIP, Choice.ABORT),
                (),
            )
        else:
            choice, reason = self._on_failure(step, why)
        if choice == Choice.SKIP:
            self._finish_step(step, StepEnd.SKIPPED, reason or "skipped after it failed", None)
        elif choice == Choice.ABORT:
            raise _Abort()
        elif step.check and self._done_before_rerun(step):  # retry: the cluster may have moved on
            return

    def _done_before_rerun(self, step: PlannedStep) -> bool:
        """Before anything runs again: does the step's "already done when" check pass? Says so."""
        if not step.check:
            self._emit(
                ev.Notice(
                    level=Level.INFO,
                    step_id=step.id,
                    text=f"{step.title}: no check tells whether it already took effect; "
                    "its commands run again only when you choose retry",
                )
            )
            return False
        shown = ", ".join(r.shown() for r in step.check)
        if self._already_done(step, CheckPurpose.CHECK):
            self._emit(
                ev.Notice(
                    level=Level.INFO,
                    step_id=step.id,
                    text=f"{step.title}: its check ({shown}) passes, so it is already done; not run again",
                )
            )
            return True
        self._emit(
            ev.Notice(
                level=Level.INFO,
                step_id=step.id,
                text=f"{step.title}: its check ({shown}) does not pass, so it is not done yet",
            )
        )
        return False

    def _finish_step(self, step: PlannedStep, state: StepEnd, reason: str, started: float | None) -> None:
        now = time.time()
        duration = now - started if started else 0.0
        # The step's own time, apart from the time it waited for the operator meanwhile.
        rec = self.view.steps.get(step.id) if self.view is not None and started else None
        waited = (
            sum(max(0.0, min(b, now) - max(a, started or now)) for a, b in rec.operator_waits) if rec else 0.0
        )
        self._emit(
            ev.StepFinished(
                step_id=step.id,
                state=state,
                reason=reason,
                duration=max(0.0, duration - waited),
                waited=waited,
            )
        )
        self._finished_here.append(step.id)
        self.current_step = ""

    # --- before running -----------------------------------------------------------------

    def _already_done(self, step: PlannedStep, purpose: CheckPurpose) -> bool:
        if not step.check:
            return False
        state = self._read_state()
        if state is None:
            return False
        results = [self._check(step.id, purpose, ref, state) for ref in step.check]
        if all(r.status == Verdict.PASSED for r in results):
            self._emit(
                ev.StepFinished(
                    step_id=step.id,
                    state=StepEnd.DONE,
                    reason="; ".join(r.message for r in results if r.message),
                )
            )
            self._finished_here.append(step.id)
            return True
        return False

    def _prepare(self, step: PlannedStep) -> tuple[list[Command], tuple[str, ...]] | None:
        """The step's commands, generated ones computed, and (for a destructive step) each argv as
        it will run. A value not known yet makes the step not ready: it fails here, before any
        question, and the operator retries, skips or aborts. None when it is skipped."""
        while True:
            try:
                commands = self._materialise(step)
                return commands, (self._rendered(commands) if step.destructive else ())
            except _StepFailedHere as exc:
                choice, reason = self._on_failure(step, f"not ready to run: {exc}")
            if choice == Choice.SKIP:
                self._finish_step(step, StepEnd.SKIPPED, reason or "skipped: it was not ready to run", None)
                return None
            if choice == Choice.ABORT:
                raise _Abort()

    def _rendered(self, commands: list[Command]) -> tuple[str, ...]:
        """Every argv exactly as it runs (secrets shown as [redacted]), fallbacks included."""
        shown: list[str] = []
        for cmd in commands:
            shown.append(format_argv(self._resolve_argv(cmd.argv, display=True)))
            shown.extend(
                f"(if that fails) {format_argv(self._resolve_argv(alt.argv, display=True))}"
                for alt in cmd.fallback
            )
        return tuple(shown)

    def _confirm(self, step: PlannedStep, shown: tuple[str, ...]) -> bool:
        """Destructive steps and questions need a yes. Returns False when the step is skipped (or,
        for a human check with nothing to run, assumed under --yes)."""
        if not (step.destructive or step.ask):
            return True
        options: tuple[Choice, ...]  # three choices for a destructive step, four for a question
        if step.destructive:
            kind, prompt, options = (
                DecisionKind.CONFIRM,
                f"{step.title}: this step is destructive. Run it?",
                (Choice.YES, Choice.SKIP, Choice.ABORT),
            )
            detail = tuple(f"$ {line}" for line in shown)
        else:
            # A question a person answers; "no" fails the step (retry asks again).
            kind, prompt, options, detail = (
                DecisionKind.ASK,
                step.ask,
                (Choice.YES, Choice.NO, Choice.SKIP, Choice.ABORT),
                (),
            )
        while True:
            choice, reason = self._ask(kind, step.id, prompt, options, detail, step.warning, commands=shown)
            if choice == Choice.YES:
                by_hand = not (step.commands or step.generate or step.verify)
                if kind == DecisionKind.ASK and self.options.yes and by_hand:
                    # Nobody looked: the record must not say it was checked.
                    self._finish_step(step, StepEnd.ASSUMED, "answered by --yes; nobody looked", None)
                    return False
                return True
            if choice == Choice.SKIP:
                self._finish_step(step, StepEnd.SKIPPED, reason or "the operator chose not to run it", None)
                return False
            if choice == Choice.NO:
                choice, reason = self._on_failure(
                    step, "the operator answered no" + (f": {reason}" if reason else "")
                )
                if choice == Choice.RETRY:
                    continue
                if choice == Choice.SKIP:
                    self._finish_step(step, StepEnd.SKIPPED, reason or "skipped after the answer no", None)
                    return False
            raise _Abort()

    def _materialise(self, step: PlannedStep, replay: bool = False) -> list[Command]:
        """The step's commands, with generated ones and generated files, for this run."""
        commands = list(step.commands)
        if step.generate or step.files:
            previous = self._produced.get(step.id) if replay else None
            if previous is not None and step.generate:
                gen_cmds = [_command_from_record(c) for c in previous.get("commands", [])]
            else:
                gen_cmds = self._generate(step)
            commands = gen_cmds + commands if step.generate else commands
        return commands

    def _generate(self, step: PlannedStep) -> list[Command]:
        state = self._read_state()
        ctx = generators.GenContext(
            state=state,
            params=self.params,
            captured=self.captured,
            args=dict(step.generate_args),
            session_dir=self.session_dir,
            produced={k: v.get("record") for k, v in self._produced.items()},
        )
        written: dict[str, str] = {}
        try:
            for name, gen_name in step.files.items():
                content = generators.get(gen_name)(ctx)
                path = self.layout.generated(step.id, name)
                path.parent.mkdir(exist_ok=True)
                path.write_text(content, encoding="utf-8")
                written[name] = str(path)
                self._table[f"file.{name}"] = str(path)
            result = (
                generators.get(step.generate)(ctx) if step.generate else generators.Generated(commands=())
            )
        except ValueError as exc:
            raise _StepFailedHere(f"cannot prepare this step: {exc}") from None
        commands = result.as_commands()
        recorded = [_command_record(c) for c in commands]
        self._produced[step.id] = {"commands": recorded, "record": result.record}
        self._emit(
            ev.Generated(
                step_id=step.id,
                generator=step.generate or "files",
                commands=tuple(tuple(c.argv) for c in commands),
                record=result.record,
                files=written,
            )
        )
        return commands

    # --- commands -----------------------------------------------------------------------

    def _run_commands(self, run: _StepRun) -> None:
        step = run.step
        while run.next_index < len(run.commands):
            self._hold_if_paused(step.id)
            if step.id in self._skips:
                raise _StepSkipped(self._skips.pop(step.id))
            if not self.target.runs_commands:
                raise _StepFailedHere("this target is read-only (saved files); no command can run against it")
            cmd = run.commands[run.next_index]
            ok = self._run_command(step, run.next_index, cmd)
            if step.id in self._skips:
                raise _StepSkipped(self._skips.pop(step.id))
            if not ok:
                raise _StepFailedHere(
                    f"command {run.next_index + 1} of {len(run.commands)} failed: "
                    f"{format_argv(self._resolve_argv(cmd.argv, display=True))}"
                )
            run.next_index += 1

    def _resolve_argv(self, argv: tuple[str, ...], display: bool = False) -> tuple[str, ...]:
        table = dict(self._table)
        table["session_dir"] = str(self.session_dir)
        for name, value in self.captured.items():
            table[f"captured.{name}"] = REDACTED if (display and name in self.secret_names) else value
        try:
            rendered = template.render_argv(argv, table, keep_late=False)
            return self.plan.shown(rendered) if display else rendered
        except KeyError as exc:
            raise _StepFailedHere(
                f"the value {{{exc.args[0]}}} is not known yet (an earlier step did not capture it)"
            ) from None

    def _run_command(self, step: PlannedStep, index: int, cmd: Command) -> bool:
        """Run one runbook command. A failed one tries its fallbacks in order; a capturing one
        tries them until it gets a value."""
        if not cmd.capture:
            ok, _ = self._exec(step, index, cmd, cmd)
            for alt in cmd.fallback if not ok else ():
                self._emit(
                    ev.Notice(
                        level=Level.INFO,
                        step_id=step.id,
                        text=f"trying the fallback `{format_argv(self._resolve_argv(alt.argv, True))}`",
                    )
                )
                ok, _ = self._exec(step, index, alt, alt)
                if ok:
                    break
            return ok
        tried = []
        sources = (cmd, *cmd.fallback)
        for n, attempt in enumerate(sources, 1):
            ok, text = self._exec(step, index, attempt, cmd)
            tried.append(format_argv(self._resolve_argv(attempt.argv, display=True)))
            if not ok:
                return False
            value = self._decode(step.id, attempt, text.strip())
            if value:
                return self._store_capture(step.id, cmd, value)
            if n < len(sources):
                self._emit(
                    ev.Notice(
                        level=Level.INFO,
                        step_id=step.id,
                        text=f"{cmd.capture}: empty from `{tried[-1]}`; trying the next source",
                    )
                )
        self._emit(
            ev.Notice(
                level=Level.ERROR,
                step_id=step.id,
                text=f"{cmd.capture}: no value from any of: {' ; '.join(tried)}",
            )
        )
        return False

    def _exec(self, step: PlannedStep, index: int, cmd: Command, owner: Command) -> tuple[bool, str]:
        """One numbered command: journaled, run, judged. Returns (ok, its output when capturing)."""
        argv = self._resolve_argv(cmd.argv)
        shown = self._resolve_argv(cmd.argv, display=True)
        number = self._next_command_number()
        self._last_command = (step.id, number)
        files = self.layout.command(number)
        timeout = cmd.timeout or owner.timeout or step.timeout or self.plan.runbook.command_timeout
        env = execute.command_env(self.target.env(), self.session_dir, step.id)
        # Journal first, then spawn: a crash in between leaves a command that `resume` finds never
        # started (no pid file), instead of one that runs unrecorded.
        self._emit(
            ev.CommandStarted(
                step_id=step.id,
                index=index,
                number=number,
                display=format_argv(shown),
                argv=shown,
                timeout=timeout,
            )
        )
        if owner.capture:
            return self._exec_capturing(step, index, number, argv, files, env, timeout, owner)
        running = execute.start(
            argv,
            files,
            env=env,
            timeout=timeout,
            secrets=tuple(self.redactor.secrets),
            hide_output=output_is_secret(argv),
        )
        status, _lines = self._follow(running, step.id, index, number)
        judged = self._judge(owner, status, files)
        self._finished(step.id, index, number, status, judged)
        return judged[0], ""

    def _exec_capturing(
        self,
        step: PlannedStep,
        index: int,
        number: int,
        argv: tuple[str, ...],
        files: execute.CommandFiles,
        env: dict[str, str],
        timeout: float,
        owner: Command,
    ) -> tuple[bool, str]:
        """A short read whose output becomes a value: run in memory, so the value is exactly what
        the tool printed (the output file is redacted), and a secret never touches a file."""
        started = time.time()
        code, out, err = execute.run_captured(argv, env=env, timeout=timeout)
        if (owner.secret or output_is_secret(argv)) and code == 0:
            shown = f"[cairn] output kept as secret {owner.capture!r} ({len(out.strip())} characters, not shown)\n"
        else:
            shown = self.redactor.text(out + err)
        files.out.write_text(shown)
        status = execute.ExitStatus(
            exit=code,
            reason=CommandEnd.TIMEOUT
            if code == execute.TIMEOUT_EXIT and "timed out" in err
            else CommandEnd.EXITED,
            started=started,
            ended=time.time(),
        )
        status.write(files.rc)
        lines = tuple(shown.splitlines())
        if lines:
            self._emit(ev.CommandOutput(step_id=step.id, number=number, lines=lines))
        judged = self._judge(owner, status, files)
        self._finished(step.id, index, number, status, judged)
        return judged[0], out

    def _decode(self, step_id: str, cmd: Command, value: str) -> str:
        if not value or not cmd.decode:
            return value
        try:
            return decode_value(cmd.decode, value)
        except ValueError as exc:
            self._emit(ev.Notice(level=Level.ERROR, step_id=step_id, text=f"cannot decode the output: {exc}"))
            return ""

    def _store_capture(self, step_id: str, cmd: Command, value: str) -> bool:
        self.captured[cmd.capture] = value
        if cmd.secret:
            self.secret_names.add(cmd.capture)
            self.redactor.add([value])
            secret_store.save(self.session_dir.name, {n: self.captured[n] for n in self.secret_names})
            if len(value) < MIN_SECRET_LEN:
                self._emit(
                    ev.Notice(
                        level=Level.WARNING,
                        step_id=step_id,
                        text=(
                            f"{cmd.capture} is short ({len(value)} characters): Cairn never shows it, "
                            "but cannot search "
                            "tool output for it without hiding ordinary words; consider a longer key"
                        ),
                    )
                )
        self._emit(
            ev.Captured(
                step_id=step_id, name=cmd.capture, value=REDACTED if cmd.secret else value, secret=cmd.secret
            )
        )
        return True

    def _follow(
        self, running: execute.RunningCommand, step_id: str, index: int, number: int
    ) -> tuple[execute.ExitStatus, list[str]]:
        kept: list[str] = []
        keep = [True]
        rec = self.view.command(number) if self.view is not None else None
        began = rec.started if rec is not None else time.time()
        info = RunningInfo(
            step_id=step_id,
            number=number,
            display=rec.display if rec is not None else "",
            timeout=rec.timeout if rec is not None else None,
            started=began,
            last_output=began,
        )
        with self._cond:
            self._kill = False
            self._running, self._running_info = (step_id, number, running), info

        def on_lines(lines: list[str]) -> None:
            self._running_info = dataclasses.replace(info, last_output=time.time())
            if keep[0]:
                kept.extend(lines)
                if len(kept) > 10_000:  # only captures need the text; they are short
                    keep[0] = False
                    kept.clear()
            self._emit(ev.CommandOutput(step_id=step_id, number=number, lines=tuple(lines)))
            if self._detach:
                raise _Detach()

        def should_abort() -> bool:
            if self._detach:
                raise _Detach()
            return self._abort or self._kill

        try:
            status = running.follow(on_lines, should_abort)
        except _Detach:
            self._emit(ev.Detached(reason=self._detach, running_command=number))
            raise
        finally:
            with self._cond:
                self._running = self._running_info = None
        if self._kill and not self._abort:
            with self._cond:
                self._kill = False
            if status.reason in (CommandEnd.ABORTED, CommandEnd.EXITED) and not status.ok:
                # The supervisor records a stop on SIGTERM as "aborted": here the operator
                # killed only this command, and the step fails (retry / skip / abort follow).
                status = dataclasses.replace(status, reason=CommandEnd.KILLED)
        if status.reason == CommandEnd.ABORTED and self._abort:
            self._finished(step_id, index, number, status, (False, "", ""))
            self._emit(
                ev.StepFinished(step_id=step_id, state=StepEnd.ABORTED, reason="aborted by the operator")
            )
            raise _Abort()
        return status, kept

    def _finished(
        self, step_id: str, index: int, number: int, status: execute.ExitStatus, judged: tuple[bool, str, str]
    ) -> None:
        ok, benign, failure = judged
        self._emit(
            ev.CommandFinished(
                step_id=step_id,
                index=index,
                number=number,
                exit=status.exit,
                reason=status.reason,
                ok=ok,
                benign=benign,
                failure=failure,
                duration=max(0.0, status.ended - status.started),
            )
        )

    def _judge(
        self, cmd: Command | None, status: execute.ExitStatus, files: execute.CommandFiles
    ) -> tuple[bool, str, str]:
        """(ok, benign reason, failure reason) from the exit status, the expectations and the rules."""
        if status.reason == CommandEnd.TIMEOUT:
            return False, "", f"timed out after {status.ended - status.started:.0f} s"
        if status.reason == CommandEnd.KILLED:
            return False, "", "killed by the operator"
        if status.reason in (CommandEnd.NOT_STARTED, CommandEnd.LOST):
            return False, "", status.error or status.reason
        rules = (*(cmd.benign if cmd else ()), *self.plan.benign)
        expect = cmd.expect if cmd else ()
        # The output is read only when a rule or an expectation needs it (not for every command).
        output = (
            _tail_text(files.out) if (status.exit != 0 and rules) or (status.exit == 0 and expect) else ""
        )
        if status.exit != 0:
            argv = cmd.argv if cmd else ()
            for rule in rules:
                if _benign_matches(rule, argv, output):
                    return True, rule.why, ""
            return False, "", f"exit status {status.exit}"
        for pattern in expect:
            if not re.search(pattern, output):
                return False, "", f"the output does not show {pattern!r}"
        return True, "", ""

    # --- waiting and verifying -------------------------------------------------------------

    def _wait(self, step: PlannedStep) -> None:
        if step.settle:
            self._wait_until(
                step,
                f"settle: {', '.join(step.settle)}",
                lambda state: self._settle_lines(state, step.settle),
            )
        if step.wait_for:
            what = "until: " + ", ".join(r.shown() for r in step.wait_for)
            self._wait_until(step, what, lambda state: self._wait_for_lines(step, state))

    def _settle_lines(self, state: ClusterState, apps: tuple[str, ...]) -> tuple[str, ...] | None:
        report = self._evaluate_settle(state, list(apps))
        return None if report.settled else tuple(report.lines) or ("not settled",)

    def _wait_for_lines(self, step: PlannedStep, state: ClusterState) -> tuple[str, ...] | None:
        lines: list[str] = []
        for ref in step.wait_for:
            result = self._run_check(ref.name, state, self.params, **self._late_args(ref))
            if result.status == Verdict.FAILED:
                lines.append(f"{ref.shown()}: {result.message}")
                lines.extend(f"  {d}" for d in result.details[:20])
        return tuple(lines) or None

    def _wait_until(
        self, step: PlannedStep, what: str, pending: Callable[[ClusterState], tuple[str, ...] | None]
    ) -> None:
        timeout = self.options.settle_timeout or self.plan.runbook.settle_timeout
        if self.target.wait_limit is not None:
            timeout = min(timeout, self.target.wait_limit)
        poll, stable_needed = self.target.settle_poll, self.target.settle_stable
        with self._cond:
            self._override_wait = False
        began = time.monotonic()
        deadline = began + timeout
        stable_since: float | None = None
        last_lines: tuple[str, ...] | None = None
        while True:
            if self._abort:
                self._emit(
                    ev.WaitFinished(
                        step_id=step.id, outcome=WaitOutcome.ABORTED, elapsed=time.monotonic() - began
                    )
                )
                raise _Abort()
            if self._detach:
                self._emit(ev.Detached(reason=self._detach))
                raise _Detach()
            if step.id in self._skips:  # a skip given during the wait ends it now, not when it settles
                self._emit(
                    ev.WaitFinished(
                        step_id=step.id, outcome=WaitOutcome.SKIPPED, elapsed=time.monotonic() - began
                    )
                )
                raise _StepSkipped(self._skips.pop(step.id))
            if self._override_wait:
                self._emit(
                    ev.WaitFinished(
                        step_id=step.id, outcome=WaitOutcome.OVERRIDDEN, elapsed=time.monotonic() - began
                    )
                )
                self._emit(
                    ev.DecisionMade(
                        id=0,
                        kind=DecisionKind.WAIT_OVERRIDE,
                        step_id=step.id,
                        choice=Choice.OVERRIDE,
                        reason="the operator went on without waiting",
                    )
                )
                return
            state = self._read_state()
            lines = pending(state) if state is not None else ("cluster state could not be read",)
            now = time.monotonic()
            if lines is None:
                stable_since = stable_since or now
                if now - stable_since >= stable_needed:
                    self._emit(
                        ev.WaitFinished(step_id=step.id, outcome=WaitOutcome.SETTLED, elapsed=now - began)
                    )
                    return
            else:
                stable_since = None
            shown = lines or ("settled; confirming it stays so",)
            self._emit(
                ev.WaitProgress(
                    step_id=step.id,
                    what=what,
                    lines=shown,
                    elapsed=now - began,
                    stable_for=(now - stable_since) if stable_since else 0.0,
                    timeout=timeout,
                ),
                journal=shown != last_lines,
            )
            last_lines = shown
            if now >= deadline:
                choice, _ = self._ask(
                    DecisionKind.WAIT_TIMEOUT,
                    step.id,
                    f"{what} did not finish in {timeout:.0f} s. Keep waiting, go on anyway, or abort?",
                    (Choice.WAIT, Choice.OVERRIDE, Choice.ABORT),
                    shown,
                )
                if choice == Choice.ABORT:
                    raise _Abort()
                if choice == Choice.OVERRIDE:
                    self._emit(
                        ev.WaitFinished(step_id=step.id, outcome=WaitOutcome.OVERRIDDEN, elapsed=now - began)
                    )
                    return
                deadline = time.monotonic() + timeout
            with self._cond:
                self._cond.wait(timeout=max(poll, 0.01))

    def _verify(self, step: PlannedStep) -> None:
        if not step.verify:
            return
        state = self._read_state()
        if state is None:
            raise _StepFailedHere("cluster state could not be read for verification")
        results = [(ref, self._check(step.id, CheckPurpose.VERIFY, ref, state)) for ref in step.verify]
        failed = [(ref, r) for ref, r in results if r.status == Verdict.FAILED]
        if failed:
            raise _StepFailedHere("; ".join(f"{ref.shown()}: {r.message}" for ref, r in failed))

    def _check(self, step_id: str, purpose: CheckPurpose, ref: CheckRef, state: ClusterState) -> Any:
        try:
            result = self._run_check(ref.name, state, self.params, **self._late_args(ref))
        except _StepFailedHere as exc:
            result = _ErrorResult(name=ref.name, status=Verdict.FAILED, message=str(exc))
        except Exception as exc:  # a check must never take the run down
            result = _ErrorResult(name=ref.name, status=Verdict.FAILED, message=f"the check raised {exc!r}")
        self._emit(
            ev.CheckEvaluated(
                step_id=step_id,
                purpose=purpose,
                name=ref.shown(),
                status=result.status,
                message=result.message,
                fix=result.fix,
                details=tuple(result.details),
            )
        )
        return result

    def _read_state_quietly(self) -> ClusterState | None:
        try:
            return self.target.read_state()
        except Exception:  # noqa: BLE001 - the summary is a courtesy; the run is over
            return self.last_state

    def _late_args(self, ref: CheckRef) -> dict[str, str]:
        """Check arguments may name captured values (`{captured.listing}`), known only now."""
        return {k: self._resolve_argv((v,))[0] for k, v in ref.args.items()}

    def _read_state(self) -> ClusterState | None:
        try:
            state = self.target.read_state()
        except Exception as exc:  # an unreadable cluster is a reason to wait, not to crash
            self._emit(
                ev.Notice(
                    level=Level.WARNING,
                    text=f"reading cluster state failed: {exc}",
                    step_id=self.current_step,
                ),
                journal=False,
            )
            return None
        self.last_state = state
        now = time.monotonic()
        if now - self._summary_written >= SUMMARY_EVERY_SECONDS:
            self._summary_written = now
            self._write_summary(state)
        return state

    def _write_summary(self, state: ClusterState | None) -> None:
        if state is None:
            return
        try:
            state_summary.write(self.session_dir, state)
        except OSError as exc:
            self._emit(
                ev.Notice(level=Level.WARNING, text=f"could not save the cluster-state summary: {exc}"),
                journal=False,
            )

    # --- the operator -----------------------------------------------------------------------

    def _on_failure(self, step: PlannedStep, why: str) -> tuple[Choice, str]:
        self._emit(ev.StepFinished(step_id=step.id, state=StepEnd.FAILED, reason=why))
        if self.options.yes and self.options.on_failure == "abort":
            raise _StepFailed(f"step {step.id} failed: {why}")
        detail: tuple[str, ...] = ()
        if self._last_command and self._last_command[0] == step.id:
            out = self.layout.command(self._last_command[1]).out
            tail = _tail_text(out, 16 * 1024).splitlines()[-FAILURE_TAIL_LINES:]
            detail = tuple(f"| {line}" for line in tail)
        options = (Choice.RETRY, Choice.SKIP, Choice.ABORT)
        return self._ask(DecisionKind.FAILED, step.id, f"{step.title} failed: {why}", options, detail)

    def _ask(
        self,
        kind: DecisionKind,
        step_id: str,
        prompt: str,
        options: tuple[Choice, ...],
        detail: tuple[str, ...],
        warning: str = "",
        commands: tuple[str, ...] = (),
    ) -> tuple[Choice, str]:
        auto = Choice.YES if kind.answered_by_yes else None
        with self._cond:
            self._decision_id += 1
            did = self._decision_id
        self._emit(
            ev.DecisionRequested(
                id=did,
                kind=kind,
                step_id=step_id,
                prompt=prompt,
                options=options,
                detail=detail,
                warning=warning,
                commands=commands,
            )
        )
        if self.options.yes and auto:
            self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=auto, by="--yes"))
            return auto, ""
        choice: Choice | None = None
        reason = ""
        with self._cond:
            while choice is None:
                if self._abort:
                    choice, reason = Choice.ABORT, "abort requested"
                elif self._detach:
                    break
                elif self._decision and self._decision[0] == did and self._decision[1] in options:
                    _, given, reason = self._decision
                    choice = Choice(given)
                    self._decision = None
                elif kind == DecisionKind.FAILED and step_id in self._skips:
                    choice, reason = Choice.SKIP, self._skips.pop(step_id)
                else:
                    self._cond.wait(timeout=0.5)
        if choice is None:
            self._emit(ev.Detached(reason=self._detach))
            raise _Detach()
        self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=choice, reason=reason))
        return choice, reason

    def _hold_if_paused(self, step_id: str) -> None:
        if self._detach:  # the front end left between commands (a hang-up, a closed stdout)
            self._emit(ev.Detached(reason=self._detach))
            raise _Detach()
        if not self._paused:
            return
        # Paused was journaled when the operator asked (or by the process that was stopped).
        with self._cond:
            while self._paused and not self._abort and not self._detach:
                self._cond.wait(timeout=0.5)
        if self._abort:
            raise _Abort()
        if self._detach:
            self._emit(ev.Detached(reason=self._detach))
            raise _Detach()

    # --- plumbing -----------------------------------------------------------------------------

    def _emit(self, event: ev.Event, journal: bool = True) -> None:
        with self._emit_lock:
            if journal:
                self.journal.write(event)
            if self.view is not None:
                self.view.apply(event)
            try:
                self.listener(event)
            except (_Detach, _Abort):
                raise
            except Exception as exc:  # noqa: BLE001 - a front-end bug must not stop a migration
                self.journal.write(
                    ev.Notice(level=Level.ERROR, text=f"front end failed to show an event: {exc!r}")
                )

    def _next_command_number(self) -> int:
        with self._cond:
            self._command_number += 1
            return self._command_number

    def _first_free_command_number(self) -> int:
        existing = [int(p.stem) for p in self.layout.commands.glob("*.out") if p.stem.isdigit()]
        return max(existing, default=0)

    def _produced_from_view(self) -> dict[str, Any]:
        if self.view is None:
            return {}
        out: dict[str, Any] = {}
        for step in self.view.steps.values():
            for gen in step.generated:
                out[step.id] = {"commands": [list(c) for c in gen.commands], "record": gen.record}
            for name, value in step.captured.items():
                if value != REDACTED:
                    self.captured.setdefault(name, value)
        return out


class _StepFailedHere(Exception):
    """A command, a wait or a verification failed; the operator decides what next."""


class _StepSkipped(Exception):
    """The operator skipped the step while it ran."""


class _StepFailed(Exception):
    """A failure that ends the run (with --yes and on_failure=abort)."""


@dataclass(frozen=True)
class _ErrorResult:
    name: str
    status: str
    message: str
    fix: str = ""
    details: tuple[str, ...] = ()


def _benign_matches(rule: BenignRule, argv: tuple[str, ...], output: str) -> bool:
    if rule.argv_prefix and tuple(argv[: len(rule.argv_prefix)]) != rule.argv_prefix:
        return False
    return re.search(rule.pattern, output) is not None


def _tail_text(path: Path, limit: int = 256 * 1024) -> str:
    """The end of a command's output, for expectations and benign rules (errors print last)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if size > limit:
                head = f.read(limit // 2)
                f.seek(size - limit // 2)
                return (head + b"\n" + f.read()).decode("utf-8", "replace")
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


_K8S_SIZE = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
_JUJU_UNIT = {"Ki": None, "Mi": "M", "Gi": "G", "Ti": "T", "Pi": "P", "Ei": "E"}


def decode_value(kind: str, value: str) -> str:
    """Turn a command's output into the captured value (ValueError when it cannot)."""
    if kind == "base64":
        try:
            return base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("not valid base64") from None
    if kind == "juju-size":
        # Kubernetes quantities are binary (10Gi); Juju's storage sizes count in 1024s too (10G).
        m = _K8S_SIZE.fullmatch(value.strip())
        if not m:
            raise ValueError(f"{value!r} is not a Kubernetes storage size")
        number, unit = int(m.group(1)), m.group(2) or ""
        if unit in _JUJU_UNIT and _JUJU_UNIT[unit]:
            return f"{number}{_JUJU_UNIT[unit]}"
        bytes_ = (
            number
            * {"": 1, "Ki": 1024, "k": 1000, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}[
                unit
            ]
        )
        return f"{max(1, -(-bytes_ // (1024 * 1024)))}M"
    raise ValueError(f"unknown decoding {kind!r}")


def _command_record(cmd: Command) -> list[Any]:
    """A generated command as the journal keeps it: its argv, then its fallbacks' argvs."""
    return [list(cmd.argv), *[list(f.argv) for f in cmd.fallback]] if cmd.fallback else list(cmd.argv)


def _command_from_record(record: list[Any]) -> Command:
    if record and isinstance(record[0], list):
        return Command(argv=tuple(record[0]), fallback=tuple(Command(argv=tuple(f)) for f in record[1:]))
    return Command(argv=tuple(record))
