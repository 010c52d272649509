"""The rehearsal sandbox: a simulated Charmed Kubeflow deployment behind emulated `juju`, `kubectl`
and `curl`, so a runbook can be rehearsed end to end with the very commands of the night.

    create(dir, scenario)   writes dir/state.json, dir/volumes/…, dir/bin/{juju,kubectl,curl}
    environ(dir)            the env vars that put those emulators first on PATH
    run(argv, dir)          one emulated command in-process: (exit code, stdout, stderr)

Nothing here imports textual or tui, and the heavy modules load only when a command needs them:
each emulated command is its own short process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

SCENARIOS: dict[str, str] = {
    "ckf-1.11-microk8s": "CKF 1.11/stable with sidecar Istio on MicroK8s: user namespaces admin and alice, "
    "a serverless InferenceService",
    "ckf-1.11-canonical-k8s": "the same CKF 1.11/stable on Canonical Kubernetes, with Cilium in its default "
    "configuration (not yet fit for ambient)",
    "ckf-1.11-tls": "the same CKF 1.11/stable on MicroK8s, its gateway serving https://kubeflow.example.com "
    "with a certificate from self-signed-certificates, and Dex's issuer-url naming it",
    "ckf-1.6": "CKF 1.6 with the pod-spec MinIO holding data on a PVC (reclaim policy Delete), "
    "for the 1.6 -> 1.7 upgrade, on Juju 2.9.34 and MicroK8s 1.22; Charmhub as the guide met it "
    "(latest/edge holds the 1.7 charms)",
    "ckf-1.6-today": "the same CKF 1.6 on Juju 2.9, against today's Charmhub: latest/edge serves the newest "
    "charms, which CKF 1.6 cannot jump to",
}
DEFAULT_SCENARIO = "ckf-1.11-microk8s"
from .istio_upstream import SCENARIOS as _ISTIO_SCENARIOS  # noqa: E402
from .istio_upstream import TOOLS as _ISTIO_TOOLS  # noqa: E402
from .istio_upstream import is_upstream as _is_upstream  # noqa: E402

SCENARIOS.update(_ISTIO_SCENARIOS)


def scenarios_for(runbook_id: str) -> list[str]:
    """The scenarios that rehearse this runbook: upstream Istio's for istio-ambient, CKF's otherwise."""
    from .istio_upstream import RUNBOOK

    upstream = runbook_id == RUNBOOK
    return [name for name in SCENARIOS if _is_upstream(name) == upstream]


def default_scenario_for(runbook_id: str) -> str:
    """The scenario a runbook is rehearsed on when none is named."""
    from .istio_upstream import DEFAULT, RUNBOOK

    return DEFAULT if runbook_id == RUNBOOK else DEFAULT_SCENARIO


TOOLS = ("juju", "kubectl", "curl")

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def scenario_named(scenario: str) -> str:
    """The one validation of a scenario's name: ValueError naming the choices when unknown."""
    if scenario not in SCENARIOS:
        raise ValueError(f"no sandbox scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    return scenario


def create(
    sandbox_dir: Path, scenario: str, *, speed: float = 1.0, faults: Sequence[tuple[str, str]] = ()
) -> None:
    """Build a fresh sandbox in `sandbox_dir` (replacing one that is there)."""
    scenario_named(scenario)
    if speed < 0:
        raise ValueError(f"sandbox speed must be 0 or more, got {speed}")
    import shutil  # here: each emulated command imports this package, and shutil is ~5 ms

    from . import faults as fault_mod
    from . import scenarios, state

    registered = fault_mod.validate(faults)
    sandbox_dir = Path(sandbox_dir)
    sandbox_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(sandbox_dir, 0o700)  # its state holds Secrets: the owner's only, as a cluster's etcd
    for sub in ("volumes", "pods"):
        shutil.rmtree(sandbox_dir / sub, ignore_errors=True)
    built = scenarios.build(scenario, sandbox_dir, speed=float(speed))
    built["faults"] = registered
    state.initialise(sandbox_dir, built)
    _write_bin(sandbox_dir, _ISTIO_TOOLS if _is_upstream(scenario) else TOOLS, faults=bool(registered))


# How long the emulators' warm server waits for the next command before it leaves (a rehearsal at
# speed 1 pauses a few seconds between commands; an idle server holds ~40 MB).
_SERVER_IDLE_SECONDS = 20.0


def _write_bin(sandbox_dir: Path, tools: Sequence[str] = TOOLS, *, faults: bool = True) -> None:
    """`faults`: whether this sandbox was made with faults. They are only ever registered here, so
    the emulators of one made without skip looking for them: Cairn runs every command with
    CAIRN_STEP set, and the look parsed the whole state once more per command (~6 ms of ~90)."""
    bin_dir = sandbox_dir / "bin"
    bin_dir.mkdir(exist_ok=True)
    for stale in bin_dir.iterdir():  # a re-created sandbox of another kind has other tools
        if stale.name not in tools:
            stale.unlink()
    client = (Path(__file__).parent / "emulator_client.py").read_text(encoding="utf-8")
    from .emulator_server import fingerprint

    name = f"cairn-sandbox-{os.getuid()}-{fingerprint(Path(__file__).parent)}"
    site = _site_packages()
    for tool in tools:
        script = bin_dir / tool
        script.write_text(
            # -I -S: no `site` (its .pth files, the editable-install finder among them, cost ~15 ms
            # a command) and no PYTHON* variables; the client puts this project's root and the
            # site-packages directories (for PyYAML) on sys.path itself when it runs a command.
            f"#!{sys.executable} -IS\n"
            f"# Cairn rehearsal sandbox: the `{tool}` emulator (generated by steps.sandbox.create\n"
            "# from steps/sandbox/emulator_client.py).\n"
            f"{client}\n\n"
            f"main({tool!r}, root={str(_PROJECT_ROOT)!r}, site={site!r}, faults={faults!r},\n"
            f"     name={name!r}, idle={_SERVER_IDLE_SECONDS!r})\n"
        )
        script.chmod(0o755)


def tools_in(sandbox_dir: Path) -> tuple[str, ...]:
    """The emulated tools this sandbox puts on PATH (juju for CKF; helm and istioctl for upstream Istio)."""
    bin_dir = Path(sandbox_dir) / "bin"
    found = tuple(sorted(p.name for p in bin_dir.iterdir())) if bin_dir.is_dir() else ()
    return found or TOOLS


def _site_packages() -> list[str]:
    """Where this interpreter finds installed packages (the emulators' `-S` skips `site`)."""
    import site

    return [p for p in (*site.getsitepackages(), site.getusersitepackages()) if os.path.isdir(p)]


def environ(sandbox_dir: Path) -> dict[str, str]:
    """Variables to add to a command's environment so it runs against this sandbox."""
    bin_dir = str(Path(sandbox_dir).resolve() / "bin")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "CAIRN_SANDBOX": str(Path(sandbox_dir).resolve()),
    }


def run(
    argv: Sequence[str],
    sandbox_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    stdin: bytes | None = None,
) -> tuple[int, bytes, bytes]:
    """Emulate one command in-process. Faults apply as in the bin scripts, except that a `hang`
    cannot block the caller: it returns as the killed command would (-15, SIGTERM)."""
    from .cli import dispatch
    from .faults import check

    env = dict(env if env is not None else os.environ)
    kind, failure = check(os.path.basename(argv[0]), Path(sandbox_dir), env)
    if kind == "hang":
        return -15, b"", b""
    if failure is not None:
        return failure
    return dispatch(list(argv), Path(sandbox_dir), env, stdin=stdin)


def reading(sandbox_dir: Path):
    """A context in which read-only commands share one read of the state (see state.snapshot)."""
    from .state import snapshot

    return snapshot(Path(sandbox_dir))
