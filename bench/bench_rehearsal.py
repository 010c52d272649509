"""A `--speed 0` rehearsal of ckf-1.11-ambient against spawning its emulated commands bare.

Cairn's figure: the whole runbook through the real engine (supervisor per command, checks,
cluster-state reads, journal) against a fresh ckf-1.11-microk8s sandbox at speed 0, wall time.
The floor, measured in the same run: every command the rehearsal ran, spawned directly (the
sandbox's emulator processes, one after another, against another fresh sandbox), nothing else.
Goal: ratio <= 2. Also printed: the in-process cluster-state reads (count, total, each).

    python bench/bench_rehearsal.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from state_reads import counted_state_reads  # noqa: E402

import steps.sandbox as sandbox  # noqa: E402
from steps.run import events as ev  # noqa: E402
from steps.run.launch import start  # noqa: E402
from steps.run.request import RunRequest, TargetRequest  # noqa: E402

SCENARIO = "ckf-1.11-microk8s"


def rehearse() -> tuple[float, list[list[str]], int, float, str]:
    argvs: list[list[str]] = []
    with counted_state_reads() as reads:
        started = time.perf_counter()
        launched = start(
            RunRequest(
                runbook="ckf-1.11-ambient",
                target=TargetRequest(kind="sandbox", scenario=SCENARIO, speed=0),
                yes=True,
            )
        )

        def listen(event: ev.Event) -> None:
            if isinstance(event, ev.CommandStarted):
                argvs.append(list(event.argv))
            if isinstance(event, ev.DecisionRequested) and event.kind in ("failed", "wait-timeout"):
                print(f"asked: {event.prompt}")
                launched.engine.decide(event.id, "abort")

        launched.engine.listener = listen
        try:
            outcome = launched.engine.run()
        finally:
            launched.close()
        total = time.perf_counter() - started
    return total, argvs, int(reads["n"]), reads["s"], outcome


def bare(argvs: list[list[str]], root: Path) -> tuple[float, int]:
    """Each command as its own process against a fresh sandbox; (seconds, how many failed)."""
    sb = root / "bare"
    sandbox.create(sb, SCENARIO, speed=0)
    env = {**os.environ, **sandbox.environ(sb)}
    failed = 0
    started = time.perf_counter()
    for argv in argvs:
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        failed += done.returncode != 0
    return time.perf_counter() - started, failed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAIRN_HOME"] = str(Path(tmp) / "cairn-home")
        total, argvs, reads, read_s, outcome = rehearse()
        if any("[redacted]" in a for argv in argvs for a in argv):
            print("note: some argvs hold [redacted] values (journal form); those commands may fail bare")
        floor, failed = bare(argvs, Path(tmp))
    print(
        f"rehearsal: {outcome}; {len(argvs)} commands; {reads} state reads took {read_s:.1f} s "
        f"({read_s / max(reads, 1) * 1000:.0f} ms each)"
    )
    print(
        f"ckf-1.11-ambient at --speed 0: cairn {total:.1f} s | floor {floor:.1f} s (its {len(argvs)} emulated "
        f"commands spawned bare, {failed} of them failed bare) | ratio {total / floor:.2f} (goal <= 2)"
    )


if __name__ == "__main__":
    main()
