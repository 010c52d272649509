"""Checks on command output the runbook captured, rather than on cluster state."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import model_namespace
from .result import CheckResult, fail, ok

_WC_LINE = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")
_SHA_LINE = re.compile(r"^([0-9a-f]{64})\s+\*?(.+?)\s*$")
MAX_DETAILS = 20


def _below_volume(path: str) -> str:
    """The path below the listed directory, so the source and destination listings compare."""
    parts = path.lstrip("/").split("/", 1)
    return parts[1] if len(parts) > 1 else parts[0]


def parse_wc_listing(listing: str) -> dict[str, int]:
    """`find DIR -type f -exec wc -c {} +` -> {path below DIR: bytes}.

    wc adds a `N total` line per batch of files; the volume's own directory (the first path
    component) is dropped so the two sides compare.
    """
    sizes: dict[str, int] = {}
    for line in listing.splitlines():
        match = _WC_LINE.match(line)
        if match and match.group(2) != "total":
            sizes[_below_volume(match.group(2))] = int(match.group(1))
    return sizes


def parse_sha_listing(listing: str) -> dict[str, str]:
    """`find DIR -type f -exec sha256sum {} +` -> {path below DIR: digest}."""
    digests: dict[str, str] = {}
    for line in listing.splitlines():
        match = _SHA_LINE.match(line.strip())
        if match:
            digests[_below_volume(match.group(2))] = match.group(1)
    return digests


def _compare(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    state: ClusterState,
    params: Mapping[str, Any],
    *,
    empty: str,
    differs: str,
    describe: Callable[[str], str],
    passed: str,
) -> CheckResult:
    """Every file of the source listing must be in the copy with the same value (size, digest)."""
    pod = f"kubectl -n {model_namespace(params, state)} exec minio-migration --"
    copy = f"{pod} cp -rfpT /data-source/ /data-destination/"
    if not before:
        # An empty source is far more often the wrong claim (or a volume not mounted) than an
        # empty MinIO; going on would treat a lost volume as copied. Only a person may skip it.
        return fail(
            f"{empty}; refusing to go on",
            f"kubectl -n {model_namespace(params, state)} get pod minio-migration -o yaml  "
            "# which claims are mounted?\n"
            "# if MinIO really held nothing, skip this step deliberately (s, with a reason)",
        )
    missing = sorted(path for path in before if path not in after)
    differ = sorted(path for path in before if path in after and after[path] != before[path])
    if missing or differ:
        details = [f"missing: {p}" for p in missing] + [describe(p) for p in differ]
        shown = details[:MAX_DETAILS] + (
            [f"... and {len(details) - MAX_DETAILS} more"] if len(details) > MAX_DETAILS else []
        )
        return fail(
            f"{len(missing)} of {len(before)} file(s) missing, {len(differ)} with {differs} in the copy",
            f"{copy}\n{pod} sync",
            shown,
        )
    return ok(passed)


def volume_copy_matches(
    state: ClusterState, params: Mapping[str, Any], source: str, destination: str
) -> CheckResult:
    before, after = parse_wc_listing(source), parse_wc_listing(destination)
    return _compare(
        before,
        after,
        state,
        params,
        empty="the source listing holds no file (the wrong claim, or a volume not mounted?)",
        differs="another size",
        describe=lambda p: f"{p}: {before[p]} bytes, copy has {after[p]}",
        passed=f"all {len(before)} file(s), {sum(before.values())} bytes, copied with their sizes",
    )


def volume_checksums_match(
    state: ClusterState, params: Mapping[str, Any], source: str, destination: str
) -> CheckResult:
    """Sizes can match while bytes differ (a torn write, a bad disk): compare SHA-256 per file."""
    before, after = parse_sha_listing(source), parse_sha_listing(destination)
    return _compare(
        before,
        after,
        state,
        params,
        empty="the source checksum listing holds no file",
        differs="other content",
        describe=lambda p: f"{p}: content differs (sha256)",
        passed=f"all {len(before)} file(s) have the same SHA-256 in the copy",
    )
