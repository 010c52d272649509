"""Waiting for the cluster: a step's `settle:` (its apps active and idle) and `until:` (named
checks), polled until the condition has held for the target's stable time. The operator may
skip, override or abort meanwhile; a wait that runs out of time asks whether to keep waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..cluster.state import ClusterState
from ..runbook.plan import Plan, PlannedStep
from ..states import Choice, DecisionKind, Verdict, WaitOutcome
from . import events as ev
from .checking import ClusterChecks
from .controls import Controls
from .targets import Target
from .unwind import RunAborted, StepSkipped

Emit = Callable[..., None]  # (event, journal=True)
Pending = Callable[[ClusterState], tuple[str, ...] | None]  # what is not there yet; None once it is


class Waiter:
    def __init__(
        self,
        plan: Plan,
        target: Target,
        controls: Controls,
        cluster: ClusterChecks,
        emit: Emit,
        settle_timeout: float | None,
    ):
        self.plan, self.target, self.controls, self.cluster = plan, target, controls, cluster
        self._emit = emit
        self.timeout = settle_timeout or plan.runbook.settle_timeout
        if target.wait_limit is not None:
            self.timeout = min(self.timeout, target.wait_limit)

    def wait(self, step: PlannedStep) -> None:
        if step.settle:
            self.until(
                step, f"settle: {', '.join(step.settle)}", lambda state: self._unsettled(state, step.settle)
            )
        if step.wait_for:
            what = "until: " + ", ".join(r.shown() for r in step.wait_for)
            self.until(step, what, lambda state: self._not_yet(step, state))

    def _unsettled(self, state: ClusterState, apps: tuple[str, ...]) -> tuple[str, ...] | None:
        report = self.cluster.settle(state, list(apps))
        return None if report.settled else tuple(report.lines) or ("not settled",)

    def _not_yet(self, step: PlannedStep, state: ClusterState) -> tuple[str, ...] | None:
        lines: list[str] = []
        for ref in step.wait_for:
            result = self.cluster.run(ref, state)
            if result.status == Verdict.FAILED:
                lines.append(f"{ref.shown()}: {result.message}")
                lines.extend(f"  {d}" for d in result.details[:20])
        return tuple(lines) or None

    def until(self, step: PlannedStep, what: str, pending: Pending) -> None:
        timeout = self.timeout
        poll, stable_needed = self.target.settle_poll, self.target.settle_stable
        controls = self.controls
        controls.clear(override_wait=True)
        began = time.monotonic()
        deadline = began + timeout
        stable_since: float | None = None
        last_lines: tuple[str, ...] | None = None

        def finished(outcome: WaitOutcome) -> None:
            self._emit(ev.WaitFinished(step_id=step.id, outcome=outcome, elapsed=time.monotonic() - began))

        while True:
            if controls.abort:
                finished(WaitOutcome.ABORTED)
                raise RunAborted()
            controls.leave_if_detached()
            skipped = controls.take_skip(step.id)
            if skipped is not None:  # a skip given during the wait ends it now, not when it settles
                finished(WaitOutcome.SKIPPED)
                raise StepSkipped(skipped)
            if controls.override_wait:
                finished(WaitOutcome.OVERRIDDEN)
                self._emit(
                    ev.DecisionMade(
                        id=0,
                        kind=DecisionKind.WAIT_OVERRIDE,
                        step_id=step.id,
                        choice=Choice.OVERRIDE,
                        reason="the operator went on without waiting",
                    )
                )
                return
            state = self.cluster.read(fresh=True)
            lines = pending(state) if state is not None else ("cluster state could not be read",)
            now = time.monotonic()
            if lines is None:
                stable_since = stable_since or now
                if now - stable_since >= stable_needed:
                    self._emit(
                        ev.WaitFinished(step_id=step.id, outcome=WaitOutcome.SETTLED, elapsed=now - began)
                    )
                    return
            else:
                stable_since = None
            shown = lines or ("settled; confirming it stays so",)
            self._emit(
                ev.WaitProgress(
                    step_id=step.id,
                    what=what,
                    lines=shown,
                    elapsed=now - began,
                    stable_for=(now - stable_since) if stable_since else 0.0,
                    timeout=timeout,
                ),
                journal=shown != last_lines,
            )
            last_lines = shown
            if now >= deadline:
                choice, _ = controls.ask(
                    DecisionKind.WAIT_TIMEOUT,
                    step.id,
                    f"{what} did not finish in {timeout:.0f} s. Keep waiting, go on anyway, or abort?",
                    (Choice.WAIT, Choice.OVERRIDE, Choice.ABORT),
                    shown,
                )
                if choice == Choice.ABORT:
                    raise RunAborted()
                if choice == Choice.OVERRIDE:
                    self._emit(
                        ev.WaitFinished(step_id=step.id, outcome=WaitOutcome.OVERRIDDEN, elapsed=now - began)
                    )
                    return
                deadline = time.monotonic() + timeout
            controls.sleep(max(poll, 0.01))
