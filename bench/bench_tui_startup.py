"""Time from launching the app to its first frame (the aim: within 1 s).

Two ways, each a few runs, median and worst printed:
  headless  a fresh `python` process imports the app and runs it headless (App.run_test); the
            time from spawning the process to the first screen mounted and refreshed.
  tmux      `cairn ...` in a real terminal (tmux, 80x24); the time from starting it to the first
            frame on screen (capture-pane shows something), and to the screen you work in.

    python bench/bench_tui_startup.py [RUNS]
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REHEARSAL = ROOT / "tests" / "fixtures" / "runbooks" / "tui-rehearsal.yaml"

CHILD = """
import asyncio, os, sys, time
sys.path.insert(0, {root!r})
from steps.launch import RunRequest, TargetRequest
from tui.app import CairnApp
from tui.screens.start import StartScreen

async def main():
    app = CairnApp(request=RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest()), start_screen=True)
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, StartScreen):
            await asyncio.sleep(0.001)
        await pilot.pause()
        print(time.time() - float(os.environ["BENCH_T0"]))

asyncio.run(main())
"""


def headless_once(env: dict[str, str]) -> float:
    env = dict(env, BENCH_T0=repr(time.time()))
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise SystemExit(f"headless run failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


_RUNS = itertools.count()


def tmux_once(command: str, ready: str, env: dict[str, str]) -> tuple[float, float]:
    """(first frame, `ready` text on screen) in seconds from starting the command."""
    name = f"cairn-bench-{os.getpid()}-{next(_RUNS)}"  # fresh: a killed session may linger a moment
    for _attempt in range(20):
        # Killing the previous run's session ends the tmux server; a start in that instant fails.
        began = time.time()
        started = subprocess.run(
            ["tmux", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", command],
            env=env,
            capture_output=True,
            text=True,
        )
        if started.returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"tmux could not start a session: {started.stderr.strip()}")
    first = seen = 0.0
    try:
        while time.time() - began < 30:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            now = time.time() - began
            if not first and screen.strip():
                first = now
            if ready in screen:
                seen = now
                break
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    return first, seen


def show(label: str, values: list[float]) -> None:
    if not values or not all(values):
        print(f"  {label:<62} did not show (see the screen by hand)")
        return
    print(f"  {label:<62} median {statistics.median(values):.2f} s, worst {max(values):.2f} s")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as home:
        env = dict(os.environ, CAIRN_HOME=home)
        env.pop("NO_COLOR", None)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {runs} runs each")
        show("headless: process start -> start screen mounted", [headless_once(env) for _ in range(runs)])
        if not shutil.which("tmux"):
            print("  tmux: not installed; skipped")
            return
        venv = ROOT / ".venv" / "bin" / "activate"
        prefix = f"cd {ROOT} && . {venv} && " if venv.exists() else f"cd {ROOT} && "
        start = [tmux_once(prefix + "cairn", "choose what to run", env) for _ in range(runs)]
        show("tmux 80x24: `cairn` -> first frame", [s[0] for s in start])
        show("tmux 80x24: `cairn` -> start screen drawn", [s[1] for s in start])
        run = prefix + f"cairn run tui-rehearsal --runbook {REHEARSAL} --set delay=5 --yes --speed 0"
        main_screen = [tmux_once(run, "Plan", env) for _ in range(runs)]
        show("tmux 80x24: `cairn run … --yes` -> first frame", [s[0] for s in main_screen])
        show("tmux 80x24: `cairn run … --yes` -> main screen (sandbox made)", [s[1] for s in main_screen])


if __name__ == "__main__":
    main()
