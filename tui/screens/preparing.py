"""Shown for the moment `launch.start` takes (making the session, the rehearsal deployment)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..look import css


class PreparingScreen(Screen[None]):
    DEFAULT_CSS = css(__file__, "preparing.tcss")
    BINDINGS = [Binding("q", "app.quit", "Quit")]

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        yield Static(self.what, id="preparing", markup=False)
        yield Footer(compact=True)
