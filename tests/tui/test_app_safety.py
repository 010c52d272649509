"""Issue 10 in the app: every decision deliberate (dialog keys, focus, q), the controls that were
missing (kill a hung command, notes, wrap, zoom), and the output pane that keeps up."""

from __future__ import annotations

import time
from types import SimpleNamespace

from textual.app import App
from textual.widgets import Button, Footer, Log, Static
from textual.widgets._footer import FooterKey

from steps.record.view import CommandRecord
from steps.run import events as ev
from tui.activity import activity
from tui.app import CairnApp
from tui.dialogs.confirm import ConfirmScreen
from tui.dialogs.decision import DecisionScreen
from tui.dialogs.help import HelpScreen
from tui.dialogs.reason import ReasonScreen
from tui.dialogs.summary import SummaryScreen
from tui.look import Look
from tui.screens.main import MainScreen
from tui.widgets.cluster_pane import ClusterPane
from tui.widgets.output_pane import OutputPane, wrap_line
from tui.widgets.phase_tree import PhaseTree

from .conftest import wait_for
from .test_app_run import command_started, journal


def dialog_footer_keys(screen) -> dict[str, str]:
    """The keys the screen's own footer shows, with their words."""
    footers = list(screen.query(Footer))
    assert footers, f"{type(screen).__name__} has no footer of its own"
    return {key.key_display: key.description for key in footers[0].query(FooterKey)}


async def footer_of(pilot, screen) -> dict[str, str]:
    await wait_for(pilot, lambda: dialog_footer_keys(screen), what="the footer's keys")
    await pilot.pause(0.05)
    return dialog_footer_keys(screen)


def confirm_request(
    kind: str = "confirm", options=("yes", "skip", "abort"), **kwargs
) -> ev.DecisionRequested:
    return ev.DecisionRequested(
        id=1,
        kind=kind,
        step_id="remove-istio-pilot",
        prompt="Remove istio-pilot: this step is destructive. Run it?",
        options=options,
        detail=kwargs.pop("detail", ("$ juju remove-application --no-prompt istio-pilot -m kubeflow",)),
        **kwargs,
    )


class DialogHost(App[None]):
    """A bare app that opens one dialog and keeps what it answered."""

    def __init__(self, dialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self.answers.append)


# --- 10.1 and 10.2: a destructive step runs only on a deliberate yes ------------------------------


async def test_q_in_a_destructive_confirmation_offers_to_leave_and_a_stray_y_never_confirms(
    launched_factory,
):
    launched = launched_factory()
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="the confirmation")
        decision = app.screen
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen) and app.screen.title_text == "Leave Cairn?"
        assert "question stays open" in app.screen.body
        await pilot.press("n")  # stay: the question is still there, unanswered
        assert app.screen is decision
        await pilot.press("q", "y")  # the sequence: leaves, never confirms
        await wait_for(pilot, lambda: not app.is_running or app.leaving, what="leaving")
    launched.engine.detach("the test ended")
    time.sleep(0.2)
    made = [r for r in journal(launched) if r["type"] == "decision.made"]
    assert made == [], f"a stray key answered the question: {made}"
    assert command_started(launched, "remove-istio-pilot") is None


async def test_every_key_in_a_dialogs_footer_does_what_it_says(launched_factory):
    launched = launched_factory()
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="the confirmation")
        screen = app.screen
        await pilot.pause(0.2)
        keys = await footer_of(pilot, screen)
        assert keys == {"y": "Run it", "s": "Skip...", "a": "Abort...", "esc": "Later", "q": "Quit..."}
        footer = screen.query_one(Footer)
        assert footer.region.y == 23, "the dialog's footer covers the main screen's"
        assert not footer.show_command_palette
        await pilot.press("a")  # abort asks first; its footer names its own keys
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.pause(0.1)
        assert await footer_of(pilot, app.screen) == {"y": "Abort", "n": "Back", "q": "Quit..."}
        await pilot.press("escape")  # back, as the footer says
        assert app.screen is screen
        await pilot.press("s")
        assert isinstance(app.screen, ReasonScreen)
        await pilot.pause(0.1)
        assert await footer_of(pilot, app.screen) == {"esc": "Cancel"}
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")  # Later: the run waits, unanswered
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause(0.1)
        assert await footer_of(pilot, app.screen) == {"esc": "Close"}
        await pilot.press("escape")
        await pilot.press("d")
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        await pilot.pause(0.1)
        assert await footer_of(pilot, app.screen) == {"e": "Export", "q": "Quit", "esc": "Look around"}
        await pilot.press("q")
    assert app.outcome == "succeeded"


async def test_enter_never_runs_a_destructive_step(launched_factory):
    launched = launched_factory()
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), what="the confirmation")
        screen = app.screen
        await wait_for(pilot, lambda: screen.focused is not None, what="the dialog's focus")
        focused = screen.focused
        assert isinstance(focused, Button) and focused.id == "opt-later", focused
        assert not screen.query_one("#opt-yes", Button).focusable
        for _ in range(6):  # walk the focus round every button, pressing Enter on each
            await pilot.press("enter")
            if app.screen is not screen:
                if isinstance(app.screen, (ReasonScreen, ConfirmScreen)):
                    await pilot.press("escape")
                if isinstance(app.screen, MainScreen):
                    await pilot.press("d")
                    screen = app.screen
            await pilot.press("tab")
        await pilot.pause(0.3)
        assert command_started(launched, "remove-istio-pilot") is None
        assert not [r for r in journal(launched) if r["type"] == "decision.made"]
        assert isinstance(app.screen, DecisionScreen)
        await pilot.click("#opt-yes")  # a click on Run it runs it
        await wait_for(pilot, lambda: command_started(launched, "remove-istio-pilot"), what="the step to run")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        await pilot.press("q")


async def test_a_question_offers_no_and_the_footer_says_yes_not_run_it():
    request = confirm_request("ask", ("yes", "no", "skip", "abort"), detail=())
    host = DialogHost(DecisionScreen(request, "Core features work"))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        keys = await footer_of(pilot, host.screen)
        assert keys["y"] == "Yes" and keys["n"] == "No"
        assert "[n] No" in str(host.screen.query_one("#opt-no", Button).label)
        await pilot.press("n")
    assert host.answers == [("no", "")]


# --- 10.3: the confirmation shows every command ---------------------------------------------------


async def test_the_confirmation_shows_every_rendered_command():
    detail = tuple(f"$ juju remove-relation -m kubeflow app{i}:endpoint other{i}:endpoint" for i in range(14))
    host = DialogHost(DecisionScreen(confirm_request(detail=detail), "Remove all relations"))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        screen = host.screen
        assert "these 14 commands" in str(screen.query_one("#detail-heading", Static).render())
        shown = str(screen.query_one("#detail-text", Static).render())
        assert all(line in shown for line in detail)
        buttons = screen.query_one("#dialog-buttons")
        assert buttons.region.bottom <= 23, "the choices are on screen with a long command list"


# --- 10.16: a failed check names what is missing and the fix ----------------------------------------


async def test_a_failed_relations_check_shows_each_relation_and_its_fix_in_the_dialog():
    check = ev.CheckEvaluated(
        step_id="verify-relations",
        purpose="verify",
        name="mesh-relations",
        status="failed",
        message="2 mesh or ingress relation(s) missing: envoy:service-mesh istio-beacon-k8s:service-mesh, "
        "envoy:ingress istio-ingress-k8s:ingress",
        fix="juju integrate -m kubeflow envoy:service-mesh istio-beacon-k8s:service-mesh\n"
        "juju integrate -m kubeflow envoy:ingress istio-ingress-k8s:ingress",
        details=(
            "envoy:service-mesh istio-beacon-k8s:service-mesh",
            "envoy:ingress istio-ingress-k8s:ingress",
        ),
    )
    request = confirm_request("failed", ("retry", "skip", "abort"), detail=("| done",))
    host = DialogHost(DecisionScreen(request, "Verify relations", [check]))
    async with host.run_test(size=(100, 40)) as pilot:
        await pilot.pause(0.1)
        text = str(host.screen.query_one("#checks-text", Static).render())
        assert "fix: juju integrate -m kubeflow envoy:service-mesh istio-beacon-k8s:service-mesh" in text
        assert "juju integrate -m kubeflow envoy:ingress istio-ingress-k8s:ingress" in text
        assert "  - envoy:ingress istio-ingress-k8s:ingress" in text


# --- 10.8: kill a hung command; its timeout and silence ---------------------------------------------


async def test_k_asks_then_kills_only_the_running_command(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="the slow command"
        )
        await wait_for(
            pilot, lambda: app.screen.view.running_command() is not None, what="the screen to see it"
        )
        await pilot.press("k")
        assert isinstance(app.screen, ConfirmScreen) and app.screen.title_text == "Kill this command?"
        await pilot.press("n")  # asks first: no kills nothing
        await pilot.pause(0.3)
        assert app.screen.view.running_command() is not None
        await pilot.press("k", "y")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, DecisionScreen) and app.screen.request.kind == "failed",
            what="the failed step's question",
        )
        assert app.screen.request.options == ("retry", "skip", "abort")
        await pilot.press("a", "y")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        await pilot.press("q")
    finished = [r for r in journal(launched) if r["type"] == "command.finished"]
    assert finished[-1]["step_id"] == "remove-istio-pilot" and not finished[-1]["ok"]
    assert finished[-1]["duration"] < 20


def test_the_status_bar_shows_the_timeout_and_how_long_a_command_is_silent():
    running = CommandRecord(
        number=7, step_id="s", index=0, display="juju wait-for model", started=1000.0, timeout=1800
    )
    view = SimpleNamespace(
        finished=None,
        detaches=[],
        pending_decision=None,
        paused=False,
        last_wait=None,
        running_command=lambda: running,
        steps={},
    )
    text = activity(view, Look(), session_id="x", now=1140.0, last_output_at=1010.0).plain  # type: ignore[arg-type]
    assert "2m20s (timeout 30m00s)" in text
    assert "no output for 2m10s, k kills it" in text
    quiet = activity(view, Look(), session_id="x", now=1140.0, last_output_at=1139.0).plain  # type: ignore[arg-type]
    assert "no output" not in quiet
    view.steps = {"s": SimpleNamespace(skip_requested="done by hand")}
    acked = activity(view, Look(), session_id="x", now=1140.0, last_output_at=1139.0).plain  # type: ignore[arg-type]
    assert "skip requested (done by hand)" in acked


# --- 10.15: notes ---------------------------------------------------------------------------------


async def test_c_adds_a_note_to_the_current_step(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="the slow command"
        )
        await pilot.press("c")
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("enter")  # an empty note is not recorded
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press(*"CHG-1234 approved by Sam", "enter")
        assert isinstance(app.screen, MainScreen)
        await wait_for(pilot, lambda: any(r["type"] == "note" for r in journal(launched)), what="the note")
        await pilot.press("a", "y")  # no need to wait out the slow command
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        await pilot.press("q")
    notes = [r for r in journal(launched) if r["type"] == "note"]
    assert [(n["step_id"], n["text"]) for n in notes] == [("remove-istio-pilot", "CHG-1234 approved by Sam")]


# --- 10.23, 10.24: the output pane follows, wraps and zooms ---------------------------------------


async def test_the_output_follows_again_after_page_up_with_l_and_escape_and_after_a_resize(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        pane = app.screen.query_one(OutputPane)
        log = pane.log_widget
        pane.write_lines([f"line {i}" for i in range(300)])
        await pilot.pause(0.1)
        assert log.is_vertical_scroll_end
        for back in ("l", "escape"):
            log.focus()
            await pilot.press("pageup", "pageup")
            assert not log.following and not log.is_vertical_scroll_end
            pane.write_lines(["while reading"])
            await pilot.pause(0.1)
            assert not log.is_vertical_scroll_end, "the reader was yanked to the end"
            await pilot.press(back)
            await pilot.pause(0.1)
            assert log.following and log.is_vertical_scroll_end, f"{back} did not go back to the live output"
            pane.write_lines(["new"])
            await pilot.pause(0.1)
            assert log.is_vertical_scroll_end, f"after {back} the pane does not follow new output"
        await pilot.resize_terminal(80, 18)
        await pilot.pause(0.3)
        pane.write_lines(["after the resize"])
        await pilot.pause(0.1)
        assert log.is_vertical_scroll_end, "a resize stopped the pane following"
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.3)
        assert log.is_vertical_scroll_end


def test_wrap_line_keeps_every_character_and_indents_continuations():
    line = "curl -sS --write-out %{http_code} " + "x" * 100
    rows = wrap_line(line, 40)
    assert all(len(r) <= 40 for r in rows) and len(rows) == 4
    assert rows[0] + "".join(r.removeprefix("  ") for r in rows[1:]) == line
    assert rows[0] == "curl -sS --write-out %{http_code} "  # broken after a space near the edge
    assert wrap_line("short", 40) == ["short"]


async def test_w_wraps_long_lines_and_z_zooms_the_output(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        screen = app.screen

        def footer_keys() -> set[str]:
            return {key.key_display for key in screen.query_one(Footer).query(FooterKey)}

        # The footer recomposes after the screen settles (slowly under load): wait for its keys.
        await wait_for(pilot, lambda: bool(footer_keys()), what="the footer's keys")
        assert {"w", "z"} <= footer_keys()
        pane = screen.query_one(OutputPane)
        long = "juju integrate -m kubeflow " + "endpoint:relation " * 12
        pane.write_lines([long])
        await pilot.pause(0.1)
        log = pane.log_widget
        assert long in log.lines
        await pilot.press("w")
        await pilot.pause(0.2)
        width = log.scrollable_content_region.width
        assert long not in log.lines and all(len(line) <= width for line in log.lines)
        assert any(line.startswith("juju integrate -m kubeflow ") for line in log.lines)
        assert log.max_scroll_x == 0, "wrapped lines still scroll sideways"
        await pilot.press("z")
        await pilot.pause(0.2)
        assert not screen.query_one(PhaseTree).display and not screen.query_one(ClusterPane).display
        assert screen.query_one(Log).region.width >= 78
        await pilot.press("w")  # unwrapped again: the whole line is one line
        await pilot.pause(0.2)
        assert long in log.lines
        await pilot.press("z")
        await pilot.pause(0.2)
        assert screen.query_one(PhaseTree).display


# --- 10.26: the palette holds Cairn's actions only ------------------------------------------------


async def test_the_palette_offers_no_theme_screenshot_or_instant_quit(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        assert list(app.get_system_commands(app.screen)) == []
        assert not app.screen.query_one(Footer).show_command_palette  # its room goes to the keys at 80
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.2)
        assert app.screen.query_one(Footer).show_command_palette


def test_the_failure_dialog_gets_the_latest_failed_verdict_of_each_check():
    from steps.record.view import StepRecord
    from tui.screens.main import failed_checks

    def verdict(name: str, status: str, purpose: str = "verify") -> ev.CheckEvaluated:
        return ev.CheckEvaluated(step_id="v", purpose=purpose, name=name, status=status, message=status)

    step = StepRecord(id="v", title="Verify", phase_id="p")
    step.checks = [
        verdict("mesh-relations", "failed"),
        verdict("profiles", "failed"),
        verdict("profiles", "passed"),  # fixed on the second attempt
        verdict("already-done", "failed", purpose="check"),  # "is it done already?" is no failure
    ]
    assert [c.name for c in failed_checks(step)] == ["mesh-relations"]


async def test_the_palette_key_shows_at_80_columns_where_the_keys_leave_room(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        await pilot.press("escape")
        await pilot.pause(1.2)
        footer = app.screen.query_one(Footer)
        assert footer.show_command_palette  # the run is over: fewer keys, room for ^p palette
        keys = {key.key_display: key.region for key in footer.query(FooterKey)}
        assert all(region.right <= 80 for region in keys.values())
        await pilot.press("q")


async def test_a_long_command_in_the_confirmation_wraps_under_its_dollar():
    long = "$ juju remove-relation -m kubeflow istio-ingressgateway:istio-pilot istio-pilot:istio-pilot " * 2
    host = DialogHost(DecisionScreen(confirm_request(detail=(long.strip(), "$ juju status")), "Remove"))
    async with host.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        rows = str(host.screen.query_one("#detail-text", Static).render()).splitlines()
        assert len(rows) > 2
        assert [row for row in rows if row.startswith("$ ")] == [rows[0], "$ juju status"]
        assert all(row.startswith(("$ ", "  ")) for row in rows)
