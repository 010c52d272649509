"""Output helpers shared by the emulators: Go-tabwriter tables, timestamps, durations, YAML."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any


def table(
    rows: Sequence[Sequence[str]],
    *,
    padding: int,
    minwidth: int = 0,
    right: frozenset[int] = frozenset(),
    pad_last: bool = False,
) -> str:
    """Align like Go's text/tabwriter: each column as wide as its widest cell plus padding."""
    if not rows:
        return ""
    ncols = max(len(r) for r in rows)
    widths = [0] * ncols
    for row in rows:
        for i, cell in enumerate(row):
            if i < ncols - 1 or pad_last:
                widths[i] = max(widths[i], len(cell) + padding, minwidth)
    lines = []
    for row in rows:
        parts = []
        for i, cell in enumerate(row):
            if i == len(row) - 1 and not pad_last:
                parts.append(cell)
            elif i in right:
                parts.append(cell.rjust(widths[i] - padding) + " " * padding)
            else:
                parts.append(cell.ljust(widths[i]))
        lines.append("".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def juju_since(t: float) -> str:
    return time.strftime("%d %b %Y %H:%M:%SZ", time.gmtime(t))


def juju_clock(t: float) -> str:
    return time.strftime("%H:%M:%SZ", time.gmtime(t))


def human_duration(seconds: float) -> str:
    """kubectl's AGE column (k8s.io/apimachinery duration.HumanDuration)."""
    s = int(max(seconds, 0))
    if s < 60 * 2:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        sec = s % 60
        return f"{minutes}m{sec}s" if sec else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        m = minutes % 60
        return f"{hours}h{m}m" if m else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d{h}h" if h else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    return f"{hours // (24 * 365)}y"


def to_json(obj: Any) -> str:
    from .state import compact_json

    if compact_json():  # Cairn's own in-process state read: only its parsers see this
        import msgspec  # the C encoder: several times faster than json.dumps on a pod list

        return msgspec.json.encode(obj).decode() + "\n"
    return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"


def to_yaml(obj: Any, *, sort_keys: bool = True) -> str:
    import yaml  # lazily: most commands never print YAML, and the import costs

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper, data):
        if "\n" in data:
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        # Go's YAML encoders (kubectl, juju) double-quote strings that would read as another type.
        if data == "" or dumper.resolve(yaml.ScalarNode, data, (True, False)) != "tag:yaml.org,2002:str":
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return dumper.represent_scalar("tag:yaml.org,2002:str", data)

    _Dumper.add_representer(str, _str)
    return yaml.dump(
        obj, Dumper=_Dumper, sort_keys=sort_keys, default_flow_style=False, allow_unicode=True, width=1000
    )


def load_yaml_documents(text: str) -> list[Any]:
    import yaml

    return [d for d in yaml.safe_load_all(text) if d is not None]
