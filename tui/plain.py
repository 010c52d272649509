"""Plain mode: the runbook line by line on an ordinary terminal (`cairn run RUNBOOK --plain`).

The engine runs in a thread; this thread prints its events and answers its questions from stdin.
With no terminal to ask (stdin not a TTY, or closed) a question the engine cannot answer by
itself (a failed step) stops the run where it is: nothing is killed, and `cairn resume`
continues from that question. SIGHUP and SIGTERM do the same, after flushing the journal.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from steps import events as ev
from steps import journal, launch, session
from steps.engine import OUTCOME_ABORTED, OUTCOME_DETACHED, OUTCOME_FAILED, OUTCOME_SUCCEEDED
from steps.export import human_duration
from steps.printable import printable
from steps.states import CheckPurpose, Choice, CommandEnd, DecisionKind, StepEnd, Verdict
from steps.view import SessionView

from .ssh import ssh_warning

OUTPUT_INDENT = "    "
EXIT: dict[str, int] = {OUTCOME_SUCCEEDED: 0, OUTCOME_FAILED: 1, OUTCOME_ABORTED: 1, OUTCOME_DETACHED: 1}
PAUSE = "pause"  # plain mode's own answer to a failed step's question: hold, then ask again
# What the operator may type: a choice's word or its first letter.
ANSWERS = {
    **{word: word for word in (*Choice, PAUSE)},
    **{word[0]: word for word in (*Choice, PAUSE)},
}


class Printer:
    """Turns events into lines. Also used by `cairn watch --plain`."""

    def __init__(self, view: SessionView, out: TextIO):
        self.view = view
        self.out = out
        self.lock = threading.Lock()
        self._phase = ""
        self._numbers = {sid: i for i, sid in enumerate(view.steps, 1)}
        self._last_wait = 0.0

    def say(self, text: str = "") -> None:
        text = printable(text, one_line=False)  # titles, values, output tails: none may drive the terminal
        with self.lock:
            self.out.write(text + "\n")
            self.out.flush()

    def _phase_header(self, step_id: str) -> None:
        """`== Phase i/n: title` before the first line of each phase's first step."""
        v = self.view
        step = v.steps.get(step_id)
        if step and step.phase_id != self._phase:
            self._phase = step.phase_id
            phase = next(p for p in v.phases if p.id == step.phase_id)
            index = v.phases.index(phase) + 1
            self.say(f"\n== Phase {index}/{len(v.phases)}: {phase.title}")

    def event(self, event: ev.Event) -> None:  # noqa: C901 - one branch per event type
        v = self.view
        match event:
            case ev.StepStarted():
                step = v.steps.get(event.step_id)
                self._phase_header(event.step_id)
                again = (
                    f" (attempt {event.attempt}, from command {event.from_command + 1})"
                    if event.attempt > 1
                    else ""
                )
                title = step.title if step else event.step_id
                self.say(f"[{self._numbers.get(event.step_id, '?')}/{len(v.steps)}] {title}{again}")
            case ev.CommandStarted():
                self.say(f"  $ {event.display}")
            case ev.CommandOutput():
                with self.lock:
                    self.out.write("".join(f"{OUTPUT_INDENT}{printable(line)}\n" for line in event.lines))
                    self.out.flush()
            case ev.CommandFinished():
                mark = "ok" if event.ok else "FAILED"
                note = f"; counted as success: {event.benign}" if event.benign else ""
                note += f"; {event.failure}" if event.failure else ""
                reason = "" if event.reason == CommandEnd.EXITED else f" ({event.reason})"
                self.say(f"  -> exit {event.exit}{reason}, {human_duration(event.duration)}: {mark}{note}")
            case ev.CheckEvaluated():
                if event.purpose == CheckPurpose.CHECK and event.status != Verdict.PASSED:
                    return
                mark = {Verdict.PASSED: "ok", Verdict.FAILED: "FAILED", Verdict.WARNING: "warning"}.get(
                    event.status, event.status
                )
                self.say(
                    f"  {event.purpose} {event.name}: {mark}"
                    + (f" - {event.message}" if event.message else "")
                )
                for d in event.details[:20]:
                    self.say(f"      {d}")
                if event.fix and event.status != Verdict.PASSED:
                    self.say(f"      fix: {event.fix}")
            case ev.WaitProgress():
                now = time.monotonic()
                if now - self._last_wait >= 10 or event.elapsed == 0:
                    self._last_wait = now
                    self.say(f"  waiting ({event.what}) {human_duration(event.elapsed)}:")
                    for line in event.lines[:8]:
                        self.say(f"      {line}")
            case ev.WaitFinished():
                self.say(f"  wait {event.outcome} after {human_duration(event.elapsed)}")
            case ev.StepFinished():
                step = v.steps.get(event.step_id)
                if event.state == StepEnd.DONE:
                    self._phase_header(event.step_id)  # a phase may open with a step already done
                    title = step.title if step else event.step_id
                    self.say(
                        f"[{self._numbers.get(event.step_id, '?')}/{len(v.steps)}] {title}: already done"
                        + (f" ({event.reason})" if event.reason else "")
                    )
                elif event.state == StepEnd.SUCCEEDED:
                    self.say(f"  step succeeded in {human_duration(event.duration)}")
                else:
                    self.say(f"  step {event.state}" + (f": {event.reason}" if event.reason else ""))
            case ev.Notice():
                self.say(f"  {event.level}: {event.text}")
            case ev.DecisionMade() if event.by != "operator":
                self.say(f"  {event.kind}: {event.choice} (by {event.by})")
            case ev.Paused():
                self.say(
                    f"  paused before the next command of {event.step_id or 'the run'}; press Enter to go on"
                )
            case ev.Resumed():
                self.say("  resumed")
            case ev.Detached():
                running = (
                    f"; command {event.running_command:03d} keeps running" if event.running_command else ""
                )
                self.say(f"  stopped: {event.reason}{running}")
            case ev.RunFinished():
                counts = ", ".join(
                    f"{n} {s}" for s, n in sorted(event.summary.items(), key=lambda kv: -kv[1])
                )
                self.say(f"\nRun {event.outcome}: {event.message}" + (f"\nSteps: {counts}" if counts else ""))


class PlainRunner:
    def __init__(self, launched: launch.Launched, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout):
        self.launched = launched
        self.stdin = stdin
        self.printer = Printer(launched.view, out)
        self.decisions: queue.Queue[ev.DecisionRequested | None] = queue.Queue()
        self.interactive = _is_tty(stdin)
        launched.engine.listener = self._listen

    def _listen(self, event: ev.Event) -> None:
        self.printer.event(event)
        if isinstance(event, ev.DecisionRequested) and not (
            self.launched.engine.options.yes and event.kind.answered_by_yes
        ):
            self.decisions.put(event)

    def run(self) -> int:
        engine = self.launched.engine
        sid = self.launched.session_id
        p = self.printer
        p.say(f"Cairn {self.launched.plan.runbook.id} - session {sid} ({self.launched.view.target_line()})")
        p.say(f"Params: {self.launched.view.params_line()}")
        warn = ssh_warning()
        if warn:
            p.say(f"warning: {warn}")
        for text in self.launched.notices:
            p.say(f"note: {text}")
        p.say(f"Record: {self.launched.directory}")
        worker = threading.Thread(target=engine.run, name="cairn-engine", daemon=True)
        restore = _install_signal_handlers(engine)
        worker.start()
        try:
            while worker.is_alive():
                try:
                    request = self.decisions.get(timeout=0.2)
                except queue.Empty:
                    continue
                except KeyboardInterrupt:
                    self._interrupted()
                    continue
                if request is not None:
                    self._answer(request)
            worker.join()
        except KeyboardInterrupt:
            self._interrupted()
            worker.join()
        finally:
            restore()
            self.launched.close()
        outcome = engine.outcome or OUTCOME_DETACHED
        if outcome == OUTCOME_DETACHED:
            p.say(f"The session is unfinished. Continue it with: cairn resume {sid}")
        p.say(f"Record: cairn export {sid}")
        return EXIT.get(outcome, 1)

    def _answer(self, request: ev.DecisionRequested) -> None:
        engine = self.launched.engine
        if not self.interactive:
            self.printer.say(f"  {request.prompt}")
            self.printer.say(
                "  nobody to ask (stdin is not a terminal): stopping here; the question waits for `cairn resume`"
            )
            engine.detach("a decision was needed and stdin is not a terminal")
            return
        p = self.printer
        p.say("")
        p.say(f"? {request.prompt}")
        for line in request.detail:  # its warning was printed as a notice just above
            p.say(f"    {line}")
        options = list(request.options) + ([PAUSE] if request.kind == DecisionKind.FAILED else [])
        menu = " / ".join(f"[{o[0]}]{o[1:]}" for o in options)
        while True:
            answer = self._read(f"  {menu}: ")
            if answer is None:
                engine.detach("stdin closed while a decision was needed")
                return
            choice = ANSWERS.get(answer.strip().lower())
            if choice == PAUSE:
                p.say("  paused. Press Enter to decide again (Ctrl-C to leave; `cairn resume` continues).")
                if self._read("") is None:
                    engine.detach("stdin closed while paused")
                    return
                continue
            if choice not in request.options:
                p.say(f"  please answer one of: {', '.join(options)}")
                continue
            if choice == Choice.ABORT and self._read("  abort the run? type 'abort' to confirm: ") != "abort":
                continue
            reason = ""
            if choice == Choice.SKIP:
                reason = (self._read("  reason for skipping (goes in the record): ") or "").strip()
                while not reason:
                    reason = (self._read("  a reason is needed: ") or "").strip()
            engine.decide(request.id, choice, reason)
            return

    def _interrupted(self) -> None:
        engine = self.launched.engine
        self.printer.say(
            "\nInterrupted. [c]ontinue / [p]ause / [a]bort the run / [q]uit (a running command keeps running)"
        )
        answer = (self._read("  > ") or "q").strip().lower()[:1]
        if answer == "p":
            engine.pause()
            self._read("  paused: press Enter to go on ")
            engine.resume()
        elif (
            answer == "a"
            and (self._read("  type 'abort' to kill the running command and stop: ") or "") == "abort"
        ):
            engine.abort()
        elif answer == "q":
            engine.detach("the operator quit")

    def _read(self, prompt: str) -> str | None:
        with self.printer.lock:
            self.printer.out.write(prompt)
            self.printer.out.flush()
        line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _install_signal_handlers(engine) -> Callable[[], None]:
    """SIGHUP/SIGTERM: flush and stop cleanly (the command keeps running; resume continues)."""
    previous = {}

    def handler(signum, _frame):
        engine.detach(f"received {signal.Signals(signum).name}")

    for sig in (signal.SIGHUP, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread (tests)
            pass

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def run(request: launch.RunRequest) -> int:
    launched = launch.start(request)
    return PlainRunner(launched).run()


def resume(session_id: str | None, yes: bool | None = None) -> int:
    launched = launch.resume(session_id, yes=yes)
    runner = PlainRunner(launched)
    runner.printer.say(f"Resuming session {launched.session_id}")
    pending = launched.view.pending_decision
    if pending is not None:
        runner.printer.say(f"  (it was waiting for: {pending.prompt})")
    return runner.run()


def watch(session_id: str | None, out: TextIO = sys.stdout, poll: float = 0.3) -> int:
    """A read-only tail of a session: its events and its commands' output, as they happen."""
    from steps.execute import CommandTails

    sid, directory = session.find(session_id)
    layout = session.SessionDir(directory)
    path = layout.journal
    result = journal.read(path)
    view = SessionView.build(result.events)
    printer = Printer(view, out)
    printer.say(
        f"Watching session {sid} ({view.started.runbook}, {view.target_line()}) read-only; Ctrl-C to stop"
    )
    tails = CommandTails(layout.commands)

    def flush(number: int, final: bool = False) -> None:
        lines = tails.read(number, final=final)
        if lines:
            printer.event(ev.CommandOutput(step_id="", number=number, lines=tuple(lines)))

    def show(event: ev.Event) -> None:
        if isinstance(event, ev.CommandFinished):
            flush(event.number, final=True)  # its output first, then how it ended
        view.apply(event)
        printer.event(event)
        if isinstance(event, ev.CommandStarted):
            tails.start(event.number)

    for event in result.events[1:]:
        show(event)
    lock = session.SessionLock(directory)
    try:
        for _offset, events in journal.follow(path, result.complete_bytes):
            for event in events:
                show(event)
            for number in tails.following:
                flush(number)
            driven = lock.is_held_elsewhere()
            if view.finished is not None and not driven:
                return 0
            if not driven and time.time() - view.last_event_at > 2:
                printer.say(f"(no process is driving this session; `cairn resume {sid}` continues it)")
                return 0
            time.sleep(poll)
    except KeyboardInterrupt:
        return 0
    return 0


__all__ = ["run", "resume", "watch", "Printer", "PlainRunner"]
