"""Messages say what is wrong first (issue 10.18, 10.21, 10.22)."""

from __future__ import annotations

import os
import subprocess
import sys


def cairn(*args: str, home) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAIRN_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,  # no terminal: the app could not start anyway
        timeout=120,
    )


def test_an_unknown_fault_step_exits_2_naming_the_nearest_ids(tmp_path):
    r = cairn("run", "ckf-1.11-ambient", "--fault", "remove-istio-pilt:fail", "--plain", home=tmp_path)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "no step 'remove-istio-pilt'" in line and "nearest: remove-istio-pilot" in line
    assert not (tmp_path / "sessions").exists() or not any((tmp_path / "sessions").iterdir())
    r = cairn("run", "--fault", "nosuch:fail", home=tmp_path)
    assert r.returncode == 2 and "no step 'nosuch'" in r.stderr and "nearest: " in r.stderr


def test_a_fault_on_a_step_of_another_platform_is_accepted(tmp_path):
    # The Cilium step exists only with canonical-k8s, but it is the runbook's step: no typo.
    r = cairn(
        "run",
        "--platform",
        "canonical-k8s",
        "--fault",
        "cilium-hostns-only:fail-once",
        "--yes",
        home=tmp_path,
    )
    assert "no step" not in r.stderr


def test_resume_without_sessions_says_so_before_asking_for_a_terminal(tmp_path):
    for command in ("resume", "watch"):
        r = cairn(command, home=tmp_path)
        assert r.returncode == 2
        assert "no sessions yet" in r.stderr and "terminal" not in r.stderr, r.stderr


def test_run_of_an_unknown_runbook_says_so_before_asking_for_a_terminal(tmp_path):
    r = cairn("run", "nosuch", home=tmp_path)
    assert r.returncode == 2
    assert "no runbook named 'nosuch'" in r.stderr and "terminal" not in r.stderr, r.stderr


def test_list_gives_the_step_count_a_run_has(tmp_path):
    r = cairn("list", home=tmp_path)
    assert r.returncode == 0
    ambient = next(line for line in r.stdout.splitlines() if line.startswith("ckf-1.11-ambient"))
    # 53 fixed steps on microk8s and 4 per user namespace: 61 with admin and alice, as runs have
    # (issue 11: the mesh-policies record and check, a spoofing test per user namespace).
    assert "53 steps + 4 per user_namespaces item" in ambient
    assert "; 57 with platform=canonical-k8s" in ambient
    # issue 11.6: the TLS steps appear only when TLS is carried
    assert "; 54 with tls=carry; 55 with tls=manual-tls-certificates" in ambient
    assert "61 steps" not in ambient
