"""Make the README's screenshots from the real app: a rehearsal of ckf-1.11-ambient in the sandbox.

It drives the app headless at 80x24 (App.run_test + pilot) the way an operator would: choose the
platform on the start screen, start, confirm the destructive steps, meet an injected failure of
the admission webhook migration and retry it, zoom and wrap the output, skip the check by hand
with a reason, and read the summary. Each moment is written as an SVG beside this script
(App.export_screenshot):

    01-start-platform.svg     the start screen: the platform choice, the suggestion, the plan
    02-confirm-destructive.svg  a destructive step asks first, showing its exact commands
    03-step-running.svg       a step running: its output, the cluster pane, what the engine waits for
    04-failed-retry.svg       the injected failure, asking retry / skip / abort
    05-finished.svg           the summary after the migration succeeded
    06-finished-plan.svg      the whole plan folded at 120x40, with the ambient health rows
    07-zoom-wrap.svg          the output pane zoomed to the whole screen (z), long lines wrapped (w)

    python screenshots/make_screenshots.py [--speed S]
"""

from __future__ import annotations

import argparse
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
from tui.screens.main import MainScreen  # noqa: E402
from tui.screens.start import StartScreen  # noqa: E402

SIZE = (80, 24)
FAULT = ("migrate-admission-webhook", "fail-once")
RUNNING_STEP = "deploy-istio-k8s"  # shown while it waits for istio-k8s to settle
SKIPPED_STEP = "verify-by-hand"  # skipped with a reason: the tree and summary show it apart
SKIP_REASON = "checked in the dashboard by the product owner (CHG-1234)"
WIDE = (120, 40)


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


async def rehearse(speed: float) -> None:
    request = RunRequest(
        runbook="ckf-1.11-ambient",
        target=TargetRequest(kind="sandbox", scenario="ckf-1.11-canonical-k8s", speed=speed, faults=[FAULT]),
    )
    app = CairnApp(request=request, start_screen=True, ascii_only=False)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        await pilot.pause(0.3)
        app.screen.query_one("PlatformChoice").focus()
        await pilot.pause(0.2)
        save(app, "01-start-platform.svg", "Cairn: choose the platform, read the plan")

        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, MainScreen | DecisionScreen))
        shot = {"confirm": False, "running": False, "failed": False, "zoom": False}
        while True:
            screen = app.screen
            if isinstance(screen, SummaryScreen):
                break
            if isinstance(screen, DecisionScreen):
                kind = screen.request.kind
                await pilot.pause(0.3)
                if kind == "confirm" and not shot["confirm"]:
                    shot["confirm"] = True
                    save(app, "02-confirm-destructive.svg", "Cairn: a destructive step asks first")
                if kind == "failed":
                    shot["failed"] = True
                    save(app, "04-failed-retry.svg", "Cairn: a step failed (injected fault)")
                    await pilot.press("r")
                elif kind == "ask" and screen.request.step_id == SKIPPED_STEP:
                    await pilot.press("s")
                    await pilot.pause(0.2)
                    await pilot.press(*SKIP_REASON, "enter")
                elif kind in ("confirm", "ask"):
                    await pilot.press("y")
                else:
                    await pilot.press("w")
                await pilot.pause(0.2)
                continue
            main = app.screen_stack[1]
            wait = main.view.last_wait if isinstance(main, MainScreen) else None
            if not shot["running"] and wait is not None and wait.step_id == RUNNING_STEP and wait.elapsed > 1:
                await pilot.pause(0.5)
                shot["running"] = True
                save(app, "03-step-running.svg", "Cairn: a step running, waiting for its apps to settle")
            if shot["running"] and not shot["zoom"] and isinstance(main, MainScreen) and app.screen is main:
                shot["zoom"] = True
                await pilot.press("z", "w")
                await pilot.pause(0.5)
                save(app, "07-zoom-wrap.svg", "Cairn: the output zoomed (z), long lines wrapped (w)")
                await pilot.press("w", "z")
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        save(app, "05-finished.svg", "Cairn: the migration finished")
        await pilot.press("escape")
        await pilot.resize_terminal(*WIDE)
        await pilot.pause(1.0)
        save(app, "06-finished-plan.svg", "Cairn: every phase done, the ambient health of the cluster")
        missing = [k for k, done in shot.items() if not done]
        if missing:
            print(f"note: no screenshot of {', '.join(missing)} in this run")
        await pilot.press("q")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=0.2, help="sandbox settle delay scale (0 = instant)")
    args = parser.parse_args()
    try:
        import steps.sandbox  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"the rehearsal sandbox is not available ({exc})") from None
    # A fixed, readable place for the session (its path shows on the summary), emptied before and after.
    home = Path(tempfile.gettempdir()) / "cairn-rehearsal"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["CAIRN_HOME"] = str(home)
    for name in ("NO_COLOR", "SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        os.environ.pop(name, None)
    try:
        asyncio.run(rehearse(args.speed))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
