"""Errors a person can act on. Each carries one line: what went wrong and what to do.

The CLI prints `cairn: <message>` and exits 2 for `BadInput`; nothing else reaches the operator
as a traceback.
"""


class CairnError(Exception):
    """Base for every error Cairn reports to the operator as one line."""

    exit_code = 1


class BadInput(CairnError):
    """Bad arguments, params, runbook files, journals, dumps or sandbox state (exit 2)."""

    exit_code = 2


class RunbookError(BadInput):
    """A runbook file that cannot be used: names the file, the place and what is wrong."""

    def __init__(self, file: str, where: str, what: str, line: int | None = None):
        self.file, self.where, self.what, self.line = file, where, what, line
        place = f"{file}:{line}" if line else file
        super().__init__(f"{place}: {where}: {what}" if where else f"{place}: {what}")
