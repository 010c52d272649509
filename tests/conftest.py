"""Suite-wide guards: no test may reach a real juju, kubectl, Kubernetes API or Juju controller."""

from __future__ import annotations

import compileall
import os
import stat
from pathlib import Path

import pytest

TRIPWIRE_TOOLS = ("juju", "kubectl", "curl", "helm", "istioctl")
ROOT = Path(__file__).resolve().parents[1]


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than the cores. A third of the suite's time is spent waiting
    (real sleeps in the timing tests, tmux, commands that take seconds on purpose), and with a
    worker per core one core sat idle that long: 195-200 s on 2 cores, 155-165 s with three. The
    TUI tests wait for what they assert (never a fixed pause), so the extra load does not make
    them flaky."""
    return (os.cpu_count() or 1) + 1


def pytest_sessionstart(session):
    """Bytecode for Cairn's modules before a test starts `python -m tui` in a fresh process. With
    PYTHONDONTWRITEBYTECODE set (as in a developer's shell) no such process writes it, and each
    compiled every module edited since: ~90 ms a start. Up to date, this is a stat per module."""
    for package in ("steps", "tui"):
        compileall.compile_dir(ROOT / package, quiet=1)


def _write_tripwire(bin_dir: Path, record: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in TRIPWIRE_TOOLS:
        script = bin_dir / tool
        script.write_text(
            "#!/bin/sh\n"
            f'echo "$0 $*" >> "{record}"\n'
            f'echo "cairn tests: a real {tool} was called: $0 $*" >&2\n'
            "exit 97\n"
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture(autouse=True)
def no_real_cluster_tools(tmp_path_factory, monkeypatch):
    """Put failing `juju`/`kubectl`/`curl` first on PATH and fail the test if one ran.

    Sandbox sessions prepend their own emulators for their commands, so only a call that escaped
    the sandbox lands here. The live client libraries are cut off too.
    """
    root = tmp_path_factory.mktemp("tripwire")
    record = root / "calls.log"
    _write_tripwire(root / "bin", record)
    monkeypatch.setenv("PATH", f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("CAIRN_HOME", str(root / "cairn-home"))
    monkeypatch.setenv("CAIRN_SECRETS_DIR", str(root / "secrets"))
    # The parsed-runbook cache: one for the whole run (of this worker), never the user's own.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
    monkeypatch.setenv("KUBECONFIG", str(root / "no-kubeconfig"))
    monkeypatch.setenv("JUJU_DATA", str(root / "no-juju-data"))
    try:
        import kubernetes.config as kconfig

        def _refuse(*_a, **_k):
            raise AssertionError("cairn tests: the kubernetes client tried to load a real kubeconfig")

        monkeypatch.setattr(kconfig, "load_kube_config", _refuse)
        monkeypatch.setattr(kconfig, "load_incluster_config", _refuse)
    except ImportError:  # pragma: no cover - kubernetes is a hard dependency
        pass
    yield
    if record.exists():
        pytest.fail(f"a real cluster tool was called during the test:\n{record.read_text()}")
