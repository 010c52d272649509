"""Compare two file listings (`find DIR -type f -exec wc -c {} +`) of a copy's source and destination.

Used before the old MinIO volume is deleted: every file of the source must be in the destination
with the same size. The result says what differs, file by file (the first few), so the operator
knows why the deletion did not happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# busybox and GNU wc -c: "<bytes> <path>", right-aligned; one or more "<bytes> total" lines when
# find passed several batches of files.
_LINE = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Listing:
    files: dict[str, int]  # path relative to the listed directory -> bytes

    @property
    def count(self) -> int:
        return len(self.files)

    @property
    def total(self) -> int:
        return sum(self.files.values())


def parse_listing(text: str) -> Listing:
    """Parse `wc -c` output; paths are made relative to their common top directory."""
    entries: list[tuple[str, int]] = []
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        size, path = int(m.group(1)), m.group(2)
        if path == "total":
            continue
        entries.append((path, size))
    roots = {p.split("/", 2)[1] if p.startswith("/") else p.split("/", 1)[0] for p, _ in entries}
    files: dict[str, int] = {}
    for path, size in entries:
        parts = path.lstrip("/").split("/", 1)
        rel = parts[1] if len(parts) > 1 and len(roots) == 1 else path
        files[rel] = size
    return Listing(files)


def compare(source_text: str, destination_text: str, show: int = 10) -> tuple[bool, str, tuple[str, ...]]:
    """(matches, one-line message, details of what differs)."""
    src, dst = parse_listing(source_text), parse_listing(destination_text)
    missing = sorted(set(src.files) - set(dst.files))
    extra = sorted(set(dst.files) - set(src.files))
    different = sorted(p for p in set(src.files) & set(dst.files) if src.files[p] != dst.files[p])
    summary = (f"source {_n(src.count, 'file')}, {_n(src.total, 'byte')}; "
               f"destination {_n(dst.count, 'file')}, {_n(dst.total, 'byte')}")
    if src.count == 0:
        return False, f"the source listing is empty ({summary}); nothing proves the copy", ()
    if not missing and not different:
        note = f" ({_n(len(extra), 'extra file')} in the destination)" if extra else ""
        return True, f"copy complete: {summary}{note}", ()
    details = [f"missing in the destination: {p} ({src.files[p]} bytes)" for p in missing[:show]]
    details += [f"size differs: {p} source {src.files[p]} bytes, destination {dst.files[p]} bytes"
                for p in different[:show]]
    more = len(missing) + len(different) - len(details)
    if more > 0:
        details.append(f"… and {more} more")
    message = f"copy incomplete: {_n(len(missing), 'file')} missing, {len(different)} differ in size; {summary}"
    return False, message, tuple(details)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
