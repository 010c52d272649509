"""The engine asks the operator: run a destructive step (showing its exact commands), answer a
step's question, decide what to do about a failed step, or about a wait that timed out.

Skip asks for a reason and abort asks to be sure before the answer goes back. Escape closes the
dialog without answering: the engine keeps waiting, the status bar says so and `d` reopens it.

A destructive step runs only on a deliberate yes: `y`, or a click on "Run it". That button never
takes the focus (so Enter can never press it); the focus starts on the harmless "Later". The
dialog has its own footer with exactly the keys it takes, and `q` offers to leave Cairn with the
question left open.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from steps.run import events as ev
from steps.states import Choice, DecisionKind

from ..look import css
from ..widgets.output_pane import wrap_line
from .confirm import ConfirmScreen
from .dialog_keys import QUIT_BINDING, dialog_footer, offer_quit
from .reason import ReasonScreen

TITLES = {
    DecisionKind.CONFIRM: "Destructive step: confirm before it runs",
    DecisionKind.ASK: "A question before this step runs",
    DecisionKind.FAILED: "A step failed",
    DecisionKind.WAIT_TIMEOUT: "Still waiting",
}
LABELS = {  # option -> (key, label)
    "yes": ("y", "Run it"),
    "no": ("n", "No"),
    "retry": ("r", "Retry"),
    "wait": ("w", "Keep waiting"),
    "override": ("o", "Go on anyway"),
    "skip": ("s", "Skip..."),
    "abort": ("a", "Abort..."),
}
DETAIL_HEADINGS = {
    DecisionKind.CONFIRM: "It runs exactly:",
    DecisionKind.FAILED: "Its output ends with:",
    DecisionKind.WAIT_TIMEOUT: "Still not settled:",
}


def yes_label(kind: str) -> str:
    return "Run it" if kind == "confirm" else "Yes"


class DecisionScreen(ModalScreen[tuple[str, str] | None]):
    DEFAULT_CSS = css(__file__, "decision.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    BINDINGS = [
        # Two bindings for `y` so the footer says what it does here: run a destructive step, or
        # answer a question yes. check_action lets exactly one of them through.
        Binding("y", "choose('yes')", "Run it"),
        Binding("y", "answer_yes", "Yes"),
        *(
            Binding(key, f"choose('{option}')", label)
            for option, (key, label) in LABELS.items()
            if option != "yes"
        ),
        Binding("escape", "later", "Later"),
        QUIT_BINDING,
    ]

    def __init__(
        self,
        request: ev.DecisionRequested,
        step_title: str = "",
        failed_checks: Sequence[ev.CheckEvaluated] = (),
    ):
        super().__init__()
        self.request = request
        self.step_title = step_title
        self.failed_checks = tuple(failed_checks)

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="dialog", classes=f"-{req.kind}"):
            yield Static(TITLES.get(req.kind, "The engine asks"), id="dialog-title")
            if self.step_title:
                yield Static(f"{self.step_title}  [{req.step_id}]", id="dialog-step", markup=False)
            yield Static(req.prompt, id="dialog-prompt", markup=False)
            if req.warning:
                yield Static(f"! {req.warning}", id="dialog-warning", markup=False)
            checks = self._check_lines()
            if checks:
                yield Static("What the check found, and the fix:", classes="detail-heading")
                with VerticalScroll(id="dialog-checks"):
                    yield Static("\n".join(checks), id="checks-text", markup=False)
            if req.detail:
                yield Static(self._detail_heading(), id="detail-heading", classes="detail-heading")
                with VerticalScroll(id="dialog-detail"):
                    yield Static("\n".join(req.detail), id="detail-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                for option in req.options:
                    key, label = LABELS.get(option, (option[:1], option))
                    if option == "yes":
                        label = yes_label(req.kind)
                    button = Button(
                        Content(f"[{key}] {label}"),
                        id=f"opt-{option}",
                        compact=True,
                        variant="error" if option == Choice.ABORT else "primary",
                    )
                    if option == "yes" and req.kind == "confirm":
                        button.can_focus = False  # Enter never runs a destructive step
                    yield button
                yield Button(Content("[Esc] Later"), id="opt-later", compact=True, variant="default")
            yield Static(
                "Esc: later (the run waits; d reopens this). q: leave, the question stays open.",
                id="dialog-hint",
            )
        yield dialog_footer()

    def _detail_heading(self) -> str:
        req = self.request
        heading = DETAIL_HEADINGS.get(req.kind, "")
        if req.kind == "confirm":
            commands = sum(1 for line in req.detail if line.startswith("$ "))
            if commands > 1:
                heading = f"It runs exactly these {commands} commands:"
            if commands > 8:
                heading = heading.rstrip(":") + " (the list scrolls; Tab and arrows, or the wheel):"
        return heading

    def _check_lines(self) -> list[str]:
        """A failed verification names what is wrong and how to fix it here, not only in the export."""
        lines: list[str] = []
        for check in self.failed_checks:
            lines.append(f"{check.name}: {check.message}" if check.message else check.name)
            lines.extend(f"  - {d}" for d in check.details)
            if check.fix:
                fixes = check.fix.splitlines()
                lines.append(f"  fix: {fixes[0]}")
                lines.extend(f"       {f}" for f in fixes[1:])
        return lines

    def on_mount(self) -> None:
        later = self.query("#opt-later")
        if later:  # it may already be on its way out (answered elsewhere)
            later.first(Button).focus()
        self.call_after_refresh(self._wrap_detail)

    def on_resize(self) -> None:
        self.call_after_refresh(self._wrap_detail)

    def _wrap_detail(self) -> None:
        """A long command wraps with its continuation indented, so each `$` starts a command."""
        found = self.query("#detail-text")
        if not found or not self.request.detail:
            return
        text = found.first(Static)
        width = text.content_region.width
        if width < 20:
            return
        rows = [row for line in self.request.detail for row in wrap_line(line, width)]
        text.update("\n".join(rows))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            if parameters and parameters[0] == "yes" and self.request.kind != "confirm":
                return False  # `y` answers yes: the other binding
            return bool(parameters) and parameters[0] in self.request.options
        if action == "answer_yes":
            return self.request.kind != "confirm" and "yes" in self.request.options
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        option = (event.button.id or "").removeprefix("opt-")
        if option == "later":
            self.action_later()
        else:
            self.action_choose(option)

    def action_answer_yes(self) -> None:
        self.action_choose("yes")

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

    def action_offer_quit(self) -> None:
        offer_quit(self.app)
