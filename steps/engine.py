"""The engine: runs a plan step by step and emits typed events. It knows no front end.

Run it in a thread (`Engine.run`); drive it from any thread with the controls:
- `pause()` / `resume()`: pause holds before the next command; a running command is never killed.
- `skip(step_id, reason)`: a pending step is skipped when reached; the current step after its
  running command ends.
- `decide(id, choice, reason)`: answers a `DecisionRequested` (confirm a destructive step, retry /
  skip / abort a failed one, keep waiting or override a wait that timed out).
- `override_wait()`: stop waiting for apps to settle and go on (journaled).
- `abort()`: kills the running command's process group and ends the run (front ends confirm first).
- `detach(reason)`: the front end is leaving; the running command keeps running, the run stops
  where it is and `cairn resume` continues it.

Every event goes to the journal first, then to the listener, so what a front end shows is
always already on disk.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import events as ev
from . import execute, generators, secret_store, state_summary, template
from .argvfmt import format_argv
from .cluster.state import ClusterState
from .journal import JournalWriter
from .model import BenignRule, CheckRef, Command
from .plan import Plan, PlannedStep
from .redact import MIN_SECRET_LEN, REDACTED, Redactor, output_is_secret
from .targets import Target
from .view import FAILED, FINAL_STATES, INTERRUPTED, RUNNING, SessionView

Listener = Callable[[ev.Event], None]

OUTCOME_SUCCEEDED, OUTCOME_FAILED, OUTCOME_ABORTED, OUTCOME_DETACHED = (
    "succeeded",
    "failed",
    "aborted",
    "detached",
)
SUMMARY_EVERY_SECONDS = 5.0  # how often the cluster-state summary file is rewritten during waits
FAILURE_TAIL_LINES = 12  # the end of a failed command's output, shown with the question


class _Abort(Exception):
    """Unwinds the run after an abort."""


class _Detach(Exception):
    """Unwinds the run when the front end leaves; nothing is killed."""


@dataclass
class EngineOptions:
    yes: bool = False  # answer yes to confirmations and questions (journaled as by --yes)
    settle_timeout: float | None = None  # overrides the runbook's
    on_failure: str = "ask"  # ask | abort: what --yes does when a step fails (it never retries blindly)


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
        self._paused = False
        self._abort = False
        self._detach = ""
        self._override_wait = False
        self._skips: dict[str, str] = {}
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
        self.outcome: str = ""
        self.last_state: ClusterState | None = None
        self._finished_here: list[str] = []  # steps this process finished (done, skipped, …)
        self._summary_written = -SUMMARY_EVERY_SECONDS
        self._last_command: tuple[str, int] | None = None  # (step id, number) of the latest command
        self._produced: dict[str, Any] = self._produced_from_view()

    def _run_check(self, name: str, state: ClusterState, params: Mapping[str, Any], **args: str) -> Any:
        if self._check_runner is None:
            from .checks import run_check

            self._check_runner = run_check
        return self._check_runner(name, state, params, **args)

    def _evaluate_settle(self, state: ClusterState, apps: list[str]) -> Any:
        if self._settle_evaluator is None:
            from .checks import evaluate_settle

            self._settle_evaluator = evaluate_settle
        return self._settle_evaluator(state, apps)

    # --- controls (any thread) ----------------------------------------------------------

    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            was = self._paused
            self._paused = False
            self._cond.notify_all()
        if was:
            self._emit(ev.Resumed())

    @property
    def paused(self) -> bool:
        return self._paused

    def skip(self, step_id: str, reason: str) -> None:
        with self._cond:
            self._skips[step_id] = reason or "no reason given"
            self._cond.notify_all()

    def decide(self, decision_id: int, choice: str, reason: str = "") -> None:
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
        try:
            for step in self.plan.steps():
                self._run_step(step)
            self.outcome = OUTCOME_SUCCEEDED
            self._finish(OUTCOME_SUCCEEDED, "every step succeeded, was already done or was skipped")
        except _Abort:
            self.outcome = OUTCOME_ABORTED
            self._finish(OUTCOME_ABORTED, "aborted by the operator")
        except _Detach:
            self.outcome = OUTCOME_DETACHED
        except _StepFailed as exc:
            self.outcome = OUTCOME_FAILED
            self._finish(OUTCOME_FAILED, str(exc))
        return self.outcome

    def _finish(self, outcome: str, message: str) -> None:
        if self.target.runs_commands:
            self._write_summary(self._read_state_quietly())
        counts: dict[str, int] = {}
        if self.view is not None:
            counts = self.view.counts()
        self._emit(ev.RunFinished(outcome=outcome, summary=counts, message=message))
        self.journal.sync()
        if outcome == OUTCOME_SUCCEEDED:
            secret_store.forget(self.session_dir.name)  # a finished session is never resumed

    # --- one step -----------------------------------------------------------------------

    def _run_step(self, step: PlannedStep) -> None:
        prior = self.view.steps.get(step.id) if self.view else None
        if prior is not None and prior.state in FINAL_STATES:
            return
        self.current_step = step.id
        self._hold_if_paused(step.id)
        if step.id in self._skips:
            self._finish_step(step, "skipped", self._skips.pop(step.id), started=None)
            return

        run = _StepRun(step=step, attempt=prior.attempts if prior else 0)
        if prior is not None and prior.state in (RUNNING, INTERRUPTED, FAILED, "aborted"):
            self._resume_step(run, prior)
            if step.id in self._finished_here:
                return
        else:
            if self._already_done(step, "check"):
                return
            if step.warning:
                self._emit(ev.Notice(level="warning", text=step.warning, step_id=step.id))
            if not self._confirm(step):
                return
            run.commands = self._materialise(step)

        started = time.time()
        while True:
            run.attempt += 1
            self._emit(ev.StepStarted(step_id=step.id, attempt=run.attempt, from_command=run.next_index))
            try:
                self._run_commands(run)
                self._wait(step)
                self._verify(step)
            except _StepSkipped as exc:
                self._finish_step(step, "skipped", str(exc), started)
                return
            except _StepFailedHere as failure:
                choice, reason = self._on_failure(step, str(failure))
                if choice == "retry":
                    continue
                if choice == "skip":
                    self._finish_step(step, "skipped", reason or "skipped after it failed", started)
                    return
                raise _Abort() from None
            self._finish_step(step, "succeeded", "", started)
            return

    def _resume_step(self, run: _StepRun, prior: Any) -> None:
        """Continue a step an earlier process left: re-attach a running command or re-check."""
        running = next((c for c in prior.commands if c.finished is None), None)
        if running is not None:
            self._emit(
                ev.Notice(
                    level="info",
                    step_id=run.step.id,
                    text=f"re-attaching to command {running.number:03d} started by an earlier Cairn",
                )
            )
            files = execute.CommandFiles.numbered(self.session_dir / "commands", running.number)
            run.commands = self._materialise(run.step, replay=True)
            first = run.commands[running.index] if running.index < len(run.commands) else None
            if first is not None and first.capture and not files.out.exists():
                # A capture runs inside Cairn and writes its files only when it ends: killed
                # before that, there is nothing to re-attach to. Record it as lost; run it again.
                files.out.write_text(
                    "[cairn] this read ran inside the Cairn process that stopped; it runs again\n"
                )
                lost = execute.ExitStatus(
                    exit=255, reason="lost", error="the read ran in the stopped Cairn process"
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
        if prior.state in (FAILED, "aborted"):
            # It had failed (or was aborted) before: the operator decides again, as they would have.
            choice, reason = self._ask(
                "failed",
                run.step.id,
                f"{run.step.title} had {prior.state} before this resume: {prior.reason}",
                ("retry", "skip", "abort"),
                (),
            )
            if choice == "skip":
                self._finish_step(run.step, "skipped", reason or "skipped after it failed", None)
            elif choice == "abort":
                raise _Abort()
            return
        # Interrupted between commands (or while waiting): re-check before anything re-runs.
        self._emit(
            ev.StepFinished(
                step_id=run.step.id, state="interrupted", reason="the Cairn process driving it stopped"
            )
        )
        self._already_done(run.step, "check")  # if its check passes, _run_step sees it done and moves on

    def _finish_step(self, step: PlannedStep, state: str, reason: str, started: float | None) -> None:
        duration = time.time() - started if started else 0.0
        self._emit(ev.StepFinished(step_id=step.id, state=state, reason=reason, duration=duration))
        self._finished_here.append(step.id)
        self.current_step = ""

    # --- before running -----------------------------------------------------------------

    def _already_done(self, step: PlannedStep, purpose: str) -> bool:
        if not step.check:
            return False
        state = self._read_state()
        if state is None:
            return False
        results = [self._check(step.id, purpose, ref, state) for ref in step.check]
        if all(r.status == "passed" for r in results):
            self._emit(
                ev.StepFinished(
                    step_id=step.id, state="done", reason="; ".join(r.message for r in results if r.message)
                )
            )
            self._finished_here.append(step.id)
            return True
        return False

    def _confirm(self, step: PlannedStep) -> bool:
        """Destructive steps and questions need a yes. Returns False when the step is skipped."""
        if not (step.destructive or step.ask):
            return True
        if step.destructive:
            prompt = f"{step.title}: this step is destructive. Run it?"
            detail = tuple(f"$ {format_argv(c.argv)}" for c in step.commands)
            if step.generate:
                detail += (f"$ … commands computed from the cluster by {step.generate}",)
        else:
            prompt = step.ask
            detail = ()
        kind = "confirm" if step.destructive else "ask"
        choice, reason = self._ask(kind, step.id, prompt, ("yes", "skip", "abort"), detail, step.warning)
        if choice == "yes":
            return True
        if choice == "skip":
            self._finish_step(step, "skipped", reason or "the operator chose not to run it", None)
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
                path = self.session_dir / "files" / f"{step.id}-{name}"
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
            return template.render_argv(argv, table, keep_late=False)
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
                        level="info",
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
                        level="info",
                        step_id=step.id,
                        text=f"{cmd.capture}: empty from `{tried[-1]}`; trying the next source",
                    )
                )
        self._emit(
            ev.Notice(
                level="error",
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
        files = execute.CommandFiles.numbered(self.session_dir / "commands", number)
        timeout = cmd.timeout or owner.timeout or step.timeout or self.plan.runbook.command_timeout
        env = self.target.env()
        env["CAIRN_STEP"] = step.id
        env["CAIRN_SESSION"] = str(self.session_dir)
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
            secrets=self.redactor.secrets,
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
            reason="timeout" if code == execute.TIMEOUT_EXIT and "timed out" in err else "exited",
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
            self._emit(ev.Notice(level="error", step_id=step_id, text=f"cannot decode the output: {exc}"))
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
                        level="warning",
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

        def on_lines(lines: list[str]) -> None:
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
            return self._abort

        try:
            status = running.follow(on_lines, should_abort)
        except _Detach:
            self._emit(ev.Detached(reason=self._detach, running_command=number))
            raise
        if status.reason == "aborted" and self._abort:
            self._finished(step_id, index, number, status, (False, "", ""))
            self._emit(ev.StepFinished(step_id=step_id, state="aborted", reason="aborted by the operator"))
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
        if status.reason == "timeout":
            return False, "", f"timed out after {status.ended - status.started:.0f} s"
        if status.reason in ("not-started", "lost"):
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
            if result.status == "failed":
                lines.append(f"{ref.shown()}: {result.message}")
                lines.extend(f"  {d}" for d in result.details[:20])
        return tuple(lines) or None

    def _wait_until(
        self, step: PlannedStep, what: str, pending: Callable[[ClusterState], tuple[str, ...] | None]
    ) -> None:
        timeout = self.options.settle_timeout or self.plan.runbook.settle_timeout
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
                    ev.WaitFinished(step_id=step.id, outcome="aborted", elapsed=time.monotonic() - began)
                )
                raise _Abort()
            if self._detach:
                self._emit(ev.Detached(reason=self._detach))
                raise _Detach()
            if self._override_wait:
                self._emit(
                    ev.WaitFinished(step_id=step.id, outcome="overridden", elapsed=time.monotonic() - began)
                )
                self._emit(
                    ev.DecisionMade(
                        id=0,
                        kind="wait-override",
                        step_id=step.id,
                        choice="override",
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
                    self._emit(ev.WaitFinished(step_id=step.id, outcome="settled", elapsed=now - began))
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
                    "wait-timeout",
                    step.id,
                    f"{what} did not finish in {timeout:.0f} s. Keep waiting, go on anyway, or abort?",
                    ("wait", "override", "abort"),
                    shown,
                )
                if choice == "abort":
                    raise _Abort()
                if choice == "override":
                    self._emit(ev.WaitFinished(step_id=step.id, outcome="overridden", elapsed=now - began))
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
        results = [(ref, self._check(step.id, "verify", ref, state)) for ref in step.verify]
        failed = [(ref, r) for ref, r in results if r.status == "failed"]
        if failed:
            raise _StepFailedHere("; ".join(f"{ref.shown()}: {r.message}" for ref, r in failed))

    def _check(self, step_id: str, purpose: str, ref: CheckRef, state: ClusterState) -> Any:
        try:
            result = self._run_check(ref.name, state, self.params, **self._late_args(ref))
        except _StepFailedHere as exc:
            result = _ErrorResult(name=ref.name, status="failed", message=str(exc))
        except Exception as exc:  # a check must never take the run down
            result = _ErrorResult(name=ref.name, status="failed", message=f"the check raised {exc!r}")
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
                    level="warning", text=f"reading cluster state failed: {exc}", step_id=self.current_step
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
                ev.Notice(level="warning", text=f"could not save the cluster-state summary: {exc}"),
                journal=False,
            )

    # --- the operator -----------------------------------------------------------------------

    def _on_failure(self, step: PlannedStep, why: str) -> tuple[str, str]:
        self._emit(ev.StepFinished(step_id=step.id, state="failed", reason=why))
        if self.options.yes and self.options.on_failure == "abort":
            raise _StepFailed(f"step {step.id} failed: {why}")
        detail: tuple[str, ...] = ()
        if self._last_command and self._last_command[0] == step.id:
            out = execute.CommandFiles.numbered(self.session_dir / "commands", self._last_command[1]).out
            tail = _tail_text(out, 16 * 1024).splitlines()[-FAILURE_TAIL_LINES:]
            detail = tuple(f"| {line}" for line in tail)
        return self._ask("failed", step.id, f"{step.title} failed: {why}", ("retry", "skip", "abort"), detail)

    def _ask(
        self,
        kind: str,
        step_id: str,
        prompt: str,
        options: tuple[str, ...],
        detail: tuple[str, ...],
        warning: str = "",
    ) -> tuple[str, str]:
        auto = {"confirm": "yes", "ask": "yes"}.get(kind)
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
            )
        )
        if self.options.yes and auto:
            self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=auto, by="--yes"))
            return auto, ""
        choice, reason = "", ""
        with self._cond:
            while not choice:
                if self._abort:
                    choice, reason = "abort", "abort requested"
                elif self._detach:
                    break
                elif self._decision and self._decision[0] == did and self._decision[1] in options:
                    _, choice, reason = self._decision
                    self._decision = None
                elif kind == "failed" and step_id in self._skips:
                    choice, reason = "skip", self._skips.pop(step_id)
                else:
                    self._cond.wait(timeout=0.5)
        if not choice:
            self._emit(ev.Detached(reason=self._detach))
            raise _Detach()
        self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=choice, reason=reason))
        return choice, reason

    def _hold_if_paused(self, step_id: str) -> None:
        if not self._paused:
            return
        self._emit(ev.Paused(step_id=step_id))
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
        if journal:
            self.journal.write(event)
        if self.view is not None:
            self.view.apply(event)
        try:
            self.listener(event)
        except (_Detach, _Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - a front-end bug must not stop a migration
            self.journal.write(ev.Notice(level="error", text=f"front end failed to show an event: {exc!r}"))

    def _next_command_number(self) -> int:
        with self._cond:
            self._command_number += 1
            return self._command_number

    def _first_free_command_number(self) -> int:
        existing = [int(p.stem) for p in (self.session_dir / "commands").glob("*.out") if p.stem.isdigit()]
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
