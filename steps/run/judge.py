"""Did a command succeed? Judged from its exit status, the runbook's expectations (patterns its
output must show) and benign rules (a known failure that means "already so"). Pure: it reads the
command's output file only when a rule or an expectation needs it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..runbook.model import BenignRule, Command
from ..states import CommandEnd
from .execute import ExitStatus


class Judgement(NamedTuple):
    ok: bool
    benign: str = ""  # why a failure counts as success (the rule's reason)
    failure: str = ""  # why it failed, in words


def judge(
    cmd: Command | None, status: ExitStatus, output: Path, plan_benign: tuple[BenignRule, ...]
) -> Judgement:
    if status.reason == CommandEnd.TIMEOUT:
        return Judgement(False, "", f"timed out after {status.ended - status.started:.0f} s")
    if status.reason == CommandEnd.KILLED:
        return Judgement(False, "", "killed by the operator")
    if status.reason in (CommandEnd.NOT_STARTED, CommandEnd.LOST):
        return Judgement(False, "", status.error or status.reason)
    rules = (*(cmd.benign if cmd else ()), *plan_benign)
    expect = cmd.expect if cmd else ()
    text = tail_text(output) if (status.exit != 0 and rules) or (status.exit == 0 and expect) else ""
    if status.exit != 0:
        argv = cmd.argv if cmd else ()
        for rule in rules:
            if benign_matches(rule, argv, text):
                return Judgement(True, rule.why, "")
        return Judgement(False, "", f"exit status {status.exit}")
    for pattern in expect:
        if not re.search(pattern, text):
            return Judgement(False, "", f"the output does not show {pattern!r}")
    return Judgement(True)


def benign_matches(rule: BenignRule, argv: tuple[str, ...], output: str) -> bool:
    if rule.argv_prefix and tuple(argv[: len(rule.argv_prefix)]) != rule.argv_prefix:
        return False
    return re.search(rule.pattern, output) is not None


def tail_text(path: Path, limit: int = 256 * 1024) -> str:
    """The end of a command's output, for expectations and benign rules (errors print last)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if size > limit:
                head = f.read(limit // 2)
                f.seek(size - limit // 2)
                return (head + b"\n" + f.read()).decode("utf-8", "replace")
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""
