"""A step that prints 1,000,000 lines (~60 MB) streamed into the app's output pane.

Drives the real app headless (App.run_test) on the sandbox target with a one-step runbook whose
command floods stdout, and measures, each figure on its own:
  - lines on disk per second: `wc -l` of the command's commands/NNN.out over its run time;
  - lines on screen per second: lines written into the pane's Log widget over the time from the
    first output to the pane drained (the pane writes only the newest 5,000 lines a tick and
    passes over the rest in a flood, by design: the count says how many reached the Log);
  - the floor for the screen, in the same run: a bare Textual `Log(max_lines=5000)` fed the same
    lines in the same batches, lines per second until drawn;
  - how long until the last line is on screen (all lines over that time);
  - key latency: a key is pressed every ~50 ms throughout; latency = key posted -> handler ran;
  - peak memory of the process (ru_maxrss; tracemalloc would slow the run it measures).
"pane alone" feeds the same lines as engine events as fast as the pane takes them (no throttle).

    python bench/bench_tui_stream.py [LINES] [both|end|pane]
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

from steps.run import events as ev  # noqa: E402
from steps.run.launch import RunRequest, TargetRequest, start  # noqa: E402
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


BATCH = 17_000  # ~1 MB of 60-byte lines: what one engine read delivers


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
    read) as fast as it can: the pane's side alone."""
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
            chunks = [
                tuple(_line(i) for i in range(start_at, min(lines, start_at + BATCH)))
                for start_at in range(0, lines, BATCH)
            ]

            def pump() -> None:
                marks["first_output"] = time.perf_counter()
                for chunk in chunks:
                    original(ev.CommandOutput(step_id="print-lines", number=1, lines=chunk))
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


def _line(i: int) -> str:
    return f"line {i} " + "x" * 50


async def bare_log_rate(lines: int) -> float:
    """The floor: a bare Log(max_lines=5000) fed the same lines in the same batches, lines/s until drawn."""
    from textual.app import App
    from textual.widgets import Log

    class Bare(App):
        def compose(self):
            yield Log(max_lines=5000)

    chunks = [tuple(_line(i) for i in range(a, min(lines, a + BATCH))) for a in range(0, lines, BATCH)]
    app = Bare()
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one(Log)
        began = time.perf_counter()
        for chunk in chunks:
            log.write_lines(chunk)
            await pilot.pause()  # let it lay out and draw, as the app's pane does between reads
        await pilot.pause()
        return lines / (time.perf_counter() - began)


async def wait_until(pilot, predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        await pilot.pause(0.05)


def report(title: str, r: dict[str, float], floor: float, synthetic: bool) -> None:
    print(title)
    if not synthetic:
        disk = r["on_disk"] / r["command_s"]
        print(
            f"  lines on disk: {disk:,.0f} lines/s ({r['on_disk']:,} lines, {r['bytes'] / 1e6:.0f} MB in "
            f"{r['command_s']:.2f} s, wc -l commands/NNN.out)"
            + ("" if r["on_disk"] == r["lines"] else "  MISSING LINES")
        )
    screen = r["written"] / r["span_s"]
    print(
        f"  lines on screen: cairn {screen:,.0f} lines/s into the Log ({r['written']:,} of {r['received']:,} "
        f"lines; the rest passed over, newest 5,000 a tick) | floor {floor:,.0f} lines/s (bare "
        f"Log(max_lines=5000), the same lines) | ratio {floor / screen:.2f} (time a line, cairn / floor)"
    )
    print(
        f"  last line on screen after {r['span_s']:.2f} s: {r['received'] / r['span_s']:,.0f} lines of output "
        "a second kept current on screen"
    )
    print(
        f"  key latency over {r['keys']} presses: median {r['lat_median_ms']:.1f} ms, "
        f"p95 {r['lat_p95_ms']:.1f} ms, max {r['lat_max_ms']:.1f} ms (aim <= 100 ms)"
    )
    print(f"  peak memory (ru_maxrss, whole process): {r['rss_mb']:.0f} MB (aim <= 300 MB)")


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    which = sys.argv[2] if len(sys.argv) > 2 else "both"
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    for synthetic in (False, True):
        if which != "both" and (which == "pane") != synthetic:
            continue
        with tempfile.TemporaryDirectory(prefix="cairn-bench-", ignore_cleanup_errors=True) as tmp:
            os.environ["CAIRN_HOME"] = tmp
            r = asyncio.run(measure(lines, Path(tmp), synthetic=synthetic))
        floor = asyncio.run(bare_log_rate(lines))
        title = (
            f"pane alone: {lines:,} lines offered as engine events, as fast as the pane takes them"
            if synthetic
            else f"end to end: a step printing {lines:,} lines, real engine and supervisor, sandbox target"
        )
        report(title, r, floor, synthetic)


if __name__ == "__main__":
    main()
