"""Version strings as the tools print them -> comparable tuples."""

from __future__ import annotations

import re

_NUMBERS = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def version_tuple(text: str) -> tuple[int, int, int] | None:
    """`3.6.8`, `3.6.8-genericlinux-amd64`, `v1.32.3+k3s1`, `v1.33.1-gke.1744000` -> (major, minor, patch)."""
    match = _NUMBERS.match(text.strip()) if text else None
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def shown(version: tuple[int, int, int] | None) -> str:
    return ".".join(map(str, version)) if version else "unknown"
