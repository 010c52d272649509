"""`{placeholder}` substitution in argv templates.

Only `{name}` or `{name.key}` made of lower-case letters, digits, `_`, `-` and `.` is a
placeholder, so JSON patches (`{"data":…}`), jsonpath (`{.status…}`) and `find -exec … {} +`
pass through untouched. A literal `{name}` is written `{{name}}` (curl's `%{{http_code}}`).
Substitution happens per argv element after the template was split, so a value can never become
two arguments or reach a shell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_NAME = r"[a-z_][a-z0-9_]*(?:\.[a-z0-9_][a-z0-9_.-]*)?"
# Group 1: an escaped literal `{{name}}`; group 2: a placeholder `{name}`.
PLACEHOLDER = re.compile(rf"\{{\{{({_NAME})\}}\}}|\{{({_NAME})\}}")

# An argv element that is exactly one placeholder: dropped when its value is empty.
OPTIONAL = re.compile(rf"\{{{_NAME}\}}")

# Placeholders filled while the runbook runs, not when it is planned.
LATE_NAMESPACES = ("captured", "file", "session_dir")


def placeholders(text: str) -> list[str]:
    return [m.group(2) for m in PLACEHOLDER.finditer(text) if m.group(2)]


def is_late(name: str) -> bool:
    return name.split(".", 1)[0] in LATE_NAMESPACES


def render(text: str, values: Mapping[str, str], *, keep_late: bool = True) -> str:
    """Fill every known placeholder; late ones stay as they are when `keep_late`."""

    def fill(match: re.Match[str]) -> str:
        if match.group(1):
            # An escaped literal stays escaped until the final render, so rendering twice (plan,
            # then run) never turns it into a placeholder.
            return match.group(0) if keep_late else "{" + match.group(1) + "}"
        name = match.group(2)
        if name in values:
            # A value is substituted once, as given: when a later render follows (keep_late),
            # `{…}` inside the value is escaped so that render leaves it literal.
            return escape(str(values[name])) if keep_late else str(values[name])
        if keep_late and is_late(name):
            return match.group(0)
        raise KeyError(name)

    return PLACEHOLDER.sub(fill, text)


def escape(text: str) -> str:
    """`{name}` -> `{{name}}`: a value's braces, kept literal through the next render."""
    return PLACEHOLDER.sub(lambda m: "{" + m.group(0) + "}" if m.group(2) else m.group(0), text)


def unescape(text: str) -> str:
    """`{{name}}` -> `{name}`, for showing a planned argv as it will run."""
    return PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}" if m.group(1) else m.group(0), text)


def render_argv(argv: Iterable[str], values: Mapping[str, str], *, keep_late: bool = True) -> tuple[str, ...]:
    """An element that is one plan-time placeholder alone and renders empty is left out: that is
    how a dialect drops a flag (`{juju_no_prompt}` is `--no-prompt` on Juju 3, nothing on 2.9)."""
    out = []
    for a in argv:
        rendered = render(a, values, keep_late=keep_late)
        if rendered == "" and OPTIONAL.fullmatch(a) and not is_late(a[1:-1]):
            continue  # a late value (a capture) that came back empty is an error, never dropped
        out.append(rendered)
    return tuple(out)
