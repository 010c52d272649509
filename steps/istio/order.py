"""The order in which namespaces lose their sidecars: callers before the services they call.

Upstream sidecars never send traffic through waypoints, so a callee that goes ambient while a
caller keeps its sidecar is reached directly, past its waypoint: its L7 policies are enforced by
nobody. Callers first avoids that. Who calls whom is read from the principals and namespaces the
policies name as sources.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping


def order_namespaces(
    namespaces: Iterable[str], calls: Mapping[str, set[str]]
) -> tuple[list[str], list[list[str]]]:
    """(the order, the cycles met). `calls[a]` holds the namespaces a calls. Ties go alphabetically;
    a cycle is broken at its alphabetically first namespace."""
    nodes = sorted(set(namespaces))
    callers: dict[str, set[str]] = {n: set() for n in nodes}
    for caller, callees in calls.items():
        if caller not in callers:
            continue
        for callee in callees:
            if callee in callers and callee != caller:
                callers[callee].add(caller)
    waiting = {n: set(c) for n, c in callers.items()}
    ready = [n for n in nodes if not waiting[n]]
    heapq.heapify(ready)
    done: list[str] = []
    cycles: list[list[str]] = []
    placed: set[str] = set()
    while len(done) < len(nodes):
        if not ready:
            left = [n for n in nodes if n not in placed]
            cycles.append(_cycle(left, waiting))
            chosen = min(left)
            waiting[chosen] = set()
            heapq.heappush(ready, chosen)
        n = heapq.heappop(ready)
        if n in placed:
            continue
        placed.add(n)
        done.append(n)
        for other in nodes:
            if n in waiting[other]:
                waiting[other].discard(n)
                if not waiting[other] and other not in placed:
                    heapq.heappush(ready, other)
    return done, cycles


def _cycle(left: list[str], waiting: Mapping[str, set[str]]) -> list[str]:
    """One cycle among the namespaces left, walked back from the alphabetically first one."""
    start = min(left)
    path = [start]
    seen = {start}
    current = start
    while True:
        pending = sorted(waiting[current] & set(left))
        if not pending:
            return sorted(path)
        nxt = pending[0]
        if nxt in seen:
            return sorted(path[path.index(nxt) :])
        path.append(nxt)
        seen.add(nxt)
        current = nxt
