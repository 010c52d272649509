"""Layout at 80x24 and 200x50, search, help and the palette, signals, watch mode, the start screen."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest
from textual.widgets import Footer, Log

from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.dialogs.help import HelpScreen
from tui.dialogs.summary import SummaryScreen
from tui.feeds import JournalFeed
from tui.look import Look
from tui.screens.main import MainScreen
from tui.screens.start import StartScreen
from tui.screens.watch import WatchScreen
from tui.widgets.choices import PlatformChoice
from tui.widgets.cluster_pane import ClusterPane
from tui.widgets.output_pane import OutputPane
from tui.widgets.phase_tree import PhaseTree
from tui.widgets.step_detail import StepDetail

from . import fakes
from .conftest import wait_for, wait_for_footer
from .test_app_run import command_started, journal


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_the_layout_keeps_what_matters_visible(launched_factory, size):
    width, height = size
    launched = launched_factory({"delay": "2"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running step")
        screen = app.screen
        await wait_for_footer(pilot, ("space", "s", "a", "e", "/", "?", "q"), width)
        log = screen.query_one(OutputPane).query_one(Log)
        await wait_for(
            pilot, lambda: any("removing istio-pilot" in line for line in log.lines), what="output"
        )
        tree = screen.query_one(PhaseTree)
        cluster = screen.query_one(ClusterPane)
        footer = screen.query_one(Footer)
        for widget in (tree, log, cluster):
            region = widget.region
            assert region.width >= 20 and region.height >= 5, f"{widget} is squeezed: {region}"
            assert region.right <= width and region.bottom <= height - footer.region.height
        assert not tree.region.overlaps(log.region)
        assert not log.region.overlaps(cluster.region)
        assert footer.region.y == height - 1
        labels = [str(node.label) for node in tree._steps.values()]
        assert all(len(label) <= tree.size.width for label in labels)
        await pilot.press("q", "y")


async def test_search_finds_and_walks_the_matches(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("escape", "slash")
        pane = app.screen.query_one(OutputPane)
        assert pane.has_class("-searching")
        await pilot.press(*"SH -C", "enter")  # case does not matter
        assert not pane.has_class("-searching")
        lines = pane.log_widget.lines
        first = pane.match_line
        assert first >= 0 and "sh -c" in lines[first]
        await pilot.press("n")
        assert pane.match_line > first and "sh -c" in lines[pane.match_line]
        await pilot.press("N")
        assert pane.match_line == first
        status = str(pane.query_one("#search-status").render())
        assert f"line {first + 1} of {len(lines)}" in status and "'SH -C': match" in status


async def test_help_and_the_command_palette(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"export the", "enter")
        snapshot = launched.directory / "snapshot.txt"
        await wait_for(pilot, snapshot.exists, what="the export from the palette")


async def test_sighup_detaches_the_engine_and_closes_the_app(launched_factory):
    launched = launched_factory({"delay": "1"}, yes=True)
    app = CairnApp(launched=launched, handle_signals=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        assert signal.SIGHUP in app._signals  # else the signal would end the test run itself
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_for(pilot, lambda: not app.is_running, what="the app to close")
    # As run_app does after the app closes: the engine thread finishes journaling its stop.
    assert app.feed.join(10), "the engine did not stop after the hang-up"
    assert app.outcome == "detached"
    detached = [r for r in journal(launched) if r["type"] == "session.detached"]
    assert detached[0]["reason"] == "received SIGHUP: the terminal went away"


async def test_watch_follows_read_only(launched_factory):
    launched = launched_factory({"delay": "1"}, yes=True)
    engine = threading.Thread(target=launched.engine.run, daemon=True)
    engine.start()
    feed = JournalFeed(launched.session_id, launched.directory, Look())
    app = CairnApp(watch=feed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        keys = await wait_for_footer(pilot, ("space",), 80)
        assert "s" not in keys and "a" not in keys
        await pilot.press("space", "a", "s")
        assert isinstance(app.screen, WatchScreen)  # nothing opened, nothing asked
        assert not launched.engine.paused
        await wait_for(
            pilot, lambda: screen.view.finished is not None, timeout=30, what="the watched run to end"
        )
        await wait_for(
            pilot,
            lambda: any(
                "37 applications active" in line for line in screen.query_one(OutputPane).log_widget.lines
            ),
            what="the watched command's output",
        )
        assert screen.view.counts() == {"succeeded": 6}
        await pilot.press("q")
    engine.join(10)


def rehearsal_request(**given) -> RunRequest:
    return RunRequest(
        runbook="tui-rehearsal",
        runbook_file=str(fakes.RUNBOOK),
        given=given,
        target=TargetRequest(kind="sandbox", scenario="ckf-1.11-microk8s", speed=0),
    )


async def test_the_start_screen_prefills_suggests_and_previews():
    app = CairnApp(request=rehearsal_request(platform="canonical-k8s", delay="1"), start_screen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, StartScreen)
        choice = screen.query_one(PlatformChoice)
        assert choice.value == "canonical-k8s"  # the flag wins over the scenario's suggestion
        preview = str(screen.query_one("#plan-text").render())
        assert "Configure Cilium" in preview and "sleep 1" in preview
        choice.focus()
        await pilot.press("up")
        assert choice.value == "microk8s"
        assert "Configure Cilium" not in str(screen.query_one("#plan-text").render())
        await pilot.press("down", "down", "right")
        assert choice.value == "k3d"
        request = screen.build_request()
        assert request.given["platform"] == "k3d" and request.given["delay"] == "1"
        assert request.target.scenario == "ckf-1.11-microk8s" and request.target.speed == 0


async def test_the_scenario_suggests_the_platform_until_the_operator_chooses():
    app = CairnApp(request=rehearsal_request(), start_screen=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        choice = screen.query_one(PlatformChoice)
        assert choice.value == "microk8s"
        target = screen.query_one("#target")
        target.value = "sandbox:ckf-1.11-canonical-k8s"
        await pilot.pause(0.2)
        assert choice.value == "canonical-k8s"
        assert "canonical-k8s" in str(screen.query_one("#suggestion").render())
        assert "Configure Cilium" in str(screen.query_one("#plan-text").render())


async def test_starting_from_the_start_screen_opens_the_main_screen(monkeypatch):
    made = []

    def fake_start(request, **_kwargs):
        launched = fakes.make_launched(request.given, yes=request.yes)
        made.append((request, launched))
        return launched

    monkeypatch.setattr("steps.run.launch.start", fake_start)
    app = CairnApp(request=rehearsal_request(), start_screen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: isinstance(app.screen, MainScreen) or app.screen.is_modal, what="the main screen"
        )
        request, launched = made[0]
        assert request.runbook == "tui-rehearsal" and request.given["platform"] == "microk8s"
        await pilot.press("escape", "q", "y")
        await wait_for(pilot, lambda: not app.is_running, what="the app to close")
    assert app.feed.join(10), "the engine did not stop"  # as run_app waits before reading the journal
    launched.close()
    assert [r["type"] for r in journal(launched)][-1] == "session.detached"


async def test_a_bad_start_is_shown_on_the_start_screen(monkeypatch):
    from steps.errors import BadInput

    def refuse(request, **_kwargs):
        raise BadInput("no sandbox scenario 'nope'")

    monkeypatch.setattr("steps.run.launch.start", refuse)
    app = CairnApp(request=rehearsal_request(), start_screen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await wait_for(
            pilot, lambda: "nope" in str(app.screen.query_one("#start-error").render()), what="the error"
        )
        assert isinstance(app.screen, StartScreen) and not app.screen.launching


def test_the_journal_fixture_helper_reads_json(launched_factory):
    launched = launched_factory()
    assert (
        json.loads((launched.directory / "journal.jsonl").read_text().splitlines()[0])["type"]
        == "session.started"
    )


async def test_a_selected_step_shows_its_doc_commands_and_past_output(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the end of the run")
        await pilot.press("escape")
        tree = app.screen.query_one(PhaseTree)
        tree.focus()
        await pilot.press("home", "enter")  # the first phase, unfolded by Enter
        await pilot.press("down", "down")  # its second step
        detail = app.screen.query_one(StepDetail)
        await wait_for(pilot, lambda: detail.step_id == "preflight-model", what="the step's detail")
        head = str(detail.query_one("#detail-head").render())
        assert "The model runs Charmed Kubeflow 1.11" in head and "requires a healthy deployment" in head
        log = detail.query_one(Log)
        await wait_for(
            pilot,
            lambda: any("37 applications active" in line for line in log.lines),
            what="the past output, read from commands/NNN.out",
        )
        assert any(line.startswith("$ sh -c") and "commands/002.out" in line for line in log.lines)
        await pilot.press("l")  # back to the live output
        assert app.screen.query_one("#top").current == "live"


async def test_an_ssh_session_outside_tmux_is_warned(launched_factory, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    launched = launched_factory({"delay": "1"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(0.2)
        assert any("dropped connection" in str(n.message) for n in app._notifications)
        await pilot.press("q", "y")


def test_the_cluster_pane_reads_as_often_as_the_target_says(launched_factory):
    """The refresh interval is the target's `state_refresh`, not a guess from its kind."""
    import time

    from tui.feeds import EngineFeed

    launched = launched_factory()
    launched.target.state_refresh = 7.5
    assert MainScreen(EngineFeed(launched, Look()), Look(), time.time).cluster_interval == 7.5
    watched = JournalFeed(launched.session_id, launched.directory, Look())
    assert watched.target is not None and watched.target.kind == "sandbox"
    assert MainScreen(watched, Look(), time.time).cluster_interval == watched.target.state_refresh == 2.0
