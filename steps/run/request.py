"""What to run and where: the request a front end hands to `launch.start`.

Apart from launch.py so that a front end can hold one without importing the engine: the app's
start screen builds these before anything runs, and `cairn` draws it sooner for not loading
the engine, the journal and the events first. launch.py re-exports both names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TargetRequest:
    """Where to run: the sandbox (and its scenario, speed, faults), a live cluster, or files."""

    kind: str = "sandbox"  # sandbox | live | files
    scenario: str = ""
    speed: float = 1.0
    faults: Sequence[tuple[str, str]] = ()
    directory: str = ""
    context: str | None = None
    controller: str = ""  # live: the Juju controller a resumed run was pinned to

    @classmethod
    def from_journal(cls, target: Mapping[str, Any]) -> TargetRequest:
        """The request that made a journaled target (`SessionStarted.target`), to make it again."""
        return cls(
            kind=str(target.get("kind", "sandbox")),
            scenario=str(target.get("scenario", "")),
            speed=float(target.get("speed", 1.0)),
            context=str(target.get("context") or "") or None,
            controller=str(target.get("controller") or ""),
            directory=str(target.get("directory", "")),
        )


@dataclass
class RunRequest:
    """What to run: the runbook, the operator's values, the target and how to answer questions."""

    runbook: str
    runbook_file: str | None = None
    given: dict[str, Any] = field(default_factory=dict)
    target: TargetRequest = field(default_factory=TargetRequest)
    yes: bool = False
    settle_timeout: float | None = None
