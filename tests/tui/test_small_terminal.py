"""At 60x20 nothing that matters is hidden (issue 10.26)."""

from __future__ import annotations

from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey

from steps.run.request import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.widgets.choices import PlatformChoice

from .conftest import wait_for, wait_for_footer
from .test_app_run import command_started


def ambient_request() -> RunRequest:
    return RunRequest(
        runbook="ckf-1.11-ambient",
        target=TargetRequest(kind="sandbox", scenario="ckf-1.11-microk8s", speed=0),
    )


async def test_the_start_screen_at_60x20_keeps_every_platform_choice_and_ctrl_r():
    app = CairnApp(request=ambient_request(), start_screen=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        title = screen.query_one("#start-title")
        assert "ctrl+r" in str(title.render()) and title.region.height >= 1
        assert title.region.width >= len(str(title.render()).splitlines()[0])
        choice = screen.query_one(PlatformChoice)
        rendered = choice.render().wrap(app.console, choice.content_region.width)
        assert len(rendered) <= choice.content_region.height, "a platform choice is cut off"
        assert "another Istio platform" in choice.render().plain


async def test_the_focused_row_on_the_start_screen_is_marked_by_a_glyph():
    app = CairnApp(request=ambient_request(), start_screen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen

        def marked() -> list[str]:
            return [str(label.content) for label in screen.query(Label) if str(label.content).startswith("▸")]

        assert marked() == ["▸Runbook"]
        await pilot.press("tab")
        assert marked() == ["▸Target"]
        screen.query_one(PlatformChoice).focus()
        await pilot.pause()
        assert marked() == ["▸Platform"]


async def test_the_footer_at_60_columns_keeps_help_and_quit(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        await wait_for_footer(pilot, ("space", "s", "a", "?", "q"), 60)
        await pilot.resize_terminal(100, 30)

        def wide_keys() -> set[str]:
            return {key.key_display for key in app.screen.query_one(Footer).query(FooterKey)}

        await wait_for(pilot, lambda: {"e", "/", "w", "z"} <= wide_keys(), what="the wide footer's keys")
        await pilot.resize_terminal(60, 20)
        await pilot.pause(0.3)
    # A narrow screen hides keys from its own footer only, never from the next screen's.
    from tui.screens.main import MainScreen

    shared = MainScreen._merged_bindings
    assert shared is not None and all(b.show for b in shared.key_to_bindings["w"])


async def test_every_choice_of_a_question_is_on_screen_at_60_columns():
    from textual.widgets import Button

    from tui.dialogs.decision import DecisionScreen

    from .test_app_safety import DialogHost, confirm_request

    host = DialogHost(DecisionScreen(confirm_request("ask", ("yes", "no", "skip", "abort"), detail=()), "T"))
    async with host.run_test(size=(60, 20)) as pilot:
        await pilot.pause(0.3)
        dialog = host.screen.query_one("#dialog")
        for button in host.screen.query(Button):
            label = str(button.label)
            assert button.region.width >= len(label) + 2, f"{label} is cut: {button.region}"
            assert dialog.region.contains_region(button.region), f"{label} is outside the dialog"


async def test_a_toast_at_60_columns_wraps_between_words(launched_factory):
    from textual.widgets._toast import Toast

    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        app.notify(
            "Going on without waiting (recorded in the journal): kubeflow-profiles-controller", timeout=30
        )
        await wait_for(pilot, lambda: list(app.screen.query(Toast)), what="the toast")
        await pilot.pause(0.2)
        toast = next(iter(app.screen.query(Toast)))
        assert toast.region.width >= 50, f"a toast {toast.region.width} columns wide cuts words"


def test_help_names_the_new_keys():
    from tui.dialogs.help import KEYS

    keys = {key for key, _ in KEYS}
    assert {"w", "z", "k", "c"} <= keys
