"""Engine events reach the screens as typed EngineEvent messages; wait progress coalesces."""

from __future__ import annotations

from steps.run import events as ev
from tui.app import CairnApp
from tui.dialogs.summary import SummaryScreen
from tui.messages import EngineEvent, LaunchFailed

from .conftest import wait_for
from .test_app_run import journal


def test_only_a_newer_wait_progress_supersedes_a_queued_one():
    progress = EngineEvent(ev.WaitProgress(step_id="a", what="settle: x"))
    newer = EngineEvent(ev.WaitProgress(step_id="a", what="settle: x", elapsed=1.0))
    finished = EngineEvent(ev.WaitFinished(step_id="a", outcome="settled"))
    assert progress.can_replace(newer)
    assert not progress.can_replace(finished) and not finished.can_replace(progress)
    assert not EngineEvent(ev.Resumed()).can_replace(EngineEvent(ev.Resumed()))
    assert not hasattr(LaunchFailed("no"), "bad_input")


async def test_every_journaled_event_arrives_as_a_typed_message(launched_factory):
    launched = launched_factory(yes=True)
    app = CairnApp(launched=launched)
    seen: list[ev.Event] = []

    def hook(message) -> None:
        # The hook sees a message at each node it reaches (the screen, then the app it bubbles to).
        if not isinstance(message, EngineEvent) or isinstance(message.event, ev.WaitProgress):
            return
        if not any(e is message.event for e in seen):
            seen.append(message.event)

    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen), what="the summary")
        app.feed.join(10)
    journaled = [r["type"] for r in journal(launched) if r["type"] != "wait.progress"]
    assert seen and seen[-1].type == "run.finished"
    assert [e.type for e in seen] == journaled[-len(seen) :]
    before = journaled[: -len(seen)]  # journaled by launch.start, before the engine ran
    assert before[0] == "session.started" and set(before[1:]) <= {"notice"}
