"""The words of a run, defined once: step states, how steps, commands, waits and runs end, the
operator's decisions and choices, check verdicts.

They are `StrEnum`s: each member is the very string the journal has always held, so journals stay
byte-identical and old journals read back unchanged, while code names a state instead of spelling
it. Front ends map these to their own marks and colours (tui/look.py, steps/record/export.py).
"""

from __future__ import annotations

from enum import StrEnum


class StepState(StrEnum):
    """A step's state as the view, the screens, the summary and the export name it."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    DONE = "already done"  # its check passed, so its commands did not run
    INTERRUPTED = "interrupted"
    ABORTED = "aborted"
    ASSUMED = "assumed"  # a check by hand that --yes answered: nobody looked, so neither ok nor skipped

    @property
    def final(self) -> bool:
        """The step is behind the run: nothing more happens to it unless the operator asks."""
        return self in FINAL_STATES


FINAL_STATES = frozenset({StepState.SUCCEEDED, StepState.SKIPPED, StepState.DONE, StepState.ASSUMED})


class StepEnd(StrEnum):
    """How a `step.finished` event says a step ended: the journal's words for a `StepState`.

    A step found already done is journaled as "done" (the format since the first journal); the
    view shows it as "already done". `state` is the one translation between the two.
    """

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    DONE = "done"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"
    ASSUMED = "assumed"

    @property
    def state(self) -> StepState:
        return StepState.DONE if self is StepEnd.DONE else StepState(self.value)


class RunOutcome(StrEnum):
    """How a run ended (`run.finished`), or `DETACHED` when the front end left mid-run."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    DETACHED = "detached"  # the engine's outcome only: a detached run writes no run.finished


class CommandEnd(StrEnum):
    """Why a command stopped (`command.finished` reason)."""

    EXITED = "exited"
    TIMEOUT = "timeout"
    ABORTED = "aborted"
    NOT_STARTED = "not-started"
    LOST = "lost"
    KILLED = "killed"  # the operator killed it ("kill this command")


class WaitOutcome(StrEnum):
    """How a wait for apps to settle (or checks to pass) ended."""

    SETTLED = "settled"
    OVERRIDDEN = "overridden"
    TIMED_OUT = "timed-out"
    ABORTED = "aborted"
    SKIPPED = "skipped"  # the operator skipped the step while it waited


class DecisionKind(StrEnum):
    """What the engine asks the operator."""

    CONFIRM = "confirm"  # a destructive step, before it runs
    ASK = "ask"  # a step that asks before it runs
    FAILED = "failed"  # a step failed: retry, skip or abort
    WAIT_TIMEOUT = "wait-timeout"  # a wait timed out: keep waiting, override or abort
    WAIT_OVERRIDE = "wait-override"  # not asked: the operator went on while the engine waited

    @property
    def answered_by_yes(self) -> bool:
        """`--yes` answers it by itself (it never retries a failure blindly)."""
        return self in (DecisionKind.CONFIRM, DecisionKind.ASK)


class Choice(StrEnum):
    """The operator's answers to a decision."""

    YES = "yes"
    NO = "no"  # a check by hand that did not pass: the step fails
    SKIP = "skip"
    ABORT = "abort"
    RETRY = "retry"
    WAIT = "wait"
    OVERRIDE = "override"


class Verdict(StrEnum):
    """A check's result."""

    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"


class CheckPurpose(StrEnum):
    """Why a step evaluated a check."""

    CHECK = "check"  # is the step already done?
    VERIFY = "verify"  # did the step work?
    WAIT = "wait"  # may the run go on?


class Level(StrEnum):
    """A notice's weight."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
