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

This module is the step state machine (with resume); its parts: controls.py (what the operator
steers), runner.py (each command), judge.py (did it succeed), decode.py (captured values),
generated.py (commands computed at run time), checking.py (cluster state and checks), waits.py
(settle and until), unwind.py (how a step or the run stops).
"""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cluster.state import ClusterState
from ..record import narrator, secret_store, state_summary
from ..record.journal import JournalUnwritable, JournalWriter
from ..record.redact import Redactor
from ..record.session import SessionDir, SessionLocked
from ..record.view import SessionView, StepRecord
from ..runbook.model import Command
from ..runbook.plan import Plan, PlannedStep
from ..states import CheckPurpose, Choice, CommandEnd, DecisionKind, Level, RunOutcome, StepEnd, StepState
from . import events as ev
from . import execute
from .checking import ClusterChecks
from .controls import Controls
from .generated import Generation
from .judge import Judgement, tail_text
from .runner import CommandRunner, RunningInfo
from .targets import LiveTarget, Target
from .unwind import FrontEndLeft, RunAborted, RunFailed, StepFailed, StepSkipped
from .waits import Waiter

__all__ = ["Engine", "EngineOptions", "RunningInfo"]

Listener = Callable[[ev.Event], None]

OUTCOME_SUCCEEDED, OUTCOME_FAILED, OUTCOME_ABORTED, OUTCOME_DETACHED = (
    RunOutcome.SUCCEEDED,
    RunOutcome.FAILED,
    RunOutcome.ABORTED,
    RunOutcome.DETACHED,
)
FAILURE_TAIL_LINES = 12  # the end of a failed command's output, shown with the question

_STORAGE_ERRORS = (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EFBIG)
_UNFINISHED = (StepState.RUNNING, StepState.INTERRUPTED, StepState.FAILED, StepState.ABORTED)


@dataclass
class EngineOptions:
    yes: bool = False  # answer yes to confirmations and questions (journaled as by --yes)
    settle_timeout: float | None = None  # overrides the runbook's
    on_failure: str = "ask"  # ask | abort: what --yes does when a step fails (it never retries blindly)


@dataclass
class _StepRun:
    step: PlannedStep
    commands: list[Command]
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
        self.view = resume_view
        self.redactor: Redactor = journal.redactor
        self.captured: dict[str, str] = dict(captured or {})
        self.secret_names: set[str] = set(secret_names or ())
        self.params = dict(plan.values.params)
        table = plan.values.table()
        # Events come from the engine thread and, for the controls journaled when given (pause,
        # skip, kill, notes), from the caller's thread: one at a time into journal, view, listener.
        self._emit_lock = threading.RLock()
        self.controls = Controls(
            self._emit,
            yes=self.options.yes,
            # A pause given before an earlier process stopped still holds (it is in the journal),
            # and skips given then are still owed.
            paused=bool(resume_view is not None and resume_view.paused),
            skips=dict(resume_view.pending_skips()) if resume_view is not None else {},
        )
        self.runner = CommandRunner(
            plan,
            self.layout,
            target,
            self.controls,
            self._emit,
            redactor=self.redactor,
            view=resume_view,
            captured=self.captured,
            secret_names=self.secret_names,
            table=table,
        )
        self.cluster = ClusterChecks(
            target,
            self.layout,
            self._emit,
            self.params,
            self.runner.late_args,
            lambda: self.current_step,
            check_runner=check_runner,
            settle_evaluator=settle_evaluator,
        )
        self.waiter = Waiter(
            plan, target, self.controls, self.cluster, self._emit, self.options.settle_timeout
        )
        self.generation = Generation(
            self.layout, self._emit, self.cluster.read, self.params, self.captured, table, resume_view
        )
        self.current_step: str = ""
        self.outcome: RunOutcome | str = ""  # "" until the run ends
        self._finished_here: list[str] = []  # steps this process finished (done, skipped, …)
        self.stopped_because = ""  # why the run stopped when it could not go on recording

    @property
    def last_state(self) -> ClusterState | None:
        """The cluster as last read (the launcher hands over the read it planned from)."""
        return self.cluster.last_state

    @last_state.setter
    def last_state(self, state: ClusterState | None) -> None:
        self.cluster.last_state = state

    # --- controls (any thread) ----------------------------------------------------------

    def pause(self, by: str = "operator") -> None:
        """Hold before the next command. Journaled now, not when the running command ends."""
        if not self.controls.set_paused(True):
            self._emit(
                ev.Paused(step_id=self.current_step, by=by, running_command=self.runner.running_number())
            )

    def resume(self, by: str = "operator") -> None:
        if self.controls.set_paused(False):
            self._emit(ev.Resumed(by=by))

    @property
    def paused(self) -> bool:
        return self.controls.paused

    def skip(self, step_id: str, reason: str, by: str = "operator") -> None:
        """Skip a step: journaled now; carried out when it is reached or its command ends."""
        reason = reason or "no reason given"
        self.controls.add_skip(step_id, reason)
        number = self.runner.running_number(step_id)
        self._emit(ev.SkipRequested(step_id=step_id, reason=reason, by=by, running_command=number))

    def kill_command(self, by: str = "operator") -> bool:
        """Kill the running command's process group (front ends ask first). The step then fails
        and the operator decides: retry, skip or abort. False when no command runs."""
        running = self.runner.running
        if running is None:
            return False
        self.controls.request(kill=True)
        self._emit(ev.KillRequested(step_id=running[0], number=running[1], by=by))
        return True

    def running_command_info(self) -> RunningInfo | None:
        return self.runner.running_info

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
        self.controls.decide(decision_id, choice, reason)

    def override_wait(self) -> None:
        self.controls.request(override_wait=True)

    def abort(self) -> None:
        self.controls.request(abort=True)

    def detach(self, reason: str) -> None:
        self.controls.request(detach=reason or "the front end left")

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
        except RunAborted:
            self.outcome = OUTCOME_ABORTED
            self._finish(OUTCOME_ABORTED, "aborted by the operator")
        except FrontEndLeft:
            self.outcome = OUTCOME_DETACHED
        except RunFailed as exc:
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
        state = self.cluster.read_quietly()
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
            self.cluster.write_summary(self.cluster.read_quietly())
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
        choice, _ = self.controls.ask(
            DecisionKind.ASK,
            first.id,
            "This live run changes the cluster and model below. Go on?",
            (Choice.YES, Choice.ABORT),
            tuple(self.target.scope()),
        )
        if choice != Choice.YES:
            raise RunAborted()

    # --- one step -----------------------------------------------------------------------

    def _run_step(self, step: PlannedStep) -> None:
        prior = self.view.steps.get(step.id) if self.view else None
        if prior is not None and prior.state.final:
            return
        self.current_step = step.id
        self.controls.hold_if_paused()
        skipped = self.controls.take_skip(step.id)
        if skipped is not None:
            self._finish_step(step, StepEnd.SKIPPED, skipped, started=None)
            return

        run = _StepRun(step=step, commands=[], attempt=prior.attempts if prior else 0)
        # A step that failed before it started (not ready, or "no" to its question) was never
        # confirmed: it goes through its question again, never straight to its commands.
        started_before = prior is not None and bool(prior.attempts or prior.commands)
        if prior is not None and started_before and prior.state in _UNFINISHED:
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
                self.waiter.wait(step)
                self.cluster.verify(step.id, step.verify)
            except StepSkipped as exc:
                self._finish_step(step, StepEnd.SKIPPED, str(exc), started)
                return
            except StepFailed as failure:
                choice, reason = self._on_failure(step, str(failure))
                if choice == Choice.RETRY:
                    if self._done_before_rerun(step):
                        return
                    continue
                if choice == Choice.SKIP:
                    self._finish_step(step, StepEnd.SKIPPED, reason or "skipped after it failed", started)
                    return
                raise RunAborted() from None
            self._finish_step(step, StepEnd.SUCCEEDED, "", started)
            return

    def _resume_step(self, run: _StepRun, prior: StepRecord) -> None:
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
            run.commands = self.generation.commands(run.step, replay=True)
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
                again = Judgement(True, "lost with the stopped Cairn process; the read runs again")
                self.runner.finished(run.step.id, running.index, running.number, lost, again)
                run.next_index = running.index
                return
            status, lines_out = self.runner.follow(
                execute.attach(files), run.step.id, running.index, running.number
            )
            cmd = run.commands[running.index] if running.index < len(run.commands) else None
            judged = self.runner.judge(cmd, status, files) if cmd else Judgement(status.ok)
            self.runner.finished(run.step.id, running.index, running.number, status, judged)
            ok, failure = judged.ok, judged.failure
            if cmd and ok and cmd.capture:
                value = self.runner.decode(run.step.id, cmd, "\n".join(lines_out).strip())
                ok = bool(value) and self.runner.store_capture(run.step.id, cmd, value)
            run.next_index = running.index + 1 if ok else running.index
            if not ok:
                # Lost (its supervisor died), failed or timed out while no Cairn watched: never run
                # again by itself. The check says whether it took effect; else the operator decides.
                why = failure or status.error or status.reason
                self._recover(run, f"command {running.number:03d} {why}", already_failed=False)
            return
        run.commands = self.generation.commands(run.step, replay=True)
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
        # If its check passes, _run_step sees it done and moves on.
        self._already_done(run.step, CheckPurpose.CHECK)

    def _recover(self, run: _StepRun, why: str, *, already_failed: bool) -> None:
        """A failure found on resume waits for retry, skip or abort exactly as live; the step's
        check is consulted first, since a command recorded as lost may well have done its work."""
        step = run.step
        if self._done_before_rerun(step):
            return
        if already_failed:
            choice, reason = self.controls.ask(
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
            raise RunAborted()
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
        done = self._already_done(step, CheckPurpose.CHECK)
        verdict = (
            "passes, so it is already done; not run again" if done else "does not pass, so it is not done yet"
        )
        self._emit(
            ev.Notice(level=Level.INFO, step_id=step.id, text=f"{step.title}: its check ({shown}) {verdict}")
        )
        return done

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
        results = self.cluster.all_pass(step.id, purpose, step.check)
        if results is not None:
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
                commands = self.generation.commands(step)
                return commands, (self.runner.rendered(commands) if step.destructive else ())
            except StepFailed as exc:
                choice, reason = self._on_failure(step, f"not ready to run: {exc}")
            if choice == Choice.SKIP:
                self._finish_step(step, StepEnd.SKIPPED, reason or "skipped: it was not ready to run", None)
                return None
            if choice == Choice.ABORT:
                raise RunAborted()

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
            choice, reason = self.controls.ask(
                kind, step.id, prompt, options, detail, step.warning, commands=shown
            )
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
            raise RunAborted()

    # --- commands -----------------------------------------------------------------------

    def _run_commands(self, run: _StepRun) -> None:
        step = run.step
        while run.next_index < len(run.commands):
            self.controls.hold_if_paused()
            self._skipped_now(step)
            if not self.target.runs_commands:
                raise StepFailed("this target is read-only (saved files); no command can run against it")
            cmd = run.commands[run.next_index]
            ok = self.runner.run(step, run.next_index, cmd)
            self._skipped_now(step)
            if not ok:
                raise StepFailed(
                    f"command {run.next_index + 1} of {len(run.commands)} failed: {self.runner.shown(cmd.argv)}"
                )
            run.next_index += 1

    def _skipped_now(self, step: PlannedStep) -> None:
        reason = self.controls.take_skip(step.id)
        if reason is not None:
            raise StepSkipped(reason)

    # --- the operator -----------------------------------------------------------------------

    def _on_failure(self, step: PlannedStep, why: str) -> tuple[Choice, str]:
        self._emit(ev.StepFinished(step_id=step.id, state=StepEnd.FAILED, reason=why))
        if self.options.yes and self.options.on_failure == "abort":
            raise RunFailed(f"step {step.id} failed: {why}")
        detail: tuple[str, ...] = ()
        last = self.runner.last_command
        if last and last[0] == step.id:
            tail = tail_text(self.layout.command(last[1]).out, 16 * 1024).splitlines()[-FAILURE_TAIL_LINES:]
            detail = tuple(f"| {line}" for line in tail)
        options = (Choice.RETRY, Choice.SKIP, Choice.ABORT)
        return self.controls.ask(DecisionKind.FAILED, step.id, f"{step.title} failed: {why}", options, detail)

    # --- plumbing -----------------------------------------------------------------------------

    def _emit(self, event: ev.Event, journal: bool = True) -> None:
        if isinstance(event, (ev.CommandStarted, ev.CommandFinished)):
            self.cluster.commands_seen += 1  # the cluster may change: the next read is fresh
        with self._emit_lock:
            if journal:
                self.journal.write(event)
            if self.view is not None:
                self.view.apply(event)
            try:
                self.listener(event)
            except (FrontEndLeft, RunAborted):
                raise
            except Exception as exc:  # noqa: BLE001 - a front-end bug must not stop a migration
                self.journal.write(
                    ev.Notice(level=Level.ERROR, text=f"front end failed to show an event: {exc!r}")
                )
