"""Targets: where the runbook's commands run and where cluster state is read from.

- sandbox (the default): the rehearsal deployment; its `juju`/`kubectl`/`curl` emulators go first
  on PATH for the session's commands, and state is read from it in-process.
- live (`--live`, asked for by a person): the real tools on PATH; state through the kubernetes and
  juju Python libraries.
- files (`--from-files DIR`): saved dumps, read-only; no command can run against it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from . import sandbox
from .errors import BadInput

if TYPE_CHECKING:  # the cluster parsers load when a state is read, not when the CLI starts
    from .cluster.state import ClusterState

# The rest of the core reaches the rehearsal sandbox only through this module (an import-linter
# contract in pyproject.toml holds it), so the sandbox stays a target like the others.
DEFAULT_SANDBOX_SCENARIO = sandbox.DEFAULT_SCENARIO
DEFAULT_STATE_REFRESH = 10.0  # seconds between the front end's reads of a real cluster


def sandbox_scenarios() -> dict[str, str]:
    """The rehearsal scenarios, name -> one line about it, the default first."""
    return dict(sandbox.SCENARIOS)


def sandbox_scenario(name: str) -> str:
    """The scenario a request names ("" for the default); BadInput naming the choices if unknown."""
    try:
        return sandbox.scenario_named(name or sandbox.DEFAULT_SCENARIO)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


class Target(Protocol):
    # Read-only: a target may compute them (the sandbox's follow its speed).
    @property
    def kind(self) -> str: ...
    @property
    def runs_commands(self) -> bool: ...
    @property
    def settle_poll(self) -> float:
        """Seconds between state reads while waiting."""
    @property
    def settle_stable(self) -> float:
        """How long apps must stay settled before the engine moves on."""
    @property
    def state_refresh(self) -> float:
        """Seconds between the front end's cluster reads (a live read is slow)."""

    def describe(self) -> dict[str, Any]: ...
    def env(self) -> dict[str, str]: ...
    def read_state(self) -> ClusterState: ...


@dataclass
class SandboxTarget:
    directory: Path  # the session's sandbox/ directory
    scenario: str
    model: str = "kubeflow"
    speed: float = 1.0
    faults: Sequence[tuple[str, str]] = ()
    kind: str = "sandbox"
    runs_commands: bool = True
    state_refresh: float = 2.0  # an in-process read: cheap

    @property
    def settle_poll(self) -> float:
        return 0.0 if self.speed == 0 else min(2.0, 0.5 * self.speed + 0.2)

    @property
    def settle_stable(self) -> float:
        return 0.0 if self.speed == 0 else 1.0 * self.speed

    def create(self) -> None:
        try:
            sandbox.create(self.directory, self.scenario, speed=self.speed, faults=list(self.faults))
        except ValueError as exc:
            raise BadInput(str(exc)) from None

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "sandbox",
            "scenario": self.scenario,
            "speed": self.speed,
            "faults": [f"{s}:{k}" for s, k in self.faults],
            "directory": str(self.directory),
        }

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(sandbox.environ(self.directory))
        return env

    def read_state(self) -> ClusterState:
        from .cluster import sources

        return sources.read_sandbox(self.directory, self.model, scenario=self.scenario)


@dataclass
class LiveTarget:
    model: str = "kubeflow"
    context: str | None = None
    kind: str = "live"
    runs_commands: bool = True
    state_refresh: float = DEFAULT_STATE_REFRESH
    settle_poll: float = 5.0
    settle_stable: float = 15.0  # juju-wait's idle confirmation, with a margin

    def describe(self) -> dict[str, Any]:
        return {"kind": "live", "model": self.model, "context": self.context or ""}

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def read_state(self) -> ClusterState:
        from .cluster import sources

        return sources.read_live(self.model, context=self.context)


@dataclass
class FilesTarget:
    directory: Path
    model: str = "kubeflow"
    kind: str = "files"
    runs_commands: bool = False
    state_refresh: float = DEFAULT_STATE_REFRESH
    settle_poll: float = 0.0
    settle_stable: float = 0.0

    def describe(self) -> dict[str, Any]:
        return {"kind": "files", "directory": str(self.directory)}

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def read_state(self) -> ClusterState:
        from .cluster import sources

        return sources.read_files(self.directory)
