"""Injected failures for rehearsing failure handling.

Every command Cairn runs carries CAIRN_STEP=<step id> (steps.run.execute.command_env, on any target;
the sandbox reads it as any other tool could, and imports nothing of the core). A fault registered
for that step makes the command fail once (then succeed on the retry), fail every time, or hang
until killed.
The failures read like the real transient ones; nothing in them says they are simulated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .state import State, load, transaction

KINDS = ("fail-once", "fail", "hang")
STEP_ENV = "CAIRN_STEP"


def validate(faults) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for step, kind in faults:
        if kind not in KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r} for step {step!r}: expected one of {', '.join(KINDS)}"
            )
        if not step:
            raise ValueError("a fault needs a step id")
        out[step] = {"kind": kind, "fired": 0}
    return out


def transient_error(tool: str, state: State) -> tuple[int, bytes, bytes]:
    if tool == "juju":
        return (
            1,
            b"",
            b"ERROR cannot connect to API: dial tcp 10.152.183.11:17070: connect: connection refused\n",
        )
    if tool == "kubectl":
        port = 16443 if state.get("cluster", {}).get("distribution") == "microk8s" else 6443
        return (
            1,
            b"",
            (
                f"The connection to the server 127.0.0.1:{port} was refused - did you specify the right "
                "host or port?\n"
            ).encode(),
        )
    return 56, b"", b"curl: (56) Recv failure: Connection reset by peer\n"


def check(
    tool: str, sandbox_dir: Path, env: Mapping[str, str]
) -> tuple[str, tuple[int, bytes, bytes] | None]:
    """("hang", None) | ("fail", result) | ("", None) for the command about to run."""
    step = env.get(STEP_ENV)
    if not step:
        return "", None
    state = load(sandbox_dir)
    fault = state.get("faults", {}).get(step)
    if not fault:
        return "", None
    if fault["kind"] == "hang":
        return "hang", None
    if fault["kind"] == "fail":
        return "fail", transient_error(tool, state)
    if fault.get("fired"):
        return "", None
    with transaction(sandbox_dir) as st:
        entry = st.get("faults", {}).get(step)
        if entry is None or entry.get("fired"):
            return "", None
        entry["fired"] = 1
    return "fail", transient_error(tool, state)
