"""A displayed command is one line, and pastes into bash as it ran (issue 10.26)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from steps.runbook.argvfmt import format_argv

CURL = ["curl", "--silent", "--write-out", "\nHTTP %{http_code}\n", "http://10.0.0.1/"]


def test_a_newline_in_an_argument_does_not_split_the_command():
    shown = format_argv(CURL)
    assert "\n" not in shown
    assert shown == "curl --silent --write-out $'\\nHTTP %{http_code}\\n' http://10.0.0.1/"


def test_plain_arguments_are_quoted_as_before():
    assert format_argv(["juju", "config", "istio-k8s", "platform=", "a b"]) == (
        "juju config istio-k8s platform=\"\" 'a b'"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_shown_command_gives_bash_the_same_arguments():
    argv = ["x", "\nHTTP %{http_code}\n", "it's\ta\\b", "plain"]
    shown = format_argv(argv)
    out = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {shown.split(' ', 1)[1]}"], capture_output=True, timeout=10
    ).stdout
    assert out.split(b"\0")[:-1] == [a.encode() for a in argv[1:]]
