"""The engine asks the operator: run a destructive step (showing its exact commands), answer a
step's question, decide what to do about a failed step, or about a wait that timed out.

Skip asks for a reason and abort asks to be sure before the answer goes back. Escape closes the
dialog without answering: the engine keeps waiting, the status bar says so and `d` reopens it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from steps import events as ev
from steps.states import Choice, DecisionKind

from ..look import css
from .confirm import ConfirmScreen
from .reason import ReasonScreen

TITLES = {
    DecisionKind.CONFIRM: "Destructive step: confirm before it runs",
    DecisionKind.ASK: "A question before this step runs",
    DecisionKind.FAILED: "A step failed",
    DecisionKind.WAIT_TIMEOUT: "Still waiting",
}
LABELS = {  # option -> (key, label)
    Choice.YES: ("y", "Run it"),
    Choice.RETRY: ("r", "Retry"),
    Choice.WAIT: ("w", "Keep waiting"),
    Choice.OVERRIDE: ("o", "Go on anyway"),
    Choice.SKIP: ("s", "Skip..."),
    Choice.ABORT: ("a", "Abort..."),
}
DETAIL_HEADINGS = {
    DecisionKind.CONFIRM: "It runs exactly:",
    DecisionKind.FAILED: "Its output ends with:",
    DecisionKind.WAIT_TIMEOUT: "Still not settled:",
}


class DecisionScreen(ModalScreen[tuple[str, str] | None]):
    DEFAULT_CSS = css(__file__, "decision.tcss")
    BINDINGS = [
        *(Binding(key, f"choose('{option}')", label, show=False) for option, (key, label) in LABELS.items()),
        Binding("escape", "later", "Decide later", show=False),
    ]

    def __init__(self, request: ev.DecisionRequested, step_title: str = ""):
        super().__init__()
        self.request = request
        self.step_title = step_title

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="dialog", classes=f"-{req.kind}"):
            yield Static(TITLES.get(req.kind, "The engine asks"), id="dialog-title")
            if self.step_title:
                yield Static(f"{self.step_title}  [{req.step_id}]", id="dialog-step", markup=False)
            yield Static(req.prompt, id="dialog-prompt", markup=False)
            if req.warning:
                yield Static(f"! {req.warning}", id="dialog-warning", markup=False)
            if req.detail:
                yield Static(DETAIL_HEADINGS.get(req.kind, ""), id="detail-heading")
                with VerticalScroll(id="dialog-detail"):
                    yield Static("\n".join(req.detail), id="detail-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                for option in req.options:
                    key, label = LABELS.get(option, (option[:1], option))
                    if option == Choice.YES and req.kind == DecisionKind.ASK:
                        label = "Yes"
                    yield Button(
                        Content(f"[{key}] {label}"),
                        id=f"opt-{option}",
                        compact=True,
                        variant="error" if option == Choice.ABORT else "primary",
                    )
            yield Static("Esc: decide later (the run waits; d reopens this)", id="dialog-hint")

    def on_mount(self) -> None:
        buttons = self.query("#dialog-buttons Button")
        if buttons:  # it may already be on its way out (answered elsewhere)
            buttons.first(Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return bool(parameters) and parameters[0] in self.request.options
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        option = (event.button.id or "").removeprefix("opt-")
        self.action_choose(option)

    def action_choose(self, option: str) -> None:
        if option not in self.request.options:
            return
        title = self.step_title or self.request.step_id

        def skip(reason: str | None) -> None:
            if reason:
                self.dismiss((Choice.SKIP, reason))

        def abort(sure: bool | None) -> None:
            if sure:
                self.dismiss((Choice.ABORT, ""))

        if option == Choice.SKIP:
            self.app.push_screen(
                ReasonScreen(
                    f"Skip: {title}", "The step is marked skipped and your reason goes into the record."
                ),
                callback=skip,
            )
        elif option == Choice.ABORT:
            self.app.push_screen(
                ConfirmScreen(
                    "Abort the run?",
                    "The run ends here; the record keeps everything up to now. "
                    "`cairn resume` can take the session up again later.",
                    yes="Abort",
                    no="Back",
                ),
                callback=abort,
            )
        else:
            self.dismiss((option, ""))

    def action_later(self) -> None:
        self.dismiss(None)
