"""The one error the parsers raise: what was read, where in it, and what is wrong."""

from __future__ import annotations

from ..errors import BadInput


class StateParseError(BadInput):
    """Saved or captured tool output that cannot be read as the format it claims to be.

    The message is one line: `file X: line/path Y: what is wrong`, so a person can open the file
    and look. A `BadInput`, so the CLI prints it without a traceback and exits 2.
    """

    def __init__(self, where: str, what: str, path: str = ""):
        self.where, self.path, self.what = where, path, what
        super().__init__(f"{where}: {path}: {what}" if path else f"{where}: {what}")
