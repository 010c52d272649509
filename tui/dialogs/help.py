"""`?`: the keys, what the glyphs mean, and where the record is."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..look import STATE_WORDS, Look, css, state_style
from .dialog_keys import dialog_footer

KEYS = (
    ("space", "pause before the next command (the running one finishes) / go on"),
    ("s", "skip the selected step, or the running one, with a reason for the record"),
    ("r", "retry a failed step from its failed command"),
    ("o", "go on: stop waiting for apps to settle (an override, recorded)"),
    ("d", "open the question the run is waiting on"),
    ("a", "abort: kill the running command's process group and end the run (asks first)"),
    ("k", "kill only the running command's process group (asks first); the step fails and asks"),
    ("c", "add a note to the current step: journaled and exported, for the change ticket"),
    ("e", "export the record to the session's snapshot.txt"),
    ("g", "the files Cairn generated (recommended waypoints and policies, the analysis)"),
    ("/  n  N", "search the output; next / previous match; End follows the tail again"),
    ("l  Esc", "back to the live output and the running step, following it again"),
    ("w", "wrap long lines in the output pane / scroll them sideways"),
    ("z", "zoom: the output pane takes the whole screen (z again to come back)"),
    ("Tab", "move between the plan, the output and the cluster pane"),
    ("Up Down", "move in the plan; a step shows its doc, commands and past output"),
    ("ctrl+p", "the command palette: every action by name"),
    (
        "q",
        "quit: the running command keeps running; `cairn resume ID` continues. In a dialog, "
        "q offers to leave with the question left open (it never answers it)",
    ),
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = css(__file__, "help.tcss")
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q,question_mark", "close", "Close", show=False),
    ]

    def __init__(self, look: Look, read_only: bool = False, session_dir: str = ""):
        super().__init__()
        self.look = look
        self.read_only = read_only
        self.session_dir = session_dir

    def compose(self) -> ComposeResult:
        head = Text("Cairn: keys", "bold")
        if self.read_only:
            head.append("\nThis screen watches a session read-only: it changes nothing.", "bold")
        keys = Table.grid(padding=(0, 2))  # a grid, so a wrapped description keeps its indent
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, what in KEYS:
            keys.add_row(key, what)
        states = Table.grid(padding=(0, 1))
        states.add_column(no_wrap=True)
        states.add_column()
        for state, words in STATE_WORDS.items():
            states.add_row(Text(self.look.glyph(state), state_style(state)), words)
        note = Text(
            "The output pane keeps the last lines only; every line of every command is on disk in the "
            "session's commands/NNN.out"
            + (f" ({self.session_dir})" if self.session_dir else "")
            + ".\nEsc closes this."
        )
        with VerticalScroll(id="dialog"):
            yield Static(head)
            yield Static(keys)
            yield Static(Text("Step states", "bold"), classes="heading")
            yield Static(states)
            yield Static(note, classes="heading")
        yield dialog_footer()

    def action_close(self) -> None:
        self.dismiss(None)
