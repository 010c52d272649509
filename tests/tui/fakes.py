"""Test doubles for the app: a target that reads a saved cluster, checks that always agree, an
engine built like launch.start builds one, and a scripted engine for deterministic snapshots."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from steps import __version__
from steps.cluster import read_files
from steps.cluster.state import ClusterState
from steps.record import session
from steps.record.journal import JournalWriter
from steps.record.redact import Redactor
from steps.record.view import SessionView
from steps.run import events as ev
from steps.run.engine import Engine, EngineOptions
from steps.run.launch import Launched, outline
from steps.runbook import params as params_mod
from steps.runbook import plan as plan_mod
from steps.runbook import registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUNBOOK = FIXTURES / "runbooks" / "tui-rehearsal.yaml"
CLUSTER = FIXTURES / "cluster" / "ckf-1.11-microk8s"
_STATE: list[ClusterState] = []


def saved_state() -> ClusterState:
    if not _STATE:
        _STATE.append(read_files(CLUSTER))
    return _STATE[0]


@dataclass
class FakeTarget:
    """Looks like a sandbox target to the engine and the app; runs commands as they are."""

    kind: str = "sandbox"
    runs_commands: bool = True
    settle_poll: float = 0.02
    settle_stable: float = 0.0
    wait_limit: float | None = None
    state_refresh: float = 2.0  # as the sandbox it stands for
    scenario: str = "ckf-1.11-microk8s"
    read_at: float | None = None  # fixed for snapshots
    reads: int = 0

    def describe(self) -> dict[str, Any]:
        return {"kind": "sandbox", "scenario": self.scenario, "speed": 0, "faults": [], "directory": "fake"}

    def env(self) -> dict[str, str]:
        import os

        return dict(os.environ)

    def read_state(self) -> ClusterState:
        self.reads += 1
        state = saved_state()
        return dataclasses.replace(
            state,
            read_at=self.read_at if self.read_at is not None else time.time(),
            source=f"sandbox:{self.scenario}",
        )


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    message: str = ""
    fix: str = ""
    details: tuple[str, ...] = ()


def passing_checks(name: str, state: ClusterState, params: Any, **args: str) -> CheckResult:
    return CheckResult(name=name, status="failed" if name.endswith("done") else "passed")


@dataclass
class SlowSettle:
    """Not settled for the first `rounds` reads of each wait, then settled."""

    rounds: int = 3
    calls: dict[tuple[str, ...], int] = field(default_factory=dict)

    def __call__(self, state: ClusterState, apps: list[str]) -> Any:
        key = tuple(apps)
        self.calls[key] = self.calls.get(key, 0) + 1
        settled = self.calls[key] > self.rounds
        lines = () if settled else tuple(f"{a}/0: maintenance - installing charm software" for a in apps)

        @dataclass(frozen=True)
        class Report:
            settled: bool
            lines: tuple[str, ...]

        return Report(settled, lines)


def make_launched(
    given: dict[str, Any] | None = None,
    *,
    yes: bool = False,
    target: FakeTarget | None = None,
    settle: Callable[..., Any] | None = None,
    settle_timeout: float | None = None,
    runbook: Path = RUNBOOK,
) -> Launched:
    """What launch.start returns, with a fake target (no sandbox needed)."""
    rb = registry.find(runbook.stem, runbook_file=runbook)
    values = params_mod.resolve(rb, given or {})
    plan = plan_mod.resolve(rb, values)
    target = target or FakeTarget()
    sid, directory = session.create()
    lock = session.SessionLock(directory)
    lock.acquire()
    journal = JournalWriter(directory / "journal.jsonl", Redactor([]))
    started = ev.SessionStarted(
        session_id=sid,
        runbook=rb.id,
        runbook_title=rb.title,
        runbook_file=str(runbook),
        params=values.as_dict(),
        target=target.describe(),
        operator="tester",
        host="testhost",
        cairn_version=__version__,
        yes=yes,
        outline=outline(plan),
    )
    journal.write(started)
    view = SessionView.build([started])
    engine = Engine(
        plan,
        directory,
        journal,
        target,
        options=EngineOptions(yes=yes, settle_timeout=settle_timeout),
        check_runner=passing_checks,
        settle_evaluator=settle or SlowSettle(rounds=2),
        resume_view=view,
    )
    return Launched(sid, directory, plan, engine, view, journal, lock, target, [])


class ScriptedEngine:
    """Plays a fixed list of events (fixed times) and then waits: deterministic screens."""

    def __init__(self, script: Sequence[ev.Event], outcome: str = "detached"):
        self.script = list(script)
        self.final = outcome
        self.listener: Callable[[ev.Event], None] = lambda _e: None
        self.options = EngineOptions()
        self.outcome = ""
        self.decisions: list[tuple[int, str, str]] = []
        self._stop = threading.Event()
        self.played = threading.Event()
        self.paused = False

    def run(self) -> str:
        for event in self.script:
            self.listener(event)
        self.played.set()
        if self.final == "detached":
            self._stop.wait(120)
        self.outcome = self.final
        return self.outcome

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def skip(self, step_id: str, reason: str) -> None:
        self.decisions.append((0, "skip", reason))

    def decide(self, decision_id: int, choice: str, reason: str = "") -> None:
        self.decisions.append((decision_id, choice, reason))

    def override_wait(self) -> None:
        self.decisions.append((0, "override", ""))

    def abort(self) -> None:
        self._stop.set()

    def detach(self, reason: str) -> None:
        self._stop.set()


class _NoLock:
    def release(self) -> None:
        pass


class _NoJournal:
    def close(self) -> None:
        pass


SNAP_T0 = 1778577300.0  # 2026-05-12 09:15:00 UTC: every snapshot event is timed from here
SNAP_DIR = Path("/var/lib/cairn/sessions/20260512-091500-a1b2")


def scripted_launched(
    script_for: Callable[[Any], list[ev.Event]],
    *,
    outcome: str = "detached",
    given: dict[str, Any] | None = None,
    yes: bool = False,
) -> Launched:
    """A Launched whose engine plays `script_for(plan)`; nothing touches the disk."""
    rb = registry.find(RUNBOOK.stem, runbook_file=RUNBOOK)
    values = params_mod.resolve(rb, given or {})
    plan = plan_mod.resolve(rb, values)
    target = FakeTarget(read_at=SNAP_T0 + 60)
    started = ev.SessionStarted(
        t=SNAP_T0,
        session_id=SNAP_DIR.name,
        runbook=rb.id,
        runbook_title=rb.title,
        params=values.as_dict(),
        target=target.describe(),
        operator="operator",
        host="bastion",
        cairn_version=__version__,
        yes=yes,
        outline=outline(plan),
    )
    view = SessionView.build([started])
    engine = ScriptedEngine(script_for(plan), outcome=outcome)
    engine.options = EngineOptions(yes=yes)
    return Launched(SNAP_DIR.name, SNAP_DIR, plan, engine, view, _NoJournal(), _NoLock(), target, [])  # type: ignore[arg-type]
