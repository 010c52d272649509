"""A CAIRN_HOME that cannot be written, a start that fails half-way, a sandbox gone under a session
(issue 14.6): exit 2 with one line saying what is wrong, nothing left behind, the journal intact."""

from __future__ import annotations

import errno
import shutil

import pytest

from steps.errors import BadInput
from steps.record import journal, session
from steps.run import launch
from steps.run.request import RunRequest, TargetRequest
from tui import cli


def _sessions() -> list[str]:
    root = session.sessions_dir()
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_home_that_is_not_a_directory(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CAIRN_HOME", str(blocker / "home"))
    assert cli.main(["run", "--plain", "--yes", "--speed", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot create the sessions directory" in err[0]


def test_full_disk_at_start_exits_2_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    def full(self, event):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path))

    monkeypatch.setattr(journal.JournalWriter, "write", full)
    assert cli.main(["run", "--plain", "--yes", "--speed", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "internal error" not in err[0]
    assert _sessions() == []
    assert not any(session.home().joinpath("sandboxes").glob("*"))


def test_start_failing_after_the_session_exists_removes_it(monkeypatch):
    def broken(self):
        raise BadInput("the sandbox could not be built")

    monkeypatch.setattr(launch.SandboxTarget, "create", broken)
    with pytest.raises(BadInput):
        launch.start(RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(speed=0)))
    assert _sessions() == []


@pytest.mark.parametrize("damage", ["deleted", "garbled"])
def test_resume_with_its_sandbox_gone_is_refused_at_once(damage):
    launched = launch.start(
        RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(speed=0)), read_state=False
    )
    launched.close()
    before = (launched.directory / "journal.jsonl").read_bytes()
    if damage == "deleted":
        shutil.rmtree(launched.target.directory)
    else:
        (launched.target.directory / "state.json").write_text("{not json")
    with pytest.raises(BadInput, match="sandbox of session .* cannot be read"):
        launch.resume(launched.session_id)
    assert (launched.directory / "journal.jsonl").read_bytes() == before, "journal intact"


def test_disk_full_mid_run_stops_cleanly_with_the_journal_whole(tmp_path):
    """The engine stops as a detach with one clear notice; no traceback, the journal parses."""
    from steps.run import events as ev

    from .harness import book, make, step

    h = make(book(step("a", ["echo one"]), step("b", ["echo two"])), tmp_path)
    writes = {"n": 0}
    real = journal.JournalWriter.write

    def filling(self, event):
        writes["n"] += 1
        if writes["n"] > 4:
            raise journal.JournalUnwritable(f"cannot write the journal {self.path}: No space left on device")
        real(self, event)

    h.engine.journal.write = filling.__get__(h.engine.journal)
    assert h.engine.run() == "detached"
    assert "No space left" in h.engine.stopped_because
    assert any(isinstance(e, ev.Notice) and "stopped:" in e.text for e in h.events)
    assert len(journal.read(h.directory / "journal.jsonl").events) == 4


def test_journal_writer_turns_a_full_disk_into_one_line(tmp_path):
    w = journal.JournalWriter(tmp_path / "journal.jsonl")

    class Full:
        closed = False

        def write(self, _text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            pass

        def close(self):
            pass

    w._fh = Full()
    from steps.run import events as ev

    with pytest.raises(journal.JournalUnwritable, match="No space left on device"):
        w.write(ev.Notice(level="info", text="x"))
