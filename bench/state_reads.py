"""For the rehearsal benches: count the sandbox state reads a run makes, and the time they take."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from steps.cluster import sources


@contextmanager
def counted_state_reads() -> Iterator[dict[str, float]]:
    """Yields {"n": reads, "s": seconds}, filled in as the run reads."""
    reads = {"n": 0, "s": 0.0}
    read_sandbox = sources.read_sandbox

    def counted(*args, **kwargs):
        began = time.perf_counter()
        try:
            return read_sandbox(*args, **kwargs)
        finally:
            reads["n"] += 1
            reads["s"] += time.perf_counter() - began

    sources.read_sandbox = counted
    try:
        yield reads
    finally:
        sources.read_sandbox = read_sandbox
