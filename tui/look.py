"""How states look: glyphs (Unicode, or ASCII when the terminal cannot show it), styles, fitting.

Colour is only ever a second cue: every state has its own glyph, so the screen reads the same
with NO_COLOR or on a monochrome terminal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

UNICODE_GLYPHS = {
    "pending": "○",
    "running": "▶",
    "succeeded": "✓",
    "failed": "✗",
    "skipped": "↷",
    "already done": "≡",
    "interrupted": "◐",
    "aborted": "⊘",
    "assumed": "◇",
}
ASCII_GLYPHS = {
    "pending": ".",
    "running": ">",
    "succeeded": "+",
    "failed": "X",
    "skipped": "~",
    "already done": "=",
    "interrupted": "?",
    "aborted": "!",
    "assumed": "*",
}
STATE_STYLES = {
    "pending": "dim",
    "running": "bold",
    "succeeded": "green",
    "failed": "bold red",
    "skipped": "yellow",
    "already done": "green",
    "interrupted": "magenta",
    "aborted": "bold red",
    "assumed": "yellow",
}
STATE_WORDS = {  # for the legend in the help screen
    "pending": "not started",
    "running": "running now",
    "succeeded": "succeeded",
    "failed": "failed",
    "skipped": "skipped (with a reason)",
    "already done": "already done (its check passed)",
    "interrupted": "interrupted (Cairn stopped while it ran)",
    "aborted": "aborted",
    "assumed": "assumed (--yes answered a human check nobody made)",
}


def css(module_file: str, name: str) -> str:
    """The .tcss beside a module, for DEFAULT_CSS: each widget and screen carries its own."""
    return (Path(module_file).parent / name).read_text(encoding="utf-8")


def wants_ascii(environ: dict[str, str] | None = None) -> bool:
    """ASCII glyphs when asked (CAIRN_ASCII=1) or when the terminal's encoding is not UTF-8."""
    env = os.environ if environ is None else environ
    if env.get("CAIRN_ASCII", "") not in ("", "0"):
        return True
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    return encoding not in ("utf8", "utf_8")


class Look:
    """The glyph set in use, chosen once per app."""

    def __init__(self, ascii_only: bool = False):
        self.ascii = ascii_only
        self.glyphs = ASCII_GLYPHS if ascii_only else UNICODE_GLYPHS
        self.ellipsis = "..." if ascii_only else "…"
        self.arrow = "->" if ascii_only else "→"
        self.dot = "|" if ascii_only else "·"

    def glyph(self, state: str) -> str:
        return self.glyphs.get(state, "?")

    def fit(self, text: str, width: int) -> str:
        """`text` cut to `width` cells at a word boundary when it can, marked with an ellipsis."""
        if width <= 0:
            return ""
        if len(text) <= width:
            return text
        room = width - len(self.ellipsis)
        if room <= 0:
            return text[:width]
        cut = text[:room]
        space = cut.rfind(" ")
        if space >= room // 2:  # a word boundary not too far back; else cut the long word
            cut = cut[:space]
        return cut.rstrip(" ,;:-") + self.ellipsis


def state_style(state: str) -> str:
    return STATE_STYLES.get(state, "")


def duration(seconds: float | None) -> str:
    # Imported here: the start screen needs this module's glyphs, not the narrator (nor its events).
    from steps.record.narrator import human_duration

    return human_duration(seconds) if seconds is not None else ""


def clock_text(seconds: float) -> str:
    """Elapsed time as H:MM:SS, for the status bar."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, sec = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}"
