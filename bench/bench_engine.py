"""Engine overhead per command: 200 trivial commands through the real engine and supervisor.

Overhead = time from the engine deciding to run a command to its exit being recorded in the
journal, minus the command's own run time (as its supervisor measured it around the child).
Prints the figure; the aim is <= 30 ms per command.

    python bench/bench_engine.py [COUNT]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from steps import events as ev  # noqa: E402
from steps import launch, params, plan, registry, session  # noqa: E402
from steps.cluster.state import ClusterState  # noqa: E402
from steps.engine import Engine, EngineOptions  # noqa: E402
from steps.execute import ExitStatus  # noqa: E402
from steps.journal import JournalWriter  # noqa: E402
from steps.view import SessionView  # noqa: E402


class _Target:
    kind, runs_commands, settle_poll, settle_stable = "bench", True, 0.0, 0.0

    def describe(self):
        return {"kind": "bench"}

    def env(self):
        return dict(os.environ)

    def read_state(self):
        return ClusterState(source="bench", read_at=time.time())


def main(count: int = 200) -> None:
    os.environ["CAIRN_HOME"] = tempfile.mkdtemp(prefix="cairn-bench-")
    work = Path(os.environ["CAIRN_HOME"])
    runs = "\n".join("          - 'true'" for _ in range(count))
    text = (
        f"cairn-runbook: 1\nid: bench\ntitle: bench\nphases:\n  - id: p\n    title: P\n    steps:\n"
        f"      - id: s\n        title: S\n        doc: {count} trivial commands\n        run:\n{runs}\n"
    )
    (work / "bench.yaml").write_text(text)
    rb = registry.load_file(work / "bench.yaml")
    p = plan.resolve(rb, params.resolve(rb, {}))
    sid, directory = session.create()
    journal = JournalWriter(directory / "journal.jsonl")
    started = ev.SessionStarted(
        session_id=sid, runbook="bench", runbook_title="bench", outline=launch.outline(p)
    )
    journal.write(started)
    marks: dict[int, float] = {}
    spans: list[float] = []

    def listen(e: ev.Event) -> None:
        if isinstance(e, ev.CommandStarted):
            marks[e.number] = e.t
        elif isinstance(e, ev.CommandFinished):
            spans.append(e.t - marks[e.number])

    engine = Engine(
        p,
        directory,
        journal,
        _Target(),
        listener=listen,
        options=EngineOptions(yes=True),
        resume_view=SessionView.build([started]),
        check_runner=lambda *a, **k: None,
        settle_evaluator=lambda *a: None,
    )
    t0 = time.perf_counter()
    outcome = engine.run()
    wall = time.perf_counter() - t0
    own = []
    for number in range(1, count + 1):
        status = ExitStatus.read(directory / "commands" / f"{number:03d}.rc")
        own.append(status.ended - status.started if status else 0.0)
    overhead = [max(0.0, s - o) for s, o in zip(spans, own, strict=False)]
    print(f"outcome: {outcome}; {count} commands in {wall:.2f} s ({wall / count * 1000:.1f} ms each, wall)")
    print(f"command's own time (supervisor-measured): median {statistics.median(own) * 1000:.1f} ms")
    print(
        f"overhead per command (spawn to recorded exit, minus own time): "
        f"median {statistics.median(overhead) * 1000:.1f} ms, p95 "
        f"{sorted(overhead)[int(len(overhead) * 0.95) - 1] * 1000:.1f} ms, "
        f"mean {statistics.mean(overhead) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
