"""`g`: the files Cairn generated into this session (the recommended waypoints and policies, the
analysis, manifests), exactly as they were applied."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..look import css

MAX_CHARS = 200_000  # a screen, not an editor: the file itself is in the session directory


def generated_files(session_dir: Path) -> list[Path]:
    folder = Path(session_dir) / "files"
    if not folder.is_dir():
        return []
    # The manifests Cairn applied first (what a reviewer reads), then the rest, each in the order written.
    return sorted(
        (p for p in folder.iterdir() if p.is_file()),
        key=lambda p: (p.suffix not in (".yaml", ".yml"), p.stat().st_mtime),
    )


class GeneratedFilesScreen(ModalScreen[None]):
    DEFAULT_CSS = css(__file__, "generated.tcss")
    BINDINGS = [Binding("escape,q,g", "close", "Close", show=False)]

    def __init__(self, session_dir: str):
        super().__init__()
        self.session_dir = Path(session_dir)

    def compose(self) -> ComposeResult:
        files = generated_files(self.session_dir)
        with VerticalScroll(id="dialog"):
            yield Static(Text("Files Cairn generated for this session", "bold"))
            yield Static(Text(f"in {self.session_dir / 'files'}", "dim"))
            if not files:
                yield Static(Text("None yet: a step that generates a file writes it when it starts."))
            for path in files:
                body = path.read_text(encoding="utf-8", errors="replace")
                if len(body) > MAX_CHARS:
                    body = body[:MAX_CHARS] + f"\n… (the rest is in {path})"
                yield Static(Text(path.name, "bold"), classes="heading")
                yield Static(Text(body), markup=False)
            yield Static(Text("Esc closes this."), classes="heading")

    def action_close(self) -> None:
        self.dismiss(None)
