"""`cairn sessions` over many sessions: the listing against reading each journal's first and last line.

Writes COUNT finished sessions (each a journal of a few hundred events, as a rehearsal leaves),
then times, in one run, the listing's rows (`steps.record.session_list.row`, what `cairn sessions`
prints) and the floor: opening each journal and reading its first and last lines, nothing parsed.

    python bench/bench_sessions.py [COUNT]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steps.record import export, session_list  # noqa: E402
from steps.record.journal import JournalWriter  # noqa: E402
from steps.record.view import SessionView  # noqa: E402
from steps.run import events as ev  # noqa: E402


def _write(directory: Path, steps: int = 60) -> None:
    directory.mkdir(parents=True)
    outline = [{"id": "p", "title": "P", "steps": [{"id": f"s{i}", "title": f"S{i}"} for i in range(steps)]}]
    started = ev.SessionStarted(
        session_id=directory.name,
        runbook="ckf-1.11-ambient",
        runbook_title="R",
        target={"kind": "sandbox", "scenario": "ckf-1.11"},
        outline=outline,
    )
    events: list[ev.Event] = [started]
    for i in range(steps):
        events.append(ev.StepStarted(step_id=f"s{i}"))
        events.append(
            ev.CommandStarted(step_id=f"s{i}", index=0, number=i + 1, display="juju status", argv=())
        )
        events.append(ev.CommandOutput(step_id=f"s{i}", number=i + 1, lines=("line",) * 5))
        events.append(
            ev.CommandFinished(step_id=f"s{i}", index=0, number=i + 1, exit=0, reason="exited", ok=True)
        )
        events.append(ev.StepFinished(step_id=f"s{i}", state="succeeded"))
    events.append(ev.RunFinished(outcome="succeeded", summary=SessionView.build(events).counts()))
    journal = JournalWriter(directory / "journal.jsonl")
    for event in events:
        journal.write(event)
    journal.close()


def _ends(path: Path) -> None:
    with open(path, "rb") as f:
        f.readline()
        f.seek(max(0, os.fstat(f.fileno()).st_size - 4096))
        f.read().rsplit(b"\n", 2)


def main(count: int = 300) -> None:
    root = Path(tempfile.mkdtemp(prefix="cairn-bench-sessions-"))
    dirs = [root / f"20260101-{i:06d}-abcd" for i in range(count)]
    for d in dirs:
        _write(d)
    cairn, floor, replay = [], [], []
    for _ in range(5):
        t0 = time.perf_counter()
        for d in dirs:
            export.load_view(d)  # what each row cost before: the whole journal replayed
        replay.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for d in dirs:
            session_list.row(d)
        cairn.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for d in dirs:
            _ends(d / "journal.jsonl")
        floor.append(time.perf_counter() - t0)
    c, f = statistics.median(cairn) * 1000, statistics.median(floor) * 1000
    print(
        f"{count} sessions listed: cairn {c:.0f} ms | floor {f:.0f} ms (first and last line of each "
        f"journal, unparsed) | ratio {c / f:.1f}; {c / count:.2f} ms a session"
    )
    r = statistics.median(replay) * 1000
    print(f"  (replaying every journal instead, as before: {r:.0f} ms, {r / count:.2f} ms a session)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
