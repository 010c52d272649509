"""`cairn sandbox shell` marks its prompt: an operator must never mistake it for the real cluster."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tui.sandboxcmd import _marked_shell

MARK = "(cairn sandbox 20261124-1200-ab12) "


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_keeps_the_operators_prompt_behind_the_sandbox_mark(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("PS1='custom> '\n")  # what a real .bashrc does to PS1
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "PS1": MARK + "$ "}
    argv = _marked_shell(shutil.which("bash") or "bash", MARK, scratch, env)
    r = subprocess.run([*argv, "-i"], input="exit\n", capture_output=True, text=True, env=env, timeout=30)
    assert f"{MARK}custom> " in r.stderr


@pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh")
def test_zsh_reads_the_operators_zshrc_then_marks_the_prompt(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_text("PROMPT='z> '\n")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    argv = _marked_shell("zsh", MARK, tmp_path, env)
    r = subprocess.run(
        [*argv, "-i", "-c", "print -r -- $PROMPT"], capture_output=True, text=True, env=env, timeout=30
    )
    assert r.stdout.strip() == f"{MARK}z>"


def test_other_shells_take_the_mark_from_ps1(tmp_path):
    env: dict[str, str] = {}
    assert _marked_shell("/bin/sh", MARK, tmp_path, env) == ["/bin/sh"]
