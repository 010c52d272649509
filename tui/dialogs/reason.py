"""Ask for a reason (skipping a step needs one: it goes into the record a reviewer reads)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..look import css


class ReasonScreen(ModalScreen[str | None]):
    DEFAULT_CSS = css(__file__, "reason.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, title: str, body: str, *, placeholder: str = "why (goes into the record)"):
        super().__init__()
        self.title_text = title
        self.body = body
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            yield Static(self.body, id="dialog-body", markup=False)
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static("Enter records it; Esc cancels. A reason is required.", id="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#dialog-hint", Static).update(
                "A reason is needed: it goes into the record. Esc cancels."
            )
            self.query_one("#dialog-hint", Static).add_class("-error")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
