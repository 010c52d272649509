"""The words of a run are StrEnums defined once (steps/states.py), journaled as the same strings."""

import json

import pytest

from steps.record.view import SessionView
from steps.run import events as ev
from steps.states import FINAL_STATES, Choice, DecisionKind, StepEnd, StepState, Verdict


def test_a_step_found_done_is_journaled_done_and_shown_already_done():
    assert StepEnd.DONE == "done" and StepEnd.DONE.state is StepState.DONE == "already done"
    for end in StepEnd:
        if end is not StepEnd.DONE:
            assert end.state == end.value
    assert {s for s in StepState if s.final} == FINAL_STATES


def test_events_hold_members_however_they_are_made_and_journal_the_old_strings():
    by_hand = ev.StepFinished(step_id="a", state="done", t=1.0)
    assert by_hand.state is StepEnd.DONE
    line = json.dumps(by_hand.to_record(), separators=(",", ":"))
    assert line == (
        '{"type":"step.finished","t":1.0,"step_id":"a","state":"done","reason":"","duration":0.0,"waited":0.0}'
    )
    asked = ev.from_record(
        {
            "type": "decision.requested",
            "id": 1,
            "kind": "failed",
            "step_id": "a",
            "prompt": "p",
            "options": ["retry", "skip", "abort"],
        }
    )
    assert asked.kind is DecisionKind.FAILED and asked.options == (Choice.RETRY, Choice.SKIP, Choice.ABORT)
    check = ev.CheckEvaluated(step_id="a", purpose="verify", name="n", status="passed")
    assert check.status is Verdict.PASSED
    with pytest.raises(ValueError):  # a word this Cairn does not know: a newer journal
        ev.from_record({"type": "step.finished", "step_id": "a", "state": "vanished"})


def test_the_outline_is_typed_and_journals_as_before():
    started = ev.SessionStarted(
        session_id="s",
        runbook="r",
        runbook_title="R",
        t=1.0,
        outline=[{"id": "p", "title": "P", "steps": [{"id": "a", "title": "A", "commands": ["echo hi"]}]}],
    )
    assert started.outline == (ev.OutlinePhase("p", "P", (ev.OutlineStep("a", "A", commands=("echo hi",)),)),)
    record = json.loads(json.dumps(started.to_record()))
    assert record["outline"] == [
        {
            "id": "p",
            "title": "P",
            "steps": [{"id": "a", "title": "A", "doc": "", "destructive": False, "commands": ["echo hi"]}],
        }
    ]
    assert ev.from_record(record) == started
    view = SessionView.build([started, ev.StepFinished(step_id="a", state=StepEnd.DONE)])
    assert view.steps["a"].state is StepState.DONE and view.counts() == {"already done": 1}
