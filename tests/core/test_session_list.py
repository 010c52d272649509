"""`cairn sessions` reads each journal's first and last lines, and agrees with a full replay."""

from __future__ import annotations

import pytest

from steps.errors import BadInput
from steps.record import export, session_list
from steps.record.journal import JournalWriter
from steps.run import events as ev
from steps.states import FINAL_STATES

OUTLINE = [
    {"id": "p", "title": "P", "steps": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]},
    {"id": "q", "title": "Q", "steps": [{"id": "c", "title": "C"}]},
]


def _session(tmp_path, name: str, *, finish: bool = True, summary: dict | None = None):
    directory = tmp_path / name
    directory.mkdir()
    journal = JournalWriter(directory / "journal.jsonl")
    started = ev.SessionStarted(
        session_id=name,
        runbook="ckf-1.11-ambient",
        runbook_title="R",
        target={"kind": "sandbox", "scenario": "ckf-1.11"},
        outline=OUTLINE,
    )
    events: list[ev.Event] = [started]
    for step, state in (("a", "succeeded"), ("b", "skipped"), ("c", "failed")):
        events += [ev.StepStarted(step_id=step), ev.StepFinished(step_id=step, state=state)]
    if finish:
        from steps.record.view import SessionView

        counts = SessionView.build(events).counts() if summary is None else summary
        events.append(ev.RunFinished(outcome="failed", summary=counts, message="c failed"))
    for event in events:
        journal.write(event)
    journal.close()
    return directory


def _replayed(directory):
    view, _ = export.load_view(directory)
    final = sum(n for s, n in view.counts().items() if s in FINAL_STATES)
    return view.target_line(), final, len(view.steps), export.outcome_of(view)


def test_a_finished_session_is_read_from_its_ends_without_a_replay(tmp_path, monkeypatch):
    directory = _session(tmp_path, "s1")
    expected = _replayed(directory)
    monkeypatch.setattr(export, "load_view", lambda *_: pytest.fail("replayed the whole journal"))
    row = session_list.row(directory)
    assert (row.target, row.final, row.steps, row.outcome) == expected == ("sandbox:ckf-1.11", 2, 3, "failed")
    assert row.started.runbook == "ckf-1.11-ambient"


def test_a_session_without_a_final_line_or_counts_is_replayed(tmp_path):
    running = _session(tmp_path, "s2", finish=False)
    no_counts = _session(tmp_path, "s3", summary={})
    for directory in (running, no_counts):
        row = session_list.row(directory)
        assert (row.target, row.final, row.steps, row.outcome) == _replayed(directory)
    assert session_list.row(running).outcome == "in progress"


def test_a_garbled_last_line_is_refused_as_the_replay_refuses_it(tmp_path):
    directory = _session(tmp_path, "s4")
    with open(directory / "journal.jsonl", "ab") as f:
        f.write(b"garbage\n")
    with pytest.raises(BadInput):
        session_list.row(directory)
