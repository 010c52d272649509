"""How fast the rehearsal sandbox answers: scenario creation, one command in-process and as a
process (what the engine's commands cost), the whole migration guide at speed 0, and the whole
ckf-1.6-to-1.7 runbook through the engine at speed 0 (with its state reads).

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
        # As the engine runs a command: with CAIRN_STEP set (the fault hook reads it).
        env = {**os.environ, **sandbox.environ(sb), "CAIRN_STEP": "bench"}
        floor_argv = [sys.executable, "-I", "-S", "-c", "pass"]
        for command in (
            "juju status --format=json",
            "juju status",
            "kubectl get pods -A -o json",
            "kubectl get pods -n admin",
            "juju config istio-pilot",
            "kubectl get ns",
        ):
            argv = shlex.split(command)
            inproc = timed(lambda a=argv: sandbox.run(a, sb, {}))
            proc = timed(lambda a=argv: subprocess.run(a, env=env, capture_output=True, check=True), repeat=5)
            floor = timed(lambda: subprocess.run(floor_argv, capture_output=True, check=True), repeat=5)
            print(
                f"{command:<32} in-process {inproc:6.1f} ms; as a process: cairn {proc:6.1f} ms | "
                f"floor {floor:5.1f} ms (python -I -S -c pass) | ratio {proc / floor:.1f}"
            )
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
        print(
            f"the whole guide ({len(commands)} commands) at speed 0, in-process: {total:.2f} s "
            f"({total / len(commands) * 1000:.1f} ms a command)"
        )
        upgrade_16_17(root)


def upgrade_16_17(root: Path) -> None:
    from state_reads import counted_state_reads

    from steps.run.launch import start
    from steps.run.request import RunRequest, TargetRequest
    from tests.sandbox.test_upgrade_16_17 import _runbook

    os.environ["CAIRN_HOME"] = str(root / "cairn-home")
    with counted_state_reads() as reads:
        started = time.perf_counter()
        target = TargetRequest(kind="sandbox", scenario="ckf-1.6", speed=0)
        launched = start(
            RunRequest(runbook="ckf-1.6-to-1.7", runbook_file=str(_runbook(root)), target=target, yes=True)
        )
        try:
            outcome = launched.engine.run()
        finally:
            launched.close()
        total = time.perf_counter() - started
    print(
        f"ckf-1.6-to-1.7 through the engine at speed 0: {outcome} in {total:.1f} s, of which "
        f"{reads['n']} state reads {reads['s']:.1f} s"
    )


if __name__ == "__main__":
    main()
