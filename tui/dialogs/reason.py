"""Ask for a reason (skipping a step needs one: it goes into the record a reviewer reads)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..look import css
from .dialog_keys import dialog_footer


class ReasonScreen(ModalScreen[str | None]):
    DEFAULT_CSS = css(__file__, "reason.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        body: str,
        *,
        placeholder: str = "why (goes into the record)",
        hint: str = "Enter records it; Esc cancels. A reason is required.",
        empty: str = "A reason is needed: it goes into the record. Esc cancels.",
    ):
        super().__init__()
        self.title_text = title
        self.body = body
        self.placeholder = placeholder
        self.hint = hint
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            yield Static(self.body, id="dialog-body", markup=False)
            yield Input(placeholder=self.placeholder, id="reason")
            yield Static(self.hint, id="dialog-hint")
        yield dialog_footer()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#dialog-hint", Static).update(self.empty)
            self.query_one("#dialog-hint", Static).add_class("-error")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
