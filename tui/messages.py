"""Typed messages: the only way engine events (and other thread results) reach the widgets.

The engine calls its listener on its own thread; the listener wraps each event in one of these
and posts it (`post_message` is thread-safe). Command output is the exception by design: it
arrives in batches far too many to post one by one, so it goes through `OutputBuffer` and the
output pane drains that on a timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from steps.cluster.state import ClusterState
    from steps.run import events as ev
    from steps.run.launch import Launched


class EngineEvent(Message):
    """One engine (or journal) event, as it happened; handlers match on `event`'s type."""

    def __init__(self, event: ev.Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # Wait progress comes every poll and only the latest is shown: a newer one still in the
        # queue makes an older one pointless (as toolong coalesces its high-rate messages).
        # Imported here: the start screen's messages come from this module too, before any
        # engine exists, and the events module is not needed to draw it.
        from steps.run import events as ev

        return (
            isinstance(message, EngineEvent)
            and isinstance(self.event, ev.WaitProgress)
            and isinstance(message.event, ev.WaitProgress)
        )


class RunEnded(Message):
    """The engine thread returned (or the watched session stopped being followed)."""

    def __init__(self, outcome: str, error: str = "") -> None:
        super().__init__()
        self.outcome = outcome  # succeeded | failed | aborted | detached | error
        self.error = error


class DriverChanged(Message):
    """Watch mode: whether a Cairn process drives the watched session right now."""

    def __init__(self, driven: bool) -> None:
        super().__init__()
        self.driven = driven


class SessionReady(Message):
    """launch.start (run in a thread) made the session; the main screen can take it."""

    def __init__(self, launched: Launched) -> None:
        super().__init__()
        self.launched = launched


class LaunchFailed(Message):
    """launch.start refused (bad input) or broke; `error` is one line for the operator."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ClusterStateRead(Message):
    """One cluster read finished (in a thread): the state, or why it could not be read."""

    def __init__(self, state: ClusterState | None, error: str = "", took: float = 0.0) -> None:
        super().__init__()
        self.state = state
        self.error = error
        self.took = took


class PlatformDetected(Message):
    """Start screen: what Cairn found the platform to be, and from what."""

    def __init__(self, platform: str, source: str) -> None:
        super().__init__()
        self.platform = platform
        self.source = source
