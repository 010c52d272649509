"""The hand-over between the engine thread and the output pane, and the lines Cairn adds to it.

The engine emits command output in batches of many lines from its own thread. Posting a message
per line would drown the app; so the listener appends whole batches here (under a lock) and the
pane takes what piled up ~30 times a second. The pane keeps only its last `keep` lines anyway, so
the buffer never holds more than that: a flood costs memory for `keep` lines, not for the flood.
Every line is on disk in commands/NNN.out regardless.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence

from steps import events as ev
from steps.export import human_duration
from steps.session import SessionDir
from steps.states import CheckPurpose, CommandEnd, Verdict

from .look import Look


class OutputBuffer:
    def __init__(self, keep: int = 5000):
        self.keep = keep
        self._lock = threading.Lock()
        self._chunks: deque[Sequence[str]] = deque()
        self._count = 0
        self._passed_over = 0
        self._number = 0  # the command whose output came last, for the "passed over" note
        self.received = 0  # every line ever added (figures for the bench and the pane)

    def add(self, lines: Sequence[str], number: int = 0) -> None:
        """Any thread: a batch of lines, kept by reference (the engine's tuples are immutable)."""
        if not lines:
            return
        with self._lock:
            self._chunks.append(lines)
            self._count += len(lines)
            self.received += len(lines)
            if number:
                self._number = number
            while self._chunks and self._count - len(self._chunks[0]) >= self.keep:
                dropped = len(self._chunks.popleft())
                self._count -= dropped
                self._passed_over += dropped

    def take(self) -> tuple[list[str], int, int]:
        """The UI thread: (at most `keep` newest lines, how many were passed over, their command)."""
        with self._lock:
            if not self._chunks:
                return [], 0, 0
            chunks, self._chunks = self._chunks, deque()
            count, self._count = self._count, 0
            passed, self._passed_over = self._passed_over, 0
            number = self._number
        lines: list[str] = []
        for chunk in chunks:
            lines.extend(chunk)
        if count > self.keep:
            passed += count - self.keep
            lines = lines[-self.keep :]
        return lines, passed, number

    @property
    def pending(self) -> int:
        with self._lock:
            return self._count


def passed_over_note(count: int, number: int) -> str:
    where = SessionDir.output_name(number) if number else "the commands/ files"
    return f"[cairn] {count:,} lines went by too fast to show here; every line is in {where}"


class Annotator:
    """The lines Cairn writes into the output stream around commands: which step, which command,
    how it ended. Pure formatting, safe on any thread; one instance per stream."""

    def __init__(self, look: Look, titles: Mapping[str, str]):
        self.look = look
        self.titles = titles
        self._waiting_for = ""

    def lines(self, event: ev.Event) -> list[str]:  # noqa: C901 - one branch per event type
        g = self.look
        match event:
            case ev.StepStarted():
                again = (
                    f" (attempt {event.attempt}, from command {event.from_command + 1})"
                    if event.attempt > 1
                    else ""
                )
                self._waiting_for = ""
                title = self.titles.get(event.step_id, event.step_id)
                return ["", f"{g.glyph('running')} {title}  [{event.step_id}]{again}"]
            case ev.CommandStarted():
                return [f"$ {event.display}"]
            case ev.CommandFinished():
                reason = "" if event.reason == CommandEnd.EXITED else f" ({event.reason})"
                took = human_duration(event.duration)
                if event.ok:
                    benign = f"; counted as success: {event.benign}" if event.benign else ""
                    return [f"  {g.arrow} exit {event.exit}{reason} in {took}{benign}"]
                why = f": {event.failure}" if event.failure else ""
                return [f"  {g.arrow} exit {event.exit}{reason} in {took}: FAILED{why}"]
            case ev.StepFinished():
                state = event.state.state
                took = f" in {human_duration(event.duration)}" if event.duration else ""
                reason = f": {event.reason}" if event.reason else ""
                return [f"{g.glyph(state)} {state}{took}{reason}"]
            case ev.WaitProgress():
                if self._waiting_for == event.what:
                    return []
                self._waiting_for = event.what
                return [f"  waiting ({event.what})"]
            case ev.WaitFinished():
                self._waiting_for = ""
                return [f"  wait {event.outcome} after {human_duration(event.elapsed)}"]
            case ev.CheckEvaluated():
                if event.purpose == CheckPurpose.CHECK and event.status != Verdict.PASSED:
                    return []
                text = f"  {event.purpose} {event.name}: {event.status}" + (
                    f" - {event.message}" if event.message else ""
                )
                fix = [f"    fix: {event.fix}"] if event.fix and event.status != Verdict.PASSED else []
                return [text, *(f"    {d}" for d in event.details[:20]), *fix]
            case ev.Captured():
                return [f"  captured {event.name}" + (" (secret, not shown)" if event.secret else "")]
            case ev.Generated():
                return [f"  {event.generator} computed {len(event.commands)} commands from the cluster"]
            case ev.Notice():
                return [f"! {event.level}: {event.text}"]
            case ev.DecisionRequested():
                return [f"? {event.prompt}"]
            case ev.DecisionMade():
                reason = f" - {event.reason}" if event.reason else ""
                return [f"  {event.kind}: {event.choice} (by {event.by}){reason}"]
            case ev.Paused():
                return [f"  paused before the next command of {event.step_id or 'the run'}"]
            case ev.Resumed():
                return ["  resumed"]
            case ev.Detached():
                running = (
                    f"; command {event.running_command:03d} keeps running" if event.running_command else ""
                )
                return [f"  stopped: {event.reason}{running}"]
            case ev.RunFinished():
                return ["", f"Run {event.outcome}: {event.message}"]
        return []
