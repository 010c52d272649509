"""Fixtures for the app's tests: engines on a fake target (tests/tui/fakes.py), cleaned up after."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

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


async def wait_still(pilot, quiet: float = 0.3, timeout: float = 10.0) -> None:
    """Until two looks `quiet` seconds apart show the same screen: a scrollbar or a highlight can
    land a frame or two after what a test waits for, later still on a loaded machine."""
    deadline = time.monotonic() + timeout
    last = pilot.app.export_screenshot()
    while time.monotonic() < deadline:
        await pilot.pause(quiet)
        now = pilot.app.export_screenshot()
        if now == last:
            return
        last = now
    raise AssertionError(f"the screen was still changing after {timeout:.0f} s")


def footer_keys(screen) -> dict[str, tuple[int, int]]:
    """Each footer key shown, with its left and right edge."""
    from textual.widgets._footer import FooterKey

    return {key.key_display: (key.region.x, key.region.right) for key in screen.query(FooterKey)}


async def wait_for_footer(pilot, keys: Sequence[str], width: int) -> dict[str, tuple[int, int]]:
    """The footer once it shows every one of `keys` within `width` columns. It recomposes its keys
    whenever the bindings refresh (every engine event): a single look can land mid-compose and see
    none, so it is watched until it holds, and the assertion names what it lacked at the end."""
    seen: dict[str, tuple[int, int]] = {}

    def shown() -> bool:
        seen.clear()
        seen.update(footer_keys(pilot.app.screen))
        return all(key in seen and seen[key][1] <= width for key in keys)

    try:
        await wait_for(pilot, shown, timeout=10)
    except AssertionError:
        missing = [key for key in keys if key not in seen or seen[key][1] > width]
        raise AssertionError(f"footer lacks {missing} within {width} columns: {sorted(seen)}") from None
    return dict(seen)
