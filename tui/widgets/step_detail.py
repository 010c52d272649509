"""One step up close: its doc, its commands (planned, and as they ran), and their past output read
from the session's commands/NNN.out files (in a thread: a file can be tens of megabytes)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.widgets import Static

from steps.record.export import clean, human_duration
from steps.record.session import SessionDir
from steps.record.view import CommandRecord, StepRecord
from steps.states import StepState

from ..look import Look, css, state_style
from .output_pane import OutputHighlighter, OutputLog

TAIL_BYTES = 1 << 20


class StepDetail(Vertical):
    DEFAULT_CSS = css(__file__, "step_detail.tcss")

    def __init__(
        self,
        look: Look,
        directory: Path | None,
        clock: Callable[[], float],
        *,
        keep: int = 5000,
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.look = look
        self.directory = directory
        self.clock = clock
        self.keep = keep
        self.step_id = ""
        self.border_title = "Step"

    def compose(self):
        yield Static("", id="detail-head")
        log = OutputLog(highlight=True, max_lines=self.keep, id="detail-log")
        log.highlighter = OutputHighlighter(self.look)
        yield log

    def show(self, step: StepRecord, doc: str, planned: Sequence[str]) -> None:
        self.step_id = step.id
        self.border_title = f"Step {step.id} {self.look.dot} output read from commands/"
        self.query_one("#detail-head", Static).update(self._head(step, doc, planned))
        log = self.query_one("#detail-log", OutputLog)
        log.clear()
        if not step.commands:
            log.write_lines(
                ["(no command of this step has run yet)" if planned else "(this step runs no command)"]
            )
            return
        self._load(step.id, list(step.commands))

    def _head(self, step: StepRecord, doc: str, planned: Sequence[str]) -> Text:
        g = self.look
        text = Text()
        text.append(g.glyph(step.state) + " ", state_style(step.state))
        text.append(step.title, "bold")
        facts: list[str] = [step.state]
        took = step.duration
        if took is None and step.started is not None and step.state == StepState.RUNNING:
            took = self.clock() - step.started
        if took is not None:
            facts.append(human_duration(took))
        if step.attempts > 1:
            facts.append(f"{step.attempts} attempts")
        if step.destructive:
            facts.append("destructive: asks first")
        text.append("\n" + ", ".join(facts))
        if step.reason:
            text.append(f": {clean(step.reason)}")
        if doc:
            text.append(f"\n{doc.strip()}", "italic")
        if planned and not step.commands:
            text.append("\nCommands:")
            for cmd in planned:
                text.append(f"\n  $ {cmd}")
        return text

    @work(thread=True, exclusive=True, group="step-detail", exit_on_error=False)
    def _load(self, step_id: str, records: list[CommandRecord]) -> None:
        lines: list[str] = []
        for rec in records:
            shown = SessionDir.output_name(rec.number)
            lines.append(f"$ {rec.display}    [{shown}]")
            if self.directory is not None:
                body, cut = tail_lines(SessionDir(self.directory).command(rec.number).out, self.keep)
                if cut:
                    lines.append(f"[cairn] {self.look.ellipsis} earlier lines are in {shown}")
                lines.extend(clean(line) for line in body)
            if rec.finished is None:
                lines.append("  (still running, or no exit status recorded)")
            else:
                verdict = "ok" if rec.ok else "FAILED"
                extra = f"; {rec.benign}" if rec.benign else (f"; {rec.failure}" if rec.failure else "")
                lines.append(
                    f"  {self.look.arrow} exit {rec.exit} in {human_duration(rec.finished - rec.started)}:"
                    f" {verdict}{extra}"
                )
        self.app.call_from_thread(self._fill, step_id, lines)

    def _fill(self, step_id: str, lines: list[str]) -> None:
        if step_id != self.step_id:
            return
        log = self.query_one("#detail-log", OutputLog)
        log.clear()
        log.write_lines(lines[-self.keep :])


def tail_lines(path: Path, count: int, limit: int = TAIL_BYTES) -> tuple[list[str], bool]:
    """The last `count` lines of a file and whether earlier ones were left out; reads at most `limit`."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            start = max(0, size - limit)
            f.seek(start)
            data = f.read()
    except OSError:
        return ["(no output file)"], False
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cut = start > 0
    if cut:
        lines = lines[1:]  # the first is likely partial
    if len(lines) > count:
        lines, cut = lines[-count:], True
    return lines, cut
