"""Journals a crash, a newer Cairn or a stray edit left behind: one clear line each, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from steps.errors import BadInput
from steps.record import journal

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


def test_one_malformed_session_leaves_the_others_listed(tmp_path):
    """Issue 14.6: a bad t/outline/target used to break `cairn sessions` for every session."""
    home = tmp_path / "home"
    good = home / "sessions" / "20260101-000000-good"
    good.mkdir(parents=True)
    (good / "journal.jsonl").write_text(
        '{"seq":0,"type":"session.started","t":1.0,"format":1,"session_id":"20260101-000000-good",'
        '"runbook":"ckf-1.11-ambient","runbook_title":"R","target":{"kind":"sandbox","scenario":"x"}}\n'
        '{"seq":1,"type":"run.finished","t":2.0,"outcome":"succeeded"}\n'
    )
    for i, path in enumerate(JOURNALS):
        bad = home / "sessions" / f"20260102-0000{i:02d}-bad"
        bad.mkdir(parents=True)
        shutil.copy(path, bad / "journal.jsonl")
    env = {**os.environ, "CAIRN_HOME": str(home)}
    r = subprocess.run(
        [sys.executable, "-m", "tui", "sessions"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "20260101-000000-good" in r.stdout and "succeeded" in r.stdout
    assert r.stdout.count("(unreadable") == len(JOURNALS)


def test_format_as_a_string_is_not_called_newer():
    path = Path(__file__).parents[1] / "malformed" / "journals" / "format-a-string.jsonl"
    with pytest.raises(BadInput) as err:
        journal.read(path)
    assert "newer" not in str(err.value) and "not a number" in str(err.value)
