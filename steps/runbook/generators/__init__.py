"""Generators: commands or file contents computed at run time from the cluster's real state.

A runbook step names one with `generate:` (its commands) or `files:` (a file Cairn writes into the
session before a command reads it, e.g. a manifest for `kubectl apply -f`). What a generator
produced is journaled, so the record shows the exact commands that ran and a later step can undo
them (e.g. restore the relations an earlier step removed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...istio import generate_runbook
from . import minio, relations, sidecars
from .context import GenContext, Generated

Generator = Callable[[GenContext], Any]

# Every generator a runbook can name, by name: registered here, explicitly, from each module's table.
GENERATORS: dict[str, Generator] = {
    **relations.GENERATORS,
    **sidecars.GENERATORS,
    **minio.GENERATORS,
    **generate_runbook.GENERATORS,
}

__all__ = ["GENERATORS", "GenContext", "Generated", "Generator", "get"]


def get(name: str) -> Generator:
    try:
        return GENERATORS[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; known: {', '.join(sorted(GENERATORS))}") from None
