"""Plain mode (issue 10.9, 10.27, 13.5): a question comes after its step's heading, the Ctrl-C
menu keeps output and echo out of the operator's answer, a closed stdout detaches the run, and
the words are the narrator's, the same the app's output pane uses."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import termios

from steps.record import session
from steps.record.journal import read
from steps.run import events as ev
from steps.run import launch
from tests.core.harness import HEADER, make
from tui.look import Look
from tui.output_buffer import Annotator
from tui.plain import PlainRunner, Printer

BOOK = (
    HEADER
    + """phases:
  - id: p1
    title: First phase
    steps:
      - id: a
        title: Step a
        doc: d
        run:
          - echo a
  - id: p2
    title: Dangerous phase
    steps:
      - id: d
        title: Delete things
        doc: d
        destructive: true
        warning: it deletes things
        run:
          - echo deleting
"""
)


def _launched(h) -> launch.Launched:
    lock = session.SessionLock(h.directory)
    lock.acquire()
    e = h.engine
    return launch.Launched(h.directory.name, h.directory, e.plan, e, e.view, e.journal, lock, e.target)


class _Answers(io.StringIO):
    """stdin with answers; `before_read` runs before each readline (the engine printing meanwhile)."""

    def __init__(self, text: str, before_read=None):
        super().__init__(text)
        self.before_read = before_read

    def readline(self, *args):  # type: ignore[override]
        if self.before_read is not None:
            self.before_read()
        return super().readline(*args)


def test_a_question_comes_after_its_phase_and_step_heading(tmp_path):
    h = make(BOOK, tmp_path)
    out = io.StringIO()
    runner = PlainRunner(_launched(h), stdin=_Answers("y\n"), out=out)
    runner.interactive = True
    assert runner.run() == 0
    text = out.getvalue()
    heading = text.index("== Phase 2/2: Dangerous phase")
    step = text.index("[2/2] Delete things  [d]")
    warning = text.index("it deletes things")
    question = text.index("? Delete things: this step is destructive")
    assert heading < step < warning < question < text.index("$ echo deleting")
    assert text.count("[2/2] Delete things") == 1, "the heading is not repeated when the step starts"
    assert "    $ echo deleting" in text[question:], "the question shows the command as it runs"


def test_the_ctrl_c_menu_holds_output_and_turns_echo_off(tmp_path):
    h = make(BOOK, tmp_path)
    out = io.StringIO()
    echo_during_read: list[bool] = []
    master, slave = os.openpty()
    tty_in = os.fdopen(slave, "r")

    def engine_prints_meanwhile():
        echo_during_read.append(bool(termios.tcgetattr(slave)[3] & termios.ECHO))
        runner.printer.event(ev.CommandOutput(step_id="a", number=1, lines=("output while typing",)))

    os.write(master, b"c\n")
    runner = PlainRunner(_launched(h), stdin=tty_in, out=out)
    tty_in_readline = tty_in.readline

    class _Spy:
        def __getattr__(self, name):
            return getattr(tty_in, name)

        def readline(self, *a):
            engine_prints_meanwhile()
            return tty_in_readline(*a)

    runner.stdin = _Spy()  # type: ignore[assignment]
    runner._interrupted()
    text = out.getvalue()
    assert echo_during_read == [False], "the typed letter is not echoed by the terminal"
    assert "  > continue\n" in text, "the answer is shown once, as the word it means"
    assert text.index("  > continue") < text.index("output while typing"), "output waited for the answer"
    assert termios.tcgetattr(slave)[3] & termios.ECHO, "echo is back afterwards"
    os.close(master)
    tty_in.close()
    runner.launched.close()


def test_a_closed_stdout_detaches_the_run_and_resume_takes_over(tmp_path):
    book = tmp_path / "slow.yaml"
    book.write_text(
        HEADER
        + """phases:
  - id: p
    title: Slow phase
    steps:
      - id: s1
        title: Prints a lot
        doc: d
        run:
          - [sh, -c, "for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; sleep 0.1; done"]
      - id: s2
        title: Second
        doc: d
        run:
          - echo second
"""
    )
    env = {**os.environ, "CAIRN_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "run", "t", "--runbook", str(book), "--plain", "--yes"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    for _ in range(3):  # like `| head -3`
        proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 1, "a detach, not a success"
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    (directory,) = (tmp_path / "home" / "sessions").iterdir()
    events = read(directory / "journal.jsonl").events
    detached = [e for e in events if isinstance(e, ev.Detached)]
    assert detached and "broken pipe" in detached[-1].reason
    assert not any(isinstance(e, ev.RunFinished) for e in events)
    assert not session.SessionLock(directory).is_held_elsewhere(), "the lock is released"
    again = subprocess.run(
        [sys.executable, "-m", "tui", "resume", directory.name, "--plain", "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "took over from the run that stopped: stdout was closed (broken pipe)" in again.stdout


def test_plain_mode_and_the_output_pane_use_the_same_words(tmp_path):
    titles = {"a": "Step a"}
    events = [
        ev.CommandFinished(
            step_id="a", index=0, number=1, exit=1, reason="timeout", failure="timed out", duration=3
        ),
        ev.CheckEvaluated(
            step_id="a", purpose="verify", name="thing", status="failed", message="m", fix="x\ny"
        ),
        ev.StepFinished(step_id="a", state="assumed", reason="assumed (--yes): nobody was asked"),
        ev.SkipRequested(step_id="a", reason="why", running_command=3),
        ev.NoteAdded(step_id="a", text="CHG-1"),
        ev.Paused(step_id="a", running_command=3),
    ]
    look = Look(ascii_only=True)
    annotator = Annotator(look, titles)
    h = make(BOOK, tmp_path)
    out = io.StringIO()
    printer = Printer(h.engine.view, out)
    for event in events:
        printer.event(event)
        for line in annotator.lines(event):
            assert line.strip()[-20:] in out.getvalue(), (line, out.getvalue())


def test_the_ctrl_c_menu_can_kill_just_the_hung_command(tmp_path):
    hang = (
        HEADER
        + """phases:
  - id: p
    title: Phase
    steps:
      - id: h
        title: Hangs
        doc: d
        run:
          - sleep 60
"""
    )
    h = make(hang, tmp_path)
    out = io.StringIO()
    runner = PlainRunner(_launched(h), stdin=_Answers("k\nkill\n"), out=out)
    h.engine.listener = lambda e: (h.events.append(e), runner._listen(e))
    h.start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    while h.engine.running_command_info() is None:
        pass
    runner._interrupted()
    request = h.wait_for(lambda e: isinstance(e, ev.DecisionRequested))
    assert request.kind == "failed" and request.options == ("retry", "skip", "abort")
    text = out.getvalue()
    assert "[k]ill this command" in text and "command 001 is running: no output for" in text
    assert h.of(ev.CommandFinished)[-1].reason == "killed"
    h.engine.decide(request.id, "abort")
    assert h.join() == "aborted"
    runner.launched.close()


def test_the_ctrl_c_menu_skips_the_step_and_takes_a_note_both_journaled_at_once(tmp_path):
    gate = tmp_path / "gate"
    hang = (
        HEADER
        + f"""phases:
  - id: p
    title: Phase
    steps:
      - id: h
        title: Hangs
        doc: d
        run:
          - [sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done']
          - echo never
"""
    )
    h = make(hang, tmp_path)
    out = io.StringIO()
    runner = PlainRunner(_launched(h), stdin=_Answers("s\nwaiting on CHG-3\nn\nthe DBA agreed\n"), out=out)
    h.engine.listener = lambda e: (h.events.append(e), runner._listen(e))
    h.start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    runner._interrupted()
    runner._interrupted()
    kinds = [e.type for e in read(h.directory / "journal.jsonl").events]
    assert "skip.requested" in kinds and "note" in kinds, "journaled before the command ends"
    assert (
        'skip h requested once command 001 ends (it is not killed) - reason: "waiting on CHG-3"'
        in out.getvalue()
    )
    gate.touch()
    assert h.join() == "succeeded"
    assert {e.step_id: e.state for e in h.of(ev.StepFinished)}["h"] == "skipped"
    assert not any(e.display == "echo never" for e in h.of(ev.CommandStarted))
    runner.launched.close()


def test_a_watcher_sees_the_question_with_its_commands_after_the_heading(tmp_path):
    h = make(BOOK, tmp_path)
    out = io.StringIO()
    printer = Printer(h.engine.view, out, show_questions=True)
    printer.event(
        ev.DecisionRequested(
            id=1, kind="confirm", step_id="d", prompt="Delete things?", options=("yes",), detail=("$ rm x",)
        )
    )
    text = out.getvalue()
    assert text.index("[2/2] Delete things  [d]") < text.index("? Delete things?") < text.index("    $ rm x")


def test_a_session_paused_before_it_stopped_stays_paused_until_someone_says_go_on(tmp_path):
    from tests.core.harness import resume

    gate = tmp_path / "gate"
    text = (
        HEADER
        + f"""phases:
  - id: p
    title: Phase
    steps:
      - id: a
        title: Step a
        doc: d
        run:
          - [sh, -c, 'while [ ! -e {gate} ]; do sleep 0.05; done']
          - echo after
"""
    )
    h = make(text, tmp_path).start()
    h.wait_for(lambda e: isinstance(e, ev.CommandStarted))
    h.engine.pause()
    h.engine.detach("test: hang-up")
    assert h.join() == "detached"
    gate.touch()
    again = resume(h)
    assert again.engine.paused
    out = io.StringIO()
    runner = PlainRunner(_launched(again), stdin=_Answers("\n"), out=out)
    runner.interactive = True
    assert runner.run() == 0
    assert "the session was paused before it stopped." in out.getvalue()
    resumed = [e for e in read(h.directory / "journal.jsonl").events if isinstance(e, ev.Resumed)]
    assert resumed and resumed[-1].by == "operator"
