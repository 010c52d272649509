"""Make the README's screenshots of the istio-ambient runbook from the real app, on the
istio-bookinfo sandbox, headless at 80x24 (App.run_test + pilot), answering every question yes:

    07-istio-start.svg        the start screen with istio-ambient and its scenario
    08-istio-cluster.svg      the finished migration: each namespace ambient, the waypoint ready
    09-istio-generated.svg    `g`: the recommended waypoints and policies Cairn generated and applied

    python screenshots/make_istio_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from steps.run.launch import RunRequest, TargetRequest  # noqa: E402
from tui.app import CairnApp  # noqa: E402
from tui.dialogs.decision import DecisionScreen  # noqa: E402
from tui.dialogs.summary import SummaryScreen  # noqa: E402
from tui.screens.generated import GeneratedFilesScreen  # noqa: E402
from tui.screens.main import MainScreen  # noqa: E402
from tui.screens.start import StartScreen  # noqa: E402

SIZE = (80, 24)


def save(app: CairnApp, name: str, title: str) -> None:
    app.clear_notifications()
    (HERE / name).write_text(app.export_screenshot(title=title), encoding="utf-8")
    print(f"wrote screenshots/{name}")


async def until(pilot, predicate, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {predicate}")
        await pilot.pause(0.05)


async def rehearse() -> None:
    request = RunRequest(runbook="istio-ambient", target=TargetRequest(kind="sandbox", speed=0))
    app = CairnApp(request=request, start_screen=True, ascii_only=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        await pilot.pause(0.3)
        save(app, "07-istio-start.svg", "Cairn: istio-ambient on the istio-bookinfo rehearsal")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, MainScreen | DecisionScreen))
        while not isinstance(app.screen, SummaryScreen):
            if isinstance(app.screen, DecisionScreen):
                await pilot.pause(0.1)
                await pilot.press("y" if app.screen.request.kind in ("confirm", "ask") else "a")
            await pilot.pause(0.1)
        await pilot.press("escape")
        await pilot.pause(3.0)  # one more cluster read after the last step
        save(app, "08-istio-cluster.svg", "Cairn: every namespace ambient, the waypoint ready")
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GeneratedFilesScreen))
        await pilot.pause(0.3)
        save(app, "09-istio-generated.svg", "Cairn: the generated waypoints and policies (g)")
        await pilot.press("escape", "q")


def main() -> None:
    home = Path(tempfile.gettempdir()) / "cairn-istio-rehearsal"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["CAIRN_HOME"] = str(home)
    for name in ("NO_COLOR", "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        os.environ.pop(name, None)
    try:
        asyncio.run(rehearse())
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
