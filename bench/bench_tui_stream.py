"""A step that prints 1,000,000 lines (~60 MB) streamed into the app's output pane.

Drives the real app headless (App.run_test) on the sandbox target with a one-step runbook whose
command floods stdout, and measures:
  - lines per second reaching the pane (from the command's first output to the pane drained),
  - key latency: a key is pressed every ~50 ms throughout; latency = key posted -> handler ran,
  - peak memory of the process (ru_maxrss; tracemalloc would slow the run it measures),
  - that every line is on disk (`wc -l` of the command's commands/NNN.out).
Prints the figures; the aims are >= 200,000 lines/s, keys answered within 100 ms, <= 300 MB.

    python bench/bench_tui_stream.py [LINES]
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events  # noqa: E402
from textual.binding import Binding  # noqa: E402

from steps import events as ev  # noqa: E402
from steps.launch import RunRequest, TargetRequest, start  # noqa: E402
from tui.app import CairnApp  # noqa: E402

RUNBOOK = """\
cairn-runbook: 1
id: bench-flood
title: One step that floods its output
description: For bench/bench_tui_stream.py.
params:
  - name: lines
    default: "{lines}"
    pattern: '[0-9]+'
phases:
  - id: flood
    title: Flood
    steps:
      - id: print-lines
        title: Print {{lines}} lines
        doc: About 60 bytes a line.
        timeout: 600
        run:
          - - python3
            - -c
            - "import sys; w = sys.stdout.write; [w('line ' + str(i) + ' ' + 'x' * 50 + chr(10))
              for i in range({{lines}})]"
"""


FEED_RATE = 300_000  # lines/s the synthetic feed offers: above the 200,000 aimed at


class BenchApp(CairnApp):
    BINDINGS = [Binding("f12", "bench_ping", show=False, priority=True)]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pings: list[float] = []

    def action_bench_ping(self) -> None:
        self.pings.append(time.perf_counter())


def flood_request(home: Path, lines: int, command_lines: int) -> RunRequest:
    runbook = home / "bench-flood.yaml"
    runbook.write_text(RUNBOOK.format(lines=command_lines))
    return RunRequest(
        runbook="bench-flood",
        runbook_file=str(runbook),
        given={"lines": str(command_lines)},
        target=TargetRequest(kind="sandbox", speed=0),
        yes=True,
    )


async def measure(lines: int, home: Path, *, synthetic: bool) -> dict[str, float]:
    """synthetic=False: the real engine runs the flooding command (through its supervisor and the
    redactor, which bound the rate). synthetic=True: the command prints one line; a thread feeds
    the pane the same lines as CommandOutput events of ~1 MB each (what the engine emits per
    read) at FEED_RATE lines/s: the pane's side alone, sustained long enough to press keys."""
    launched = start(flood_request(home, lines, 1 if synthetic else lines))
    marks: dict[str, float] = {}
    app = BenchApp(launched=launched)
    latencies: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        original = feed._listen

        def listen(event: ev.Event) -> None:  # timestamps, then the app's own listener
            if isinstance(event, ev.CommandOutput):
                marks.setdefault("first_output", time.perf_counter())
            elif isinstance(event, ev.CommandFinished) and not synthetic:
                marks["finished"] = time.perf_counter()
            original(event)

        launched.engine.listener = listen
        if synthetic:
            await wait_until(pilot, lambda: app.screen_stack[1].view.finished is not None)
            batch = 17_000  # ~1 MB of 60-byte lines: what one engine read delivers

            def pump() -> None:
                marks["first_output"] = time.perf_counter()
                for start_at in range(0, lines, batch):
                    chunk = tuple(
                        f"line {i} " + "x" * 50 for i in range(start_at, min(lines, start_at + batch))
                    )
                    original(ev.CommandOutput(step_id="print-lines", number=1, lines=chunk))
                    due = marks["first_output"] + (start_at + batch) / FEED_RATE
                    time.sleep(max(0.0, due - time.perf_counter()))
                marks["finished"] = time.perf_counter()

            threading.Thread(target=pump, daemon=True).start()
        began = time.perf_counter()
        driver = app._driver
        while "finished" not in marks or feed.output.pending:
            sent = time.perf_counter()
            before = len(app.pings)
            driver.send_message(events.Key("f12", None))  # as the terminal driver does
            while len(app.pings) == before and time.perf_counter() - sent < 5:
                await asyncio.sleep(0.001)
            if len(app.pings) > before:
                latencies.append(app.pings[-1] - sent)
            await asyncio.sleep(max(0.0, 0.05 - (time.perf_counter() - sent)))
            if time.perf_counter() - began > 600:
                raise SystemExit("the flood did not finish in 10 minutes")
        await pilot.pause(0.1)
        marks["drained"] = time.perf_counter()
        pane = app.screen_stack[1].query_one("OutputPane")
        received, written = feed.output.received, pane.written
        await pilot.press("q")
    number = max(c.number for c in feed.view.all_commands())
    out = launched.directory / "commands" / f"{number:03d}.out"
    on_disk = int(
        subprocess.run(["wc", "-l", str(out)], capture_output=True, text=True, check=True).stdout.split()[0]
    )
    feed.join(10)
    feed.close()
    span = marks["drained"] - marks["first_output"]
    ordered = sorted(latencies)
    return {
        "lines": lines,
        "on_disk": on_disk,
        "bytes": out.stat().st_size,
        "received": received,
        "written": written,
        "command_s": marks["finished"] - marks["first_output"],
        "span_s": span,
        "rate": received / span,
        "keys": len(latencies),
        "lat_median_ms": statistics.median(ordered) * 1000,
        "lat_p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "lat_max_ms": ordered[-1] * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def wait_until(pilot, predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        await pilot.pause(0.05)


def report(title: str, r: dict[str, float], synthetic: bool) -> None:
    print(title)
    if not synthetic:
        print(
            f"  command ran (first output to exit):    {r['command_s']:.2f} s for {r['bytes'] / 1e6:.0f} MB"
        )
    print(
        f"  pane throughput:                        {r['rate']:,.0f} lines/s "
        f"({r['received']:,} lines in {r['span_s']:.2f} s, first output to pane drained)"
    )
    print(
        f"  lines written into the Log widget:      {r['written']:,} (it keeps the last 5,000; "
        "the rest passed over in floods)"
    )
    print(
        f"  key latency over {r['keys']} presses:        median {r['lat_median_ms']:.1f} ms, "
        f"p95 {r['lat_p95_ms']:.1f} ms, max {r['lat_max_ms']:.1f} ms"
    )
    print(f"  peak memory (ru_maxrss, whole process): {r['rss_mb']:.0f} MB")
    if not synthetic:
        print(
            f"  lines on disk (wc -l commands/NNN.out): {r['on_disk']:,}"
            + ("  (all of them)" if r["on_disk"] == r["lines"] else "  MISSING LINES")
        )


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    for synthetic in (False, True):
        if which != "both" and (which == "pane") != synthetic:
            continue
        with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
            os.environ["CAIRN_HOME"] = tmp
            r = asyncio.run(measure(lines, Path(tmp), synthetic=synthetic))
        title = (
            f"pane alone: {lines:,} lines offered as engine events at {FEED_RATE:,} lines/s"
            if synthetic
            else f"end to end: a step printing {lines:,} lines, real engine and supervisor, sandbox target"
        )
        report(title, r, synthetic)


if __name__ == "__main__":
    main()
