"""The status bar: what runs where (runbook, target, params), the elapsed time, and on the second
line what the engine is doing or waiting for, and why."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..look import Look, css


class StatusBar(Widget):
    DEFAULT_CSS = css(__file__, "status_bar.tcss")

    def __init__(self, look: Look, *, id: str | None = None):
        super().__init__(id=id)
        self.look = look
        self.head = ""
        self.right = ""
        self.activity: Text = Text("")

    def show(
        self, head: str | None = None, right: str | None = None, activity: Text | str | None = None
    ) -> None:
        changed = False
        if head is not None and head != self.head:
            self.head, changed = head, True
        if right is not None and right != self.right:
            self.right, changed = right, True
        if activity is not None:
            text = Text(activity) if isinstance(activity, str) else activity
            if text.plain != self.activity.plain or text.spans != self.activity.spans:
                self.activity, changed = text, True
        if changed:
            self.refresh()

    def render(self) -> Text:
        width = max(10, self.size.width)
        right = self.right
        room = width - len(right) - 1
        head = self.look.fit(self.head, room)
        line = Text(head, style="bold")
        line.append(" " * max(1, width - len(head) - len(right)))
        line.append(right)
        activity = self.activity.copy()
        activity.truncate(width, overflow="ellipsis")
        return Text("\n").join([line, activity])
