"""A resumed session replays a step's generated commands exactly as they were generated: with
their benign rules, expectations and fallbacks, not only their argv (the generator is not asked
again: the cluster it read has changed since)."""

from __future__ import annotations

import json

import pytest

from steps.record.journal import read
from steps.run import events as ev
from steps.run.generated import command_from_spec, command_spec
from steps.runbook import generators
from steps.runbook.generators import Generated
from steps.runbook.model import BenignRule, Command

from .harness import book, generated_step, make, resume

RUNBOOK = book(generated_step("a", "test-benign-second"))

BENIGN = BenignRule(pattern="already exists", why="it is there already")
SECOND = Command(
    argv=("sh", "-c", "echo 'relation already exists'; exit 1"),
    benign=(BENIGN,),
    expect=(),
    timeout=30.0,
    fallback=(Command(argv=("echo", "fallback")),),
)


@pytest.fixture
def generator():
    calls = {"n": 0}

    def gen(ctx):
        calls["n"] += 1
        return Generated(commands=(("sleep", "1"), SECOND))

    generators.GENERATORS["test-benign-second"] = gen
    yield calls
    del generators.GENERATORS["test-benign-second"]


def test_a_command_spec_round_trips_through_json():
    spec = json.loads(json.dumps(command_spec(SECOND)))
    assert command_from_spec(spec) == SECOND
    assert command_spec(Command(argv=("true",))) == {"argv": ["true"]}


def test_a_resumed_step_replays_its_generated_commands_with_their_rules(tmp_path, generator):
    first = make(RUNBOOK, tmp_path).start()
    first.wait_for(lambda e: isinstance(e, ev.CommandStarted) and e.index == 0)
    first.engine.pause()  # holds before the second command
    first.wait_for(lambda e: isinstance(e, ev.CommandFinished) and e.index == 0)
    first.engine.detach("the operator's SSH connection dropped")
    assert first.join() == "detached"
    generated = [e for e in read(first.directory / "journal.jsonl").events if isinstance(e, ev.Generated)]
    assert generated and generated[0].specs[1]["benign"][0]["pattern"] == "already exists"

    again = resume(first)
    again.engine.resume()
    assert again.start().join() == "succeeded", [
        e for e in again.events if isinstance(e, ev.DecisionRequested)
    ]
    assert generator["n"] == 1, "the generator ran again on resume"
    finished = [e for e in again.of(ev.CommandFinished) if e.index == 1]
    assert finished[0].exit == 1 and finished[0].ok and finished[0].benign == "it is there already"


def test_plain_generated_commands_keep_the_journal_format(tmp_path):
    generators.GENERATORS["test-plain"] = lambda ctx: Generated(commands=(("true",),))
    try:
        h = make(RUNBOOK.replace("test-benign-second", "test-plain"), tmp_path).start()
        assert h.join() == "succeeded"
    finally:
        del generators.GENERATORS["test-plain"]
    records = [json.loads(raw) for raw in (h.directory / "journal.jsonl").read_text().splitlines()]
    (record,) = [r for r in records if r["type"] == "generated"]
    assert "specs" not in record and record["commands"] == [["true"]]
