"""The live output pane: a `Log` fed from the OutputBuffer ~30 times a second, with search.

`Log`, not `RichLog`: it keeps plain strings and renders only the visible lines, so a flood of
output costs little. It follows the tail until the operator scrolls up to read (then nobody yanks
them away); reaching the bottom again, `End`, `l` or Esc follow again, and a resize keeps
following what was followed. It holds the last `keep` lines; the whole output is on disk in the
session's commands/NNN.out, and the pane title says so. `w` wraps long lines (rebuilt from the
unwrapped lines on every toggle and resize).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

from rich.cells import cell_len, chop_cells
from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Log, Static

from ..look import Look, css
from ..output_buffer import OutputBuffer, passed_over_note

DRAIN_SECONDS = 1 / 30


class OutputHighlighter(Highlighter):
    """Cairn's own lines stand out from command output; search matches are reversed."""

    def __init__(self, look: Look):
        self.look = look
        self.pattern: re.Pattern[str] | None = None
        self.prefixes = (
            (f"{look.glyph('running')} ", "bold"),
            ("$ ", "bold cyan"),
            ("? ", "bold yellow"),
            ("! ", "yellow"),
            ("[cairn]", "italic"),
            (f"{look.glyph('failed')} ", "bold red"),
            (f"{look.glyph('succeeded')} ", "green"),
        )

    def highlight(self, text: Text) -> None:
        plain = text.plain
        for prefix, style in self.prefixes:
            if plain.startswith(prefix):
                text.stylize(style)
                break
        if "FAILED" in plain:
            text.highlight_words(["FAILED"], "bold red")
        if self.pattern is not None:
            text.highlight_regex(self.pattern, "reverse")


CONTINUATION = "  "  # a wrapped line's continuation is indented, so it reads as one line


def wrap_line(line: str, width: int) -> list[str]:
    """One output line as the rows it takes at `width` cells: broken after a space where one is
    near the edge, else mid-word; continuations indented. Every character is kept."""
    line = line.expandtabs(8)
    if width < 8 or cell_len(line) <= width:
        return [line]
    rows: list[str] = []
    rest, room = line, width
    while cell_len(rest) > room:
        head = chop_cells(rest, room)[0]
        space = head.rfind(" ")
        if space >= room // 2:
            head = head[: space + 1]
        rows.append(head if not rows else CONTINUATION + head)
        rest, room = rest[len(head) :], width - len(CONTINUATION)
    rows.append(rest if not rows else CONTINUATION + rest)
    return rows


class OutputLog(Log):
    """The Log itself; `End` goes back to following the tail."""

    BINDINGS = [Binding("end", "follow_tail", "Follow", show=False)]

    def __init__(self, *, max_lines: int, **kwargs) -> None:
        super().__init__(max_lines=max_lines, **kwargs)
        self.raw: deque[str] = deque(maxlen=max_lines)  # the lines as written, for re-wrapping
        self.following = True
        self.wrapped = False
        self._wrap_width = 0

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        # Textual measures every new line with cell_len in a worker thread: about 1 µs a line of
        # the GIL the engine thread needs during a flood. The width only sets how far the view
        # scrolls sideways, so characters are close enough (tabs are expanded when shown).
        if lines:
            widest = max(map(len, lines))
            self._update_maximum_width(updates, widest if self.wrapped else widest + 8)

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> OutputLog:
        lines = [part for line in lines for part in line.splitlines()]
        self.raw.extend(lines)
        if self.wrapped:
            lines = [row for line in lines for row in wrap_line(line, self._wrap_width)]
        super().write_lines(lines, scroll_end=False)
        if self.following and (scroll_end is None or scroll_end):
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        return self

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolling up to read stops following; getting back to the bottom follows again.
        self.following = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        if self.wrapped and self._wrap_width != self._width_for_wrap():
            self.rewrap()
        elif self.following:
            self.call_after_refresh(self.follow)

    def _width_for_wrap(self) -> int:
        return max(1, self.scrollable_content_region.width - 1)

    def set_wrap(self, on: bool) -> None:
        self.wrapped = on
        self.rewrap()

    def rewrap(self) -> None:
        following, top = self.following, self.scroll_offset.y
        self._wrap_width = self._width_for_wrap()
        raw = list(self.raw)
        self.clear()
        self.raw.clear()
        self.scroll_to(x=0, animate=False, immediate=True)
        self.write_lines(raw, scroll_end=False)
        self._render_line_cache.clear()
        self.following = following
        if following:
            self.call_after_refresh(self.follow)
        else:
            self.scroll_to(y=min(top, self.max_scroll_y), animate=False)

    def follow(self) -> None:
        self.following = True
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def action_follow_tail(self) -> None:
        self.follow()


class OutputPane(Vertical):
    DEFAULT_CSS = css(__file__, "output_pane.tcss")

    def __init__(self, buffer: OutputBuffer, look: Look, *, keep: int = 5000, id: str | None = None):
        super().__init__(id=id)
        self.buffer = buffer
        self.look = look
        self.keep = keep
        self.highlighter = OutputHighlighter(look)
        self.term = ""
        self.match_line = -1
        self.written = 0  # lines written into the Log (the rest were passed over in floods)
        self.border_title = f"Output {look.dot} last {keep:,} lines; all on disk"

    def compose(self) -> ComposeResult:
        log = OutputLog(highlight=True, max_lines=self.keep, id="output-log")
        log.highlighter = self.highlighter
        yield log
        yield Static("", id="search-status", markup=False)
        yield Input(placeholder="search the output: Enter finds, Esc closes", id="search-input", compact=True)

    def on_mount(self) -> None:
        self.set_interval(DRAIN_SECONDS, self.drain, name="output-drain")

    @property
    def log_widget(self) -> OutputLog:
        return self.query_one(OutputLog)

    @property
    def wrapped(self) -> bool:
        return self.log_widget.wrapped

    def set_wrap(self, on: bool) -> None:
        self.log_widget.set_wrap(on)
        self.border_subtitle = "wrapped (w)" if on else ""

    def follow(self) -> None:
        """Back to the live tail, and keep following it."""
        self.log_widget.follow()

    def drain(self) -> None:
        """Write what piled up since the last tick: only the newest `keep` lines of it."""
        lines, passed, number = self.buffer.take()
        if not lines:
            return
        if passed:
            lines.insert(0, passed_over_note(passed, number))
        self.log_widget.write_lines(lines)
        self.written += len(lines)

    def write_lines(self, lines: list[str]) -> None:
        """Lines put in directly (a watched session's backlog)."""
        if lines:
            self.log_widget.write_lines(lines[-self.keep :])
            self.written += min(len(lines), self.keep)

    # --- search ----------------------------------------------------------------------------

    def open_search(self) -> None:
        self.add_class("-searching")
        field = self.query_one("#search-input", Input)
        field.value = self.term
        field.focus()

    def close_search(self) -> None:
        self.remove_class("-searching")
        self.log_widget.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search-input":
            return
        event.stop()
        self.set_term(event.value)
        self.find(+1, from_line=self._top_line() - 1)
        self.close_search()

    def on_key(self, event) -> None:
        if event.key == "escape" and self.has_class("-searching"):
            event.stop()
            self.close_search()

    def set_term(self, term: str) -> None:
        self.term = term.strip()
        self.highlighter.pattern = re.compile(re.escape(self.term), re.IGNORECASE) if self.term else None
        self.match_line = -1
        self.log_widget.notify_style_update()  # drops cached lines so the highlight shows
        self.log_widget.refresh()

    def _top_line(self) -> int:
        return int(self.log_widget.scroll_offset.y)

    def find(self, direction: int, from_line: int | None = None) -> int:
        """Scroll to the next (+1) or previous (-1) line matching the term; wraps around."""
        status = self.query_one("#search-status", Static)
        if not self.term or self.highlighter.pattern is None:
            status.update("no search yet: press / to search the output")
            self.add_class("-status")
            return -1
        lines = self.log_widget.lines
        total = len(lines)
        start = self.match_line if from_line is None else from_line
        pattern = self.highlighter.pattern
        hits = [i for i, line in enumerate(lines) if pattern.search(line)]
        self.add_class("-status")
        if not hits:
            status.update(f"no line here matches {self.term!r} (the whole output is on disk)")
            return -1
        if direction > 0:
            after = [i for i in hits if i > start]
            line = after[0] if after else hits[0]
        else:
            before = [i for i in hits if i < start]
            line = before[-1] if before else hits[-1]
        self.match_line = line
        self.log_widget.scroll_to(y=max(0, line - 2), animate=False)
        status.update(
            f"{self.term!r}: match {hits.index(line) + 1} of {len(hits)}, line {line + 1} of {total}"
            f"  (n next, N previous, End follows the tail)"
        )
        return line
