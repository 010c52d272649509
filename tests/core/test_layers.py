"""The layers hold: pyproject.toml's import-linter contracts, checked on every test run (CI also runs
`lint-imports` on its own). They replace two hand-written scans of import lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = (
    "steps (the core and the sandbox) never imports the front end",
    "the core reaches the sandbox only through the target registry",
)


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    for name in CONTRACTS:  # both contracts were checked, and kept
        assert f"{name} KEPT" in out.stdout, out.stdout
    assert "0 broken" in out.stdout
