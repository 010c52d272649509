"""Recovery (issues 14.4 and 10.6): a command found lost, failed or timed out on resume is never
run again by itself. The step's "already done when" check is consulted first and says so; then
the failure waits for retry, skip or abort exactly as it does live."""

from __future__ import annotations

import os
import signal
import time

import pytest

from steps.run import events as ev
from steps.run.execute import CommandFiles

from .harness import Result, book, make, resume, step

NOT_DONE = {"app-absent": lambda s, p, **a: Result("failed", "x is still there")}
DONE = {"app-absent": lambda s, p, **a: Result("passed", "x is not in the model")}
CHECK = "        check: [app-absent: {app: x}]"


def _leave_mid_command(tmp_path, command: str, extra: str = CHECK):
    log = tmp_path / "ran.log"
    h = make(book(step("a", [f"[sh, -c, 'echo ran >> {log}; {command}']"], extra)), tmp_path, checks=NOT_DONE)
    h.start()
    started = h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    files = CommandFiles.numbered(h.directory / "commands", started.number)
    deadline = time.monotonic() + 10
    while not files.pid.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    h.engine.detach("test: the front end died")
    assert h.join() == "detached"
    return h, files, log


def _kill_supervisor(files: CommandFiles) -> None:
    supervisor, command = (int(x) for x in files.pid.read_text().split())
    os.kill(supervisor, signal.SIGKILL)
    os.killpg(command, signal.SIGKILL)
    try:
        os.waitpid(supervisor, 0)  # started by this test process: reap it, as init would
    except ChildProcessError:
        pass


@pytest.mark.parametrize("how", ["supervisor killed", "timed out"])
def test_failure_found_on_resume_waits_for_the_operator(tmp_path, how):
    if how == "supervisor killed":
        h, files, log = _leave_mid_command(tmp_path, "sleep 30")
        _kill_supervisor(files)
    else:
        h, files, log = _leave_mid_command(tmp_path, "sleep 30", CHECK + "\n        timeout: 1")
        deadline = time.monotonic() + 15
        while not files.rc.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    again = resume(h, checks=NOT_DONE).start()
    asked = again.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert asked.kind == "failed" and asked.options == ("retry", "skip", "abort")
    assert not again.of(ev.CommandStarted), "nothing ran again before the operator decided"
    assert not [e for e in again.of(ev.StepStarted) if e.attempt > 1]
    said = " ".join(n.text for n in again.of(ev.Notice))
    assert "its check (app-absent(x)) does not pass" in said
    again.engine.decide(asked.id, "skip", "test")
    assert again.join() == "succeeded"
    assert log.read_text().split() == ["ran"], "ran exactly once"


def test_lost_command_whose_check_passes_is_done_not_rerun(tmp_path):
    h, files, log = _leave_mid_command(tmp_path, "sleep 30")
    _kill_supervisor(files)
    again = resume(h, checks=DONE).start()
    assert again.join() == "succeeded"
    assert not again.of(ev.DecisionRequested) and not again.of(ev.CommandStarted)
    finished = [e for e in again.of(ev.StepFinished) if e.step_id == "a"]
    assert finished[-1].state == "done"
    assert any("passes, so it is already done; not run again" in n.text for n in again.of(ev.Notice))
    assert log.read_text().split() == ["ran"]


def test_retry_consults_the_check_before_running_again(tmp_path):
    """Live: a command failed after doing its work (`application already exists` on retry)."""
    log = tmp_path / "ran.log"
    state = {"deployed": False}

    def absent(s, p, **a):
        return Result("passed", "deployed") if state["deployed"] else Result("failed", "not deployed")

    h = make(
        book(step("a", [f"[sh, -c, 'echo ran >> {log}; exit 1']"], CHECK)),
        tmp_path,
        checks={"app-absent": absent},
    ).start()
    asked = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    state["deployed"] = True  # it did take effect
    h.engine.decide(asked.id, "retry")
    assert h.join() == "succeeded"
    assert log.read_text().split() == ["ran"], "the check passed: not run again"
    assert h.of(ev.StepFinished)[-1].state == "done"


def test_retry_without_a_check_says_it_runs_again(tmp_path):
    flag, log = tmp_path / "flag", tmp_path / "ran.log"
    cmd = f"[sh, -c, 'echo ran >> {log}; if [ -e {flag} ]; then exit 0; fi; touch {flag}; exit 1']"
    h = make(book(step("a", [cmd])), tmp_path).start()
    asked = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(asked.id, "retry")
    assert h.join() == "succeeded"
    assert log.read_text().split() == ["ran", "ran"]
    assert any("no check tells whether it already took effect" in n.text for n in h.of(ev.Notice))
