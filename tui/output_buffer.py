"""The hand-over between the engine thread and the output pane, and the lines Cairn adds to it.

The engine emits command output in batches of many lines from its own thread. Posting a message
per line would drown the app; so the listener appends whole batches here (under a lock) and the
pane takes what piled up ~30 times a second. The pane keeps only its last `keep` lines anyway, so
the buffer never holds more than that: a flood costs memory for `keep` lines, not for the flood.
Every line is on disk in commands/NNN.out regardless.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence

from steps.record.narrator import Narrator
from steps.record.session import SessionDir
from steps.run import events as ev

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
        self._last_output: dict[int, float] = {}  # command number -> when its last line came

    def last_output_at(self, number: int) -> float | None:
        """When the command's output last moved (how long it has been silent shows in the bar)."""
        with self._lock:
            return self._last_output.get(number)

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
                self._last_output[number] = time.time()
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
    how it ended. The words are the narrator's (steps/record/narrator.py, shared with plain mode and the
    export); this adds the pane's glyphs and a blank line before each step. One per stream."""

    def __init__(self, look: Look, titles: Mapping[str, str]):
        self.look = look
        self.titles = titles
        self._narrator = Narrator(titles, glyph=look.glyph, arrow=look.arrow)

    def lines(self, event: ev.Event) -> list[str]:
        lines = self._narrator.lines(event)
        if isinstance(event, ev.StepStarted) and lines:
            return ["", *lines]
        return lines
