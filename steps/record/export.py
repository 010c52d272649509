"""The snapshot: a session's record for a change reviewer, as plain text or JSON.

Plain ASCII layout, no colour, no control characters: header (runbook, params, target, operator,
host, times), the phase tree with states, times and attempts, the operator's decisions and
controls in order, every command with its time, exit status and output (its head and tail, with
the path of the full file), the cluster before the run and at the end with what changed between,
and a summary. Every free-text value is redacted once more on the way out; the names of steps and
parameters never are. The words are the narrator's, as in plain mode and the app.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..run import events as ev
from ..states import StepState
from . import narrator, state_summary
from .journal import read as read_journal
from .printable import printable
from .redact import Redactor
from .session import SessionDir
from .view import SessionView, StepRecord

# Each command's output in the export is capped: its first and last lines, each line cut, and the
# path of the full file. A reviewer reads the record; the files keep every byte.
HEAD_LINES = 100
TAIL_LINES = 100
LINE_CHARS = 2_000
TAIL_BYTES = 512 * 1024  # how far from the end a big output's tail is looked for
SCAN_BYTES = 8 * 1024 * 1024  # outputs up to this size are read through (exact line counts)
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*(?:\x07|\x1b\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
STATE_MARK = narrator.STATE_MARK
human_duration = narrator.human_duration
BEFORE_NAME = state_summary.BEFORE_NAME
INDENT = " " * 12  # under a step in the tree


def clean(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text))


def _r(text: str) -> str:
    """A free-text value, cleaned and redacted on its own: names and ids never go through the
    redactor, so `minio-credentials: minio_access_key is short` keeps its words."""
    return Redactor().text(clean(text))


def stamp(t: float | None, with_date: bool = False) -> str:
    if not t:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S %Z" if with_date else "%H:%M:%S", time.localtime(t))


def load_view(directory: Path) -> tuple[SessionView, tuple[str, ...]]:
    result = read_journal(SessionDir(directory).journal)
    return SessionView.build(result.events), result.warnings


@dataclass
class Excerpt:
    """A command's output as the export shows it: head, a gap note, tail."""

    head: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    skipped_lines: int | None = 0  # None: not counted (a big file; `skipped_bytes` says how much)
    skipped_bytes: int = 0
    total_lines: int | None = 0
    path: Path | None = None

    @property
    def lines(self) -> list[str]:
        return self.head + self.tail

    def gap(self) -> str:
        if not self.skipped_bytes and not self.skipped_lines:
            return ""
        what = f"{self.skipped_lines:,} lines" if self.skipped_lines is not None else "more lines"
        return f"… {what} ({self.skipped_bytes:,} bytes) not shown here; the whole output is in {self.path}"


def _bounded_line(f: BinaryIO) -> tuple[str, int] | None:
    """The next line, cut at LINE_CHARS (the rest is skipped unread into memory); None at the end.
    Returns (text, bytes it took in the file)."""
    data = f.readline(LINE_CHARS * 4)
    if not data:
        return None
    size = len(data)
    cut = 0
    if not data.endswith(b"\n"):
        while True:  # skip the rest of a long line a chunk at a time
            rest = f.readline(1 << 20)
            size += len(rest)
            cut += len(rest)
            if not rest or rest.endswith(b"\n"):
                break
    text = clean(data.decode("utf-8", "replace").rstrip("\r\n"))
    if len(text) > LINE_CHARS:
        cut += len(text) - LINE_CHARS
        text = text[:LINE_CHARS]
    if cut:
        text += f" … [{cut:,} more characters]"
    return text, size


def output_excerpt(directory: Path, number: int) -> Excerpt:
    path = SessionDir(directory).command(number).out
    ex = Excerpt(path=path)
    try:
        size = path.stat().st_size
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return ex
    redactor = Redactor()  # one per output: a Secret's data block spans lines
    with f:
        while len(ex.head) < HEAD_LINES:
            got = _bounded_line(f)
            if got is None:
                ex.total_lines = len(ex.head)
                return ex
            ex.head.append(redactor.text(got[0]))
        start = f.tell()
        if size - start <= SCAN_BYTES:
            tail: deque[tuple[str, int]] = deque(maxlen=TAIL_LINES)
            count, skipped_bytes = 0, 0
            while (got := _bounded_line(f)) is not None:
                count += 1
                if len(tail) == TAIL_LINES:
                    skipped_bytes += tail[0][1]
                tail.append(got)
            ex.tail = [redactor.text(text) for text, _ in tail]
            ex.skipped_lines = max(0, count - len(tail))
            ex.skipped_bytes = skipped_bytes
            ex.total_lines = len(ex.head) + count
            return ex
        # A big output: its tail from near the end, without reading (or counting) the middle.
        f.seek(max(start, size - TAIL_BYTES))
        chunk = f.readline(1 << 20)  # drop the partial first line (however long it is)
        while chunk and not chunk.endswith(b"\n"):
            chunk = f.readline(1 << 20)
        tail_start = f.tell()
        tail2: deque[str] = deque(maxlen=TAIL_LINES)
        while (got := _bounded_line(f)) is not None:
            tail2.append(got[0])
        ex.tail = [Redactor().text(text) for text in tail2]
        ex.skipped_lines = None
        ex.skipped_bytes = tail_start - start
        ex.total_lines = None
        return ex


def _output_lines(directory: Path, number: int) -> tuple[list[str], int]:
    ex = output_excerpt(directory, number)
    return ex.lines, ex.total_lines if ex.total_lines is not None else len(ex.lines)


def _state_file(directory: Path, name: str) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _generated_files(directory: Path) -> dict[str, str]:
    """The files Cairn wrote into the session (manifests it applied, the analysis), by name."""
    folder = directory / "files"
    if not folder.is_dir():
        return {}
    return {
        p.name: p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.is_file()
    }


def _latest_state(directory: Path) -> dict[str, Any] | None:
    return _state_file(directory, SessionDir(directory).cluster_state.name)


def outcome_of(view: SessionView) -> str:
    if view.finished is not None:
        return view.finished.outcome
    if view.detaches:
        return "unfinished (the front end left; `cairn resume` continues)"
    return "in progress"


def state_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Apps added or removed, channel and status changes, relations added and removed."""
    out: list[str] = []
    apps_b, apps_a = before.get("apps") or {}, after.get("apps") or {}
    for name in sorted(set(apps_b) | set(apps_a)):
        b, a = apps_b.get(name), apps_a.get(name)
        # A name is on at least one side; a record that is null on both sides has nothing to compare.
        if b is None and a is not None:
            out.append(f"+ app {name} ({narrator.shown_value(a.get('channel'))}, {a.get('status', '?')})")
        elif a is None and b is not None:
            out.append(f"- app {name} (was {narrator.shown_value(b.get('channel'))}, {b.get('status', '?')})")
        elif a is not None and b is not None:
            if b.get("channel") != a.get("channel"):
                out.append(
                    f"~ app {name} channel {narrator.shown_value(b.get('channel'))} -> "
                    f"{narrator.shown_value(a.get('channel'))}"
                )
            if b.get("status") != a.get("status"):
                out.append(f"~ app {name} status {b.get('status')} -> {a.get('status')}")
    rel_b, rel_a = set(before.get("relations") or ()), set(after.get("relations") or ())
    out += [f"+ relation {r}" for r in sorted(rel_a - rel_b)]
    out += [f"- relation {r}" for r in sorted(rel_b - rel_a)]
    return out


def _state_block(add: Callable[[str], None], state: dict[str, Any] | None) -> None:
    if state is None:
        add("(not read)")
        return
    add(f"read {stamp(state.get('read_at'), True)} from {clean(str(state.get('source', '?')))}")
    for line in state.get("lines", []):
        add(f"  {_r(str(line))}")


def write_file(directory: Path, path: Path, fmt: str = "text") -> None:
    """The export into `path`, streamed (text) and replaced whole only once it is complete."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as stream:
        if fmt == "json":
            stream.write(to_json(directory))
        else:
            write_text(directory, stream)
    tmp.replace(path)


def to_text(directory: Path) -> str:
    buffer = io.StringIO()
    write_text(directory, buffer)
    return buffer.getvalue()


def write_text(directory: Path, stream: TextIO) -> None:  # noqa: C901 - one section after another
    """The text record, written line by line to `stream` (a big session never sits in memory)."""
    view, warnings = load_view(directory)
    s = view.started

    def add(line: str = "") -> None:
        stream.write(line + "\n")

    title = f"Cairn session {s.session_id}: change record"
    add(title)
    add("=" * len(title))
    add(
        f"Runbook:   {s.runbook}: {_r(s.runbook_title)}"
        + (f" (file {clean(s.runbook_file)})" if s.runbook_file else "")
    )
    add(f"Params:    {_params_line(s.params)}")
    channels = s.params.get("channels") or {}
    if channels:
        add("Channels:  " + ", ".join(f"{k}={_r(narrator.shown_value(v))}" for k, v in channels.items()))
    speed = s.target.get("speed")
    add(f"Target:    {clean(view.target_line())}" + (f" (speed {speed})" if speed is not None else ""))
    faults = s.target.get("faults") or []
    if faults:
        add(f"Faults:    {', '.join(clean(str(f)) for f in faults)} (injected for rehearsal)")
    add(f"Operator:  {clean(s.operator)}@{clean(s.host)}" + ("  (ran with --yes)" if s.yes else ""))
    add(f"Started:   {stamp(s.t, True)}")
    end = view.finished.t if view.finished else view.last_event_at
    add(f"Ended:     {stamp(end, True) if view.finished else '-'}  (elapsed {human_duration(end - s.t)})")
    waited = sum(st.waited for st in view.steps.values())
    if waited >= 0.05:
        add(f"Waiting:   {human_duration(waited)} of it waiting for the operator (questions, pauses)")
    add(f"Outcome:   {outcome_of(view)}")
    add(f"Cairn:     {clean(s.cairn_version)}")
    for r in view.resumes:
        add(
            f"Resumed:   {stamp(r.t, True)} by {clean(r.operator)}@{clean(r.host)} pid {r.pid}"
            + (f", took over from {clean(r.took_over_from)}" if r.took_over_from else "")
        )
    for w in warnings:
        add(f"Journal:   {_r(w)}")
    add("")

    add("Phases and steps")
    add("----------------")
    add("(times: the step's own time, then the time it waited for the operator; ×N: attempts)")
    for number, phase in enumerate(view.phases, 1):
        done, total = view.phase_progress(phase)
        add(f"{number:>2}. {_r(phase.title)}  ({done}/{total})")
        for sid in phase.step_ids:
            _step_block(add, view.steps[sid])
    add("")

    add("Operator decisions and controls")
    add("-------------------------------")
    entries = _operator_entries(view)
    if not entries:
        add("(none)")
    for _t, lines in entries:
        for line in lines:
            add(line)
    add("")

    if view.notices:
        add("Notices")
        add("-------")
        for n in view.notices:
            add(f"{stamp(n.t)}  {n.level:<7} " + (f"{n.step_id}: " if n.step_id else "") + _r(n.text))
        add("")

    add("Commands")
    add("--------")
    commands = view.all_commands()
    if not commands:
        add("(none ran)")
    for rec in commands:
        add(f"[{rec.number:03d}] {stamp(rec.started)}  {rec.step_id}")
        add(f"      $ {_r(rec.display)}")
        if rec.finished is None:
            add("      (no exit status recorded: still running, or the session stopped first)")
        else:
            end_text = narrator.command_end(
                rec.exit if rec.exit is not None else -1,
                rec.reason,
                rec.ok,
                rec.finished - rec.started,
                _r(rec.benign),
                _r(rec.failure),
            )
            add(f"      {end_text}")
        ex = output_excerpt(directory, rec.number)
        for line in ex.head:
            add(f"      | {line}")
        if ex.gap():
            add(f"      | {ex.gap()}")
        for line in ex.tail:
            add(f"      | {line}")
    add("")

    add("Cluster state before the run")
    add("----------------------------")
    before = _state_file(directory, BEFORE_NAME)
    _state_block(add, before)
    add("")

    generated = _generated_files(directory)
    if generated:
        add("Generated files")
        add("---------------")
        for name, text in generated.items():
            add(f"files/{name}")
            for line in text.splitlines():
                add(f"      | {line}")
        add("")
    add("Cluster state (latest read)")
    add("---------------------------")
    latest = _latest_state(directory)
    _state_block(add, latest)
    add("")
    add("Changes between before and after (apps, channels, relations)")
    add("-------------------------------------------------------------")
    if before is None or latest is None:
        add("(not known: the cluster was not read both before and after)")
    else:
        changes = state_diff(before, latest)
        for line in changes or ["(no change)"]:
            add(f"  {_r(line)}")
    add("")

    add("Summary")
    add("-------")
    counts = view.counts()
    add(f"{len(view.steps)} steps: " + narrator.counts_text(counts) + ".")
    assumed = counts.get(StepState.ASSUMED, 0)
    if assumed:
        add(f"{assumed} human check(s) were answered by --yes: assumed, nobody looked.")
    failed_cmds = sum(1 for c in commands if c.ok is False)
    add(f"{len(commands)} commands ran; {failed_cmds} failed.")
    add(f"Outcome: {outcome_of(view)}.")
    if view.finished and view.finished.message:
        add(_r(view.finished.message))


def _params_line(params: dict[str, Any]) -> str:
    parts = []
    for key, value in params.items():
        if key == "channels":
            continue
        shown = ",".join(str(v) for v in value) if isinstance(value, list) else value
        # The pair goes through the redactor so a secret-named param's value is hidden; its
        # name is kept.
        parts.append(Redactor().text(printable(f"{key}={narrator.shown_value(shown)}")))
    return " ".join(parts)


def _step_block(add: Callable[[str], None], st: StepRecord) -> None:
    mark = STATE_MARK.get(st.state, f"[{st.state}]")
    times = narrator.step_times(st)
    add(f"    {mark:<9} {_r(st.title)}  [{st.id}]" + (f"  {times}" if times else ""))
    if st.reason and st.state != "succeeded":
        add(f"{INDENT}{narrator.state_word(st.state)}: {_r(st.reason)}")
    if st.skip_requested:
        add(f'{INDENT}skip requested, not carried out yet: "{_r(st.skip_requested)}"')
    seen: dict[tuple[str, str], int] = {}
    repeats = {
        (c.purpose, c.name)
        for c in st.checks
        if sum(1 for d in st.checks if (d.purpose, d.name) == (c.purpose, c.name)) > 1
    }
    for chk in st.checks:
        key = (chk.purpose, chk.name)
        seen[key] = seen.get(key, 0) + 1
        if chk.purpose == "check" and st.state != "already done":
            continue
        purpose = f"{chk.purpose} #{seen[key]}" if key in repeats else chk.purpose
        add(f"{INDENT}{narrator.check_line(purpose, _r(chk.name), chk.status, _r(chk.message))}")
        for d in chk.details[:20]:
            add(f"{INDENT}  {_r(d)}")
        if chk.fix and chk.status != "passed":
            for line in narrator.fix_lines(_r(chk.fix), INDENT + "  "):
                add(line)
    for name, value in st.captured.items():
        for line in narrator.continued(f"captured {name} = ", _r(narrator.shown_value(value)), INDENT):
            add(line)
    for w in st.waits:
        add(f"{INDENT}wait: {w.outcome} after {human_duration(w.elapsed)}")
    for n in st.notes:
        for line in narrator.continued(f"note ({stamp(n.t)}, by {clean(n.by)}): ", _r(n.text), INDENT):
            add(line)


def _operator_entries(view: SessionView) -> list[tuple[float, list[str]]]:
    """Every decision and control, in the order given."""
    entries: list[tuple[float, list[str]]] = []
    for req, made in view.decisions:
        lines = [f"{stamp(made.t)}  {made.kind:<12} {made.step_id}: {made.choice} (by {clean(made.by)})"]
        if made.reason:
            lines[0] += f' - reason: "{_r(made.reason)}"'
        if req and req.kind in ("confirm", "ask"):
            lines.append(f"          asked: {_r(req.prompt)}")
            lines += [f"          runs: {_r(c)}" for c in req.commands]
        if req is not None and made.by == "operator":
            lines.append(f"          answered after {human_duration(max(0.0, made.t - req.t))}")
        entries.append((made.t, lines))
    for p in view.pauses:
        if isinstance(p, ev.Paused):
            line = f"{stamp(p.t)}  {'paused':<12} {narrator.paused(p.step_id, p.running_command)} (by {clean(p.by)})"
        else:
            line = f"{stamp(p.t)}  {'resumed':<12} (by {clean(p.by)})"
        entries.append((p.t, [line]))
    for c in view.controls:
        if isinstance(c, ev.SkipRequested):
            text = narrator.skip_requested(c.step_id, _r(c.reason), c.running_command)
            entries.append((c.t, [f"{stamp(c.t)}  {'skip':<12} {text} (by {clean(c.by)})"]))
        else:
            text = narrator.kill_requested(c.step_id, c.number)
            entries.append((c.t, [f"{stamp(c.t)}  {'kill':<12} {text} (by {clean(c.by)})"]))
    for n in view.notes:
        entries.append(
            (
                n.t,
                narrator.continued(f"{stamp(n.t)}  {'note':<12} {n.step_id or 'session'}: ", _r(n.text), ""),
            )
        )
    for d in view.detaches:
        line = f"{stamp(d.t)}  {'detached':<12} {_r(d.reason)}"
        if d.running_command:
            line += f" (command {d.running_command:03d} kept running)"
        entries.append((d.t, [line]))
    entries.sort(key=lambda e: e[0])
    return entries


def to_json(directory: Path) -> str:
    view, warnings = load_view(directory)
    s = view.started
    before, latest = _state_file(directory, BEFORE_NAME), _latest_state(directory)
    commands = []
    for rec in view.all_commands():
        ex = output_excerpt(directory, rec.number)
        commands.append(
            {
                "number": rec.number,
                "step": rec.step_id,
                "command": rec.display,
                "started": rec.started,
                "finished": rec.finished,
                "exit": rec.exit,
                "reason": rec.reason,
                "ok": rec.ok,
                "benign": rec.benign,
                "failure": rec.failure,
                "output": ex.lines,  # its head and tail; the whole output is in output_file
                "output_lines": ex.total_lines,
                "output_omitted_bytes": ex.skipped_bytes,
                "output_file": str(ex.path),
            }
        )
    data = {
        "session": s.session_id,
        "runbook": s.runbook,
        "runbook_title": s.runbook_title,
        "params": s.params,
        "target": s.target,
        "operator": s.operator,
        "host": s.host,
        "cairn_version": s.cairn_version,
        "started": s.t,
        "ended": view.finished.t if view.finished else None,
        "outcome": outcome_of(view),
        "journal_warnings": list(warnings),
        "phases": [
            {
                "id": p.id,
                "title": p.title,
                "steps": [
                    {
                        "id": sid,
                        "title": view.steps[sid].title,
                        "state": view.steps[sid].state,
                        "reason": view.steps[sid].reason,
                        "started": view.steps[sid].started,
                        "finished": view.steps[sid].finished,
                        "attempts": view.steps[sid].attempts,
                        "run_time": view.steps[sid].run_time,
                        "waited_for_operator": view.steps[sid].waited,
                        "notes": [{"time": n.t, "text": n.text, "by": n.by} for n in view.steps[sid].notes],
                        "captured": view.steps[sid].captured,
                        "checks": [
                            {
                                "purpose": c.purpose,
                                "name": c.name,
                                "status": c.status,
                                "message": c.message,
                                "fix": c.fix,
                                "details": list(c.details),
                            }
                            for c in view.steps[sid].checks
                        ],
                    }
                    for sid in p.step_ids
                ],
            }
            for p in view.phases
        ],
        "decisions": [
            {
                "time": m.t,
                "kind": m.kind,
                "step": m.step_id,
                "choice": m.choice,
                "reason": m.reason,
                "by": m.by,
                "prompt": r.prompt if r else "",
            }
            for r, m in view.decisions
        ],
        "notices": [{"time": n.t, "level": n.level, "step": n.step_id, "text": n.text} for n in view.notices],
        "commands": commands,
        "controls": [
            {"time": c.t, "type": c.type, "step": c.step_id, "by": c.by, **_control_fields(c)}
            for c in view.controls
        ],
        "pauses": [{"time": p.t, "type": p.type, "by": p.by} for p in view.pauses],
        "cluster_state_before": before,
        "cluster_state": latest,
        "cluster_changes": state_diff(before, latest) if before and latest else None,
        "generated_files": _generated_files(directory),
        "summary": view.counts(),
    }
    return Redactor().text(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"


def _control_fields(c: ev.SkipRequested | ev.KillRequested) -> dict[str, Any]:
    if isinstance(c, ev.SkipRequested):
        return {"reason": c.reason, "running_command": c.running_command}
    return {"command": c.number}
