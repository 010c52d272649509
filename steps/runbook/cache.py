"""Parsed runbooks kept on disk, so that `cairn` draws its start screen without parsing YAML.

Parsing and validating the three built-in runbooks (YAML, then every check's and generator's
arguments, which means importing all the checks) took a quarter of the time to the start
screen; reading them back from here takes a few milliseconds.

One file per runbook path under $XDG_CACHE_HOME/cairn/runbooks (else ~/.cache/cairn/runbooks),
holding the key it was made for and the pickled `Runbook`. The key is everything that decides
what loading the file gives:
  - the file: its resolved path, and its size and CRC-32 (read and summed in well under a
    millisecond: timestamps would miss an edit within a coarse filesystem's clock tick);
  - the code that loads it: Cairn's version and the size and mtime of every module of the
    `steps` package (the loader, the model and every check and generator it validates against);
  - the Python that pickled it.
A mismatch is a miss: the file is parsed and the entry rewritten. Only runbooks that loaded
without error are kept; an error is found again by parsing. Anything wrong with the cache itself
(unreadable, unwritable, truncated, from another version) is a miss, never an error: the cache
can only make loading faster, not different.

The directory is made 0700 and the files 0600; an entry is read only if this user owns it and
no one else can write it (unpickling runs code).
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
import zlib
from pathlib import Path

from .. import __version__
from .model import Runbook

# The whole steps package (this file is steps/runbook/cache.py): a change to any of its modules,
# the checks' included, invalidates the cache.
_PACKAGE = Path(__file__).resolve().parents[1]
_code_key: str | None = None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cairn" / "runbooks"


def _modules(directory: str) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    out.extend(_modules(entry.path))
            elif entry.name.endswith(".py"):
                info = entry.stat()
                out.append((entry.path, info.st_mtime_ns, info.st_size))
    return out


def code_key() -> str:
    """What the loading code is: computed once a process (a stat of ~130 files, under 1 ms)."""
    global _code_key
    if _code_key is None:
        modules = sorted(_modules(str(_PACKAGE)))
        _code_key = f"{__version__} {sys.version} {pickle.HIGHEST_PROTOCOL} {modules!r}"
    return _code_key


def _file_key(path: Path, data: bytes) -> str:
    return f"{path} {len(data)} {zlib.crc32(data):08x}"


def _entry(path: Path) -> Path:
    # Named for people (the runbook's name) and apart per path (two paths that share the checksum
    # only take turns in one entry: the key inside tells them apart).
    return cache_dir() / f"{path.stem}-{zlib.crc32(str(path).encode()):08x}.pickle"


def _own(info: os.stat_result) -> bool:
    """Unpickling runs code: only a file this user owns and no one else can write is read."""
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def get(path: Path, data: bytes) -> Runbook | None:
    """The runbook loaded from `path` before, if nothing that decides it has changed since."""
    try:
        resolved = path.resolve()
        with open(_entry(resolved), "rb") as fh:
            if not _own(os.fstat(fh.fileno())):
                return None
            blob = fh.read()
        key, runbook = pickle.loads(blob)  # noqa: S301 - the user's own file, checked just above
    except Exception:  # noqa: BLE001 - any fault of the cache is a miss
        return None
    if key != (code_key(), _file_key(resolved, data)) or not isinstance(runbook, Runbook):
        return None
    return dataclasses.replace(runbook, path=path)  # as the caller named it, like a fresh load


def put(path: Path, data: bytes, runbook: Runbook) -> None:
    """Keep a runbook just loaded from `path`, whose bytes were `data`."""
    try:
        resolved = path.resolve()
        entry = _entry(resolved)
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        blob = pickle.dumps(((code_key(), _file_key(resolved, data)), runbook), pickle.HIGHEST_PROTOCOL)
        # Written aside and renamed: a reader in another process sees the old entry or the new.
        partial = entry.with_name(f"{entry.name}.{os.getpid()}.partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(partial, entry)
        finally:
            partial.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - a cache that cannot be written only costs time
        return
