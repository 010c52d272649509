"""`cairn watch`: the main screen following another process's session, changing nothing."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from steps.run import events as ev
from steps.states import Level

from .main import MainScreen


class WatchScreen(MainScreen):
    """The same screen following another process's session: nothing here changes anything."""

    BINDINGS = [
        Binding("space", "read_only", "read-only", priority=True),
        *(Binding(key, "read_only", show=False) for key in ("s", "r", "o", "d", "a", "k", "c")),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "read_only":
            return not isinstance(self.focused, Input)
        return super().check_action(action, parameters)

    def action_read_only(self) -> None:
        self._toast(
            ev.Notice(
                level=Level.WARNING,
                text=f"Read-only: this screen watches session {self.feed.session_id}; only the Cairn "
                "driving it can pause, skip, retry, abort, kill a command or add a note.",
            ),
            every=5,
        )

    def action_quit(self) -> None:
        self.app.exit()
