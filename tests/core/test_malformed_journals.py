"""Journals a crash, a newer Cairn or a stray edit left behind: one clear line each, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from steps import journal
from steps.errors import BadInput

JOURNALS = sorted((Path(__file__).parents[1] / "malformed" / "journals").iterdir())


@pytest.mark.parametrize("path", JOURNALS, ids=[p.name for p in JOURNALS])
def test_malformed_journal_is_refused_clearly(path):
    with pytest.raises(BadInput) as err:
        journal.read(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("path", JOURNALS, ids=[p.name for p in JOURNALS])
def test_cli_on_a_malformed_session_exits_2(path, tmp_path):
    home = tmp_path / "home"
    session = home / "sessions" / "20260101-000000-abcd"
    session.mkdir(parents=True)
    shutil.copy(path, session / "journal.jsonl")
    env = {**os.environ, "CAIRN_HOME": str(home)}
    for args in (["export", "-o", "-"], ["resume", "--plain"]):
        r = subprocess.run(
            [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=60
        )
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
