"""Cluster state: the model (`state`), the parsers of the real tools' output, and the sources."""

from .builder import StateBuilder
from .errors import StateParseError
from .sources import dump, read_files, read_live, read_sandbox, read_state
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
