"""The engine bench still runs against the engine as it is (its stand-in target once lacked an
attribute every target gained, and the bench broke unnoticed). It asserts the bench's output, not
a speed: the figures are for `python bench/bench_engine.py`, not for the suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_engine.py"


def test_the_engine_bench_runs_and_prints_its_ratio():
    done = subprocess.run([sys.executable, str(BENCH), "3"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "outcome: succeeded; 3 commands" in done.stdout
    assert re.search(
        r"engine per command: cairn [\d.]+ ms \| floor [\d.]+ ms .* \| ratio [\d.]+", done.stdout
    )
