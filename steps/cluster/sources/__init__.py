"""Where a `ClusterState` comes from: the live cluster, saved files, or the rehearsal sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ...errors import BadInput
from ..state import ClusterState
from .dump import dump
from .files import read_files
from .sandbox import read_sandbox

Kind = Literal["live", "files", "sandbox"]


def read_live(
    model: str = "kubeflow", context: str | None = None, kubeconfig: str | None = None
) -> ClusterState:
    """The live cluster and model (see `live.read_live`); the client libraries load only when asked for."""
    from .live import read_live as read

    return read(model, context, kubeconfig)


def read_state(
    kind: Kind,
    *,
    model: str = "kubeflow",
    context: str | None = None,
    kubeconfig: str | None = None,
    directory: str | Path | None = None,
    sandbox_dir: str | Path | None = None,
    scenario: str = "",
) -> ClusterState:
    """One read of the target. `directory` is for files, `sandbox_dir` for the sandbox.

    Blocking (a live read can take seconds): call it from a worker thread, not a UI loop.
    """
    if kind == "live":
        return read_live(model, context, kubeconfig)
    if kind == "files":
        if directory is None:
            raise BadInput("--from-files needs a directory")
        return read_files(directory)
    if kind == "sandbox":
        if sandbox_dir is None:
            raise BadInput("the sandbox target needs its session's sandbox directory")
        return read_sandbox(sandbox_dir, model, scenario=scenario)
    raise BadInput(f"unknown target {kind!r}: use live, files or sandbox")


__all__ = ["Kind", "dump", "read_files", "read_live", "read_sandbox", "read_state"]
