"""Time from launching the app to its start screen, against a hello-world Textual app (goal: <= 2x).

Two ways, each a few runs, interleaved with the floor so that the machine's load hits both alike
(Cairn as a user runs it: its parsed runbooks cached under $XDG_CACHE_HOME after the first start;
headless also once more with an empty cache, the first start after an install or a runbook edit):
  headless  a fresh `python` process imports the app and runs it headless (App.run_test); the
            time from spawning the process to the start screen mounted and refreshed. Floor: the
            same for an App whose only widget is a Static("hello").
  tmux      `cairn` in a real terminal (tmux at 80x24, on a tmux server of its own): the time to
            the start screen drawn. Floor: the hello-world app, to "hello" on screen. Also
            `cairn run … --yes` to its main screen.

    python bench/bench_tui_startup.py [RUNS]
"""

from __future__ import annotations

import compileall
import itertools
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REHEARSAL = ROOT / "tests" / "fixtures" / "runbooks" / "tui-rehearsal.yaml"
SOCKET = f"cairn-bench-{os.getpid()}"  # a tmux server of our own: never the user's sessions

CHILD = """
import asyncio, os, sys, time
sys.path.insert(0, {root!r})
from steps.run.request import RunRequest, TargetRequest  # as `cairn` does: the engine comes with a run
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

HELLO = """
import asyncio, os, sys, time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")

async def main():
    app = Hello()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.time() - float(os.environ["BENCH_T0"]))

if os.environ.get("BENCH_T0"):
    asyncio.run(main())
else:
    Hello().run()
"""


def headless_once(code: str, env: dict[str, str]) -> float:
    env = dict(env, BENCH_T0=repr(time.time()))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise SystemExit(f"headless run failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


_RUNS = itertools.count()


def tmux(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["tmux", "-L", SOCKET, "-f", "/dev/null", *args], env=env, capture_output=True, text=True
    )


def tmux_once(command: str, ready: str, env: dict[str, str]) -> tuple[float, float]:
    """(first frame, `ready` text on screen) in seconds from starting the command."""
    name = f"run-{next(_RUNS)}"  # fresh: a killed session may linger a moment
    for _attempt in range(20):
        # Killing the previous run's session ends the tmux server; a start in that instant fails.
        began = time.time()
        started = tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command, env=env)
        if started.returncode == 0:
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"tmux could not start a session: {started.stderr.strip()}")
    first = seen = 0.0
    try:
        while time.time() - began < 30:
            screen = tmux("capture-pane", "-p", "-t", name).stdout
            now = time.time() - began
            if not first and screen.strip():
                first = now
            if ready in screen:
                seen = now
                break
            time.sleep(0.01)
    finally:
        tmux("kill-session", "-t", name)
    return first, seen


def median(values: list[float]) -> float:
    return statistics.median(values) if values and all(values) else float("nan")


def compare(label: str, cairn: list[float], floor: list[float], floor_name: str) -> None:
    c, f = median(cairn), median(floor)
    print(f"{label}: cairn {c:.2f} s | floor {f:.2f} s ({floor_name}) | ratio {c / f:.2f} (goal <= 2)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    # As installed: bytecode compiled (pip does it; PYTHONDONTWRITEBYTECODE in a developer's
    # shell would otherwise make every run compile Cairn's modules afresh).
    compileall.compile_dir(ROOT / "steps", quiet=1)
    compileall.compile_dir(ROOT / "tui", quiet=1)
    home = tempfile.mkdtemp(prefix="cairn-bench-")
    try:
        env = dict(os.environ, CAIRN_HOME=home)
        env.pop("NO_COLOR", None)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {runs} runs each, medians")
        cairn, floor, cold = [], [], []
        for run in range(runs):
            cairn.append(headless_once(CHILD.format(root=str(ROOT)), env))
            floor.append(headless_once(HELLO, env))
            # The parsed runbooks are cached (steps/runbook/cache.py): the first start after an
            # install or a runbook edit parses them, every later one reads them back. Both told.
            cold_env = dict(env, XDG_CACHE_HOME=os.path.join(home, f"cold-cache-{run}"))
            cold.append(headless_once(CHILD.format(root=str(ROOT)), cold_env))
        compare("headless, process start -> start screen", cairn, floor, "hello-world Textual app")
        compare("headless, the same with no runbook cache yet", cold, floor, "hello-world Textual app")
        if not shutil.which("tmux"):
            print("tmux: not installed; skipped")
            return
        venv = ROOT / ".venv" / "bin" / "activate"
        prefix = f"cd {shlex.quote(str(ROOT))} && " + (
            f". {shlex.quote(str(venv))} && " if venv.exists() else ""
        )
        hello = prefix + f"{shlex.quote(sys.executable)} -c {shlex.quote(HELLO)}"
        cairn, floor = [], []
        for _ in range(runs):
            cairn.append(tmux_once(prefix + "cairn", "choose what to run", env)[1])
            floor.append(tmux_once(hello, "hello", env)[1])
        compare("tmux 80x24, `cairn` -> start screen drawn", cairn, floor, "hello-world app drawn")
        run = prefix + f"cairn run tui-rehearsal --runbook {REHEARSAL} --set delay=5 --yes --speed 0"
        main_screen = [tmux_once(run, "Plan", env)[1] for _ in range(runs)]
        print(f"tmux 80x24, `cairn run … --yes` -> main screen (sandbox made): {median(main_screen):.2f} s")
    finally:
        tmux("kill-server")
        # `cairn run` leaves detached supervisors finishing their commands (they outlive the app by
        # design): give them a moment, and never fail on a file they are still writing.
        time.sleep(1)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
