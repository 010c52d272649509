"""Run a launched session to its end in a test: any question the engine asks is answered with
abort (and kept, so the test can say which step asked and why)."""

from __future__ import annotations

from collections.abc import Callable

from steps.run import events as ev
from steps.run.launch import Launched


def run_aborting_on_questions(
    launched: Launched, observe: Callable[[ev.Event], None] | None = None
) -> tuple[str, list[ev.DecisionRequested]]:
    """(outcome, the questions asked). `observe` sees every event first (to tamper mid-run)."""
    asked: list[ev.DecisionRequested] = []

    def listen(event: ev.Event) -> None:
        if observe is not None:
            observe(event)
        if isinstance(event, ev.DecisionRequested) and event.kind in ("failed", "wait-timeout"):
            asked.append(event)
            launched.engine.decide(event.id, "abort")

    launched.engine.listener = listen
    try:
        return launched.engine.run(), asked
    finally:
        launched.close()
