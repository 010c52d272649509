"""The cluster as the engine sees it: reading its state (an unreadable cluster is a reason to
wait, never to crash), keeping the cluster-state summary files current, and running the named
checks a step gives (`check:` "already done when", `verify:` after its commands, `until:`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from ..checks.result import CheckResult
from ..cluster.state import ClusterState
from ..record import state_summary
from ..record.session import SessionDir
from ..runbook.model import CheckRef
from ..states import CheckPurpose, Level, Verdict
from . import events as ev
from .targets import Target
from .unwind import StepFailed

Emit = Callable[..., None]  # (event, journal=True)
CheckRunner = Callable[..., CheckResult]  # (name, state, params, **args)
SUMMARY_EVERY_SECONDS = 5.0  # how often the cluster-state summary file is rewritten during waits
# A read this recent, with no command started or ended since, is the cluster as it is now: a
# step's verification and the next step's "already done" check share one read.
REUSE_SECONDS = 1.0


class ClusterChecks:
    def __init__(
        self,
        target: Target,
        layout: SessionDir,
        emit: Emit,
        params: Mapping[str, Any],
        late_args: Callable[[Mapping[str, str]], dict[str, str]],
        current_step: Callable[[], str],
        *,
        check_runner: CheckRunner | None = None,
        settle_evaluator: Callable[..., Any] | None = None,
    ):
        self.target, self.layout, self._emit = target, layout, emit
        self.params = params
        self._late_args = late_args  # renders `{captured.X}` in check arguments, known only now
        self._check_runner = check_runner
        self._settle_evaluator = settle_evaluator
        self._current_step = current_step  # named in the notice when a read fails
        self.last_state: ClusterState | None = None
        self._summary_written = -SUMMARY_EVERY_SECONDS
        self.commands_seen = 0  # bumped when a command starts or ends (Engine._emit)
        self._read_at: tuple[float, int] | None = None  # (monotonic time, commands_seen) of last_state

    # --- the cluster's state --------------------------------------------------------------

    def read(self, fresh: bool = False) -> ClusterState | None:
        """The cluster's state; a read under REUSE_SECONDS old with no command since is reused
        unless `fresh` (a wait polls for changes no command makes)."""
        if not fresh and self._reusable():
            return self.last_state
        try:
            state = self.target.read_state()
        except Exception as exc:  # an unreadable cluster is a reason to wait, not to crash
            self._emit(
                ev.Notice(
                    level=Level.WARNING,
                    text=f"reading cluster state failed: {exc}",
                    step_id=self._current_step(),
                ),
                journal=False,
            )
            return None
        self.last_state = state
        now = time.monotonic()
        self._read_at = (now, self.commands_seen)
        if now - self._summary_written >= SUMMARY_EVERY_SECONDS:
            self._summary_written = now
            self.write_summary(state)
        return state

    def _reusable(self) -> bool:
        if self._read_at is None or self.last_state is None:
            return False
        at, seen = self._read_at
        return seen == self.commands_seen and time.monotonic() - at < REUSE_SECONDS

    def read_quietly(self) -> ClusterState | None:
        if self._reusable():
            return self.last_state
        try:
            return self.target.read_state()
        except Exception:  # noqa: BLE001 - the summary is a courtesy; the run is over
            return self.last_state

    def write_summary(self, state: ClusterState | None) -> None:
        if state is None:
            return
        try:
            state_summary.write(self.layout.path, state)
        except OSError as exc:
            self._emit(
                ev.Notice(level=Level.WARNING, text=f"could not save the cluster-state summary: {exc}"),
                journal=False,
            )

    # --- checks ---------------------------------------------------------------------------

    def run(self, ref: CheckRef, state: ClusterState) -> CheckResult:
        """A named check, raw (used by waits, which journal only what changed)."""
        if self._check_runner is None:
            from ..checks import run_check  # the checks' registry is loaded only when a run checks

            self._check_runner = run_check
        return self._check_runner(ref.name, state, self.params, **self._late_args(ref.args))

    def settle(self, state: ClusterState, apps: list[str]) -> Any:
        if self._settle_evaluator is None:
            from ..checks import evaluate_settle

            self._settle_evaluator = evaluate_settle
        return self._settle_evaluator(state, apps)

    def evaluate(
        self, step_id: str, purpose: CheckPurpose, ref: CheckRef, state: ClusterState
    ) -> CheckResult:
        """A named check, journaled; one that cannot run (or raises) fails, never ends the run."""
        try:
            result = self.run(ref, state)
        except StepFailed as exc:
            result = CheckResult(ref.name, Verdict.FAILED, str(exc))
        except Exception as exc:  # a check must never take the run down
            result = CheckResult(ref.name, Verdict.FAILED, f"the check raised {exc!r}")
        self._emit(
            ev.CheckEvaluated(
                step_id=step_id,
                purpose=purpose,
                name=ref.shown(),
                status=result.status,
                message=result.message,
                fix=result.fix,
                details=tuple(result.details),
            )
        )
        return result

    def all_pass(
        self, step_id: str, purpose: CheckPurpose, refs: tuple[CheckRef, ...]
    ) -> list[CheckResult] | None:
        """Each check's result when every one passed; None when one did not (or no state)."""
        state = self.read()
        if state is None:
            return None
        results = [self.evaluate(step_id, purpose, ref, state) for ref in refs]
        return results if all(r.status == Verdict.PASSED for r in results) else None

    def verify(self, step_id: str, refs: tuple[CheckRef, ...]) -> None:
        """After a step's commands: raises StepFailed naming every check that failed."""
        if not refs:
            return
        state = self.read()
        if state is None:
            raise StepFailed("cluster state could not be read for verification")
        results = [(ref, self.evaluate(step_id, CheckPurpose.VERIFY, ref, state)) for ref in refs]
        failed = [(ref, r) for ref, r in results if r.status == Verdict.FAILED]
        if failed:
            raise StepFailed("; ".join(f"{ref.shown()}: {r.message}" for ref, r in failed))
