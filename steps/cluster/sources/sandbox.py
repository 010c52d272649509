"""The sandbox source: the same read commands as a dump, answered by the sandbox's emulators
in-process (`steps.sandbox.run`), and parsed by the same parsers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from ..state import ClusterState
from .capture import run_reads, state_from_runs

# steps.sandbox.run(argv, sandbox_dir, env=None) -> (exit code, stdout, stderr)
SandboxRun = Callable[..., tuple[int, bytes, bytes]]


def _sandbox_run() -> SandboxRun:
    from ... import sandbox

    return sandbox.run


def read_sandbox(
    sandbox_dir: str | Path,
    model: str = "kubeflow",
    *,
    run: SandboxRun | None = None,
    env: Mapping[str, str] | None = None,
    scenario: str = "",
) -> ClusterState:
    directory = Path(sandbox_dir)
    if env is None and run is None:  # one copy of os.environ for the fifty reads, not one each
        env = dict(os.environ)
    call = run or _sandbox_run()
    shared = _shared_read(directory) if run is None else nullcontext()

    def runner(argv: Sequence[str]) -> tuple[int, bytes, bytes]:
        try:
            return call(list(argv), directory, env)
        except Exception as exc:  # an emulator bug is one failed read, not a crashed app
            return 1, b"", f"sandbox: {type(exc).__name__}: {exc}".encode()

    with shared:
        runs = list(run_reads(runner, model))
    return state_from_runs(runs, f"sandbox:{scenario or directory.name}")


def _shared_read(directory: Path) -> AbstractContextManager[None]:
    """All the reads of one state read answered from one parse of the sandbox's state."""
    from ... import sandbox

    try:
        return sandbox.reading(directory)
    except Exception:  # noqa: BLE001 - a missing sandbox is reported by the reads themselves
        return nullcontext()
