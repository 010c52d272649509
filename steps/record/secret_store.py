"""Secret captured values, kept so a resumed session still has them — outside the session directory.

The session directory is what operators attach to tickets, so it must never hold a secret. The
values live in a 0700 directory of the user's state ($XDG_STATE_HOME/cairn-secrets, else
~/.local/state/cairn-secrets), files 0600. Not in $XDG_RUNTIME_DIR: that tmpfs is emptied at
logout, and a maintenance window's SSH session that drops would lose MinIO's only copy of its
credentials half-way through a volume migration (issue 11.3). They are forgotten once the run
succeeds. When they are gone all the same, a resumed run re-reads what it can and says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def _root() -> Path:
    if os.environ.get("CAIRN_SECRETS_DIR"):  # tests, and operators with their own place
        return Path(os.environ["CAIRN_SECRETS_DIR"])
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state) if state else Path.home() / ".local" / "state"
    return base / "cairn-secrets"


def _path(session_id: str) -> Path:
    return _root() / f"{session_id}.json"


PARAM_PREFIX = "param:"  # a secret param's value, beside captured ones (names never hold ':')


def save(session_id: str, values: dict[str, str]) -> None:
    """Add or update values; what was stored before (a secret param) stays."""
    values = {**load(session_id), **values}
    root = _root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = _path(session_id)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)
    os.replace(tmp, path)


def load(session_id: str) -> dict[str, str]:
    try:
        data = json.loads(_path(session_id).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def forget(session_id: str) -> None:
    try:
        _path(session_id).unlink()
    except FileNotFoundError:
        pass
