"""Every decision deliberate, every control recorded (issue 10): rendered confirmations, assumed
human checks, "no" to a check by hand, skip/pause journaled when given, kill this command, notes,
and run time kept apart from the time a step waited for the operator."""

from __future__ import annotations

import sys
import time

from steps.record.journal import read
from steps.record.view import SessionView
from steps.run import events as ev

from .harness import book, make, resume
from .harness import step as _step

PY = sys.executable


def _ask(sid: str, question: str = "Is there a backup?") -> str:
    return f"""      - id: {sid}
        title: Check {sid} by hand
        doc: a person looks
        ask: {question}
"""


def _journal(h) -> list[ev.Event]:
    return list(read(h.directory / "journal.jsonl").events)


# --- 10.3 a confirmation shows every argv as it will run ----------------------------------------


def test_a_destructive_confirmation_shows_captured_values_filled_in(tmp_path):
    marker = tmp_path / "deleted"
    h = make(
        book(
            _step("read", ['{argv: "echo claim-7", capture: source_claim}']),
            _step("delete", [f"touch {marker}-{{captured.source_claim}}"], "        destructive: true"),
        ),
        tmp_path,
    ).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "confirm"
    assert request.commands == (f"touch {marker}-claim-7",)
    assert request.detail == (f"$ touch {marker}-claim-7",)
    assert not any("{captured" in line for line in request.detail + request.commands)
    h.engine.decide(request.id, "yes")
    assert h.join() == "succeeded"
    assert (tmp_path / "deleted-claim-7").exists()


def test_a_generated_destructive_step_shows_its_computed_commands_before_it_asks(tmp_path):
    from steps.runbook import generators

    def two_echoes(ctx):
        return generators.Generated(commands=(("echo", "remove", "a:b"), ("echo", "remove", "c:d")))

    generators.GENERATORS["test-two-echoes"] = two_echoes
    try:
        text = book("""      - id: gen
        title: Remove them
        doc: d
        destructive: true
        generate: test-two-echoes
""")
        h = make(text, tmp_path).start()
        request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
        assert request.commands == ("echo remove a:b", "echo remove c:d")
        assert not any("computed from the cluster" in line for line in request.detail)
        generated = h.of(ev.Generated)
        assert generated and generated[0].t <= request.t, "computed first, then asked"
        h.engine.decide(request.id, "yes")
        assert h.join() == "succeeded"
        assert [e.display for e in h.of(ev.CommandStarted)] == list(request.commands)
    finally:
        generators.GENERATORS.pop("test-two-echoes", None)


def test_a_step_whose_values_are_not_known_is_not_ready_to_confirm(tmp_path):
    marker = tmp_path / "deleted"
    h = make(
        book(
            _step("read", ['{argv: "echo claim-7", capture: never_captured}']),
            _step("delete", [f"touch {marker}-{{captured.never_captured}}"], "        destructive: true"),
        ),
        tmp_path,
    )
    h.engine.skip("read", "the operator skipped the read")
    h.start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "failed", "no confirmation with a value missing"
    assert "not ready" in request.prompt and "never_captured" in request.prompt
    assert not h.of(ev.CommandStarted)
    h.engine.decide(request.id, "skip", "capture it by hand")
    assert h.join() == "succeeded"
    assert not list(tmp_path.glob("deleted*"))


# --- 10.4 / 10.10 a human check answered by --yes is assumed, not ok -----------------------------


def test_a_human_check_answered_by_yes_is_assumed_and_the_run_says_so(tmp_path):
    h = make(book(_step("a", ["echo a"]), _ask("backup")), tmp_path, yes=True).start()
    assert h.join() == "succeeded"
    finished = {e.step_id: e for e in h.of(ev.StepFinished)}
    assert finished["backup"].state == "assumed"
    assert "--yes" in finished["backup"].reason
    view = SessionView.build(_journal(h))
    assert view.steps["backup"].state == "assumed"
    end = h.of(ev.RunFinished)[-1]
    assert end.summary == {"succeeded": 1, "assumed": 1}
    assert "every step succeeded" not in end.message and "1 assumed (--yes)" in end.message


def test_the_run_says_every_step_succeeded_only_when_true(tmp_path):
    h = make(book(_step("a", ["echo a"]), _step("b", ["echo b"])), tmp_path)
    h.engine.skip("b", "not tonight")
    h.start()
    assert h.join() == "succeeded"
    assert (
        h.of(ev.RunFinished)[-1].message == "finished with steps skipped or assumed: 1 succeeded, 1 skipped"
    )
    ok = make(book(_step("a", ["echo a"])), tmp_path).start()
    assert ok.join() == "succeeded"
    assert ok.of(ev.RunFinished)[-1].message == "every step succeeded"


# --- 10.17 "no" to a check by hand fails the step -------------------------------------------------


def test_no_to_a_check_by_hand_fails_the_step_and_retry_asks_again(tmp_path):
    h = make(book(_ask("by-hand"), _step("after", ["echo after"])), tmp_path).start()
    first = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert first.kind == "ask" and first.options == ("yes", "no", "skip", "abort")
    h.engine.decide(first.id, "no")
    failed = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested) and e.kind == "failed")
    assert failed.options == ("retry", "skip", "abort")
    assert h.of(ev.StepFinished)[-1].state == "failed"
    h.engine.decide(failed.id, "retry")
    again = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested) and e.id > failed.id)
    assert again.kind == "ask"
    h.engine.decide(again.id, "yes")
    assert h.join() == "succeeded"
    assert {e.step_id: e.state for e in h.of(ev.StepFinished)}["by-hand"] == "succeeded"


# --- 10.7 skip and pause while a command hangs: journaled at once, kept over a resume -------------


def test_skip_and_pause_given_during_a_hang_are_journaled_at_once_and_survive_a_resume(tmp_path):
    gate = tmp_path / "gate"
    hang = f"[sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done']"
    h = make(book(_step("a", [hang, "echo never-a"]), _step("b", ["echo b"])), tmp_path).start()
    started = h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.skip("a", "hangs; done by hand in CHG-7")
    h.engine.pause()
    kinds = [e.type for e in _journal(h)]
    assert "skip.requested" in kinds and "paused" in kinds, "journaled when given, not when the command ends"
    skip = next(e for e in _journal(h) if isinstance(e, ev.SkipRequested))
    assert (skip.reason, skip.running_command) == ("hangs; done by hand in CHG-7", started.number)
    h.engine.detach("test: the front end died")
    assert h.join() == "detached"
    gate.touch()
    view = SessionView.build(_journal(h))
    assert view.paused and view.pending_skips() == {"a": "hangs; done by hand in CHG-7"}
    again = resume(h)
    assert again.engine.paused, "the pause still holds after the resume"
    again.start()
    time.sleep(0.3)
    assert not again.of(ev.CommandStarted), "held: nothing new starts while paused"
    again.engine.resume()
    assert again.join() == "succeeded"
    finished = {e.step_id: e for e in again.of(ev.StepFinished) if e.state != "interrupted"}
    assert finished["a"].state == "skipped" and finished["a"].reason == "hangs; done by hand in CHG-7"
    assert not any(e.display == "echo never-a" for e in again.of(ev.CommandStarted))


def test_a_pause_reaches_the_listener_at_once(tmp_path):
    h = make(book(_step("a", [f"[{PY}, -c, 'import time; time.sleep(1.5)']"])), tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.pause()
    paused = h.of(ev.Paused)
    assert paused and paused[0].running_command is not None, "acknowledged before the command ends"
    assert not h.of(ev.CommandFinished)
    h.engine.resume()
    assert h.join() == "succeeded"


# --- 10.8 kill this command ------------------------------------------------------------------------


def test_kill_command_kills_only_the_command_and_the_step_offers_retry(tmp_path):
    flag = tmp_path / "second"
    hang_once = f"[sh, -c, 'if [ -e {flag} ]; then echo fine; else touch {flag}; sleep 60; fi']"
    h = make(book(_step("a", [hang_once]), _step("b", ["echo b"])), tmp_path).start()
    started = h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    time.sleep(0.2)
    info = h.engine.running_command_info()
    assert info is not None and info.number == started.number and info.timeout == started.timeout
    assert info.silent_for() >= 0.1
    began = time.monotonic()
    assert h.engine.kill_command()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert time.monotonic() - began < 10
    fin = h.of(ev.CommandFinished)[-1]
    assert fin.reason == "killed" and not fin.ok and fin.failure == "killed by the operator"
    assert request.kind == "failed" and request.options == ("retry", "skip", "abort")
    assert any(isinstance(e, ev.KillRequested) for e in _journal(h))
    assert h.engine.running_command_info() is None
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    assert not h.engine.kill_command(), "nothing runs: nothing to kill"


def test_silence_is_measured_from_the_last_output(tmp_path):
    from steps.record.narrator import silence_text

    script = "import time,sys; print('hello', flush=True); time.sleep(1.2)"
    h = make(book(_step("a", [f'[{PY}, -c, "{script}"]'])), tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandOutput))
    info = h.engine.running_command_info()
    assert info is not None and info.last_output > info.started
    time.sleep(0.3)
    assert 0.2 <= info.silent_for() < 1.2
    assert silence_text(info, now=info.last_output + 130).startswith("no output for 2m10s")
    assert h.join() == "succeeded"


# --- 10.15 notes --------------------------------------------------------------------------------------


def test_a_note_is_journaled_on_the_current_step(tmp_path):
    gate = tmp_path / "gate"
    h = make(book(_step("a", [f"[sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done']"])), tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.add_note("CHG-42: the DBA watched this step")
    gate.touch()
    assert h.join() == "succeeded"
    notes = [e for e in _journal(h) if isinstance(e, ev.NoteAdded)]
    assert [(n.step_id, n.text) for n in notes] == [("a", "CHG-42: the DBA watched this step")]
    assert h.engine.add_note("after the run") is not None, "a note after the run goes on the last step"
    assert SessionView.build(_journal(h)).steps["a"].notes[-1].text == "after the run"


# --- 10.13 run time apart from waiting for the operator, and attempts ------------------------------


def test_step_time_excludes_the_time_it_waited_for_the_operator(tmp_path):
    flag = tmp_path / "flag"
    fail_once = f"[sh, -c, 'if [ -e {flag} ]; then exit 0; fi; touch {flag}; exit 1']"
    h = make(book(_step("a", [fail_once])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    time.sleep(1.0)  # the operator thinks
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    step = SessionView.build(_journal(h)).steps["a"]
    assert step.attempts == 2
    assert step.waited >= 1.0
    assert step.run_time is not None and step.run_time < step.duration - 0.9


def test_a_step_that_failed_before_it_ran_asks_its_question_again_after_a_resume(tmp_path):
    marker = tmp_path / "deleted"
    text = book(_ask("by-hand"), _step("d", [f"touch {marker}"], "        destructive: true"))
    h = make(text, tmp_path).start()
    question = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(question.id, "no")
    h.wait_for(lambda e: isinstance(e, ev.DecisionRequested) and e.kind == "failed")
    h.engine.detach("test: the operator left at the failure")
    assert h.join() == "detached"
    again = resume(h).start()
    asked = again.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert asked.kind == "ask", "the question again, not a retry that would pass it unanswered"
    again.engine.decide(asked.id, "yes")
    confirm = again.wait_for(lambda e: isinstance(e, ev.DecisionRequested) and e.kind == "confirm")
    again.engine.decide(confirm.id, "skip", "not tonight")
    assert again.join() == "succeeded"
    assert not marker.exists()


def test_a_kill_right_after_the_command_started_does_not_wait_out_the_grace_period(tmp_path):
    h = make(book(_step("a", ["sleep 60"])), tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    while h.engine.running_command_info() is None:
        time.sleep(0.001)
    began = time.monotonic()
    assert h.engine.kill_command()  # before the supervisor has written its pid file, most likely
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert time.monotonic() - began < 4, "not the 8 s grace for a command nobody could signal yet"
    h.engine.decide(request.id, "abort")
    assert h.join() == "aborted"


def test_a_finished_step_reports_its_own_time_apart_from_the_wait(tmp_path):
    flag = tmp_path / "flag"
    fail_once = f"[sh, -c, 'if [ -e {flag} ]; then exit 0; fi; touch {flag}; exit 1']"
    h = make(book(_step("a", [fail_once])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    time.sleep(1.0)
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    done = [e for e in h.of(ev.StepFinished) if e.state == "succeeded"][0]
    assert done.waited >= 1.0 and done.duration < 0.9, (done.duration, done.waited)
    from steps.record.narrator import Narrator

    assert "waiting for you" in Narrator({}).lines(done)[0]


def test_a_pause_counts_as_waiting_only_once_the_running_command_has_ended(tmp_path):
    h = make(book(_step("a", [f"[{PY}, -c, 'import time; time.sleep(0.8)']", "echo next"])), tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.pause()  # the command goes on running for most of a second
    h.wait_for(lambda e: isinstance(e, ev.CommandFinished))
    time.sleep(0.5)  # now the run holds
    h.engine.resume()
    assert h.join() == "succeeded"
    step = SessionView.build(_journal(h)).steps["a"]
    assert 0.4 <= step.waited < 0.75, step.waited
    assert step.run_time is not None and step.run_time >= 0.75


def test_a_skip_given_during_a_settle_wait_ends_the_wait_at_once(tmp_path):
    from .harness import Settle

    h = make(
        book(_step("a", ["echo a"], "        settle: [app]"), _step("b", ["echo b"])),
        tmp_path,
        settle=lambda state, apps: Settle(False, ("app/0  waiting  executing",)),
        settle_timeout=600,
    ).start()
    h.wait_for(lambda e: isinstance(e, ev.WaitProgress))
    h.engine.skip("a", "settles on its own; checked by hand")
    assert h.join(timeout=10) == "succeeded"
    assert h.of(ev.WaitFinished)[-1].outcome == "skipped"
    finished = {e.step_id: e for e in h.of(ev.StepFinished)}
    assert finished["a"].state == "skipped" and finished["a"].reason == "settles on its own; checked by hand"
