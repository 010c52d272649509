"""A generator that refuses (ValueError) fails its step like a failed command — retry, skip or
abort — instead of ending the engine's thread with a traceback."""

from __future__ import annotations

import pytest

from steps.run import events as ev
from steps.runbook import generators
from steps.runbook.generators import Generated

from .harness import book, generated_step, make, step

RUNBOOK = book(generated_step("a", "test-refuses-once"), step("b", ["echo after"]))


@pytest.fixture
def refuses_once():
    calls = {"n": 0}

    def gen(ctx):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("the cluster has a blocker")
        return Generated(commands=(("echo", "generated"),))

    generators.GENERATORS["test-refuses-once"] = gen
    yield calls
    del generators.GENERATORS["test-refuses-once"]


def test_a_refusing_generator_fails_the_step_and_a_retry_generates_again(tmp_path, refuses_once):
    h = make(RUNBOOK, tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "failed" and request.step_id == "a"
    assert "cannot prepare this step: the cluster has a blocker" in request.prompt
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    assert refuses_once["n"] == 2
    assert [e.display for e in h.of(ev.CommandStarted)] == ["echo generated", "echo after"]


def test_aborting_after_a_refusal_ends_the_run(tmp_path, refuses_once):
    h = make(RUNBOOK, tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(request.id, "abort")
    assert h.join() == "aborted"
    assert not h.of(ev.CommandStarted)
