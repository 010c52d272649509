"""Is a set of applications settled (active and idle)? One state at a time: the engine times
how long the answer stays yes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..cluster.state import ClusterState, Unit

BUSY_AGENT = ("allocating", "executing", "rebooting", "lost", "failed", "error")


@dataclass(frozen=True)
class SettleReport:
    settled: bool
    lines: tuple[str, ...] = ()  # one per unit (or app) not yet settled, for the operator


def _unit_settled(unit: Unit) -> bool:
    return (
        unit.workload.current == "active"
        and unit.agent.current == "idle"
        and "installing agent" not in unit.workload.message
        and "installing agent" not in unit.agent.message
    )


def evaluate_settle(state: ClusterState, apps: Sequence[str]) -> SettleReport:
    rows: list[tuple[str, str, str, str]] = []
    for name in apps:
        app = state.app(name)
        if app is None:
            rows.append((name, "missing", "-", "not deployed"))
            continue
        unsettled = [u for u in app.units if not _unit_settled(u)]
        for unit in unsettled:
            message = unit.workload.message or unit.agent.message
            rows.append((unit.name, unit.workload.current, unit.agent.current, message))
        if not app.units:
            rows.append((name, app.status.current, "-", "no units yet"))
        elif app.scale is not None and len(app.units) < app.scale:
            rows.append((name, app.status.current, "-", f"{len(app.units)} of {app.scale} units"))
        elif not unsettled and app.status.current != "active":
            rows.append((name, app.status.current, "-", app.status.message or "application not active"))
    if not rows:
        return SettleReport(True)
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = tuple(
        "  ".join(
            [*(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)), row[3]]
        ).rstrip()
        for row in rows
    )
    return SettleReport(False, lines)
