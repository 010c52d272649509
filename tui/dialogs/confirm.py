"""A yes/no question before something that cannot be undone (abort, leaving mid-step).

No is the default: Enter on the focused "No" button, Escape and `n` all say no; only `y` or the
"Yes" button say yes. The footer shows these keys under the dialog's own words; `q` offers to
leave Cairn (except in the "Leave Cairn?" question itself, where it is not a key).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..look import css
from .dialog_keys import dialog_footer, offer_quit


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = css(__file__, "confirm.tcss")

    def __init__(self, title: str, body: str, *, yes: str = "Yes", no: str = "No", quit_offer: bool = True):
        super().__init__()
        self.title_text = title
        self.body = body
        self.yes_label = yes
        self.no_label = no
        self.quit_offer = quit_offer
        # The footer names the keys with this question's own words ("y Abort", "n Back").
        self._bindings.bind("y", "answer(True)", yes)
        self._bindings.bind("n", "answer(False)", no)
        self._bindings.bind("escape", "answer(False)", no, key_display="esc")
        if quit_offer:
            self._bindings.bind("q", "offer_quit", "Quit...")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            yield Static(self.body, id="dialog-body", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button(Content(f"[y] {self.yes_label}"), id="yes", variant="error", compact=True)
                yield Button(Content(f"[n] {self.no_label}"), id="no", variant="primary", compact=True)
        yield dialog_footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_offer_quit(self) -> None:
        offer_quit(self.app)
