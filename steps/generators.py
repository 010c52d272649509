"""Generators: commands or file contents computed at run time from the cluster's real state.

A runbook step names one with `generate:` (its commands) or `files:` (a file Cairn writes into the
session before a command reads it, e.g. a manifest for `kubectl apply -f`). What a generator
produced is journaled, so the record shows the exact commands that ran and a later step can undo
them (e.g. restore the relations an earlier step removed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cluster.state import ClusterState
from .model import Command


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


GENERATORS: dict[str, Callable[[GenContext], Any]] = {}


def generator(name: str) -> Callable[[Callable[[GenContext], Any]], Callable[[GenContext], Any]]:
    def register(fn: Callable[[GenContext], Any]) -> Callable[[GenContext], Any]:
        GENERATORS[name] = fn
        return fn

    return register


def get(name: str) -> Callable[[GenContext], Any]:
    try:
        return GENERATORS[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; known: {', '.join(sorted(GENERATORS))}") from None


# The generators themselves live beside their runbooks' concerns; importing registers them.
from . import gen_minio, gen_relations, gen_sidecars  # noqa: E402,F401  (registration side effect)
from .istio import generate_runbook  # noqa: E402,F401  (registration side effect)
