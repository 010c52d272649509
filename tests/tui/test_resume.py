"""`cairn resume`: the app takes a session up again where the operator left it."""

from __future__ import annotations

import json

import pytest

from steps.run import launch
from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.dialogs.confirm import ConfirmScreen
from tui.dialogs.summary import SummaryScreen
from tui.widgets.output_pane import OutputPane

from .conftest import wait_for

RUNBOOK = """\
cairn-runbook: 1
id: resume-me
title: Three steps, the middle one slow
description: For the resume test.
phases:
  - id: only
    title: The only phase
    steps:
      - id: first
        title: First
        doc: Quick.
        run:
          - [sh, -c, "echo first done"]
      - id: slow
        title: Slow
        doc: Still running when the operator leaves.
        run:
          - [sh, -c, "echo slow begins; sleep 2; echo slow ends"]
      - id: last
        title: Last
        doc: Quick.
        run:
          - [sh, -c, "echo last done"]
"""


@pytest.fixture
def sandbox_request(tmp_path):
    pytest.importorskip("steps.sandbox", reason="the rehearsal sandbox is not there yet")
    path = tmp_path / "resume-me.yaml"
    path.write_text(RUNBOOK)
    return RunRequest(
        runbook="resume-me",
        runbook_file=str(path),
        target=TargetRequest(kind="sandbox", speed=0),
        yes=True,
    )


async def test_quit_then_resume_finishes_without_running_the_command_again(sandbox_request):
    first = launch.start(sandbox_request)
    app = CairnApp(launched=first)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot,
            lambda: any(c.step_id == "slow" for c in app.feed.view.all_commands()),
            what="the slow command",
        )
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to close")
    app.feed.join(10)
    app.feed.close()
    assert app.outcome == "detached"

    again = launch.resume(first.session_id)
    app = CairnApp(launched=again)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.screen.query_one(OutputPane)
        assert any("resumed here" in line for line in pane.log_widget.lines)  # the story so far, first
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("q")
    app.feed.join(10)
    app.feed.close()
    assert app.outcome == "succeeded"
    records = [json.loads(line) for line in (first.directory / "journal.jsonl").read_text().splitlines()]
    started = [r["step_id"] for r in records if r["type"] == "command.started"]
    assert started == ["first", "slow", "last"]  # the slow command was re-attached, not re-run
    out = (first.directory / "commands" / "002.out").read_text()
    assert "slow ends" in out


async def test_resume_at_120x40_opens_at_the_resumed_here_line(sandbox_request, tmp_path):
    path = tmp_path / "resume-me.yaml"
    path.write_text(
        RUNBOOK.replace('"echo first done"', '"seq 1 300; echo first done"').replace("sleep 2", "sleep 4")
    )
    first = launch.start(sandbox_request)
    app = CairnApp(launched=first)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot,
            lambda: any(c.step_id == "slow" for c in app.feed.view.all_commands()),
            what="the slow command",
        )
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="Leave Cairn?")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to close")
    app.feed.join(10)
    app.feed.close()

    again = launch.resume(first.session_id)
    app = CairnApp(launched=again)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        main = app.screen_stack[1]  # the summary may already be over it
        log = main.query_one(OutputPane).log_widget
        top = round(log.scroll_offset.y)
        shown = log.lines[top : top + log.scrollable_content_region.height]
        assert any("resumed here" in line for line in shown), (top, len(log.lines))
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("q")
