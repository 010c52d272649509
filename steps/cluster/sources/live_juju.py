"""The live Juju read, through python-libjuju.

`Model.get_status()` returns the API's FullStatus; it is turned into the very document
`juju status --format=json` prints (the CLI does the same conversion), so one parser reads both.
The controller and credentials come from the juju CLI's own files ($JUJU_DATA or ~/.local/share/juju).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from juju.model import Model

from ..errors import StateParseError
from ..juju_parse import JujuStatus, parse_config, parse_status

TIMEOUT = 60.0
_CHARM_URL = re.compile(r"^(?:[a-z]+:)?(?:.*/)?(?P<name>[a-z0-9][a-z0-9-]*?)(?:-(?P<rev>\d+))?$")


@dataclass
class JujuRead:
    status: JujuStatus | None = None
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _error_text(err: Any) -> str:
    return str(getattr(err, "message", None) or err)


def _detailed(status: Any) -> dict[str, Any]:
    """A libjuju DetailedStatus -> the CLI's `{current, message, since, version}`."""
    if status is None:
        return {}
    if getattr(status, "err", None):
        return {"status-error": _error_text(status.err)}
    out = {"current": status.status or "", "message": status.info or "", "since": status.since or ""}
    if getattr(status, "version", None):
        out["version"] = status.version
    return {k: v for k, v in out.items() if v != ""}


def _relation_index(relations: Any) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(app, endpoint, related app) -> (interface, scope), from the model's relation list."""
    index: dict[tuple[str, str, str], tuple[str, str]] = {}
    for relation in relations or []:
        endpoints = list(relation.endpoints or [])
        for ep in endpoints:
            others = [o for o in endpoints if o is not ep] or [ep]  # a peer relation has one endpoint
            for other in others:
                index[(ep.application, ep.name, other.application)] = (
                    relation.interface or "",
                    relation.scope or "",
                )
    return index


def _unit(unit: Any) -> dict[str, Any]:
    if getattr(unit, "workload_status", None) is not None and getattr(unit.workload_status, "err", None):
        return {"status-error": _error_text(unit.workload_status.err)}
    out: dict[str, Any] = {
        "workload-status": _detailed(unit.workload_status),
        "juju-status": _detailed(unit.agent_status),
        "leader": bool(unit.leader),
        "address": unit.address or "",
        "provider-id": unit.provider_id or "",
    }
    if unit.subordinates:
        out["subordinates"] = {name: _unit(sub) for name, sub in unit.subordinates.items()}
    return {k: v for k, v in out.items() if v not in ("", None, False)}


def _application(name: str, app: Any, index: dict[tuple[str, str, str], tuple[str, str]]) -> dict[str, Any]:
    if getattr(app, "err", None):
        return {"status-error": _error_text(app.err)}
    match = _CHARM_URL.match(app.charm or "")
    charm = match.group("name") if match else (app.charm or "")
    revision = app.charm_rev
    if revision is None and match and match.group("rev"):  # older controllers: only in the charm URL
        revision = int(match.group("rev"))
    relations: dict[str, list[dict[str, str]]] = {}
    for endpoint, related in (app.relations or {}).items():
        for other in related or []:
            interface, scope = index.get((name, endpoint, other), ("", "global"))
            relations.setdefault(endpoint, []).append(
                {"related-application": other, "interface": interface, "scope": scope or "global"}
            )
    out: dict[str, Any] = {
        "charm": charm,
        "charm-origin": "charmhub" if (app.charm or "").startswith("ch:") else "local",
        "charm-name": charm,
        "charm-rev": revision,
        "charm-channel": app.charm_channel or "",
        "scale": app.int_,
        "provider-id": app.provider_id or "",
        "address": app.public_address or "",
        "exposed": bool(app.exposed),
        "life": app.life or "",
        "application-status": _detailed(app.status),
        "relations": relations,
        "units": {unit_name: _unit(unit) for unit_name, unit in (app.units or {}).items()},
        "version": app.workload_version or "",
    }
    if app.base is not None:
        out["base"] = {"name": app.base.name, "channel": app.base.channel}
    return {k: v for k, v in out.items() if v not in ("", None)}


def status_document(full: Any, controller: str = "") -> dict[str, Any]:
    """libjuju's FullStatus -> the `juju status --format=json` document."""
    model = full.model
    cloud = (model.cloud_tag or "").removeprefix("cloud-")
    index = _relation_index(full.relations)
    return {
        "model": {
            "name": model.name,
            "type": model.type_ or "",
            "controller": controller,
            "cloud": cloud,
            "region": model.region or "",
            "version": model.version or "",
            "model-status": _detailed(model.model_status),
            "sla": model.sla or "",
        },
        "machines": {},
        "applications": {
            name: _application(name, app, index) for name, app in (full.applications or {}).items()
        },
    }


async def read_juju(model_name: str, timeout: float = TIMEOUT) -> JujuRead:
    """Connect with the CLI's credentials, read status and every app's config, disconnect."""
    read = JujuRead()
    model = Model()
    try:
        await asyncio.wait_for(model.connect(model_name), timeout)
    except Exception as exc:  # libjuju raises many types (JujuConnectionError, JujuError, OSError, timeouts)
        read.errors.append(f"juju: cannot connect to model {model_name}: {type(exc).__name__}: {exc}")
        await _quietly_disconnect(model)
        return read
    try:
        full = await asyncio.wait_for(model.get_status(), timeout)
        controller = getattr(getattr(model, "_connector", None), "controller_name", None) or ""
        doc = status_document(full, controller if isinstance(controller, str) else "")
        read.status = parse_status(doc, f"juju model {model_name}")
        read.errors.extend(read.status.errors)
        for app in sorted(doc["applications"]):
            await _read_config(model, app, read, timeout)
    except StateParseError as exc:
        read.errors.append(str(exc))
    except Exception as exc:
        read.errors.append(f"juju: reading model {model_name} failed: {type(exc).__name__}: {exc}")
    finally:
        await _quietly_disconnect(model)
    return read


async def _read_config(model: Model, app: str, read: JujuRead, timeout: float) -> None:
    handle = model.applications.get(app)
    if handle is None:
        return
    try:
        settings = await asyncio.wait_for(handle.get_config(), timeout)
        _, values = parse_config({"application": app, "settings": settings}, f"juju config {app}")
    except StateParseError as exc:
        read.errors.append(str(exc))
        return
    except Exception as exc:
        read.errors.append(f"juju: config of {app} not read: {type(exc).__name__}: {exc}")
        return
    read.configs[app] = values


async def _quietly_disconnect(model: Model) -> None:
    try:
        await model.disconnect()
    except Exception:  # nothing useful to tell the operator about a failed goodbye
        pass
