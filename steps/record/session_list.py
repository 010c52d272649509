"""One line per session for `cairn sessions`, read from the journal's first and last lines.

Replaying every journal made the listing linear in the sessions' length (6.8 ms a session, 2 s
for 300). A finished run's last line is its `run.finished`, whose summary holds the step counts,
and the first line holds everything else shown; only a session whose last line is something
else (in progress, detached, torn) is replayed in full.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadInput
from ..run.events import RunFinished, SessionStarted, from_record
from ..states import FINAL_STATES
from .journal import JOURNAL_NAME, _check_format
from .view import SessionView

TAIL_BYTES = 1 << 16  # a run.finished line is a few hundred bytes


@dataclass(frozen=True)
class SessionRow:
    session_id: str
    started: SessionStarted
    target: str
    final: int  # steps in a final good state
    steps: int
    outcome: str


def row(directory: Path) -> SessionRow:
    """The listing's row for one session; BadInput when its journal cannot be read."""
    path = directory / JOURNAL_NAME
    quick = _from_ends(path)
    if quick is not None:
        return quick
    from .export import load_view, outcome_of

    view, _ = load_view(directory)
    final = sum(n for state, n in view.counts().items() if state in FINAL_STATES)
    return SessionRow(
        directory.name, view.started, view.target_line(), final, len(view.steps), outcome_of(view)
    )


def _from_ends(path: Path) -> SessionRow | None:
    """From the first and last lines when the last is a run.finished with counts; else None."""
    try:
        with open(path, "rb") as f:
            first_line = f.readline()
            size = os.fstat(f.fileno()).st_size
            f.seek(max(len(first_line), size - TAIL_BYTES))
            tail = f.read()
    except OSError:
        return None  # the full read names the problem
    if not first_line.endswith(b"\n") or not tail.endswith(b"\n"):
        return None
    lines = tail[:-1].rsplit(b"\n", 1)
    if len(lines) < 2 and size - TAIL_BYTES > len(first_line):
        return None  # one line longer than the tail: not a run.finished
    try:
        first = json.loads(first_line)
        last = json.loads(lines[-1])
        if not isinstance(first, dict) or not isinstance(last, dict):
            return None
        _check_format(path, first)
        started = from_record(first)
        finished = from_record(last)
    except (BadInput, ValueError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(started, SessionStarted) or not isinstance(finished, RunFinished):
        return None
    try:
        step_ids = {s.id for phase in started.outline for s in phase.steps}
        summary = finished.summary
        if step_ids and not summary or not isinstance(summary, dict):
            return None  # no counts recorded (an engine without a view): replay instead
        final = sum(int(n) for state, n in summary.items() if state in FINAL_STATES)
        target = SessionView(started=started).target_line()
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return SessionRow(path.parent.name, started, target, final, len(step_ids), finished.outcome)
