"""Show an argv the way an operator would type it in a POSIX shell.

Only for display: Cairn never hands this string to a shell. An empty value after `=` is shown
as `key=""` (what the guides write, e.g. `--config platform=""`) rather than a bare `key=`. An
argument with a newline or tab (curl's `--write-out "\nHTTP %{http_code}\n"`) is shown in bash's
`$'...'` quoting, so the command stays on one line and still pastes into a shell as it ran.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

_EMPTY_ASSIGNMENT = re.compile(r"^[A-Za-z0-9_.-]+=$")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def quote(arg: str) -> str:
    if _EMPTY_ASSIGNMENT.match(arg):
        return f'{arg}""'
    if _CONTROL.search(arg):
        body = "".join(_ESCAPES.get(c) or (f"\\x{ord(c):02x}" if _CONTROL.match(c) else c) for c in arg)
        return f"$'{body}'"
    return shlex.quote(arg)


def format_argv(argv: Iterable[str]) -> str:
    from .template import unescape

    return " ".join(quote(unescape(a)) for a in argv)
