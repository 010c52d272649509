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

from .. import sandbox
from ..errors import BadInput

if TYPE_CHECKING:  # the cluster parsers load when a state is read, not when the CLI starts
    from ..cluster.state import ClusterState

# The rest of the core reaches the rehearsal sandbox only through this module (an import-linter
# contract in pyproject.toml holds it), so the sandbox stays a target like the others.
DEFAULT_SANDBOX_SCENARIO = sandbox.DEFAULT_SCENARIO
DEFAULT_STATE_REFRESH = 10.0  # seconds between the front end's reads of a real cluster


def sandbox_scenarios() -> dict[str, str]:
    """The rehearsal scenarios, name -> one line about it, the default first."""
    return dict(sandbox.SCENARIOS)


def scenarios_for(runbook_id: str) -> list[str]:
    """The scenarios that rehearse this runbook."""
    return list(sandbox.scenarios_for(runbook_id))


def default_scenario_for(runbook_id: str) -> str:
    """The scenario a runbook rehearses on when none is named (upstream Istio is not CKF)."""
    return sandbox.default_scenario_for(runbook_id)


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

    @property
    def wait_limit(self) -> float | None:
        """The longest a wait may last here before it times out and asks, whatever the runbook's
        settle timeout says (None: the runbook's)."""

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

    @property
    def wait_limit(self) -> float | None:
        # At speed 0 the sandbox changes only when a command changes it: a wait that has not
        # settled within a few reads never will, so it asks at once instead of polling for the
        # runbook's half hour.
        return 2.0 if self.speed == 0 else None

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
        from ..cluster import sources

        return sources.read_sandbox(self.directory, self.model, scenario=self.scenario)


@dataclass
class LiveTarget:
    """The real cluster. Every command is pinned to the cluster the checks read: kubectl gets
    `--context CONTEXT`, juju's `-m MODEL` becomes `-m CONTROLLER:MODEL` and `JUJU_CONTROLLER` is
    set for generated commands, so switching the kubeconfig's or juju's current context while the
    run goes on changes nothing."""

    model: str = "kubeflow"
    context: str | None = None
    controller: str = ""
    cluster: str = ""  # the kubeconfig cluster of `context`, and its API server
    server: str = ""
    kind: str = "live"
    runs_commands: bool = True
    state_refresh: float = DEFAULT_STATE_REFRESH
    settle_poll: float = 5.0
    settle_stable: float = 15.0  # juju-wait's idle confirmation, with a margin
    wait_limit: float | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "live",
            "model": self.model,
            "context": self.context or "",
            "controller": self.controller,
            "cluster": self.cluster,
            "server": self.server,
        }

    def scope(self) -> list[str]:
        """What a live run changes, for the question asked before it starts."""
        kubernetes = (
            f"Kubernetes: context {self.context or '(none)'}"
            + (f", cluster {self.cluster}" if self.cluster else "")
            + (f" at {self.server}" if self.server else "")
        )
        if not self.model:  # a runbook without a Juju model (upstream Istio)
            return [kubernetes]
        return [kubernetes, f"Juju: controller {self.controller or '(the current one)'}, model {self.model}"]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.controller:
            env["JUJU_CONTROLLER"] = self.controller
        return env

    def pin(self, argv: Sequence[str]) -> tuple[str, ...]:
        """One command, aimed at this target's cluster and controller."""
        out = list(argv)
        if not out:
            return ()
        tool = os.path.basename(out[0])
        if (
            tool == "kubectl"
            and self.context
            and not any(a == "--context" or a.startswith("--context=") for a in out)
        ):
            out[1:1] = ["--context", self.context]
        elif tool == "juju" and self.controller:
            for i, arg in enumerate(out[:-1]):
                if arg in ("-m", "--model") and ":" not in out[i + 1]:
                    out[i + 1] = f"{self.controller}:{out[i + 1]}"
        return tuple(out)

    def read_state(self) -> ClusterState:
        from ..cluster import sources

        model = f"{self.controller}:{self.model}" if self.controller and self.model else self.model
        return sources.read_live(model, context=self.context)


def kube_context(wanted: str | None = None) -> tuple[str, str, str]:
    """(context, cluster, server) of `wanted` or of the kubeconfig's current context; ("", "", "")
    when there is no kubeconfig. BadInput when `wanted` is not in it."""
    paths = os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    contexts: dict[str, Any] = {}
    clusters: dict[str, Any] = {}
    current = ""
    for path in paths.split(os.pathsep):
        doc = _yaml_file(Path(path))
        current = current or str(doc.get("current-context") or "")
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and isinstance(entry.get("context"), dict):
                contexts.setdefault(str(entry.get("name")), entry["context"])
        for entry in doc.get("clusters") or []:
            if isinstance(entry, dict) and isinstance(entry.get("cluster"), dict):
                clusters.setdefault(str(entry.get("name")), entry["cluster"])
    name = wanted or current
    if not name:
        return "", "", ""
    if name not in contexts:
        if wanted:
            known = ", ".join(sorted(contexts)) or "none"
            raise BadInput(f"--context {wanted!r} is not in the kubeconfig ({paths}); its contexts: {known}")
        return name, "", ""
    cluster = str(contexts[name].get("cluster") or "")
    return name, cluster, str((clusters.get(cluster) or {}).get("server") or "")


def juju_controller() -> str:
    """The controller juju commands would use now: $JUJU_CONTROLLER, else the current one."""
    if os.environ.get("JUJU_CONTROLLER"):
        return os.environ["JUJU_CONTROLLER"]
    data = os.environ.get("JUJU_DATA") or str(Path.home() / ".local" / "share" / "juju")
    return str(_yaml_file(Path(data) / "controllers.yaml").get("current-controller") or "")


def _yaml_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, dict) else {}


@dataclass
class FilesTarget:
    directory: Path
    model: str = "kubeflow"
    kind: str = "files"
    runs_commands: bool = False
    state_refresh: float = DEFAULT_STATE_REFRESH
    settle_poll: float = 0.0
    settle_stable: float = 0.0
    wait_limit: float | None = None

    def describe(self) -> dict[str, Any]:
        return {"kind": "files", "directory": str(self.directory)}

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def read_state(self) -> ClusterState:
        from ..cluster import sources

        return sources.read_files(self.directory)
