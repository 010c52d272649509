"""Label and field selectors as kubectl takes them (`-l app=x,tier!=db,env in (a,b),!legacy`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any


class SelectorError(Exception):
    pass


_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


def _split(selector: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        parts.append("".join(cur))
    return [p for p in parts if p.strip()]


def _value_in(key: str, values: set[str], negate: bool, labels: Mapping[str, str]) -> bool:
    return (labels.get(key) in values) != negate


def _equals(key: str, value: str, negate: bool, labels: Mapping[str, str]) -> bool:
    # `k!=v` matches objects without the label too, `k=v` only those with it (as kubectl does).
    return labels.get(key) != value if negate else key in labels and labels[key] == value


def _exists(key: str, negate: bool, labels: Mapping[str, str]) -> bool:
    return (key in labels) != negate


def label_matcher(selector: str | None) -> Callable[[Mapping[str, str]], bool]:
    if not selector:
        return lambda labels: True
    tests: list[Callable[[Mapping[str, str]], bool]] = []
    for part in _split(selector):
        if m := _SET.match(part):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            tests.append(partial(_value_in, key, values, op != "in"))
        elif m := _EQ.match(part):
            key, op, value = m.groups()
            tests.append(partial(_equals, key, value, op == "!="))
        elif m := _EXISTS.match(part):
            neg, key = m.groups()
            tests.append(partial(_exists, key, bool(neg)))
        else:
            raise SelectorError(f"unable to parse requirement: found '{part.strip()}', expected: identifier")
    return lambda labels: all(t(labels) for t in tests)


def field_matcher(selector: str | None) -> Callable[[Mapping[str, Any]], bool]:
    if not selector:
        return lambda obj: True
    tests = []
    for part in _split(selector):
        m = _EQ.match(part)
        if not m:
            raise SelectorError(f"invalid selector: '{part}'; can't understand '{part}'")
        path, op, value = m.groups()
        tests.append((path.split("."), op, value))

    def match(obj: Mapping[str, Any]) -> bool:
        for path, op, value in tests:
            node: Any = obj
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            actual = "" if node is None else str(node)
            if (op == "!=") == (actual == value):
                return False
        return True

    return match
