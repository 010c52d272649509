"""The Juju model inside the state: applications, units, relations, and reads of them at `now`.

Removal is lazy like settling: `remove-application` stamps `gone_at` and every read treats an
app (and its relations) as gone from then on; the next write transaction drops the records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .state import State

App = dict[str, Any]
Relation = dict[str, Any]


@dataclass(frozen=True)
class Side:
    app: str
    endpoint: str
    role: str
    interface: str

    def __str__(self) -> str:
        return f"{self.app}:{self.endpoint}"


def apps(state: State, now: float, *, include_dying: bool = True) -> dict[str, App]:
    out = {}
    for name, app in state.get("apps", {}).items():
        gone = app.get("gone_at")
        if gone is not None and gone <= now:
            continue
        if not include_dying and gone is not None:
            continue
        out[name] = app
    return out


def app(state: State, name: str, now: float) -> App | None:
    return apps(state, now).get(name)


def dying(app_rec: App, now: float) -> bool:
    gone = app_rec.get("gone_at")
    return gone is not None and gone > now


def sides(rel: Relation) -> tuple[Side, Side]:
    a, b = rel["eps"]
    return Side(*a), Side(*b)


def relations(state: State, now: float) -> list[Relation]:
    live = apps(state, now)
    out = []
    for rel in state.get("relations", []):
        gone = rel.get("gone_at")
        if gone is not None and gone <= now:
            continue
        a, b = rel["eps"]  # [app, endpoint, role, interface]: no Side built just to filter
        if a[0] in live and b[0] in live:
            out.append(rel)
    return out


def related(state: State, app_name: str, endpoint: str | None, now: float) -> list[Side]:
    """The remote sides of `app_name`'s relations (on `endpoint`, or on any endpoint)."""
    out = []
    for rel in relations(state, now):
        ends = rel["eps"]
        if ends[0][0] != app_name and ends[1][0] != app_name:
            continue  # most relations are other apps': skip building their Sides (a read asks ~100 times)
        a, b = sides(rel)
        for local, remote in ((a, b), (b, a)):
            if local.app == app_name and (endpoint is None or local.endpoint == endpoint):
                out.append(remote)
    return out


def has(state: State, app_name: str, endpoint: str, now: float) -> bool:
    return bool(related(state, app_name, endpoint, now))


def local_endpoints(state: State, app_name: str, now: float) -> Iterator[tuple[Side, Side, Relation]]:
    for rel in relations(state, now):
        a, b = sides(rel)
        if a.app == app_name:
            yield a, b, rel
        if b.app == app_name:
            yield b, a, rel


def charm_of(state: State, charm: str, now: float) -> list[str]:
    """Names of the live applications running `charm`."""
    return [n for n, a in apps(state, now).items() if a["charm"] == charm and not dying(a, now)]


def first_app(state: State, charm: str, now: float) -> tuple[str, App] | None:
    for name in charm_of(state, charm, now):
        return name, state["apps"][name]
    return None


def config_value(app_rec: App, key: str) -> Any:
    if key in app_rec.get("config", {}):
        return app_rec["config"][key]
    return app_rec.get("defaults", {}).get(key)


def unit_names(name: str, app_rec: App) -> list[str]:
    return [f"{name}/{u['n']}" for u in app_rec.get("units", [])]


def collect_garbage(state: State, now: float) -> None:
    live = apps(state, now)
    for name in [n for n in state.get("apps", {}) if n not in live]:
        del state["apps"][name]
    kept = []
    for rel in state.get("relations", []):
        a, b = sides(rel)
        gone = rel.get("gone_at")
        if (gone is None or gone > now) and a.app in state["apps"] and b.app in state["apps"]:
            kept.append(rel)
    state["relations"] = kept
