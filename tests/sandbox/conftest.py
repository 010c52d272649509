"""Fixtures for the sandbox tests: fresh sandboxes, and a shell-like helper to run commands in them.

Every command goes through steps.sandbox.run (in-process) or the sandbox's own bin/ scripts; the
suite-wide tripwire in tests/conftest.py fails any test that reaches a real juju/kubectl/curl.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

import steps.sandbox as sandbox

from .guide_001 import CILIUM, MIGRATION

PROFILES = ("admin", "alice")


class Sandbox:
    def __init__(self, path: Path):
        self.path = path

    def run(
        self,
        command: str | list[str],
        stdin: bytes | None = None,
        env: dict | None = None,
        model: bool = True,
    ) -> tuple[int, str, str]:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if (
            argv[0] == "juju"
            and model
            and "-m" not in argv
            and len(argv) > 1
            and argv[1] not in ("version", "models", "switch")
        ):
            argv += ["-m", "kubeflow"]
        rc, out, err = sandbox.run(argv, self.path, env or {}, stdin=stdin)
        return rc, out.decode(), err.decode()

    def ok(self, command: str | list[str], stdin: bytes | None = None) -> str:
        rc, out, err = self.run(command, stdin=stdin)
        assert rc == 0, f"{command!r} failed ({rc}):\n{out}\n{err}"
        return out

    def json(self, command: str) -> dict:
        import json

        return json.loads(self.ok(command))

    def status(self) -> dict:
        return self.json("juju status --format=json")


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Callable[..., Sandbox]:
    counter = {"n": 0}

    def make(scenario: str = sandbox.DEFAULT_SCENARIO, speed: float = 0.0, faults=()) -> Sandbox:
        counter["n"] += 1
        path = tmp_path / f"sandbox-{counter['n']}"
        sandbox.create(path, scenario, speed=speed, faults=faults)
        return Sandbox(path)

    return make


def guide_commands(platform: str, *, cilium: bool, user_namespaces=PROFILES) -> list[str]:
    """The guide, as an operator types it for this platform and these user namespaces."""
    out = list(CILIUM) if cilium else []
    for command in MIGRATION:
        command = command.replace("{platform}", platform)
        if "<user-namespace>" in command:
            out += [command.replace("<user-namespace>", ns) for ns in user_namespaces]
        else:
            out.append(command)
    return out


def run_guide(sb: Sandbox, commands: list[str]) -> None:
    for command in commands:
        rc, out, err = sb.run(command)
        assert rc == 0, f"guide step failed: {command}\nexit {rc}\n{out}\n{err}"


def ambient_ingress(sb: Sandbox) -> None:
    """The sidecar gateway replaced by istio-k8s and istio-ingress-k8s (no routes related yet)."""
    for command in (
        "juju remove-application --no-prompt istio-ingressgateway",
        "juju remove-application --no-prompt istio-pilot",
        "juju deploy istio-k8s --trust --channel 2/edge",
        "juju deploy istio-ingress-k8s --trust --channel 2/edge",
        "juju integrate istio-ingress-k8s istio-k8s",
    ):
        sb.ok(command)
