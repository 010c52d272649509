"""The footer is rebuilt when the keys it shows change, not on every "bindings changed"."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from tui.widgets.steady_footer import SteadyFooter


class Keyed(Button):
    BINDINGS = [Binding("f5", "app.ring", "Ring")]


class Keys(App[None]):
    BINDINGS = [Binding("f2", "app.bell", "Bell")]

    def compose(self) -> ComposeResult:
        yield Button("plain", id="plain")
        yield Keyed("keyed", id="keyed")
        yield SteadyFooter(compact=True, show_command_palette=False)


def _shown(app: App) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_same_keys_keep_their_widgets_and_new_keys_are_shown():
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one("#plain").focus()
        await pilot.pause()
        before = _shown(app)
        assert {k.key for k in before} == {"f2"}
        app.screen.refresh_bindings()  # what a focus move sends; the keys are the same
        await pilot.pause()
        assert _shown(app) == before, "not rebuilt for the same keys"
        app.query_one("#keyed").focus()
        await pilot.pause()
        assert {k.key for k in _shown(app)} == {"f2", "f5"}
        app.query_one("#plain").focus()
        await pilot.pause()
        assert {k.key for k in _shown(app)} == {"f2"}
