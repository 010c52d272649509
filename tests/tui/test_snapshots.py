"""Snapshots of the main screens (pytest-textual-snapshot). Deterministic: scripted events with
fixed times, a fixed clock, a saved cluster state, no notifications. After a deliberate change to
the look, review the report and accept with `pytest tests/tui/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.dialogs.decision import DecisionScreen
from tui.dialogs.summary import SummaryScreen
from tui.screens.start import StartScreen

from . import fakes, scripts
from .conftest import wait_for, wait_still

# Each snapshot waits until the screen holds still (`wait_still`), not a fixed pause: a highlight
# can land a frame after what the test waits for, later on a loaded machine. (The summary's old
# mismatches, about one run in four under load, were the app's: a stale cursor move and a
# scrollbar that lagged its content; both fixed.) A mismatch is still retried twice before it
# counts; a real change fails all three.
pytestmark = pytest.mark.flaky(reruns=2)

CLOCK = fakes.SNAP_T0 + 754.0  # 0:12:34 into the session


def scripted_app(script, outcome: str = "detached", **kwargs) -> CairnApp:
    launched = fakes.scripted_launched(lambda _plan: script(), outcome=outcome)
    return CairnApp(launched=launched, clock=lambda: CLOCK, cluster_interval=3600, **kwargs)


def settled(done):
    """run_before: wait until the script has played, the output is drained and the cluster read."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(
            pilot, lambda: app.feed is not None and app.launched.engine.played.is_set(), what="the script"
        )
        await wait_for(pilot, lambda: app.feed.output.pending == 0, what="the output")
        await wait_for(pilot, lambda: done(app), what="the screen")
        main = app.screen_stack[1]
        await wait_for(pilot, lambda: main.query_one("ClusterPane").reads >= 1, what="a read")
        await wait_for(pilot, lambda: main.query(FooterKey), what="the footer's keys")
        # A dialog on top has its own footer (only the keys it takes), composed after it opens.
        await wait_for(pilot, lambda: app.screen.query(FooterKey), what="the top screen's keys")
        app.clear_notifications()
        await wait_still(pilot)

    return run_before


@pytest.fixture(autouse=True)
def _fixed_choices(monkeypatch):
    """The start screen lists only the rehearsal runbook."""
    monkeypatch.setattr("steps.runbook.registry.builtin_paths", lambda: [])


def test_start_screen(snap_compare):
    request = RunRequest(
        runbook="tui-rehearsal",
        runbook_file=str(fakes.RUNBOOK),
        target=TargetRequest(kind="sandbox", scenario="ckf-1.11-canonical-k8s"),
    )
    app = CairnApp(request=request, start_screen=True)

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StartScreen), what="the start screen")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("PlatformChoice").focus()
        await pilot.pause()
        pilot.app.clear_notifications()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_main_screen_mid_run(snap_compare):
    app = scripted_app(scripts.mid_run)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(lambda a: a.screen.view.last_wait))


def test_main_screen_mid_run_no_color_ascii(snap_compare, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = scripted_app(scripts.mid_run, ascii_only=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(lambda a: a.screen.view.last_wait))


def test_main_screen_wide(snap_compare):
    app = scripted_app(scripts.mid_run)
    assert snap_compare(app, terminal_size=(200, 50), run_before=settled(lambda a: a.screen.view.last_wait))


def test_failed_step_prompt(snap_compare):
    app = scripted_app(scripts.failed_prompt)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=settled(lambda a: isinstance(a.screen, DecisionScreen))
    )


def test_summary(snap_compare):
    app = scripted_app(scripts.finished, outcome="succeeded")

    def done(a) -> bool:
        # The finished tree folds to its overview and puts its cursor on the first phase after a
        # refresh: wait for that, or the snapshot races the cursor's highlight.
        tree = a.screen_stack[1].query_one("PhaseTree")
        return isinstance(a.screen, SummaryScreen) and tree.cursor_line == 0

    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(done))
