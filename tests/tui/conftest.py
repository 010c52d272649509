"""Fixtures for the app's tests: engines on a fake target (tests/tui/fakes.py), cleaned up after."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from steps.run.launch import Launched

from . import fakes


@pytest.fixture(autouse=True)
def _quiet_terminal(monkeypatch):
    """No SSH banner and Unicode glyphs, whatever terminal runs the tests."""
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "NO_COLOR", "CAIRN_ASCII"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def launched_factory():
    made: list[Launched] = []

    def make(given: dict | None = None, **kwargs) -> Launched:
        launched = fakes.make_launched(given, **kwargs)
        made.append(launched)
        return launched

    yield make
    for launched in made:  # an engine a failing test left running must not outlive it
        launched.engine.detach("the test ended")
    time.sleep(0.1)
    for launched in made:
        launched.close()


async def wait_for(pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    """Let the app run until `predicate()` holds (the engine works in its own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}")
