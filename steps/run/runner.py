"""The command runner: one runbook command at a time, numbered, journaled before it is spawned,
followed to its end under its supervisor, judged, and its value captured when it is a read.

A failed command tries its fallbacks in order; a capturing one tries them until it gets a value.
A capture runs in memory (`execute.run_captured`), so the value is exactly what the tool printed
while the output file holds only the redacted text, and a secret never touches a file.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..record import secret_store
from ..record.redact import MIN_SECRET_LEN, REDACTED, Redactor, output_is_secret
from ..record.session import SessionDir
from ..record.view import SessionView
from ..runbook import template
from ..runbook.argvfmt import format_argv
from ..runbook.model import Command
from ..runbook.plan import Plan, PlannedStep
from ..states import CommandEnd, Level, StepEnd
from . import events as ev
from . import execute
from .controls import Controls
from .decode import decode_value
from .judge import Judgement, judge
from .targets import Target
from .unwind import FrontEndLeft, RunAborted, StepFailed

Emit = Callable[[ev.Event], None]
KEEP_LINES = 10_000  # only captures need a command's text, and they are short


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


class CommandRunner:
    def __init__(
        self,
        plan: Plan,
        layout: SessionDir,
        target: Target,
        controls: Controls,
        emit: Emit,
        *,
        redactor: Redactor,
        view: SessionView | None,
        captured: dict[str, str],
        secret_names: set[str],
        table: dict[str, str],
    ):
        self.plan, self.layout, self.target = plan, layout, target
        self.controls, self._emit = controls, emit
        self.redactor, self.view = redactor, view
        self.captured, self.secret_names = captured, secret_names
        self.table = table  # the plan's values; generated files add `file.NAME` entries
        self.running: tuple[str, int, execute.RunningCommand] | None = None
        self.running_info: RunningInfo | None = None
        self.last_command: tuple[str, int] | None = None  # (step id, number) of the latest command
        self._number = self._first_free_number()
        if view is not None:
            # A capture runs in memory and writes its files only when it ends: killed before that,
            # its number is in the journal but not on disk, and must not be handed out again.
            self._number = max([self._number, *(c.number for c in view.all_commands())])

    # --- argv ---------------------------------------------------------------------------------

    def resolve_argv(self, argv: tuple[str, ...], display: bool = False) -> tuple[str, ...]:
        """The argv as it runs (or, with display, as it is shown: secrets as [redacted])."""
        table = dict(self.table)
        table["session_dir"] = str(self.layout.path)
        for name, value in self.captured.items():
            table[f"captured.{name}"] = REDACTED if (display and name in self.secret_names) else value
        try:
            rendered = template.render_argv(argv, table, keep_late=False)
            return self.plan.shown(rendered) if display else rendered
        except KeyError as exc:
            raise StepFailed(
                f"the value {{{exc.args[0]}}} is not known yet (an earlier step did not capture it)"
            ) from None

    def shown(self, argv: tuple[str, ...]) -> str:
        return format_argv(self.resolve_argv(argv, display=True))

    def rendered(self, commands: list[Command]) -> tuple[str, ...]:
        """Every argv exactly as it runs (secrets shown as [redacted]), fallbacks included."""
        shown: list[str] = []
        for cmd in commands:
            shown.append(self.shown(cmd.argv))
            shown.extend(f"(if that fails) {self.shown(alt.argv)}" for alt in cmd.fallback)
        return tuple(shown)

    # --- running ------------------------------------------------------------------------------

    def run(self, step: PlannedStep, index: int, cmd: Command) -> bool:
        """Run one runbook command (with its fallbacks); True when it succeeded."""
        if not cmd.capture:
            ok, _ = self._exec(step, index, cmd, cmd)
            for alt in cmd.fallback if not ok else ():
                self._notice(step.id, Level.INFO, f"trying the fallback `{self.shown(alt.argv)}`")
                ok, _ = self._exec(step, index, alt, alt)
                if ok:
                    break
            return ok
        tried = []
        sources = (cmd, *cmd.fallback)
        for n, attempt in enumerate(sources, 1):
            ok, text = self._exec(step, index, attempt, cmd)
            tried.append(self.shown(attempt.argv))
            if not ok:
                return False
            value = self.decode(step.id, attempt, text.strip())
            if value:
                return self.store_capture(step.id, cmd, value)
            if n < len(sources):
                self._notice(
                    step.id, Level.INFO, f"{cmd.capture}: empty from `{tried[-1]}`; trying the next source"
                )
        self._notice(step.id, Level.ERROR, f"{cmd.capture}: no value from any of: {' ; '.join(tried)}")
        return False

    def _exec(self, step: PlannedStep, index: int, cmd: Command, owner: Command) -> tuple[bool, str]:
        """One numbered command: journaled, run, judged. Returns (ok, its output when capturing)."""
        argv = self.resolve_argv(cmd.argv)
        shown = self.resolve_argv(cmd.argv, display=True)
        number = self._next_number()
        self.last_command = (step.id, number)
        files = self.layout.command(number)
        timeout = cmd.timeout or owner.timeout or step.timeout or self.plan.runbook.command_timeout
        env = execute.command_env(self.target.env(), self.layout.path, step.id)
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
        status, _lines = self.follow(running, step.id, index, number)
        judged = self.judge(owner, status, files)
        self.finished(step.id, index, number, status, judged)
        return judged.ok, ""

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
        judged = self.judge(owner, status, files)
        self.finished(step.id, index, number, status, judged)
        return judged.ok, out

    def follow(
        self, running: execute.RunningCommand, step_id: str, index: int, number: int
    ) -> tuple[execute.ExitStatus, list[str]]:
        """Stream a running command's output into events until it ends (or the operator kills
        it, aborts, or the front end leaves: then it keeps running and resume re-attaches)."""
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
        controls = self.controls
        controls.clear(kill=True)
        with controls.cond:
            self.running, self.running_info = (step_id, number, running), info

        def on_lines(lines: list[str]) -> None:
            self.running_info = dataclasses.replace(info, last_output=time.time())
            if keep[0]:
                kept.extend(lines)
                if len(kept) > KEEP_LINES:
                    keep[0] = False
                    kept.clear()
            self._emit(ev.CommandOutput(step_id=step_id, number=number, lines=tuple(lines)))
            if controls.detach:
                raise FrontEndLeft()

        def should_abort() -> bool:
            if controls.detach:
                raise FrontEndLeft()
            return controls.abort or controls.kill

        try:
            status = running.follow(on_lines, should_abort)
        except FrontEndLeft:
            self._emit(ev.Detached(reason=controls.detach, running_command=number))
            raise
        finally:
            with controls.cond:
                self.running = self.running_info = None
        if controls.kill and not controls.abort:
            controls.clear(kill=True)
            if status.reason in (CommandEnd.ABORTED, CommandEnd.EXITED) and not status.ok:
                # The supervisor records a stop on SIGTERM as "aborted": here the operator
                # killed only this command, and the step fails (retry / skip / abort follow).
                status = dataclasses.replace(status, reason=CommandEnd.KILLED)
        if status.reason == CommandEnd.ABORTED and controls.abort:
            self.finished(step_id, index, number, status, Judgement(False))
            self._emit(
                ev.StepFinished(step_id=step_id, state=StepEnd.ABORTED, reason="aborted by the operator")
            )
            raise RunAborted()
        return status, kept

    def judge(
        self, cmd: Command | None, status: execute.ExitStatus, files: execute.CommandFiles
    ) -> Judgement:
        return judge(cmd, status, files.out, self.plan.benign)

    def finished(
        self, step_id: str, index: int, number: int, status: execute.ExitStatus, judged: Judgement
    ) -> None:
        self._emit(
            ev.CommandFinished(
                step_id=step_id,
                index=index,
                number=number,
                exit=status.exit,
                reason=status.reason,
                ok=judged.ok,
                benign=judged.benign,
                failure=judged.failure,
                duration=max(0.0, status.ended - status.started),
            )
        )

    # --- captured values ------------------------------------------------------------------

    def decode(self, step_id: str, cmd: Command, value: str) -> str:
        if not value or not cmd.decode:
            return value
        try:
            return decode_value(cmd.decode, value)
        except ValueError as exc:
            self._notice(step_id, Level.ERROR, f"cannot decode the output: {exc}")
            return ""

    def store_capture(self, step_id: str, cmd: Command, value: str) -> bool:
        self.captured[cmd.capture] = value
        if cmd.secret:
            self.secret_names.add(cmd.capture)
            self.redactor.add([value])
            secret_store.save(self.layout.id, {n: self.captured[n] for n in self.secret_names})
            if len(value) < MIN_SECRET_LEN:
                self._notice(
                    step_id,
                    Level.WARNING,
                    f"{cmd.capture} is short ({len(value)} characters): Cairn never shows it, "
                    "but cannot search "
                    "tool output for it without hiding ordinary words; consider a longer key",
                )
        self._emit(
            ev.Captured(
                step_id=step_id, name=cmd.capture, value=REDACTED if cmd.secret else value, secret=cmd.secret
            )
        )
        return True

    def late_args(self, args: Mapping[str, str]) -> dict[str, str]:
        """Check arguments may name captured values (`{captured.listing}`), known only now."""
        return {k: self.resolve_argv((v,))[0] for k, v in args.items()}

    # --- numbering --------------------------------------------------------------------------

    def running_number(self, step_id: str = "") -> int | None:
        """The command running now (also one just journaled and not yet followed)."""
        running = self.running
        if running is not None:
            return running[1] if not step_id or running[0] == step_id else None
        rec = self.view.running_command() if self.view is not None else None
        return rec.number if rec is not None and (not step_id or rec.step_id == step_id) else None

    def _next_number(self) -> int:
        with self.controls.cond:
            self._number += 1
            return self._number

    def _first_free_number(self) -> int:
        existing = [int(p.stem) for p in self.layout.commands.glob("*.out") if p.stem.isdigit()]
        return max(existing, default=0)

    def _notice(self, step_id: str, level: Level, text: str) -> None:
        self._emit(ev.Notice(level=level, step_id=step_id, text=text))
