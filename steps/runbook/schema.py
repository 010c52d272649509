"""The runbook format as JSON Schema, for editors (yaml-language-server) that complete and check
runbooks while people write them.

Built from what the loader itself knows — its key lists, the decodings, every check with its
arguments and every generator — so the published file cannot drift from what `registry` accepts:
a test regenerates it and compares. Write it with `python -m steps.runbook.schema`.
The loader stays the authority (it also checks placeholders, regexes and ids' uniqueness).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from . import registry

SCHEMA_PATH = registry.BUILTIN_DIR / "runbook.schema.json"
NAME = r"^[a-z_][a-z0-9_]*$"


def _object(
    keys: tuple[str, ...], properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    assert set(properties) == set(keys), f"schema and loader disagree: {sorted(set(keys) ^ set(properties))}"
    out: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        out["required"] = list(required)
    return out


def _check_refs() -> dict[str, Any]:
    from ..checks import CHECKS

    with_args = {}
    bare = []
    for name, check in sorted(CHECKS.items()):
        args = {a: {"$ref": "#/$defs/text"} for a in (*check.args, *check.optional_args)}
        spec: dict[str, Any] = {
            "type": "object" if check.args else ["object", "null"],
            "additionalProperties": False,
            "properties": args,
            "description": check.description,
        }
        if check.args:
            spec["required"] = list(check.args)
        else:
            bare.append(name)
        with_args[name] = spec
    return {
        "type": "array",
        "items": {
            "oneOf": [
                {"enum": bare},
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "additionalProperties": False,
                    "properties": with_args,
                },
            ]
        },
    }


def schema() -> dict[str, Any]:
    from .generators import GENERATORS

    generators = sorted(GENERATORS)
    seconds = {"type": "number", "exclusiveMinimum": 0, "maximum": registry.MAX_SECONDS}
    text = {"$ref": "#/$defs/text"}
    when = {"type": "object", "description": "param: value, a list of values (any of), or {not: …}"}
    benign = {
        "type": "array",
        "items": _object(
            registry.BENIGN_KEYS,
            {"command": {"$ref": "#/$defs/argv"}, "pattern": {"type": "string"}, "why": text},
            ("pattern", "why"),
        ),
    }
    command = {
        "oneOf": [
            {"$ref": "#/$defs/argv"},
            _object(
                registry.COMMAND_KEYS,
                {
                    "argv": {"$ref": "#/$defs/argv"},
                    "timeout": seconds,
                    "capture": {"type": "string", "pattern": NAME},
                    "decode": {"enum": list(registry.DECODINGS[1:])},
                    "secret": {"type": "boolean"},
                    "fallback": {"type": "array", "items": {"$ref": "#/$defs/command"}},
                    "expect": {"type": "array", "items": {"type": "string"}},
                    "benign": benign,
                    "write": {"type": "string"},
                },
                ("argv",),
            ),
        ]
    }
    checks = {"$ref": "#/$defs/checks"}
    step = _object(
        registry.STEP_KEYS,
        {
            "id": {"type": "string", "pattern": "^" + registry.ID.pattern + "$"},
            "title": text,
            "doc": text,
            "run": {"type": "array", "items": {"$ref": "#/$defs/command"}},
            "when": when,
            "check": checks,
            "settle": {"type": "array", "items": {"type": "string"}},
            "verify": checks,
            "destructive": {"type": "boolean"},
            "ask": text,
            "warning": text,
            "gap": text,
            "foreach": {"type": "string"},
            "generate": {"enum": generators},
            "generate-args": {"type": "object", "additionalProperties": text},
            "files": {"type": "object", "additionalProperties": {"enum": generators}},
            "timeout": seconds,
            "wait-for": checks,
        },
        ("id", "title", "doc"),
    )
    param = _object(
        registry.PARAM_KEYS,
        {
            "name": {"type": "string", "pattern": NAME},
            "help": text,
            "choices": {"type": "array", "items": text},
            "default": {},
            "pattern": {"type": "string"},
            "list": {"type": "boolean"},
            "discover": {"type": "string"},
            "secret": {"type": "boolean"},
        },
        ("name",),
    )
    phase = _object(
        registry.PHASE_KEYS,
        {
            "id": {"type": "string"},
            "title": text,
            "when": when,
            "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
            "doc": text,
        },
        ("id", "title", "steps"),
    )
    top = _object(
        registry.TOP_KEYS,
        {
            registry.FORMAT_KEY: {"const": registry.FORMAT_VERSION},
            "id": {"type": "string", "pattern": "^" + registry.ID.pattern + "$"},
            "title": text,
            "description": text,
            "source": text,
            "params": {"type": "array", "items": {"$ref": "#/$defs/param"}},
            "derived": {
                "type": "object",
                "additionalProperties": _object(
                    ("from", "map"),
                    {"from": {"type": "string"}, "map": {"type": ["object", "null"]}},
                    ("from",),
                ),
            },
            "channels": {"type": "object", "additionalProperties": text},
            "benign": benign,
            "phases": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/phase"}},
            "command-timeout": seconds,
            "settle-timeout": seconds,
        },
        (registry.FORMAT_KEY, "id", "title", "phases"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cairn.invalid/runbook.schema.json",
        "title": "Cairn runbook",
        "description": "Generated by `python -m steps.runbook.schema` from the runbook loader; do not edit.",
        **top,
        "$defs": {
            "text": {"type": ["string", "number"]},
            "argv": {
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
                ]
            },
            "command": command,
            "checks": _check_refs(),
            "step": step,
            "phase": phase,
            "param": param,
        },
    }


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


def write(path: Path = SCHEMA_PATH) -> None:
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH)
