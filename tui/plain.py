"""Plain mode: the runbook line by line on an ordinary terminal (`cairn run RUNBOOK --plain`).

The engine runs in a thread; this thread prints its events and answers its questions from stdin.
With no terminal to ask (stdin not a TTY, or closed) a question the engine cannot answer by
itself (a failed step) stops the run where it is: nothing is killed, and `cairn resume`
continues from that question. SIGHUP and SIGTERM do the same, after flushing the journal.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from steps.record import journal, narrator, session
from steps.record.narrator import Narrator, human_duration
from steps.record.printable import printable
from steps.record.view import SessionView
from steps.run import events as ev
from steps.run import launch
from steps.run.engine import OUTCOME_ABORTED, OUTCOME_DETACHED, OUTCOME_FAILED, OUTCOME_SUCCEEDED
from steps.run.request import RunRequest
from steps.states import Choice, DecisionKind

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
    """Turns events into lines, in the narrator's words (steps/record/narrator.py). Also used by
    `cairn watch --plain`.

    A closed stdout (`| head`) is not an error to crash on: `on_broken` is told once (plain mode
    detaches the run, so the session stays resumable) and nothing more is written."""

    def __init__(
        self,
        view: SessionView,
        out: TextIO,
        on_broken: Callable[[], None] | None = None,
        show_questions: bool = False,
    ):
        self.view = view
        self.show_questions = show_questions  # a watcher sees the questions another process asks
        self.out = out
        self.lock = threading.Lock()
        self.on_broken = on_broken
        self.broken = False
        self._phase = ""
        self._shown_step = ""
        self._numbers = {sid: i for i, sid in enumerate(view.steps, 1)}
        self._last_wait = 0.0
        self._narrator = Narrator({sid: st.title for sid, st in view.steps.items()})
        self._held: list[str] | None = None  # lines kept back while the operator types an answer

    def say(self, text: str = "") -> None:
        text = printable(text, one_line=False)  # titles, values, output tails: none may drive the terminal
        self.write(text + "\n")

    def write(self, text: str) -> None:
        with self.lock:
            if self._held is not None:
                self._held.append(text)
                return
            self._write(text)

    def _write(self, text: str) -> None:
        if self.broken:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except (BrokenPipeError, ValueError) as exc:  # ValueError: the stream was closed
            self._lost(exc)
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            self._lost(exc)

    def _lost(self, _exc: BaseException) -> None:
        self.broken = True
        # Python flushes stdout once more at exit; point it at /dev/null so that cannot fail.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.out.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        if self.on_broken is not None:
            self.on_broken()

    def prompt(self, text: str) -> None:
        """A prompt for the operator: written at once, even while other output is held."""
        with self.lock:
            self._write(text)

    def hold(self) -> None:
        """Keep output back while the operator answers, so it does not run into what they type."""
        with self.lock:
            if self._held is None:
                self._held = []

    def release(self) -> None:
        with self.lock:
            held, self._held = self._held or [], None
            if held:
                self._write("".join(held))

    def _heading(self, step_id: str, attempt: int = 1, from_command: int = 0) -> None:
        """The phase and step a line belongs to, printed before the step's first line (a warning
        or a question comes before the step starts)."""
        v = self.view
        step = v.steps.get(step_id)
        if step is None:
            return
        if step.phase_id != self._phase:
            self._phase = step.phase_id
            phase = next(p for p in v.phases if p.id == step.phase_id)
            index = v.phases.index(phase) + 1
            self.say(f"\n== Phase {index}/{len(v.phases)}: {phase.title}")
        if step_id != self._shown_step or attempt > 1:
            self._shown_step = step_id
            heading = narrator.step_heading(step.title, step_id, attempt, from_command)
            self.say(f"[{self._numbers.get(step_id, '?')}/{len(v.steps)}] {heading}")

    def event(self, event: ev.Event) -> None:
        match event:
            case ev.StepStarted():
                self._heading(event.step_id, event.attempt, event.from_command)
                return
            case ev.CommandOutput():
                self.write("".join(f"{OUTPUT_INDENT}{printable(line)}\n" for line in event.lines))
                return
            case ev.WaitProgress():
                now = time.monotonic()
                if now - self._last_wait >= 10 or event.elapsed == 0:
                    self._last_wait = now
                    self.say(f"  waiting ({event.what}) {human_duration(event.elapsed)}:")
                    for line in event.lines[:8]:
                        self.say(f"      {line}")
                return
            case ev.DecisionRequested():
                self._heading(event.step_id)
                if self.show_questions:
                    self.say(f"? {event.prompt}")
                    for line in event.detail:
                        self.say(f"    {line}")
                return  # otherwise the question is printed by whoever asks it
            case ev.DecisionMade() if event.by == "operator":
                return  # the operator just typed it
            case ev.RunFinished():
                counts = narrator.counts_text(event.summary)
                self.say(f"\nRun {event.outcome}: {event.message}" + (f"\nSteps: {counts}" if counts else ""))
                return
        step_id = getattr(event, "step_id", "")
        if step_id and not isinstance(event, (ev.Paused, ev.SkipRequested, ev.KillRequested, ev.NoteAdded)):
            self._heading(step_id)
        for line in self._narrator.lines(event):
            self.say(line if line.startswith("  ") else f"  {line}")


class PlainRunner:
    def __init__(self, launched: launch.Launched, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout):
        self.launched = launched
        self.stdin = stdin
        self.printer = Printer(launched.view, out, on_broken=self._stdout_closed)
        self.decisions: queue.Queue[ev.DecisionRequested | None] = queue.Queue()
        self.interactive = _is_tty(stdin)
        launched.engine.listener = self._listen

    def _stdout_closed(self) -> None:
        # Nobody reads any more: stop as a hang-up would, so the session stays resumable.
        self.launched.engine.detach("stdout was closed (broken pipe)")

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
        if engine.paused:
            self._still_paused()
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
            self.printer.say(f"? {request.prompt}")
            for line in request.detail:
                self.printer.say(f"    {line}")
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
        for line in request.commands if not request.detail else ():
            p.say(f"    $ {line}")
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
        p = self.printer
        info = engine.running_command_info()
        step = engine.current_step
        kill = " / [k]ill this command" if info is not None else ""
        skip = " / [s]kip this step" if step else ""
        p.say(
            f"\nInterrupted. [c]ontinue / [p]ause{kill}{skip} / [n]ote / [a]bort the run / [q]uit"
            " (a running command keeps running)"
        )
        if info is not None:
            p.say(f"  command {info.number:03d} is running: {narrator.silence_text(info)}")
        # The command's output waits while the operator answers; their letter is not echoed into
        # the stream (it is shown once, as the word it means).
        p.hold()
        try:
            answer = (self._read("  > ", echo=False) or "q").strip().lower()[:1]
            p.prompt(f"{MENU_WORDS.get(answer, answer or 'quit')}\n")
        finally:
            p.release()
        if answer == "p":
            engine.pause()
            self._read("  paused: press Enter to go on ")
            engine.resume()
        elif answer == "a":
            if self._ask_text("  type 'abort' to kill the running command and stop: ") == "abort":
                engine.abort()
        elif answer == "k" and info is not None:
            if (
                self._ask_text(f"  type 'kill' to kill command {info.number:03d} (the step then fails): ")
                == "kill"
            ):
                engine.kill_command()
        elif answer == "s" and step:
            reason = self._ask_text(f"  reason for skipping {step} (goes in the record; empty: don't skip): ")
            if reason:
                engine.skip(step, reason)
        elif answer == "n":
            text = self._ask_text("  note for the record (empty: none): ")
            if text:
                engine.add_note(text)
        elif answer == "q":
            engine.detach("the operator quit")

    def _ask_text(self, prompt: str) -> str:
        """A line the operator types, with the command's output held back meanwhile."""
        self.printer.hold()
        try:
            return (self._read(prompt) or "").strip()
        finally:
            self.printer.release()

    def _still_paused(self) -> None:
        """A resumed session that was paused stays paused until someone says go on."""
        engine = self.launched.engine
        if not self.interactive:
            self.printer.say("  the session was paused; stdin is not a terminal, so resuming it goes on")
            engine.resume(by="cairn resume (no terminal to ask)")
            return
        self.printer.say("  the session was paused before it stopped.")
        if self._read("  press Enter to go on (Ctrl-D leaves it paused) ") is None:
            engine.detach("stdin closed while paused")
            return
        engine.resume()

    def _read(self, prompt: str, echo: bool = True) -> str | None:
        self.printer.prompt(prompt)
        with _no_echo(self.stdin, enabled=not echo):
            line = self.stdin.readline()
        return None if line == "" else line.rstrip("\n")


MENU_WORDS = {"c": "continue", "p": "pause", "a": "abort", "q": "quit", "k": "kill", "s": "skip", "n": "note"}


@contextlib.contextmanager
def _no_echo(stream: TextIO, enabled: bool = True) -> Iterator[None]:
    """Turn the terminal's echo off for one answer (no-op when stdin is not a terminal)."""
    if not enabled or not _is_tty(stream):
        yield
        return
    try:
        import termios

        fd = stream.fileno()
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    new = list(old)
    new[3] &= ~termios.ECHO
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, new)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


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


def run(request: RunRequest) -> int:
    launched = launch.start(request)
    return PlainRunner(launched).run()


def resume(session_id: str | None, yes: bool | None = None) -> int:
    launched = launch.resume(session_id, yes=yes)
    runner = PlainRunner(launched)
    runner.printer.say(f"Resuming session {launched.session_id}")
    if launched.view.detaches:
        last = launched.view.detaches[-1]
        runner.printer.say(f"  took over from the run that stopped: {last.reason}")
    pending = launched.view.pending_decision
    if pending is not None:
        runner.printer.say(f"  (it was waiting for: {pending.prompt})")
    return runner.run()


def watch(session_id: str | None, out: TextIO = sys.stdout, poll: float = 0.3) -> int:
    """A read-only tail of a session: its events and its commands' output, as they happen."""
    from steps.run.execute import CommandTails

    sid, directory = session.find(session_id)
    layout = session.SessionDir(directory)
    path = layout.journal
    result = journal.read(path)
    view = SessionView.build(result.events)
    printer = Printer(view, out, show_questions=True)
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
            if printer.broken:
                return 1  # nobody reads this any more (`| head`)
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
