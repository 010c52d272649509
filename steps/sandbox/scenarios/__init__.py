"""The scenarios a sandbox can start from (names and descriptions live in steps.sandbox.SCENARIOS)."""

from __future__ import annotations

from pathlib import Path

from ..state import State, now
from .common import DAY


def build(name: str, sandbox_dir: Path, *, speed: float) -> State:
    # The deployment has been running for a while: its objects are twelve days old.
    t0 = now() - 12 * DAY
    if name == "ckf-1.11-microk8s":
        from . import ckf111

        return ckf111.build(name, "microk8s", sandbox_dir, speed, t0)
    if name == "ckf-1.11-canonical-k8s":
        from . import ckf111

        return ckf111.build(name, "canonical-k8s", sandbox_dir, speed, t0)
    if name == "ckf-1.11-tls":
        from . import ckf111

        return ckf111.build(name, "microk8s", sandbox_dir, speed, t0, tls=True)
    if name == "ckf-1.6":
        from . import ckf16

        return ckf16.build(name, sandbox_dir, speed, t0)
    if name.startswith("istio-bookinfo"):
        from ..istio_upstream import scenario

        return scenario.build(name, sandbox_dir, speed, t0)
    if name == "ckf-1.6-today":
        from . import ckf16

        return ckf16.build(name, sandbox_dir, speed, t0, charmhub="today")
    raise ValueError(f"unknown sandbox scenario {name!r}")
