"""The live views (plain mode, the output pane) cut a long captured value, saying how long it is;
a short one is shown whole, a multi-line one as a block under its name."""

from __future__ import annotations

import json

from steps.record.narrator import LIVE_VALUE_CHARS, Narrator
from steps.run import events as ev


def captured(value: str) -> list[str]:
    return Narrator({}).lines(ev.Captured(step_id="s", name="info", value=value, secret=False))


def test_a_short_value_is_whole():
    assert captured("2.41/edge") == ["  captured info = 2.41/edge"]


def test_a_long_value_is_cut_and_says_how_long():
    info = json.dumps({"name": "dex-auth", "channels": {f"2.{n}": {"stable": [n] * 40} for n in range(40)}})
    (line,) = captured(info)
    assert line.startswith('  captured info = {"name": "dex-auth"')
    assert line.endswith(f"… ({len(info)} characters in all; the record has it whole)")
    assert len(line) < LIVE_VALUE_CHARS + 80


def test_a_multi_line_value_is_a_block_under_its_name():
    lines = captured("a 1\nb 2")
    assert lines == ["  captured info = a 1", "                  b 2"]


def test_a_secret_is_never_shown():
    lines = Narrator({}).lines(ev.Captured(step_id="s", name="key", value="[redacted]", secret=True))
    assert lines == ["  captured key (secret, not shown)"]
