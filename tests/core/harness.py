"""Drive the engine in tests: a runbook from YAML text, a fake target, events collected."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from steps.cluster.state import ClusterState
from steps.record import session
from steps.record.journal import JournalWriter
from steps.record.view import SessionView
from steps.run import events as ev
from steps.run import launch
from steps.run.engine import Engine, EngineOptions
from steps.runbook import params, plan, registry


@dataclass
class FakeTarget:
    """Commands run for real (plain POSIX tools); cluster state comes from `state_fn`."""

    state_fn: object = None
    kind: str = "fake"
    runs_commands: bool = True
    settle_poll: float = 0.01
    settle_stable: float = 0.0
    wait_limit: float | None = None
    state_refresh: float = 10.0

    def describe(self):
        return {"kind": "fake"}

    def env(self):
        return dict(os.environ)

    def read_state(self):
        if self.state_fn is not None:
            return self.state_fn()
        return ClusterState(source="fake", read_at=time.time())


@dataclass
class Result:
    status: str
    message: str = ""
    fix: str = ""
    details: tuple = ()
    name: str = ""


@dataclass
class Settle:
    settled: bool
    lines: tuple = ()


@dataclass
class Harness:
    engine: Engine
    directory: Path
    events: list = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> Harness:
        self.thread = threading.Thread(target=self.engine.run, daemon=True)
        self.thread.start()
        return self

    def join(self, timeout: float = 30) -> str:
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the engine did not finish"
        return self.engine.outcome

    def wait_for(self, predicate, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for e in list(self.events[seen:]):
                seen += 1
                if predicate(e):
                    return e
            time.sleep(0.01)
        raise AssertionError(f"no matching event; got {[type(e).__name__ for e in self.events][-15:]}")

    def of(self, kind):
        return [e for e in self.events if isinstance(e, kind)]

    def journal_types(self):
        from steps.record.journal import read

        return [e.type for e in read(self.directory / "journal.jsonl").events]


def make(
    yaml_text: str,
    tmp_path: Path,
    *,
    given=None,
    yes=False,
    checks=None,
    settle=None,
    state_fn=None,
    settle_timeout=None,
    on_failure="ask",
) -> Harness:
    path = tmp_path / "runbook.yaml"
    path.write_text(yaml_text)
    rb = registry.load_file(path, validate_checks=False)
    values = params.resolve(rb, given or {})
    p = plan.resolve(rb, values)
    sid, directory = session.create()
    journal = JournalWriter(directory / "journal.jsonl")
    started = ev.SessionStarted(
        session_id=sid,
        runbook=rb.id,
        runbook_title=rb.title,
        runbook_file=str(path),
        params=values.as_dict(),
        target={"kind": "fake"},
        outline=launch.outline(p),
    )
    journal.write(started)
    view = SessionView.build([started])
    h = Harness(engine=None, directory=directory)  # type: ignore[arg-type]

    def check_runner(name, state, prm, **args):
        fn = (checks or {}).get(name)
        return fn(state, prm, **args) if fn else Result("passed", name=name)

    def settle_eval(state, apps):
        return settle(state, apps) if settle else Settle(True)

    h.engine = Engine(
        p,
        directory,
        journal,
        FakeTarget(state_fn=state_fn),
        listener=h.events.append,
        options=EngineOptions(yes=yes, settle_timeout=settle_timeout, on_failure=on_failure),
        check_runner=check_runner,
        settle_evaluator=settle_eval,
        resume_view=view,
    )
    return h


def resume(h: Harness, *, yes: bool = False, checks=None) -> Harness:
    """A new engine on the same session, from its journal, as `cairn resume` builds it."""
    from steps.record.journal import read

    path = h.directory / "journal.jsonl"
    view = SessionView.build(read(path).events)
    journal = JournalWriter(path)
    again = Harness(engine=None, directory=h.directory)  # type: ignore[arg-type]

    def check_runner(name, state, prm, **args):
        fn = (checks or {}).get(name)
        return fn(state, prm, **args) if fn else Result("passed", name=name)

    again.engine = Engine(
        h.engine.plan,
        h.directory,
        journal,
        FakeTarget(),
        listener=again.events.append,
        options=EngineOptions(yes=yes),
        check_runner=check_runner,
        settle_evaluator=lambda s, a: Settle(True),
        resume_view=view,
    )
    return again


HEADER = """cairn-runbook: 1
id: t
title: test
params:
  - name: model
    default: kubeflow
"""


def book(*steps: str) -> str:
    """A one-phase runbook of the given steps (each from `step`)."""
    return HEADER + "phases:\n  - id: p\n    title: Phase\n    steps:\n" + "\n".join(steps)


def generated_step(sid: str, generator: str) -> str:
    """A step whose commands the named generator makes."""
    return f"""      - id: {sid}
        title: Generated
        doc: a step whose commands a generator makes
        generate: {generator}
"""


def step(sid: str, run: list[str], extra: str = "") -> str:
    """A step running `run`, with `extra` YAML lines (indented 8) appended."""
    cmds = "\n".join(f"          - {c}" for c in run)
    return f"""      - id: {sid}
        title: Step {sid}
        doc: test step {sid}
        run:
{cmds}
{extra}"""
