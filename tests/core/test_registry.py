"""Runbook files are validated when loaded; each bad file gets one line: file, place, what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from steps.errors import BadInput
from steps.runbook import registry

MALFORMED = sorted((Path(__file__).parents[1] / "malformed" / "runbooks").iterdir())


def _expected(path: Path) -> str:
    try:
        first = path.read_text(encoding="utf-8").splitlines()[0]
    except (UnicodeDecodeError, IndexError):
        return ""
    return first.split("# expect:", 1)[1].strip() if first.startswith("# expect:") else ""


@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_runbook_gives_one_clear_line(path):
    with pytest.raises(BadInput) as err:
        registry.load_file(path)
    message = str(err.value)
    assert "\n" not in message, message
    assert str(path) in message, "the message names the file"
    assert "Traceback" not in message
    expected = _expected(path)
    assert expected in message, f"{message!r} lacks {expected!r}"


def test_error_names_the_line_and_the_place():
    path = next(p for p in MALFORMED if p.name == "unknown-placeholder.yaml")
    with pytest.raises(BadInput) as err:
        registry.load_file(path)
    assert "step s" in str(err.value) and "phase a" in str(err.value)
    step_error = next(p for p in MALFORMED if p.name == "bad-timeout.yaml")
    with pytest.raises(BadInput) as err:
        registry.load_file(step_error)
    assert f"{step_error}:" in str(err.value) and "run[0]" in str(err.value)


def test_builtins_load_and_list():
    ids = [rb.id for rb in registry.list_runbooks()]
    assert "ckf-1.11-ambient" in ids


def test_find_unknown_and_user_file(tmp_path):
    with pytest.raises(BadInput, match="no runbook named 'nope'"):
        registry.find("nope")
    with pytest.raises(BadInput, match="no such runbook file"):
        registry.find("", runbook_file=tmp_path / "missing.yaml")
    fixture = Path(__file__).parents[1] / "fixtures" / "runbooks" / "tiny.yaml"
    assert registry.find("", runbook_file=fixture).id == "tiny"
    with pytest.raises(BadInput, match="holds runbook 'tiny'"):
        registry.find("other", runbook_file=fixture)


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        ("(a+)+$", True),
        ("(a|aa)+$", True),
        ("(a*b?)*", True),
        ("(,.*)*", True),
        ("[a-z0-9]+(-[a-z0-9]+)*", False),
        ("[a-z0-9-]+(\\.[a-z]+)*", False),
        ("(ab|cd)*", False),
        ("\\d+/(stable|candidate|beta|edge)", False),
    ],
)
def test_regexes_that_can_take_exponential_time_are_refused(pattern, refused):
    """Issue 14.6: `pattern: (a+)+$` hung on a 41-character value."""
    assert registry._nested_repeat(pattern) is refused


def test_runbooks_are_parsed_by_libyaml_with_their_lines():
    """The C parser (4x faster on a runbook) where PyYAML has it, and line numbers still kept."""
    import yaml

    from steps.runbook.registry import _LineLoader

    if yaml.__with_libyaml__:
        assert issubclass(_LineLoader, yaml.CSafeLoader)
    doc = yaml.load("a: 1\nsteps:\n  - id: x\n    run: [y]\n", Loader=_LineLoader)  # noqa: S506
    assert doc.line == 1 and doc["steps"].line == 3 and doc["steps"][0].line == 3


def test_command_strings_split_as_shlex_splits_them():
    """The fast split (plain words on spaces) agrees with shlex.split on every shape, and every
    built-in runbook's commands come out the same."""
    import itertools
    import shlex

    from steps.runbook.registry import _split

    pieces = ["juju", "a=b", " ", "  ", "\t", "'q r'", '"s t"', "\\ ", "#x", "{p}", "\u00a0", "é", "--x=1,2"]
    for n in (1, 2, 3):
        for combo in itertools.product(pieces, repeat=n):
            text = "".join(combo)
            try:
                expected = shlex.split(text)
            except ValueError:
                continue
            assert _split(text) == expected, repr(text)
