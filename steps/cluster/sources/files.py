"""The files source: a directory of saved `juju`/`kubectl` output, each file recognised by content."""

from __future__ import annotations

from pathlib import Path

from ...errors import BadInput
from ...record.printable import printable
from ..builder import StateBuilder
from ..errors import StateParseError
from ..state import ClusterState
from .dump import COMMANDS_HEADER, failed_commands

MAX_FILE_BYTES = 1 << 30


def read_files(directory: str | Path) -> ClusterState:
    """Read every file under `directory` (hidden ones aside). Unrecognised or broken files are
    reported one line each in the state's errors; a directory with nothing usable is `BadInput`.
    """
    root = Path(directory)
    shown = printable(str(root))
    if not root.is_dir():
        raise BadInput(
            f"--from-files {shown}: not a directory (give the directory a `cairn dump` or kubectl wrote)"
        )
    builder = StateBuilder()
    usable = 0
    seen = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = printable(str(path.relative_to(root)))  # a file name may hold terminal controls
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        seen += 1
        if path.stat().st_size > MAX_FILE_BYTES:
            builder.errors.append(f"{name}: larger than 1 GiB; skipped")
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            builder.errors.append(f"{name}: not text (not UTF-8); skipped")
            continue
        if text.startswith(COMMANDS_HEADER):
            builder.errors.extend(failed_commands(text))
            continue
        try:
            found = builder.add_text(text, name)
        except StateParseError as exc:
            builder.errors.append(f"{exc}; skipped")
            continue
        if found is None:
            builder.errors.append(f"{name}: not juju or kubectl output that Cairn reads; skipped")
        else:
            usable += 1
    if not usable:
        first = f" ({builder.errors[0]})" if builder.errors else ""
        raise BadInput(
            f"--from-files {shown}: nothing usable in {seen} file(s){first}; "
            "save `juju status --format=json` and `kubectl get ... -o json` output there"
        )
    return builder.build(f"files:{root}")
