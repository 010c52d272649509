"""Does the charm a runbook will refresh to have the endpoints the runbook will integrate?

Read from `juju info CHARM --channel C --format=json` (Juju's cmd/juju/charmhub InfoResponse:
`charm.relations` maps "provides"/"requires" to {endpoint: interface}). Checked in pre-flight so
a channel without ambient support (e.g. `--risk stable` while ambient is only on X/edge) stops the
run before anything is removed, not half-way with `application "x" has no "service-mesh" relation`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .result import CheckResult, fail, ok


def _endpoints(info: str) -> set[str] | None:
    try:
        doc = json.loads(info)
    except (TypeError, ValueError):
        return None
    charm = doc.get("charm") if isinstance(doc, dict) else None
    relations = charm.get("relations") if isinstance(charm, dict) else None
    if not isinstance(relations, dict):
        return None
    found: set[str] = set()
    for side in relations.values():
        if isinstance(side, dict):
            found.update(str(name) for name in side)
    return found


def charm_endpoints(
    state: ClusterState, params: Mapping[str, Any], *, charm: str, channel: str, endpoints: str, info: str
) -> CheckResult:
    wanted = [e.strip() for e in endpoints.split(",") if e.strip()]
    have = _endpoints(info)
    if have is None:
        return fail(
            f"could not read {charm}'s endpoints on {channel} from `juju info`",
            f"juju info {charm} --channel {channel} --format=json",
        )
    missing = [e for e in wanted if e not in have]
    if missing:
        return fail(
            f"{charm} {channel} lacks {', '.join(missing)}",
            f"choose a channel of {charm} that has them (ambient support is on the edge risk first: "
            "run with --risk edge, or --set channel.<charm>=TRACK/edge)",
            [f"{charm} {channel}: no {e} endpoint" for e in missing],
        )
    return ok(f"{charm} {channel} has {', '.join(wanted)}")
