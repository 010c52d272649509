"""What every dialog shares: its own footer, showing only the keys it really takes (the main
screen's footer underneath would advertise keys a dialog swallows), and `q`, which offers to
leave Cairn with the question left open. `q` never answers a question: a stray `y` typed after
it lands on "Leave Cairn?", not on a destructive step."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer

QUIT_BINDING = Binding("q", "offer_quit", "Quit...")


def dialog_footer() -> Footer:
    # No palette entry: the palette's actions belong to the main screen, not to a dialog.
    return Footer(compact=True, show_command_palette=False)


def offer_quit(app: App) -> None:
    """Ask the screen that drives the session (under the dialogs) whether to leave."""
    for screen in reversed(app.screen_stack):
        offer = getattr(screen, "offer_quit", None)
        if callable(offer):
            offer()
            return
