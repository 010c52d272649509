"""kubectl's JSONPath templates (`-o jsonpath=…`): fields, indexes, wildcards, filters, range/end.

Missing keys print nothing, as with `kubectl get` (it allows missing keys).
"""

from __future__ import annotations

import json
import re
from typing import Any


class JsonPathError(Exception):
    pass


def render(template: str, data: Any) -> str:
    tokens = _tokenize(template)
    out: list[str] = []
    _run(tokens, 0, len(tokens), data, data, out)
    return "".join(out)


def _tokenize(template: str) -> list[tuple[str, str]]:
    """Split into ("text", literal) and ("action", expression) tokens."""
    tokens = []
    i = 0
    while i < len(template):
        start = template.find("{", i)
        if start < 0:
            tokens.append(("text", template[i:]))
            break
        if start > i:
            tokens.append(("text", template[i:start]))
        depth, j, quote = 0, start, None
        while j < len(template):
            ch = template[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(template):
            raise JsonPathError(f"unclosed action in template {template!r}")
        tokens.append(("action", template[start + 1 : j].strip()))
        i = j + 1
    return tokens


def _run(tokens, start, end, root, current, out) -> None:
    i = start
    while i < end:
        kind, value = tokens[i]
        if kind == "text":
            out.append(value)
            i += 1
            continue
        if value.startswith("range "):
            close = _matching_end(tokens, i, end)
            for item in _flatten(evaluate(value[6:].strip(), root, current)):
                _run(tokens, i + 1, close, root, item, out)
            i = close + 1
            continue
        if value == "end":
            i += 1
            continue
        out.append(" ".join(_text(r) for r in evaluate(value, root, current)))
        i += 1


def _matching_end(tokens, i, end) -> int:
    depth = 0
    for j in range(i + 1, end):
        kind, value = tokens[j]
        if kind != "action":
            continue
        if value.startswith("range "):
            depth += 1
        elif value == "end":
            if depth == 0:
                return j
            depth -= 1
    raise JsonPathError("range without end")


def _flatten(results: list[Any]) -> list[Any]:
    out = []
    for r in results:
        if isinstance(r, list):
            out.extend(r)
        else:
            out.append(r)
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$|^\'((?:[^\'\\]|\\.)*)\'$')


def evaluate(expr: str, root: Any, current: Any) -> list[Any]:
    expr = expr.strip()
    m = _STRING.match(expr)
    if m:
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        return [bytes(raw, "utf-8").decode("unicode_escape")]
    if expr.startswith("$"):
        node, expr = [root], expr[1:]
    elif expr.startswith("@"):
        node, expr = [current], expr[1:]
    else:
        node = [current]
    for step in _steps(expr):
        node = _apply(step, node, root)
    return node


def _steps(expr: str) -> list[tuple[str, str]]:
    steps = []
    i = 0
    while i < len(expr):
        ch = expr[i]
        if expr.startswith("..", i):
            i += 2
            name, i = _read_name(expr, i)
            steps.append(("recurse", name))
        elif ch == ".":
            i += 1
            name, i = _read_name(expr, i)
            if name:
                steps.append(("field", name))
        elif ch == "[":
            depth, j, quote = 0, i, None
            while j < len(expr):
                c = expr[j]
                if quote:
                    if c == quote:
                        quote = None
                elif c in "\"'":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            steps.append(("bracket", expr[i + 1 : j]))
            i = j + 1
        else:
            name, i = _read_name(expr, i)
            steps.append(("field", name))
    return steps


def _read_name(expr: str, i: int) -> tuple[str, int]:
    name = []
    while i < len(expr):
        ch = expr[i]
        if ch == "\\" and i + 1 < len(expr):
            name.append(expr[i + 1])
            i += 2
            continue
        if ch in ".[":
            break
        name.append(ch)
        i += 1
    return "".join(name), i


def _apply(step: tuple[str, str], nodes: list[Any], root: Any) -> list[Any]:
    kind, arg = step
    out: list[Any] = []
    for node in nodes:
        if kind == "field":
            if arg == "*":
                if isinstance(node, dict):
                    out.extend(node.values())
                elif isinstance(node, list):
                    out.extend(node)
            elif isinstance(node, dict) and arg in node:
                out.append(node[arg])
        elif kind == "recurse":
            out.extend(_recurse(node, arg))
        else:
            out.extend(_bracket(arg.strip(), node, root))
    return out


def _recurse(node: Any, name: str) -> list[Any]:
    found = []
    if isinstance(node, dict):
        if name in node:
            found.append(node[name])
        for v in node.values():
            found.extend(_recurse(v, name))
    elif isinstance(node, list):
        for v in node:
            found.extend(_recurse(v, name))
    return found


def _bracket(arg: str, node: Any, root: Any) -> list[Any]:
    if arg == "*":
        if isinstance(node, list):
            return list(node)
        if isinstance(node, dict):
            return list(node.values())
        return []
    if arg.startswith("?"):
        cond = arg[1:].strip()
        if cond.startswith("(") and cond.endswith(")"):
            cond = cond[1:-1]
        items = node if isinstance(node, list) else list(node.values()) if isinstance(node, dict) else []
        return [item for item in items if _test(cond, item, root)]
    m = _STRING.match(arg)
    if m:
        key = m.group(1) if m.group(1) is not None else m.group(2)
        return [node[key]] if isinstance(node, dict) and key in node else []
    if ":" in arg:
        if not isinstance(node, list):
            return []
        parts = [int(p) if p.strip() else None for p in arg.split(":")]
        return node[slice(*parts)]
    if "," in arg:
        out = []
        for part in arg.split(","):
            out.extend(_bracket(part.strip(), node, root))
        return out
    try:
        index = int(arg)
    except ValueError:
        return [node[arg]] if isinstance(node, dict) and arg in node else []
    if isinstance(node, list) and -len(node) <= index < len(node):
        return [node[index]]
    return []


_COMPARE = re.compile(r"^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$")


def _test(cond: str, item: Any, root: Any) -> bool:
    m = _COMPARE.match(cond)
    if not m:
        return bool(evaluate(cond, root, item))
    left, op, right = m.groups()
    lvals = evaluate(left, root, item)
    rvals = evaluate(right, root, item) if not _is_number(right) else [float(right)]
    if not lvals or not rvals:
        return False
    lv, rv = lvals[0], rvals[0]
    if isinstance(rv, float) and not isinstance(lv, str):
        lv = float(lv)
    if op == "==":
        return lv == rv
    if op == "!=":
        return lv != rv
    if op == "=~":
        return re.search(str(rv).strip("/"), str(lv)) is not None
    try:
        return {"<": lv < rv, ">": lv > rv, "<=": lv <= rv, ">=": lv >= rv}[op]
    except TypeError:
        return False


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
