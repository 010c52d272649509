"""How fast the rehearsal sandbox answers: scenario creation, one command in-process and as a
process (what the engine's commands cost), and the whole migration guide at speed 0.

    PYTHONPATH=. python bench/bench_sandbox.py
"""

from __future__ import annotations

import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import steps.sandbox as sandbox  # noqa: E402
from tests.sandbox.conftest import guide_commands  # noqa: E402


def timed(fn, repeat: int = 10) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for scenario in sandbox.SCENARIOS:
            ms = timed(lambda s=scenario: sandbox.create(root / s, s, speed=0), repeat=3)
            size = (root / scenario / "state.json").stat().st_size // 1024
            print(f"create {scenario:<24} {ms:8.1f} ms   state.json {size} KiB")
        sb = root / sandbox.DEFAULT_SCENARIO
        env = {**os.environ, **sandbox.environ(sb)}
        for command in ("juju status --format=json", "juju status", "kubectl get pods -A -o json",
                        "kubectl get pods -n admin"):
            argv = shlex.split(command)
            inproc = timed(lambda a=argv: sandbox.run(a, sb, {}))
            proc = timed(lambda a=argv: subprocess.run(a, env=env, capture_output=True, check=True), repeat=5)
            print(f"{command:<32} in-process {inproc:7.1f} ms   as a process {proc:7.1f} ms")
        sandbox.create(sb, sandbox.DEFAULT_SCENARIO, speed=0)
        commands = guide_commands("microk8s", cilium=False)
        started = time.perf_counter()
        for command in commands:
            argv = shlex.split(command)
            if argv[0] == "juju":
                argv += ["-m", "kubeflow"]
            code, _, err = sandbox.run(argv, sb, {})
            assert code == 0, (command, err)
        total = time.perf_counter() - started
        print(f"the whole guide ({len(commands)} commands) at speed 0, in-process: {total:.2f} s "
              f"({total / len(commands) * 1000:.1f} ms a command)")


if __name__ == "__main__":
    main()
