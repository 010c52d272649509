"""`juju status`, `juju config` and `juju version` output (Juju 3.6, JSON or YAML) -> state parts.

Field names follow `juju status --format=json` (the same ones canonical/jubilant parses). Any
application, unit or status may be `{"status-error": "..."}` instead of the normal object: that
part is kept with status "unknown" and the error text, and reported in the read's errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import StateParseError
from .shape import mapping, sequence, text
from .state import App, ModelInfo, Relation, Status, Unit

STATUS_ERROR = "status-error"
_VERSION = re.compile(r"^\s*v?(\d+\.\d+(?:\.\d+)?(?:[-.](?:beta|rc)\d*)?)(?:-[a-z0-9]+-[a-z0-9]+)?\s*$")


@dataclass
class JujuStatus:
    model: ModelInfo
    apps: dict[str, App]
    errors: list[str] = field(default_factory=list)


def looks_like_status(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "model" in doc and ("applications" in doc or "machines" in doc)


def looks_like_config(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "application" in doc and "settings" in doc


def parse_version(output: str) -> str:
    """`juju version` prints e.g. `3.6.8-genericlinux-amd64`; keep the number, `3.6.8`."""
    match = _VERSION.match(output.strip().splitlines()[0] if output.strip() else "")
    return match.group(1) if match else ""


def _status(value: Any, where: str, path: str, errors: list[str]) -> Status:
    found = mapping(value, where, path)
    if STATUS_ERROR in found:
        message = text(found[STATUS_ERROR], where, f"{path}.{STATUS_ERROR}")
        errors.append(f"{where}: {path}: status error: {message}")
        return Status("unknown", f"status error: {message}")
    return Status(
        current=text(found.get("current"), where, f"{path}.current") or "unknown",
        message=text(found.get("message"), where, f"{path}.message"),
        since=text(found.get("since"), where, f"{path}.since") or None,
    )


def _unit(name: str, value: Any, where: str, path: str, errors: list[str]) -> Unit:
    found = mapping(value, where, path)
    if STATUS_ERROR in found:
        message = text(found[STATUS_ERROR], where, f"{path}.{STATUS_ERROR}")
        errors.append(f"{where}: {path}: status error: {message}")
        broken = Status("unknown", f"status error: {message}")
        return Unit(name=name, workload=broken, agent=broken)
    return Unit(
        name=name,
        workload=_status(found.get("workload-status"), where, f"{path}.workload-status", errors),
        agent=_status(found.get("juju-status"), where, f"{path}.juju-status", errors),
        leader=bool(found.get("leader", False)),
        address=text(found.get("address") or found.get("public-address"), where, f"{path}.address"),
    )


def _relations(value: Any, where: str, path: str) -> tuple[Relation, ...]:
    out: list[Relation] = []
    for endpoint, related in mapping(value, where, path).items():
        for i, item in enumerate(sequence(related, where, f"{path}.{endpoint}")):
            if isinstance(item, str):  # Juju 2.9 printed plain application names
                out.append(Relation(str(endpoint), item))
                continue
            rel = mapping(item, where, f"{path}.{endpoint}[{i}]")
            other = text(rel.get("related-application"), where, f"{path}.{endpoint}[{i}]")
            if not other:
                raise StateParseError(where, "related-application is missing", f"{path}.{endpoint}[{i}]")
            out.append(
                Relation(
                    endpoint=str(endpoint),
                    related_app=other,
                    interface=text(rel.get("interface"), where, f"{path}.{endpoint}[{i}].interface"),
                    scope=text(rel.get("scope"), where, f"{path}.{endpoint}[{i}].scope") or "global",
                )
            )
    return tuple(sorted(out, key=lambda r: (r.endpoint, r.related_app)))


def _unit_order(name: str) -> tuple[str, int]:
    app, _, number = name.rpartition("/")
    return (app, int(number)) if number.isdigit() else (name, -1)


def _app(name: str, value: Any, where: str, errors: list[str], subordinates: dict[str, list[Unit]]) -> App:
    path = f"applications.{name}"
    found = mapping(value, where, path)
    if STATUS_ERROR in found:
        message = text(found[STATUS_ERROR], where, f"{path}.{STATUS_ERROR}")
        errors.append(f"{where}: {path}: status error: {message}")
        return App(name=name, charm="", status=Status("unknown", f"status error: {message}"))
    units: list[Unit] = []
    for unit_name, unit in mapping(found.get("units"), where, f"{path}.units").items():
        unit_path = f"{path}.units.{unit_name}"
        units.append(_unit(str(unit_name), unit, where, unit_path, errors))
        # Subordinate units are printed under their principal; they belong to their own app.
        subs = mapping(
            mapping(unit, where, unit_path).get("subordinates"), where, f"{unit_path}.subordinates"
        )
        for sub_name, sub in subs.items():
            sub_unit = _unit(str(sub_name), sub, where, f"{unit_path}.subordinates.{sub_name}", errors)
            subordinates.setdefault(str(sub_name).rpartition("/")[0], []).append(sub_unit)
    revision = found.get("charm-rev")
    if revision is not None and not isinstance(revision, int):
        raise StateParseError(where, f"expected a number, got {revision!r}", f"{path}.charm-rev")
    scale = found.get("scale")
    if scale is not None and not isinstance(scale, int):
        raise StateParseError(where, f"expected a number, got {scale!r}", f"{path}.scale")
    return App(
        name=name,
        charm=text(found.get("charm-name") or found.get("charm"), where, f"{path}.charm"),
        channel=text(found.get("charm-channel"), where, f"{path}.charm-channel"),
        revision=revision,
        status=_status(found.get("application-status"), where, f"{path}.application-status", errors),
        units=tuple(sorted(units, key=lambda u: _unit_order(u.name))),
        relations=_relations(found.get("relations"), where, f"{path}.relations"),
        scale=scale,
        life=text(found.get("life"), where, f"{path}.life"),
        version=text(found.get("version"), where, f"{path}.version"),
    )


def parse_status(doc: Any, where: str) -> JujuStatus:
    """A whole `juju status --format=json|yaml` document."""
    if not looks_like_status(doc):
        raise StateParseError(where, "not a juju status document (no model and applications)")
    errors: list[str] = []
    model = mapping(doc.get("model"), where, "model")
    model_status = mapping(model.get("model-status"), where, "model.model-status")
    info = ModelInfo(
        name=text(model.get("name"), where, "model.name"),
        type=text(model.get("type"), where, "model.type"),
        controller=text(model.get("controller"), where, "model.controller"),
        cloud=text(model.get("cloud"), where, "model.cloud"),
        version=text(model.get("version"), where, "model.version"),
        status=text(model_status.get("current"), where, "model.model-status.current"),
    )
    if not info.name:
        raise StateParseError(where, "the model has no name", "model.name")
    subordinates: dict[str, list[Unit]] = {}
    apps = {
        str(name): _app(str(name), value, where, errors, subordinates)
        for name, value in mapping(doc.get("applications"), where, "applications").items()
    }
    for app_name, units in subordinates.items():
        if app_name in apps and not apps[app_name].units:
            apps[app_name] = replace(
                apps[app_name], units=tuple(sorted(units, key=lambda u: _unit_order(u.name)))
            )
    return JujuStatus(model=info, apps=apps, errors=errors)


def parse_config(doc: Any, where: str) -> tuple[str, dict[str, Any]]:
    """`juju config APP --format=json|yaml` -> (app, {option: value}).

    Options with neither a value nor a default have no `value` key and are left out.
    """
    if not looks_like_config(doc):
        raise StateParseError(where, "not a juju config document (no application and settings)")
    app = text(doc.get("application"), where, "application")
    if not app:
        raise StateParseError(where, "the application name is empty", "application")
    values: dict[str, Any] = {}
    for key, entry in mapping(doc.get("settings"), where, "settings").items():
        setting = mapping(entry, where, f"settings.{key}")
        if "value" in setting:
            values[str(key)] = setting["value"]
    return app, values
