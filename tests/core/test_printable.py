"""Terminal control sequences Cairn did not draw never reach the terminal or the record raw
(issue 14.8): command output in plain mode, param values, file names in --from-files errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from steps.record import export
from steps.record.printable import printable
from steps.run import events as ev
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from tui.plain import Printer

HOSTILE = "\x1b]0;TITLE\x07\x1b[2Jcleared\u202eevil"


def test_printable_makes_every_control_visible():
    assert printable(HOSTILE) == "\\x1b]0;TITLE\\x07\\x1b[2Jcleared\\u202eevil"
    assert printable("tab\tstays") == "tab\tstays"
    assert printable("two\nlines") == "two\\x0alines"
    assert printable("two\nlines", one_line=False) == "two\nlines"
    assert printable("plain ünïcode") == "plain ünïcode"


BOOK = """cairn-runbook: 1
id: hostile
title: Hostile output
params:
  - {name: note, default: x}
phases:
  - id: p
    title: P
    steps:
      - id: a
        title: A
        doc: prints escapes
        run:
          - [printf, '\\033]0;TITLE\\007\\033[2Jcleared\\n']
"""


def test_plain_mode_and_export_show_no_raw_escape(tmp_path):
    book = tmp_path / "hostile.yaml"
    book.write_text(BOOK)
    launched = start(
        RunRequest(
            runbook="hostile",
            runbook_file=str(book),
            given={"note": HOSTILE},
            target=TargetRequest(speed=0),
            yes=True,
        )
    )
    out = io.StringIO()
    printer = Printer(launched.view, out)
    launched.engine.listener = printer.event
    printer.say(f"Params: {launched.view.params_line()}")
    try:
        assert launched.engine.run() == "succeeded"
    finally:
        launched.close()
    shown = out.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b]0;TITLE\\x07\\x1b[2Jcleared" in shown
    text = export.to_text(launched.directory)
    assert "\x1b" not in text and "\u202e" not in text


def test_printer_neutralises_output_lines():
    out = io.StringIO()
    view = type("V", (), {"steps": {}, "phases": []})()
    Printer(view, out).event(ev.CommandOutput(step_id="a", number=1, lines=(HOSTILE,)))
    assert "\x1b" not in out.getvalue()


def test_from_files_errors_show_file_names_neutralised(tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "\x1b[2Jname").write_text("not juju output\n")
    r = subprocess.run(
        [sys.executable, "-m", "tui", "check", "--from-files", str(saved)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert r.returncode == 2 and "\x1b" not in r.stderr + r.stdout, r.stderr
    assert "\\x1b[2Jname" in r.stderr
