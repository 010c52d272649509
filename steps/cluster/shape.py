"""Checked access to parsed documents: a wrong type becomes a `StateParseError` with its path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import StateParseError

EMPTY: Mapping[str, Any] = {}


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def mapping(value: Any, where: str, path: str) -> Mapping[str, Any]:
    """A mapping; a missing (None) value reads as empty."""
    if value is None:
        return EMPTY
    if not isinstance(value, Mapping):
        raise StateParseError(where, f"expected a mapping, got {type_name(value)}", path)
    return value


def sequence(value: Any, where: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StateParseError(where, f"expected a list, got {type_name(value)}", path)
    return value


def text(value: Any, where: str, path: str) -> str:
    """A scalar as text. YAML may hand back numbers or booleans where the tool meant a string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise StateParseError(where, f"expected a string, got {type_name(value)}", path)


def string_map(value: Any, where: str, path: str) -> Mapping[str, str]:
    """Labels and annotations: a mapping of strings (kept as given when it already is one)."""
    found = mapping(value, where, path)
    for key, item in found.items():
        if not isinstance(item, str):
            return {str(k): text(v, where, f"{path}.{k}") for k, v in found.items()}
        if not isinstance(key, str):
            return {str(k): text(v, where, f"{path}.{k}") for k, v in found.items()}
    return found
