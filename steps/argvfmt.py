"""Show an argv the way an operator would type it in a POSIX shell.

Only for display: Cairn never hands this string to a shell. An empty value after `=` is shown
as `key=""` (what the guides write, e.g. `--config platform=""`) rather than a bare `key=`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

_EMPTY_ASSIGNMENT = re.compile(r"^[A-Za-z0-9_.-]+=$")


def quote(arg: str) -> str:
    if _EMPTY_ASSIGNMENT.match(arg):
        return f'{arg}""'
    return shlex.quote(arg)


def format_argv(argv: Iterable[str]) -> str:
    from .template import unescape

    return " ".join(quote(unescape(a)) for a in argv)
