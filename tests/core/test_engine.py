"""Every engine control: pause, skip, retry, abort, confirmations, benign errors, waits, checks."""

from __future__ import annotations

import sys
import time

from steps.record.journal import read
from steps.run import events as ev

from .harness import Result, Settle, book, make, step

PY = sys.executable


def test_runs_to_success_and_journals_everything(tmp_path):
    h = make(book(step("a", ["echo one", "echo two"]), step("b", ["echo three"])), tmp_path).start()
    assert h.join() == "succeeded"
    types = h.journal_types()
    assert types[0] == "session.started" and types[-1] == "run.finished"
    assert types.count("command.finished") == 3
    assert "command.output" not in types, "output lives in the command files, not the journal"
    assert (h.directory / "commands" / "002.out").read_text() == "two\n"


def test_pause_holds_before_the_next_command_and_never_kills(tmp_path):
    marker = tmp_path / "second-ran"
    h = make(
        book(step("a", [f"[{PY}, -c, 'import time; time.sleep(0.6); print(1)']", f"touch {marker}"])),
        tmp_path,
    )
    h.start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.pause()
    first = h.wait_for(lambda e: isinstance(e, ev.CommandFinished))
    assert first.ok and first.reason == "exited", "the running command finished normally"
    h.wait_for(lambda e: isinstance(e, ev.Paused))
    time.sleep(0.3)
    assert not marker.exists(), "paused: the next command has not started"
    h.engine.resume()
    assert h.join() == "succeeded" and marker.exists()


def test_skip_with_reason_is_recorded(tmp_path):
    h = make(book(step("a", ["echo a"]), step("b", ["echo b"])), tmp_path)
    h.engine.skip("b", "done by hand in ticket CHG-42")
    h.start()
    assert h.join() == "succeeded"
    finished = [e for e in read(h.directory / "journal.jsonl").events if isinstance(e, ev.StepFinished)]
    assert (finished[-1].step_id, finished[-1].state, finished[-1].reason) == (
        "b",
        "skipped",
        "done by hand in ticket CHG-42",
    )


def test_retry_reruns_from_the_failed_command(tmp_path):
    flag = tmp_path / "flag"
    fail_once = f"[sh, -c, 'if [ -e {flag} ]; then echo fixed; else touch {flag}; echo broken; exit 1; fi']"
    h = make(book(step("a", ["echo first", fail_once, "echo third"])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "failed" and request.options == ("retry", "skip", "abort")
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    starts = [e.display for e in h.of(ev.CommandStarted)]
    assert starts.count("echo first") == 1, "commands before the failed one are not re-run"
    assert sum("sh -c" in s for s in starts) == 2
    again = h.of(ev.StepStarted)[-1]
    assert again.attempt == 2 and again.from_command == 1


def test_skip_a_failed_step(tmp_path):
    h = make(book(step("a", ['"false"']), step("b", ["echo b"])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(request.id, "skip", "known flake")
    assert h.join() == "succeeded"
    made = h.of(ev.DecisionMade)[-1]
    assert (made.choice, made.reason) == ("skip", "known flake")


def test_abort_kills_the_running_command(tmp_path):
    h = make(book(step("a", ["sleep 60"]), step("b", ["echo never"])), tmp_path).start()
    started = h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    time.sleep(0.2)
    h.engine.abort()
    assert h.join() == "aborted"
    fin = h.of(ev.CommandFinished)[-1]
    assert fin.reason == "aborted"
    assert not any(e.display == "echo never" for e in h.of(ev.CommandStarted))
    from steps.run.execute import _pids

    sup, child = _pids(h.directory / "commands" / f"{started.number:03d}.pid")
    from .test_execute import _gone

    assert _gone(child)


def test_destructive_step_asks_and_can_be_declined(tmp_path):
    marker = tmp_path / "boom"
    h = make(
        book(step("d", [f"touch {marker}"], "        destructive: true"), step("e", ["echo e"])), tmp_path
    )
    h.start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "confirm" and request.detail == (f"$ touch {marker}",)
    h.engine.decide(request.id, "skip", "not tonight")
    assert h.join() == "succeeded"
    assert not marker.exists()


def test_yes_confirms_destructive_steps_and_records_it(tmp_path):
    h = make(book(step("d", ["echo x"], "        destructive: true")), tmp_path, yes=True).start()
    assert h.join() == "succeeded"
    made = h.of(ev.DecisionMade)[0]
    assert made.by == "--yes" and made.choice == "yes"


def test_benign_error_counts_as_success(tmp_path):
    text = book(step("a", ["[sh, -c, 'echo ERROR relation already exists >&2; exit 1']"]))
    text = text.replace(
        "phases:", "benign:\n  - {command: sh -c, pattern: 'already exists', why: relation exists}\nphases:"
    )
    h = make(text, tmp_path).start()
    assert h.join() == "succeeded"
    fin = h.of(ev.CommandFinished)[0]
    assert fin.ok and fin.exit == 1 and fin.benign == "relation exists"


def test_expect_pattern_missing_fails(tmp_path):
    text = book("""      - id: a
        title: A
        doc: d
        run:
          - {argv: echo HTTP 503, expect: ['HTTP 200']}""")
    h = make(text, tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert "HTTP 200" in h.of(ev.CommandFinished)[0].failure
    h.engine.decide(request.id, "abort")
    assert h.join() == "aborted"


def test_settle_waits_then_goes_on(tmp_path):
    reads = {"n": 0}

    def settle(state, apps):
        reads["n"] += 1
        return Settle(reads["n"] > 3, ("app/0  waiting  executing  installing agent",))

    h = make(book(step("a", ["echo a"], "        settle: [app]")), tmp_path, settle=settle).start()
    assert h.join() == "succeeded"
    progress = h.of(ev.WaitProgress)
    assert progress and "installing agent" in progress[0].lines[0]
    assert h.of(ev.WaitFinished)[0].outcome == "settled"


def test_settle_timeout_asks_and_override_goes_on(tmp_path):
    h = make(
        book(step("a", ["echo a"], "        settle: [app]")),
        tmp_path,
        settle=lambda s, a: Settle(False, ("app/0 blocked",)),
        settle_timeout=0.2,
    ).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "wait-timeout" and request.options == ("wait", "override", "abort")
    h.engine.decide(request.id, "override")
    assert h.join() == "succeeded"
    assert h.of(ev.WaitFinished)[0].outcome == "overridden"


def test_operator_override_during_settle(tmp_path):
    h = make(
        book(step("a", ["echo a"], "        settle: [app]")),
        tmp_path,
        settle=lambda s, a: Settle(False, ("app/0 waiting",)),
    ).start()
    h.wait_for(lambda e: isinstance(e, ev.WaitProgress))
    h.engine.override_wait()
    assert h.join() == "succeeded"


def test_already_done_check_skips_the_commands(tmp_path):
    text = book(step("a", ["echo should-not-run"], "        check: [app-absent: {app: x}]"))
    h = make(
        text, tmp_path, checks={"app-absent": lambda s, p, **a: Result("passed", "x is not in the model")}
    ).start()
    assert h.join() == "succeeded"
    assert not h.of(ev.CommandStarted)
    fin = h.of(ev.StepFinished)[0]
    assert fin.state == "done" and "not in the model" in fin.reason


def test_verify_failure_then_retry_reverifies(tmp_path):
    calls = {"n": 0}

    def flaky(state, params, **args):
        calls["n"] += 1
        return Result("failed" if calls["n"] == 1 else "passed", "not yet", "do X")

    h = make(
        book(step("a", ["echo a"], "        verify: [thing]")), tmp_path, checks={"thing": flaky}
    ).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert "thing: not yet" in request.prompt
    h.engine.decide(request.id, "retry")
    assert h.join() == "succeeded"
    assert len(h.of(ev.CommandStarted)) == 1, "retry after a failed verification re-runs no command"


def test_wait_for_polls_checks(tmp_path):
    calls = {"n": 0}

    def gone(state, params, **args):
        calls["n"] += 1
        return Result("passed" if calls["n"] > 2 else "failed", "istio-pilot is dying")

    text = book(step("a", ["echo a"], "        wait-for: [app-absent: {app: istio-pilot}]"))
    h = make(text, tmp_path, checks={"app-absent": gone}).start()
    assert h.join() == "succeeded"
    assert "istio-pilot is dying" in h.of(ev.WaitProgress)[0].lines[0]


def test_ask_step_needs_a_yes(tmp_path):
    text = book("""      - id: backup
        title: Backup
        doc: d
        ask: Is there a backup?""")
    h = make(text, tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "ask" and request.prompt == "Is there a backup?"
    h.engine.decide(request.id, "abort")
    assert h.join() == "aborted"


def test_detach_leaves_the_command_running(tmp_path):
    h = make(book(step("a", ["[sh, -c, 'sleep 0.8; echo done']"])), tmp_path).start()
    started = h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.detach("the operator quit")
    assert h.join() == "detached"
    rc = h.directory / "commands" / f"{started.number:03d}.rc"
    deadline = time.monotonic() + 5
    while not rc.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rc.exists() and (h.directory / "commands" / f"{started.number:03d}.out").read_text() == "done\n"
    assert h.of(ev.Detached)[0].running_command == started.number


def test_secret_capture_never_reaches_disk(tmp_path):
    text = book("""      - id: creds
        title: Creds
        doc: d
        run:
          - {argv: "printf %s%s topsecret value", capture: key, secret: true}
          - "echo using {captured.key} now"
""")
    h = make(text, tmp_path).start()
    assert h.join() == "succeeded"
    for path in h.directory.rglob("*"):
        if path.is_file():
            assert b"topsecretvalue" not in path.read_bytes(), path
    assert h.of(ev.CommandStarted)[1].display == "echo using '[redacted]' now"


def test_resume_reattaches_and_runs_nothing_twice(tmp_path):
    from .harness import resume

    gate = tmp_path / "gate"
    log = tmp_path / "ran.log"
    book_text = book(
        step("a", [f"[sh, -c, 'echo a >> {log}']"]),
        step(
            "b",
            [
                f"[sh, -c, 'echo b1 >> {log}']",
                f"[sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done; echo b2 >> {log}; echo waited']",
                f"[sh, -c, 'echo b3 >> {log}']",
            ],
        ),
    )
    h = make(book_text, tmp_path).start()
    waiting = h.wait_for(lambda e: isinstance(e, ev.CommandStarted) and "gate" in e.display)
    h.engine.detach("test: the front end died")
    assert h.join() == "detached"
    gate.touch()  # the command goes on without Cairn and finishes
    again = resume(h).start()
    assert again.join() == "succeeded"
    assert log.read_text().split() == ["a", "b1", "b2", "b3"], "nothing ran twice"
    fin = [e for e in again.of(ev.CommandFinished) if e.number == waiting.number]
    assert fin and fin[0].ok, "the re-attached command took its recorded exit status"
    assert any("re-attaching" in n.text for n in again.of(ev.Notice))
    assert "waited" in (h.directory / "commands" / f"{waiting.number:03d}.out").read_text()


def test_resume_after_a_retried_failure_goes_on_from_the_right_command(tmp_path):
    from .harness import resume

    flag, gate, log = tmp_path / "flag", tmp_path / "gate", tmp_path / "ran.log"
    fail_once = f"[sh, -c, 'echo c1 >> {log}; if [ -e {flag} ]; then exit 0; fi; touch {flag}; exit 1']"
    gated = f"[sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done; echo c2 >> {log}']"
    h = make(book(step("a", [fail_once, gated, f"[sh, -c, 'echo c3 >> {log}']"])), tmp_path).start()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    h.engine.decide(request.id, "retry")  # the first command now succeeds
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted) and "gate" in e.display)
    h.engine.abort()  # kills the gated command: the step is aborted
    assert h.join() == "aborted"
    gate.touch()
    again = resume(h).start()
    asked = again.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert "before this resume" in asked.prompt
    again.engine.decide(asked.id, "retry")
    assert again.join() == "succeeded"
    assert log.read_text().split() == ["c1", "c1", "c2", "c3"], "the fixed first command did not run again"
    assert again.of(ev.StepStarted)[-1].from_command == 1


def test_secret_values_are_forgotten_when_the_run_succeeds(tmp_path):
    from steps.record import secret_store

    text = book("""      - id: creds
        title: Creds
        doc: d
        run:
          - {argv: "printf %s%s topsecret value", capture: key, secret: true}
          - [sh, -c, 'sleep 0.3']
""")
    h = make(text, tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.Captured))
    sid = h.directory.name
    assert secret_store.load(sid) == {"key": "topsecretvalue"}, "kept for a resume while the run goes on"
    assert h.join() == "succeeded"
    assert secret_store.load(sid) == {}, "nothing to resume: the value is gone"


def test_every_command_knows_its_session_and_step_on_any_target(tmp_path):
    """CAIRN_SESSION and CAIRN_STEP are set for every command, not only for the sandbox's faults."""
    show = "echo $CAIRN_STEP $CAIRN_SESSION"
    h = make(book(step("first", [f"sh -c '{show}'"]), step("second", [f"sh -c '{show}'"])), tmp_path).start()
    assert h.join() == "succeeded"
    assert h.engine.target.kind == "fake"
    assert (h.directory / "commands" / "001.out").read_text() == f"first {h.directory}\n"
    assert (h.directory / "commands" / "002.out").read_text() == f"second {h.directory}\n"
