"""Real `juju status --format=json` output from public sources (issue 11.16), not only what our
own sandbox prints. Each directory under tests/fixtures/cluster/real/ has a `.source` naming the
repository, file and commit it came from (canonical/jubilant's unit-test samples, captured from
Juju 2.9 and 3.6 by its maintainers). `cairn check --from-files` gives a clear report on each:
exit 1 naming what is wrong (not a CKF model; a Juju too old for the runbook), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from steps.cluster.sources import read_files
from tui.cli import main

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "real"
FIXTURES = sorted(p for p in REAL.iterdir() if p.is_dir())


def test_every_real_fixture_says_where_it_came_from():
    assert len(FIXTURES) >= 8
    for directory in FIXTURES:
        source = (directory / ".source").read_text()
        assert "canonical/jubilant" in source and "commit " in source, directory.name


@pytest.mark.parametrize("directory", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("runbook", ["ckf-1.11-ambient", "ckf-1.6-to-1.7"])
def test_check_from_files_reports_clearly_on_real_output(directory, runbook, capsys):
    rc = main(["check", runbook, "--from-files", str(directory), "--ascii"])
    out, err = capsys.readouterr()
    assert rc == 1 and err == "", err
    assert "Traceback" not in out and "blocked: fix the failed checks" in out
    assert "does not look like CKF" in out
    if directory.name.startswith("juju29") and runbook == "ckf-1.11-ambient":
        assert "CKF 1.11 needs Juju 3.6" in out


def test_juju_29_and_36_relation_shapes_parse_alike():
    old = read_files(REAL / "juju29-database-webapp")
    new = read_files(REAL / "juju36-database-webapp")
    assert old.model.version == "2.9.50" and new.model.version == "3.6.1"
    # 2.9 names only the related application; 3.6 adds the interface and scope.
    assert [(r.endpoint, r.related_app, r.interface) for r in old.app("database").relations] == [
        ("db", "webapp", "")
    ]
    assert ("db", "webapp", "dbi") in [
        (r.endpoint, r.related_app, r.interface) for r in new.app("database").relations
    ]


def test_status_errors_become_read_errors_not_crashes():
    state = read_files(REAL / "juju29-status-errors")
    assert any("status error" in e for e in state.errors)
    assert state.app("app-failed").status.message.startswith("status error")
