"""Param values: defaults, the operator's `--set KEY=VALUE`, validation, and the template table.

Every value a person types is checked here against the runbook's choices and patterns before any
plan is made, so a bad value stops with one line naming the param and what it accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadInput
from .model import Runbook

# A Juju channel: [track/]risk[/branch]
CHANNEL = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?(?:stable|candidate|beta|edge)(?:/[A-Za-z0-9._-]+)?")


@dataclass(frozen=True)
class Values:
    """The resolved params of one plan: what the operator chose plus what follows from it."""

    params: Mapping[str, Any]
    channels: Mapping[str, str] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)
    overridden: frozenset[str] = frozenset()  # channel keys the operator set by hand

    def table(self) -> dict[str, str]:
        """The `{placeholder}` table for templates (lists are not placeholders)."""
        out: dict[str, str] = {}
        for name, value in self.params.items():
            if not isinstance(value, list):
                out[name] = "" if value is None else str(value)
        out.update(self.derived)
        out.update({f"channel.{k}": v for k, v in self.channels.items()})
        return out

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.params)
        if self.channels:
            data["channels"] = dict(self.channels)
        return data


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` strings from `--set`; the value may be empty (`platform=`)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set {pair!r}: expected KEY=VALUE, for example --set model=kubeflow")
        out[key] = value
    return out


def _check_value(runbook: Runbook, name: str, value: str) -> None:
    param = runbook.param(name)
    assert param is not None
    if param.choices and value not in param.choices:
        flag = f"--{name}" if name in ("platform", "risk") else f"--set {name}"
        raise BadInput(
            f"{flag} {value!r} is not allowed for runbook {runbook.id}; choose one of: {', '.join(param.choices)}"
        )
    if param.pattern and not re.fullmatch(param.pattern, value):
        shown = "[redacted]" if param.secret else repr(value)
        raise BadInput(f"--set {name}={shown} is not valid: {param.help or 'it must match ' + param.pattern}")


def _as_list(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [part.strip() for part in str(raw).split(",") if part.strip()]


def resolve(runbook: Runbook, given: Mapping[str, Any] | None = None) -> Values:
    """Merge defaults with `given` (from flags and --set), validate, apply risk and derive."""
    given = dict(given or {})
    params: dict[str, Any] = {}
    channel_overrides: dict[str, str] = {}

    for key, raw in given.items():
        if key.startswith("channel."):
            charm = key.split(".", 1)[1]
            if charm not in runbook.channels:
                known = ", ".join(sorted(runbook.channels)) or "none"
                raise BadInput(f"--set {key}: runbook {runbook.id} has no channel {charm!r}; it has: {known}")
            if not CHANNEL.fullmatch(str(raw)):
                raise BadInput(f"--set {key}={raw!r} is not a Juju channel (expected e.g. 2.15/stable)")
            channel_overrides[charm] = str(raw)
        elif runbook.param(key) is None:
            known = ", ".join(p.name for p in runbook.params)
            raise BadInput(f"--set {key}: runbook {runbook.id} has no param {key!r}; it has: {known}")

    for param in runbook.params:
        raw = given.get(param.name, param.default)
        if param.kind == "list":
            items = _as_list(raw) if raw is not None else []
            if isinstance(raw, str) and raw.strip() and not items:
                raise BadInput(
                    f"--set {param.name}={raw!r} names nothing; give names separated by commas "
                    f"(--set {param.name}=a,b), or leave it out to use the default"
                )
            for item in items:
                _check_value(runbook, param.name, item)
            params[param.name] = items
        else:
            value = "" if raw is None else str(raw)
            _check_value(runbook, param.name, value)
            params[param.name] = value

    risk = params.get("risk")
    channels: dict[str, str] = {}
    for charm, channel in runbook.channels.items():
        if risk and channel.endswith("/edge"):
            channel = channel[: -len("edge")] + risk
        channels[charm] = channel
    channels.update(channel_overrides)

    derived: dict[str, str] = {}
    for d in runbook.derived:
        source = str(params.get(d.param, ""))
        derived[d.name] = d.table.get(source, source)

    return Values(params=params, channels=channels, derived=derived, overridden=frozenset(channel_overrides))


def when_matches(when: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    """`when: {platform: canonical-k8s}`; a list means any of; `{not: …}` negates."""
    for name, expected in when.items():
        actual = params.get(name)
        negate = isinstance(expected, Mapping) and "not" in expected
        if negate:
            expected = expected["not"]
        allowed = [str(v) for v in expected] if isinstance(expected, list) else [str(expected)]
        hit = str(actual) in allowed
        if hit == negate:
            return False
    return True
