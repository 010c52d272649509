"""The start screen's plan preview: a Static that draws only the rows on screen.

A plan is 400-700 lines, 700-1000 rows once wrapped at 80 columns, of which a dozen show. A
Static wraps the whole text to learn its height and then renders every row to strips before the
first is drawn: a tenth of the time to the start screen. This one counts the rows of each line
with the same word-wrapping Static uses (rich's `divide_line`, on the line's plain text) and
renders a line's rows when one of them is drawn, from the same one-line Content a Static would
make. Where a row could come out differently — a selection being drawn, tabs, styles that change
wrapping or alignment, text that is not plain — it is the Static it subclasses, unchanged.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import cast, overload

from rich._wrap import divide_line
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import _RenderCache
from textual.widgets import Static


class PlanText(Static):
    def __init__(self, text: str = "", *, id: str | None = None):
        super().__init__(text, markup=False, id=id)
        self._counted: tuple[str, int, list[int]] | None = None  # (text, width, rows per line)

    # --- when the shortcut is exactly what Static would do ----------------------------------------

    def _plain_text(self) -> str | None:
        text = self.content
        if not isinstance(text, str) or "\t" in text:
            return None
        styles = self.styles
        if (
            styles.text_wrap != "wrap"
            or styles.text_overflow != "fold"
            or styles.line_pad
            or styles.text_align not in ("start", "left")
            or tuple(styles.content_align) != ("left", "top")
        ):
            return None
        return text

    def _rows_per_line(self, text: str, width: int) -> list[int]:
        if self._counted is not None and self._counted[:2] == (text, width):
            return self._counted[2]
        counts = [
            1 if line.isascii() and len(line) <= width else len(divide_line(line, width, fold=True)) + 1
            for line in text.split("\n")
        ]
        self._counted = (text, width, counts)
        return counts

    # --- the two places Static renders the whole text ---------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        text = self._plain_text()
        if text is None or width <= 0:
            return super().get_content_height(container, viewport, width)
        return sum(self._rows_per_line(text, width))

    def _render_content(self) -> None:
        text = self._plain_text()
        width = self.size.width
        if text is None or width <= 0 or self.text_selection is not None:
            super()._render_content()  # a selection is drawn across lines: the whole render
            return
        lines = text.split("\n")
        rows = _Rows(self, lines, self._rows_per_line(text, width), width)
        # Textual only indexes the cache's lines (render_line): a sequence serves as the list.
        self._render_cache = _RenderCache(self.size, cast(list[Strip], rows))
        self._dirty_regions.clear()


class _Rows(Sequence[Strip]):
    """The rendered rows, each line rendered (and kept) when one of its rows is first asked for."""

    def __init__(self, widget: PlanText, lines: list[str], counts: list[int], width: int):
        self._widget = widget
        self._lines = lines
        self._starts = [0, *accumulate(counts)]  # the first row of each line; the last is the total
        self._width = width
        self._done: dict[int, list[Strip]] = {}

    def __len__(self) -> int:
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> Strip: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Strip]: ...
    def __getitem__(self, index: int | slice) -> Strip | Sequence[Strip]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        line = bisect_right(self._starts, index) - 1
        strips = self._done.get(line)
        if strips is None:
            strips = self._done[line] = self._render(line)
        return strips[index - self._starts[line]]

    def _render(self, line: int) -> list[Strip]:
        """A line's rows as Visual.to_strips renders them from the whole text (Content.render_strips
        with the defaults `_plain_text` checked), the line's index kept: it is where a click lands."""
        widget = self._widget
        rows = Content(self._lines[line])._wrap_and_format(self._width, get_style=widget._get_style)
        strips = []
        for row in rows:
            row.y = line
            strips.append(Strip(*row.to_strip(widget.visual_style)))
        if widget.auto_links and not widget.is_container and not widget.screen._selecting:
            strips = [strip._apply_link_style(widget.link_style) for strip in strips]
        return strips
