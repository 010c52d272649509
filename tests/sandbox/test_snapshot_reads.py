"""A cluster-state read answers all its emulated reads from one parse of the sandbox state; those
reads must never change that state, and writes inside a read are refused."""

from __future__ import annotations

import json

import pytest

from steps import sandbox
from steps.cluster import sources
from steps.sandbox import state as sandbox_state


@pytest.mark.parametrize("scenario", sorted(sandbox.SCENARIOS))
def test_a_state_read_does_not_mutate_the_sandbox(tmp_path, scenario):
    directory = tmp_path / "sb"
    sandbox.create(directory, scenario, speed=0)
    with sandbox_state.snapshot(directory):
        held = sandbox_state.load(directory)
        before = json.dumps(held, sort_keys=True)
        state = sources.read_sandbox(directory, "kubeflow", scenario=scenario)
        assert json.dumps(held, sort_keys=True) == before
    if scenario.startswith("istio-"):  # upstream Istio: no Juju, so only juju's reads fail
        assert state.pods and state.namespaces
        assert state.errors and all("juju: command not found" in e for e in state.errors)
    else:
        assert state.apps and not state.errors


def test_writes_inside_a_read_snapshot_are_refused(tmp_path):
    directory = tmp_path / "sb"
    sandbox.create(directory, sandbox.DEFAULT_SCENARIO, speed=0)
    with sandbox_state.snapshot(directory), pytest.raises(AssertionError):
        with sandbox_state.transaction(directory):
            pass
