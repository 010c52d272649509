"""How long the quick commands take as a whole process: `cairn list`, `cairn plan`, `cairn --help`,
against `python -c pass` from the same interpreter, interleaved so that the machine's load hits
both alike. The parsed runbooks are cached after the first run (steps/runbook/cache.py), as they
are for a user; `list` is also timed with an empty cache (the first run after an install or edit).

    python bench/bench_cli.py [RUNS]
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["list"], ["plan"], ["plan", "ckf-1.6-to-1.7", "--set", "minio=migrate-volume"], ["--help"])


def once(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def report(label: str, cairn: float, floor: float) -> None:
    print(
        f"{label:<54} {cairn * 1000:6.0f} ms | floor {floor * 1000:4.0f} ms (python -c pass) "
        f"| ratio {cairn / floor:.1f}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    compileall.compile_dir(ROOT / "steps", quiet=1)
    compileall.compile_dir(ROOT / "tui", quiet=1)
    cairn = [sys.executable, "-m", "tui"]
    floor_argv = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, CAIRN_HOME=home, PYTHONPATH=str(ROOT))
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {runs} runs each, medians")
        for args in COMMANDS:
            once([*cairn, *args], env)  # warm: the runbook cache, the page cache
            times, floor = [], []
            for _ in range(runs):
                times.append(once([*cairn, *args], env))
                floor.append(once(floor_argv, env))
            c, f = statistics.median(times), statistics.median(floor)
            shown = " ".join(args)
            report(f"cairn {shown}", c, f)
        times, floor = [], []
        for run in range(runs):
            cold = dict(env, XDG_CACHE_HOME=os.path.join(home, f"cold-{run}"))
            times.append(once([*cairn, "list"], cold))
            floor.append(once(floor_argv, env))
        c, f = statistics.median(times), statistics.median(floor)
        report("cairn list, no runbook cache yet", c, f)


if __name__ == "__main__":
    main()
