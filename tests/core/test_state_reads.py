"""The engine reads the cluster once where nothing can have changed it: a step's verification and
the next step's "already done" check share a read (no command ran between them), while a wait
reads afresh every time it polls and a command always makes the next read fresh."""

from __future__ import annotations

import time

from steps.cluster.state import ClusterState
from steps.run import events as ev

from .harness import Result, book, make, step


def counting():
    reads: list[float] = []

    def state_fn():
        reads.append(time.monotonic())
        return ClusterState(source="fake", read_at=time.time())

    return reads, state_fn


def test_a_verification_and_the_next_check_share_one_read(tmp_path):
    reads, state_fn = counting()
    runbook = book(
        step("a", ["echo a"], "        verify: [thing]\n"),
        step("b", ["echo b"], "        check: [thing]\n"),
    )
    h = make(runbook, tmp_path, state_fn=state_fn, checks={"thing": lambda s, p: Result("passed")}).start()
    assert h.join() == "succeeded"
    # a's verification reads (a command ran); b's check reuses that read, and b is already done.
    assert len(reads) - reads_before_run(h) == 1
    assert [e.display for e in h.of(ev.CommandStarted)] == ["echo a"]


def reads_before_run(h) -> int:
    return 1 if (h.directory / "cluster-state-before.json").exists() else 0


def test_a_command_between_two_reads_makes_the_second_fresh(tmp_path):
    reads, state_fn = counting()
    runbook = book(
        step("a", ["echo a"], "        verify: [thing]\n"),
        step("b", ["echo b"], "        verify: [thing]\n"),
    )
    h = make(runbook, tmp_path, state_fn=state_fn, checks={"thing": lambda s, p: Result("passed")}).start()
    assert h.join() == "succeeded"
    assert len(reads) - reads_before_run(h) == 2


def test_a_wait_polls_afresh(tmp_path):
    reads, state_fn = counting()
    polls = {"n": 0}

    def thing(state, params):
        polls["n"] += 1
        return Result("passed" if polls["n"] >= 4 else "failed", "not yet")

    runbook = book(step("a", ["echo a"], "        wait-for: [thing]\n"))
    h = make(runbook, tmp_path, state_fn=state_fn, checks={"thing": thing}).start()
    assert h.join() == "succeeded"
    assert polls["n"] >= 4 and len(reads) - reads_before_run(h) >= 4
