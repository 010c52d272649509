"""Cluster state: the model (`state`), the parsers of the real tools' output, and the sources.

The names below are loaded on first use (PEP 562): importing `steps.cluster.state` for its
dataclasses — as every check does — must not pull in the parsers, msgspec and the sources, which
`cairn list` and `cairn plan` never need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builder import StateBuilder
    from .errors import StateParseError
    from .sources import read_files, read_live, read_sandbox, read_state
    from .sources.dump import dump  # through `.sources`, mypy takes `dump` for the submodule
    from .state import (
        App,
        ClusterState,
        Container,
        KubeObject,
        ModelInfo,
        Namespace,
        Pod,
        Relation,
        Status,
        Unit,
    )

_WHERE = {
    "StateBuilder": ".builder",
    "StateParseError": ".errors",
    **dict.fromkeys(("dump", "read_files", "read_live", "read_sandbox", "read_state"), ".sources"),
    **dict.fromkeys(
        (
            "App",
            "ClusterState",
            "Container",
            "KubeObject",
            "ModelInfo",
            "Namespace",
            "Pod",
            "Relation",
            "Status",
            "Unit",
        ),
        ".state",
    ),
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "App",
    "ClusterState",
    "Container",
    "KubeObject",
    "ModelInfo",
    "Namespace",
    "Pod",
    "Relation",
    "StateBuilder",
    "StateParseError",
    "Status",
    "Unit",
    "dump",
    "read_files",
    "read_live",
    "read_sandbox",
    "read_state",
]
