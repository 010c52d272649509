"""What a generator is given (the cluster's state, the params, the captured values, what earlier
generators produced) and what it returns (commands, and a record for the journal)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...cluster.state import ClusterState
from ..model import Command


@dataclass(frozen=True)
class GenContext:
    state: ClusterState | None
    params: Mapping[str, Any]
    captured: Mapping[str, str]
    args: Mapping[str, str]
    session_dir: Path
    # What earlier generators produced, by step id (from the journal), for undo steps.
    produced: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Generated:
    """Commands (argv tuples, or Commands when they carry fallbacks) and a record for the journal."""

    commands: tuple[tuple[str, ...] | Command, ...]
    record: Any = None

    def as_commands(self) -> list[Command]:
        return [c if isinstance(c, Command) else Command(argv=tuple(c)) for c in self.commands]
