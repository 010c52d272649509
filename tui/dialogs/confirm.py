"""A yes/no question before something that cannot be undone (abort, leaving mid-step).

No is the default: Enter on the focused "No" button, Escape and `n` all say no; only `y` or the
"Yes" button say yes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..look import css


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = css(__file__, "confirm.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, body: str, *, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            yield Static(self.body, id="dialog-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(Content(f"[y] {self.yes_label}"), id="yes", variant="error", compact=True)
                yield Button(Content(f"[n] {self.no_label}"), id="no", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
