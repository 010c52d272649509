"""Engine overhead per command: COUNT trivial commands (`true`) through the real engine and supervisor.

Cairn's figure is wall time per command (engine start to finish, divided by COUNT); the floor is a
bare `os.posix_spawn` + `waitpid` of /bin/true, measured in the same run (before and after).
Overhead = the difference; goal <= 30 ms, aim <= 15 ms. Also: the supervisor alone against a bare
`python -I -S -c pass`, the interpreter start every supervisor pays.

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

from steps.cluster.state import ClusterState  # noqa: E402
from steps.record import session  # noqa: E402
from steps.record.journal import JournalWriter  # noqa: E402
from steps.record.view import SessionView  # noqa: E402
from steps.run import events as ev  # noqa: E402
from steps.run import execute, launch  # noqa: E402
from steps.run.engine import Engine, EngineOptions  # noqa: E402
from steps.run.execute import CommandFiles, ExitStatus  # noqa: E402
from steps.runbook import params, plan, registry  # noqa: E402


class _Target:
    kind, runs_commands, settle_poll, settle_stable, wait_limit = "bench", True, 0.0, 0.0, None

    def describe(self):
        return {"kind": "bench"}

    def env(self):
        return dict(os.environ)

    def read_state(self):
        return ClusterState(source="bench", read_at=time.time())


def _bare_spawn_ms(argv: list[str], count: int) -> float:
    """Median wall ms of posix_spawn + waitpid of argv, with no engine, supervisor or files."""
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ)
        os.waitpid(pid, 0)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _supervisor_ms(work: Path, count: int) -> float:
    """Median wall ms of the supervisor running /bin/true, started as the engine starts it."""
    times = []
    for n in range(count):
        files = CommandFiles.numbered(work / "sup", n)
        t0 = time.perf_counter()
        execute.start(["/bin/true"], files).follow(lambda _lines: None)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


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
    floor_before = _bare_spawn_ms(["/bin/true"], count)
    t0 = time.perf_counter()
    outcome = engine.run()
    wall = time.perf_counter() - t0
    floor = statistics.median([floor_before, _bare_spawn_ms(["/bin/true"], count)])
    per = wall / count * 1000
    python_floor = _bare_spawn_ms([sys.executable, "-I", "-S", "-c", "pass"], 30)
    supervisor = _supervisor_ms(work, 30)
    own = []
    for number in range(1, count + 1):
        status = ExitStatus.read(directory / "commands" / f"{number:03d}.rc")
        own.append(status.ended - status.started if status else 0.0)
    print(
        f"outcome: {outcome}; {count} commands in {wall:.2f} s; supervisor-measured own time median "
        f"{statistics.median(own) * 1000:.1f} ms (inside Cairn's figure, not subtracted)"
    )
    print(
        f"engine per command: cairn {per:.1f} ms | floor {floor:.2f} ms (bare posix_spawn of /bin/true) | "
        f"ratio {per / floor:.1f} | overhead {per - floor:.1f} ms (goal <= 30, aim <= 15)"
    )
    print(
        f"supervisor alone:   cairn {supervisor:.1f} ms | floor {python_floor:.1f} ms (python -I -S -c pass) | "
        f"ratio {supervisor / python_floor:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
