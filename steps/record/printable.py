"""Neutralise terminal control sequences in text Cairn prints but did not write itself.

A command's output, a param value or a file name can hold ESC sequences that retitle the window,
clear the screen, move the cursor or hide text (`\\033]0;TITLE\\007\\033[2J`), or bidi overrides
that reorder what the operator reads. Each such character is shown as a visible `\\xNN` (or
`\\u202e`) escape instead, so the record and the screen say exactly what was there.
"""

from __future__ import annotations

import re

# C0 controls except tab (and newline, when asked), DEL, C1 controls, and the bidi controls.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = True) -> str:
    """`text` with every control character made visible; `one_line=False` keeps newlines."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text) if pattern.search(text) else text
