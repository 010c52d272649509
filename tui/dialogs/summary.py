"""The run ended: the outcome, the step counts, where the record is, and how to export it.

With --yes the app runs straight through and stays open here, so a rehearsal can be read at
leisure. Escape closes it to look around the tree; `e` exports; `q` leaves.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from steps.record.export import human_duration
from steps.record.view import SessionView
from steps.states import RunOutcome, StepState

from ..look import Look, css, state_style
from .dialog_keys import dialog_footer

ORDER = (
    StepState.SUCCEEDED,
    StepState.DONE,
    StepState.SKIPPED,
    StepState.ASSUMED,
    StepState.FAILED,
    StepState.ABORTED,
    StepState.INTERRUPTED,
    StepState.RUNNING,
    StepState.PENDING,
)


class SummaryScreen(ModalScreen[str | None]):
    DEFAULT_CSS = css(__file__, "summary.tcss")
    BINDINGS = [
        Binding("e", "pick('export')", "Export"),
        Binding("q", "pick('quit')", "Quit"),
        Binding("escape", "close", "Look around"),
    ]

    def __init__(
        self,
        view: SessionView,
        look: Look,
        *,
        outcome: str,
        message: str,
        directory: str,
        session_id: str,
        elapsed: float,
    ):
        super().__init__()
        self.view = view
        self.look = look
        self.outcome = outcome
        self.message = message
        self.directory = directory
        self.session_id = session_id
        self.elapsed = elapsed

    def compose(self) -> ComposeResult:
        ok = self.outcome == RunOutcome.SUCCEEDED
        head = Text()
        head.append(f" Run {self.outcome} ", "bold reverse")
        head.append(f"  after {human_duration(self.elapsed)}")
        body = Text()
        if self.message:
            body.append(self.message + "\n\n")
        counts = self.view.counts()
        body.append(f"{len(self.view.steps)} steps: ", "bold")
        parts = [(s, counts[s]) for s in ORDER if counts.get(s)]
        parts += [(s, n) for s, n in counts.items() if s not in ORDER]
        for i, (state, n) in enumerate(parts):
            if i:
                body.append(", ")
            body.append(f"{self.look.glyph(state)} {n} {state}", state_style(state))
        commands = self.view.all_commands()
        failed = sum(1 for c in commands if c.ok is False)
        body.append(f"\n{len(commands)} commands ran; {failed} failed.\n\n")
        body.append("The record: ", "bold")
        body.append(f"{self.directory}\n")
        body.append("  journal.jsonl (every event), commands/NNN.out (every line of output)\n")
        body.append(f"  e writes snapshot.txt there; later: cairn export {self.session_id}\n")
        if not ok:
            body.append(f"  cairn resume {self.session_id} takes the session up again\n")
        with Vertical(id="dialog", classes="-ok" if ok else "-bad"):
            yield Static(head, id="summary-head")
            yield Static(body, id="summary-body")
            yield Static("e export   q quit   Esc look around", id="summary-keys")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_pick(self, what: str) -> None:
        self.dismiss(what)
