"""The plan preview draws exactly what a Static would, rendering only the rows that show."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.selection import Selection
from textual.widgets import Static

from steps.runbook import params, plan, registry
from tui.widgets.plan_text import PlanText, _Rows


def _plan_text() -> str:
    rb = registry.find("ckf-1.11-ambient")
    text = plan.format_plan(plan.resolve(rb, params.resolve(rb, {}), preview=True))
    odd = [
        "",
        "   indented line with trailing spaces   ",
        "a-very-long-word-with-no-spaces-" * 5,
        "unicode … → ✓ and wide 漢字漢字漢字 " * 4,
        "  x" + " " * 120 + "y",
    ]
    return text + "\n" + "\n".join(odd)


class Both(App[None]):
    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="a"):
            yield Static(self.text, markup=False, id="static")
        with VerticalScroll(id="b"):
            yield PlanText(self.text, id="plan")


def _rows(widget) -> list[list]:
    return [list(widget.render_line(y)) for y in range(widget.size.height)]


@pytest.mark.parametrize("width", [80, 61, 37])
async def test_the_same_rows_as_a_static_at_any_width(width):
    app = Both(_plan_text())
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        static, plan_text = app.query_one("#static"), app.query_one("#plan", PlanText)
        assert plan_text.size == static.size and plan_text.size.height > 500
        assert _rows(plan_text) == _rows(static)
        assert isinstance(plan_text._render_cache.lines, _Rows), "rendered lazily"


async def test_only_the_rows_drawn_are_rendered_and_an_update_is_seen():
    app = Both(_plan_text())
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        plan_text = app.query_one("#plan", PlanText)
        rows = plan_text._render_cache.lines
        assert isinstance(rows, _Rows) and len(rows._done) < 40 < len(rows)
        app.query_one("#b", VerticalScroll).scroll_end(animate=False)
        await pilot.pause()
        drawn = plan_text._render_cache.lines
        assert isinstance(drawn, _Rows) and max(drawn._done) == len(str(plan_text.content).split("\n")) - 1
        plan_text.update("one\ntwo")
        await pilot.pause()
        assert plan_text.size.height == 2 and plan_text.render_line(1).text == "two"
        assert str(plan_text.render()) == "one\ntwo"  # what it shows, for anyone who reads it


async def test_a_selection_is_drawn_by_the_static_it_is():
    app = Both("alpha beta\ngamma delta")
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        plan_text = app.query_one("#plan", PlanText)
        app.screen.selections = {plan_text: Selection(None, None)}
        plan_text.refresh()
        await pilot.pause()
        plan_text.render_line(0)
        assert not isinstance(plan_text._render_cache.lines, _Rows)
