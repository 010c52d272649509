"""The command line contract: output, exit status 0/1/2, one clear line for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from steps.record import session


def cairn(*args, input_text=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        input=input_text,
        env=env or os.environ.copy(),
        timeout=120,
    )


def test_list():
    r = cairn("list")
    assert r.returncode == 0 and "ckf-1.11-ambient" in r.stdout


def test_plan_canonical_k8s():
    r = cairn("plan", "ckf-1.11-ambient", "--platform", "canonical-k8s")
    assert r.returncode == 0
    out = r.stdout
    assert out.index("Configure Cilium") < out.index("Remove legacy Istio")
    assert '--config platform=""' in out and "Nothing was run." in out


def test_plan_touches_nothing(tmp_path):
    env = os.environ.copy()
    env["CAIRN_HOME"] = str(tmp_path / "home")
    r = cairn("plan", "--platform", "microk8s", "--risk", "stable", env=env)
    assert r.returncode == 0 and "/edge" not in r.stdout and "Cilium" not in r.stdout
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--platform", "x; rm -rf /"],
        ["plan", "--risk", "beta"],
        ["plan", "nope"],
        ["plan", "--set", "model"],
        ["plan", "--set", "colour=blue"],
        ["run", "--platform", "rke2", "--plain"],
        ["run", "--fault", "nocolon", "--plain"],
        ["run", "--fault", "step:explode", "--plain"],
        ["run", "--speed", "fast", "--plain"],
        ["run", "--speed", "-1", "--plain", "--yes"],
        ["run", "--sandbox", "ckf-9.9", "--plain"],
        ["run", "--from-files", "/nonexistent", "--plain"],
        ["frobnicate"],
        ["export", "no-such-session"],
        ["resume", "no-such-session", "--plain"],
        ["plan", "--runbook", "/nonexistent.yaml"],
        # issue 14.6
        ["run", "--speed", "nan", "--plain", "--yes"],
        ["run", "--speed", "inf", "--plain", "--yes"],
        ["run", "--speed", "1e308", "--plain", "--yes"],
        ["run", "--settle-timeout", "-5", "--plain", "--yes"],
        ["run", "--settle-timeout", "nan", "--plain", "--yes"],
        ["run", "--settle-timeout", "0", "--plain", "--yes"],
        ["run", "--set", "user_namespaces=,,,", "--plain", "--yes"],
        ["plan", "--set", "user_namespaces=,,,"],
        ["run", "--runbook", "/dev/zero", "--plain", "--yes"],
        ["plan", "--runbook", "/dev/zero"],
        ["plan", "--runbook", "FIFO"],
        ["run", "--runbook", "tests/malformed/runbooks/title-unknown-placeholder.yaml", "--plain", "--yes"],
        ["run", "--runbook", "tests/malformed/runbooks/deeply-nested.yaml", "--plain", "--yes"],
        ["run", "--runbook", "tests/malformed/runbooks/settle-alias-bomb.yaml", "--plain", "--yes"],
        ["run", "--runbook", "tests/malformed/runbooks/derived-map-list.yaml", "--plain", "--yes"],
        ["run", "--runbook", "tests/malformed/runbooks/files-not-a-name.yaml", "--plain", "--yes"],
        ["run", "--runbook", "tests/malformed/runbooks/timeout-inf.yaml", "--plain", "--yes"],
    ],
)
def test_bad_input_exits_2_with_one_line(args, tmp_path):
    env = os.environ.copy()
    env["CAIRN_HOME"] = str(tmp_path / "home")
    other = tmp_path / "home" / "sessions" / "20260101-000000-othr"
    other.mkdir(parents=True)
    (other / "journal.jsonl").write_text(OTHER_SESSION)
    if "FIFO" in args:
        os.mkfifo(tmp_path / "fifo")
        args = [str(tmp_path / "fifo") if a == "FIFO" else a for a in args]
    root = Path(__file__).parents[2]
    r = subprocess.run(
        [sys.executable, "-m", "tui", *args], capture_output=True, text=True, env=env, timeout=120, cwd=root
    )
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: "), r.stderr
    assert "Traceback" not in r.stderr
    assert not session.all_ids(), "bad input leaves no session behind"
    left = sorted(p.name for p in (tmp_path / "home" / "sessions").iterdir())
    assert left == [other.name], "bad input leaves no session behind"
    assert (other / "journal.jsonl").read_text() == OTHER_SESSION, "other sessions unaffected"
    sandboxes = tmp_path / "home" / "sandboxes"
    assert not sandboxes.exists() or not any(sandboxes.iterdir()), "nor a sandbox"


OTHER_SESSION = (
    '{"seq":0,"type":"session.started","t":1.0,"format":1,"session_id":"20260101-000000-othr",'
    '"runbook":"ckf-1.11-ambient","runbook_title":"R"}\n'
)


def test_platform_injection_names_the_choices():
    r = cairn("plan", "--platform", "x; rm -rf /")
    assert "microk8s, canonical-k8s, gke, k3d, k3s, minikube, openshift" in r.stderr


def test_sessions_when_none():
    r = cairn("sessions")
    assert r.returncode == 0 and "no sessions yet" in r.stdout


def test_help_names_the_registered_scenarios(monkeypatch):
    """The scenario list in --help comes from the sandbox's registry, so a new scenario shows up."""
    from steps import sandbox
    from tui.cli import build_parser

    monkeypatch.setitem(sandbox.SCENARIOS, "a-new-scenario", "registered by a test")
    monkeypatch.setenv("COLUMNS", "1000")  # no line breaks inside a hyphenated name
    sub = build_parser()._subparsers._group_actions[0].choices["run"]  # noqa: SLF001 - argparse has no API
    help_text = " ".join(sub.format_help().split())
    for name in sandbox.SCENARIOS:
        assert name in help_text
