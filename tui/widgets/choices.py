"""Choosing with the keyboard, readable without colour: `(*)` marks the choice, not a colour.

`PlatformChoice` is the three-way platform question (MicroK8s / Canonical Kubernetes / another
Istio platform value, cycled with left and right); `InlineChoice` is a short one-line choice such
as the risk (edge / stable).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from ..look import css

PLATFORM_LABELS = {
    "microk8s": "MicroK8s",
    "canonical-k8s": "Canonical Kubernetes (brings the Cilium phase)",
}


class ChoiceChanged(Message):
    def __init__(self, widget: Widget, name: str, value: str) -> None:
        super().__init__()
        self.widget = widget
        self.name = name
        self.value = value

    @property
    def control(self) -> Widget:
        return self.widget


def _mark(on: bool, ascii_only: bool) -> str:
    if ascii_only:
        return "(*)" if on else "( )"
    return "(•)" if on else "( )"


class PlatformChoice(Widget, can_focus=True):
    DEFAULT_CSS = css(__file__, "choices.tcss")
    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous", show=False),
        Binding("down,j", "move(1)", "Next", show=False),
        Binding("left,h", "cycle(-1)", "Other value", show=False),
        Binding("right,l", "cycle(1)", "Other value", show=False),
    ]

    def __init__(
        self, choices: Sequence[str], value: str, *, ascii_only: bool = False, id: str | None = None
    ):
        super().__init__(id=id)
        self.ascii_only = ascii_only
        self.named = [c for c in choices if c in PLATFORM_LABELS]
        self.others = [c for c in choices if c not in PLATFORM_LABELS]
        self.other = value if value in self.others else (self.others[0] if self.others else "")
        self.value = value if value in choices else (choices[0] if choices else "")
        self.touched = False

    @property
    def rows(self) -> list[str]:
        return self.named + (["other"] if self.others else [])

    def _row_of(self, value: str) -> str:
        return value if value in self.named else "other"

    def render(self) -> Text:
        text = Text()
        current = self._row_of(self.value)
        for i, row in enumerate(self.rows):
            on = row == current
            line = Text()
            line.append(f"{_mark(on, self.ascii_only)} ")
            if row == "other":
                left, right = ("<", ">") if self.ascii_only else ("‹", "›")
                line.append(f"another Istio platform: {left} {self.other} {right}")
                if on:
                    line.append(f"  ({' / '.join(self.others)}; left/right)", "dim")
            else:
                line.append(PLATFORM_LABELS[row])
            if on and self.has_focus:
                line.stylize("reverse")
            elif on:
                line.stylize("bold")
            if i:
                text.append("\n")
            text.append(line)
        return text

    def get_content_height(self, container, viewport, width: int) -> int:
        # A row wraps on a narrow terminal ("Canonical Kubernetes (brings the Cilium phase)"):
        # count the lines it takes, so the last choice is never cut off.
        lines = self.render().wrap(self.app.console, max(1, width))
        return max(len(self.rows), len(lines))

    def set_value(self, value: str, *, touched: bool = False) -> None:
        if value in self.others:
            self.other = value
        if value != self.value:
            self.value = value
            self.post_message(ChoiceChanged(self, "platform", value))
        self.touched = self.touched or touched
        self.refresh()

    def action_move(self, step: int) -> None:
        rows = self.rows
        index = rows.index(self._row_of(self.value))
        row = rows[max(0, min(len(rows) - 1, index + step))]
        self.set_value(self.other if row == "other" else row, touched=True)

    def action_cycle(self, step: int) -> None:
        if not self.others:
            return
        index = self.others.index(self.other) if self.other in self.others else 0
        self.other = self.others[(index + step) % len(self.others)]
        self.set_value(self.other, touched=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class InlineChoice(Widget, can_focus=True):
    DEFAULT_CSS = css(__file__, "choices.tcss")
    BINDINGS = [
        Binding("left,h,up", "move(-1)", "Previous", show=False),
        Binding("right,l,down", "move(1)", "Next", show=False),
    ]

    def __init__(
        self,
        name: str,
        choices: Sequence[str],
        value: str,
        *,
        ascii_only: bool = False,
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.param = name
        self.choices = list(choices)
        self.value = value if value in self.choices else (self.choices[0] if self.choices else "")
        self.ascii_only = ascii_only

    def render(self) -> Text:
        text = Text()
        for choice in self.choices:
            on = choice == self.value
            part = Text(f"{_mark(on, self.ascii_only)} {choice}")
            if on:
                part.stylize("reverse" if self.has_focus else "bold")
            text.append(part)
            text.append("   ")
        return text

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1

    def action_move(self, step: int) -> None:
        index = self.choices.index(self.value)
        value = self.choices[(index + step) % len(self.choices)]
        if value != self.value:
            self.value = value
            self.post_message(ChoiceChanged(self, self.param, value))
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
