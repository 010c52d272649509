"""The journal (torn lines, newer formats, corrupt lines) and the one-controller lock."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import time

import pytest

from steps.errors import BadInput
from steps.record import journal, session
from steps.record.journal import JournalWriter
from steps.run import events as ev


def _journal(tmp_path, *events):
    path = tmp_path / "journal.jsonl"
    w = journal.JournalWriter(path)
    w.write(ev.SessionStarted(session_id="s", runbook="r", runbook_title="R"))
    for e in events:
        w.write(e)
    w.close()
    return path


def test_roundtrip_every_event_type(tmp_path):
    path = _journal(
        tmp_path,
        ev.StepStarted(step_id="a"),
        ev.CommandStarted(step_id="a", index=0, number=1, display="echo", argv=("echo",)),
        ev.CommandFinished(step_id="a", index=0, number=1, exit=0, ok=True),
        ev.CommandOutput(step_id="a", number=1, lines=("not journaled",)),
        ev.Generated(step_id="a", generator="g", commands=(("juju", "x"),), record=[["a:b", "c:d"]]),
        ev.DecisionRequested(id=1, kind="failed", step_id="a", prompt="?", options=("retry", "skip")),
        ev.DecisionMade(id=1, kind="failed", step_id="a", choice="skip", reason="why"),
        ev.RunFinished(outcome="succeeded", summary={"succeeded": 1}),
    )
    got = journal.read(path)
    assert [e.type for e in got.events] == [
        "session.started",
        "step.started",
        "command.started",
        "command.finished",
        "generated",
        "decision.requested",
        "decision.made",
        "run.finished",
    ]
    assert got.events[4].commands == (("juju", "x"),)
    assert got.warnings == ()
    seqs = [json.loads(line)["seq"] for line in path.read_text().splitlines()]
    assert seqs == list(range(len(seqs)))


def test_torn_last_line_is_dropped_with_a_warning(tmp_path):
    path = _journal(tmp_path, ev.StepStarted(step_id="a"))
    with open(path, "ab") as f:
        f.write(b'{"seq":2,"type":"step.fin')
    got = journal.read(path)
    assert len(got.events) == 2
    assert "torn last line" in got.warnings[0]
    journal.repair(path, got)
    assert path.read_bytes().endswith(b"}\n")
    w = journal.JournalWriter(path)
    w.write(ev.StepFinished(step_id="a", state="succeeded"))
    w.close()
    assert len(journal.read(path).events) == 3


def test_newer_journal_refused(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(
        json.dumps(
            {
                "seq": 0,
                "type": "session.started",
                "format": 99,
                "session_id": "s",
                "runbook": "r",
                "runbook_title": "R",
                "t": 1.0,
            }
        )
        + "\n"
    )
    with pytest.raises(BadInput, match="newer Cairn"):
        journal.read(path)


def test_unknown_event_refused(tmp_path):
    path = _journal(tmp_path)
    with open(path, "a") as f:
        f.write(json.dumps({"seq": 1, "type": "from.the.future", "t": 1}) + "\n")
        f.write(json.dumps({"seq": 2, "type": "step.started", "step_id": "a", "t": 1}) + "\n")
    with pytest.raises(BadInput, match=r":2: corrupt journal line: unknown event type"):
        journal.read(path)


def _hold_lock(directory, ready, release):
    lock = session.SessionLock(directory)
    lock.acquire()
    ready.set()
    release.wait(10)
    lock.release()


def _hold_and_die(directory, ready):
    session.SessionLock(directory).acquire()
    ready.set()
    time.sleep(0.3)
    os._exit(9)  # dies holding it: the kernel drops the flock, the file still names us


def test_second_controller_refused_naming_the_holder(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    assert ready.wait(5)
    try:
        with pytest.raises(session.SessionLocked) as err:
            session.SessionLock(tmp_path).acquire()
        assert f"pid {holder.pid}" in str(err.value) and "cairn watch" in str(err.value)
        assert session.SessionLock(tmp_path).is_held_elsewhere()
    finally:
        release.set()
        holder.join()


def test_stale_lock_is_taken_over_with_a_notice(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    dead = ctx.Process(target=_hold_and_die, args=(tmp_path, ready))
    dead.start()
    dead.join()
    lock = session.SessionLock(tmp_path)
    lock.acquire()
    assert lock.took_over is not None and lock.took_over.pid == dead.pid
    lock.release()
    again = session.SessionLock(tmp_path)
    again.acquire()
    assert again.took_over is None, "a clean release leaves nobody to take over from"
    again.release()


def test_session_ids_and_lookup(tmp_path):
    with pytest.raises(BadInput, match="no sessions yet"):
        session.find(None)
    sid, directory = session.create()
    (directory / "journal.jsonl").write_text("")
    assert session.find(None) == (sid, directory)
    assert session.find(sid[:15])[0] == sid
    with pytest.raises(BadInput):
        session.find("../etc")
    with pytest.raises(BadInput, match="no session"):
        session.find("nope")


def test_second_driver_refused_when_the_lock_file_was_deleted(tmp_path):
    """Issue 14.1: deleting `lock` used to let a second driver in; the directory flock holds."""
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    holder.start()
    assert ready.wait(5)
    try:
        (tmp_path / session.LOCK_NAME).unlink()
        with pytest.raises(session.SessionLocked) as err:
            session.SessionLock(tmp_path).acquire()
        assert f"pid {holder.pid}" in str(err.value), str(err.value)
        assert not (tmp_path / session.LOCK_NAME).exists(), "a refused driver creates nothing"
        (tmp_path / session.LOCK_NAME).write_text('{"pid": 1, "host": "x", "since": 0}\n')
        with pytest.raises(session.SessionLocked):
            session.SessionLock(tmp_path).acquire()
        assert session.SessionLock(tmp_path).is_held_elsewhere()
    finally:
        release.set()
        holder.join()


def test_driver_puts_a_removed_or_replaced_lock_file_back_before_writing(tmp_path):
    lock = session.SessionLock(tmp_path)
    lock.acquire()
    writer = JournalWriter(tmp_path / "journal.jsonl", guard=lock.verify)
    try:
        (tmp_path / session.LOCK_NAME).unlink()
        writer.write(ev.Notice(level="info", text="one"))
        assert lock.holder() is not None and lock.holder().pid == os.getpid()
        (tmp_path / session.LOCK_NAME).unlink()
        (tmp_path / session.LOCK_NAME).write_text("{}")
        writer.write(ev.Notice(level="info", text="two"))
        assert lock.holder() is not None and lock.holder().pid == os.getpid()
        assert _other_process_sees_it_held(tmp_path)
    finally:
        writer.close()
        lock.release()


def test_driver_whose_lock_file_another_process_holds_stops_writing(tmp_path):
    lock = session.SessionLock(tmp_path)
    lock.acquire()
    writer = JournalWriter(tmp_path / "journal.jsonl", guard=lock.verify)
    (tmp_path / session.LOCK_NAME).unlink()
    intruder = os.open(tmp_path / session.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(intruder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with pytest.raises(session.SessionLocked):
            writer.write(ev.Notice(level="info", text="never written"))
        assert not (tmp_path / "journal.jsonl").read_text()
    finally:
        os.close(intruder)
        writer.close()
        lock.release()


def _other_process_sees_it_held(directory) -> bool:
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=lambda: q.put(session.SessionLock(directory).is_held_elsewhere()))
    p.start()
    p.join(5)
    return q.get(timeout=1)
