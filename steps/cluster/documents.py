"""Text as the tools print it -> Python documents (JSON, or YAML with one or many documents)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .errors import StateParseError
from .fast_json import decode_list

# The C loader is several times faster on large kubectl dumps; fall back when libyaml is absent.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_documents(text: str, where: str) -> list[Any]:
    """Every document in `text`: JSON when it looks like JSON, else YAML (`---`-separated).

    Empty YAML documents are dropped. Malformed text raises `StateParseError` naming the line.
    """
    head = text.lstrip()[:1]
    if head in ("{", "["):
        fast = decode_list(text)
        if fast is not None:
            return [fast]
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as exc:
            raise StateParseError(
                where, f"not valid JSON: {exc.msg}", f"line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise StateParseError(where, "not valid JSON: nested too deeply") from None
    try:
        return [doc for doc in yaml.load_all(text, Loader=_YAML_LOADER) if doc is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark is not None else ""
        raise StateParseError(where, f"not valid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise StateParseError(where, f"not valid YAML: {exc}") from None
