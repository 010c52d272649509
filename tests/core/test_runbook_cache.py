"""Parsed runbooks come back from the cache only while nothing that decides them has changed."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from steps.errors import BadInput
from steps.runbook import cache as runbook_cache
from steps.runbook import registry

FIXTURE = Path(__file__).parents[1] / "fixtures" / "runbooks" / "tiny.yaml"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "cairn" / "runbooks"


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _count_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = registry._Reader.runbook

    def counting(self, doc, path):
        parsed.append(str(path))
        return real(self, doc, path)

    monkeypatch.setattr(registry._Reader, "runbook", counting)
    return parsed


def test_a_second_load_comes_from_the_cache_and_equals_a_fresh_parse(cache, book, monkeypatch):
    parsed = _count_parses(monkeypatch)
    first = registry.load_file(book)
    assert [p.name.split("-")[0] for p in cache.iterdir()] == ["book"]  # one entry, named for people
    again = registry.load_file(book)
    assert parsed == [str(book)], "parsed once, then read back"
    assert again == first and again.path == book
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)


def test_an_edit_is_seen_even_at_the_same_size_and_mtime(cache, book, monkeypatch):
    parsed = _count_parses(monkeypatch)
    assert registry.load_file(book).title != "Tiny but edited"
    before = book.stat()
    text = book.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    edited = text.replace(title, "title: " + "Tiny but edited".ljust(len(title) - len("title: ")))
    assert len(edited) == len(text)
    book.write_text(edited, encoding="utf-8")
    os.utime(book, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back: ctime still moves
    assert registry.load_file(book).title == "Tiny but edited"
    assert len(parsed) == 2


def test_changed_code_is_a_miss(cache, book, monkeypatch):
    parsed = _count_parses(monkeypatch)
    registry.load_file(book)
    monkeypatch.setattr(runbook_cache, "_code_key", "another cairn")
    registry.load_file(book)
    assert len(parsed) == 2


def test_the_code_key_follows_every_module_of_the_package(tmp_path, monkeypatch):
    package = tmp_path / "steps"
    (package / "checks").mkdir(parents=True)
    module = package / "checks" / "some_check.py"
    module.write_text("X = 1\n")
    monkeypatch.setattr(runbook_cache, "_PACKAGE", package)
    monkeypatch.setattr(runbook_cache, "_code_key", None)
    before = runbook_cache.code_key()
    assert "some_check.py" in before
    module.write_text("X = 22\n")  # a check's arguments changed
    monkeypatch.setattr(runbook_cache, "_code_key", None)
    assert runbook_cache.code_key() != before


def test_a_broken_cache_entry_is_a_miss_not_an_error(cache, book, monkeypatch):
    first = registry.load_file(book)
    for entry in cache.iterdir():
        entry.write_bytes(b"\x80\x05 not a pickle")
    assert registry.load_file(book) == first
    for entry in cache.iterdir():
        entry.write_bytes(b"")
    assert registry.load_file(book) == first


def test_an_unwritable_cache_only_costs_time(tmp_path, book, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert registry.load_file(book).id == "tiny"
    assert registry.load_file(book).id == "tiny"


def test_a_runbook_that_does_not_load_is_not_kept(cache, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(BadInput, match="titel"):
            registry.load_file(bad)
    assert not cache.exists() or not list(cache.iterdir())


def test_loads_against_fake_checks_bypass_the_cache(cache, book, monkeypatch):
    parsed = _count_parses(monkeypatch)
    registry.load_file(book, validate_checks=False)
    registry.load_file(book, validate_checks=False)
    assert len(parsed) == 2 and not cache.exists()


def test_a_cached_load_needs_neither_yaml_nor_the_checks(cache):
    """The point of the cache: `cairn` draws its start screen without importing them."""
    code = (
        "import sys; from steps.runbook import registry; "
        "[registry.load_file(p) for p in registry.builtin_paths()]; "
        "print(sorted(m for m in ('yaml', 'steps.checks', 'steps.runbook.generators') if m in sys.modules))"
    )
    env = dict(os.environ, XDG_CACHE_HOME=str(cache.parents[1]), PYTHONPATH=str(ROOT))
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[0].stdout.strip() == "['steps.checks', 'steps.runbook.generators', 'yaml']"
    assert runs[1].stdout.strip() == "[]"


def test_an_entry_others_can_write_is_not_read(cache, book, monkeypatch):
    parsed = _count_parses(monkeypatch)
    registry.load_file(book)
    (entry,) = cache.iterdir()
    assert entry.stat().st_mode & 0o777 == 0o600
    entry.chmod(0o666)
    registry.load_file(book)
    assert len(parsed) == 2, "parsed again rather than unpickling a file others could have written"


def test_crlf_and_cr_files_read_as_the_text_they_hold(cache, tmp_path):
    """The file is read as bytes (its checksum is the key), then as `read_text` would read it."""
    text = FIXTURE.read_text(encoding="utf-8")
    loaded = []
    for name, newline in (("lf.yaml", "\n"), ("crlf.yaml", "\r\n"), ("cr.yaml", "\r")):
        path = tmp_path / name
        path.write_bytes(text.replace("\n", newline).encode())
        loaded.append(dataclasses.replace(registry.load_file(path), path=None))
    assert loaded[0] == loaded[1] == loaded[2]
