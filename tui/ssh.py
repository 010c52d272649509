"""Is this an SSH session that a dropped connection would end? (tmux and screen survive it.)"""

from __future__ import annotations

import os
from collections.abc import Mapping


def ssh_warning(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    over_ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))
    in_multiplexer = bool(
        env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux"))
    )
    if over_ssh and not in_multiplexer:
        return (
            "running over SSH outside tmux or screen: a dropped connection ends this screen "
            "(running commands finish anyway, and `cairn resume` picks the session up)"
        )
    return ""
