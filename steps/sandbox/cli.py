"""The entry point behind sandbox_dir/bin/{juju,kubectl,curl}: one emulated command per process."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType


def dispatch(
    argv: Sequence[str], sandbox_dir: Path, env: Mapping[str, str], stdin=None
) -> tuple[int, bytes, bytes]:
    tool = os.path.basename(argv[0])
    env = dict(env)
    if not (Path(sandbox_dir) / "bin" / tool).exists() and (Path(sandbox_dir) / "bin").is_dir():
        # This scenario has no such tool (no juju beside upstream Istio; no helm beside CKF).
        return 127, b"", f"{tool}: command not found\n".encode()
    module: ModuleType
    # Each tool loads only its own emulator: every emulated command is a short process.
    if tool == "juju":
        from . import juju_cli as module
    elif tool == "kubectl":
        from . import kubectl_cli as module
    elif tool == "curl":
        from . import curl_cli as module
    elif tool == "helm":
        from .istio_upstream import helm_cli as module
    elif tool == "istioctl":
        from .istio_upstream import istioctl_cli as module
    else:
        return 127, b"", f"{tool}: command not found\n".encode()
    code, out, err = module.main(list(argv), Path(sandbox_dir), env, stdin)
    return code, _bytes(out), _bytes(err)


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _cannot_save(tool: str, exc: OSError) -> bytes:
    """The emulated cluster could not keep its state (a full disk, a read-only sandbox): one line
    in the tool's own error form, as a server-side failure reaches the real tools, not a traceback."""
    reason = f"the sandbox cannot save its state: {exc.strerror or exc}"
    return (f"ERROR {reason}\n" if tool == "juju" else f"error: {reason}\n").encode()


def _sandbox_dir(script: str, env: Mapping[str, str]) -> Path:
    if env.get("CAIRN_SANDBOX"):
        return Path(env["CAIRN_SANDBOX"])
    return Path(script).resolve().parent.parent


def main(tool: str, faults: bool = True) -> None:
    """`faults=False`: the sandbox was made without faults (see `_write_bin`), none to look for."""
    env = os.environ
    sandbox_dir = _sandbox_dir(sys.argv[0], env)
    kind, failure = "", None
    if faults:
        from .faults import check

        try:
            kind, failure = check(tool, sandbox_dir, env)
        except Exception:  # no state to read: let the command itself report it
            kind, failure = "", None
    if kind == "hang":
        # A hung API call: nothing returns until the process (group) is killed.
        while True:
            time.sleep(3600)
    if failure is not None:
        code, out, err = failure
    else:
        try:
            code, out, err = dispatch(
                [tool, *sys.argv[1:]], sandbox_dir, env, stdin=lambda: sys.stdin.buffer.read()
            )
        except OSError as exc:
            code, out, err = 1, b"", _cannot_save(tool, exc)
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    sys.stderr.flush()
    sys.exit(code)
