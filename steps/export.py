"""The snapshot: a session's record for a change reviewer, as plain text or JSON.

Plain ASCII layout, no colour, no control characters: header (runbook, params, target, operator,
host, times), the phase tree with states and durations, the operator's decisions, every command
with its time, exit status and output, the latest cluster state, and a summary. Everything is
redacted once more on the way out.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from .journal import read as read_journal
from .redact import Redactor
from .session import SessionDir
from .states import CheckPurpose, CommandEnd, StepState, Verdict
from .view import SessionView

MAX_LINES_PER_COMMAND = 10_000  # beyond this the export points to the command's own file
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*(?:\x07|\x1b\\)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
STATE_MARK = {
    StepState.SUCCEEDED: "[ok]",
    StepState.DONE: "[done]",
    StepState.SKIPPED: "[skip]",
    StepState.FAILED: "[FAIL]",
    StepState.ABORTED: "[ABORT]",
    StepState.INTERRUPTED: "[intr]",
    StepState.RUNNING: "[run]",
    StepState.PENDING: "[ ]",
}


def clean(text: str) -> str:
    return _CONTROL.sub("", _ANSI.sub("", text))


def stamp(t: float | None, with_date: bool = False) -> str:
    if not t:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S %Z" if with_date else "%H:%M:%S", time.localtime(t))


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def load_view(directory: Path) -> tuple[SessionView, tuple[str, ...]]:
    result = read_journal(SessionDir(directory).journal)
    return SessionView.build(result.events), result.warnings


def _output_lines(directory: Path, number: int) -> tuple[list[str], int]:
    path = SessionDir(directory).command(number).out
    try:
        with open(path, "rb") as f:
            lines: list[str] = []
            total = 0
            for raw in f:
                total += 1
                if len(lines) < MAX_LINES_PER_COMMAND:
                    lines.append(clean(raw.decode("utf-8", "replace").rstrip("\r\n")))
            return lines, total
    except OSError:
        return [], 0


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
    try:
        return json.loads(SessionDir(directory).cluster_state.read_text())
    except (OSError, ValueError):
        return None


def outcome_of(view: SessionView) -> str:
    if view.finished is not None:
        return view.finished.outcome
    if view.detaches:
        return "unfinished (the front end left; `cairn resume` continues)"
    return "in progress"


def to_text(directory: Path) -> str:
    view, warnings = load_view(directory)
    s = view.started
    out: list[str] = []
    add = out.append
    title = f"Cairn session {s.session_id}: change record"
    add(title)
    add("=" * len(title))
    add(
        f"Runbook:   {s.runbook}: {s.runbook_title}" + (f" (file {s.runbook_file})" if s.runbook_file else "")
    )
    add(f"Params:    {view.params_line()}")
    channels = s.params.get("channels") or {}
    if channels:
        add("Channels:  " + ", ".join(f"{k}={v}" for k, v in channels.items()))
    speed = s.target.get("speed")
    add(f"Target:    {view.target_line()}" + (f" (speed {speed})" if speed is not None else ""))
    faults = s.target.get("faults") or []
    if faults:
        add(f"Faults:    {', '.join(faults)} (injected for rehearsal)")
    add(f"Operator:  {s.operator}@{s.host}" + ("  (ran with --yes)" if s.yes else ""))
    add(f"Started:   {stamp(s.t, True)}")
    end = view.finished.t if view.finished else view.last_event_at
    add(f"Ended:     {stamp(end, True) if view.finished else '-'}  (elapsed {human_duration(end - s.t)})")
    add(f"Outcome:   {outcome_of(view)}")
    add(f"Cairn:     {s.cairn_version}")
    for r in view.resumes:
        add(
            f"Resumed:   {stamp(r.t, True)} by {r.operator}@{r.host} pid {r.pid}"
            + (f", took over from {r.took_over_from}" if r.took_over_from else "")
        )
    for w in warnings:
        add(f"Journal:   {w}")
    add("")

    add("Phases and steps")
    add("----------------")
    for number, phase in enumerate(view.phases, 1):
        done, total = view.phase_progress(phase)
        add(f"{number:>2}. {phase.title}  ({done}/{total})")
        for sid in phase.step_ids:
            st = view.steps[sid]
            mark = STATE_MARK.get(st.state, f"[{st.state}]")
            dur = human_duration(st.duration)
            add(f"    {mark:<7} {st.title}  [{sid}]" + (f"  {dur}" if dur else ""))
            if st.reason and st.state != StepState.SUCCEEDED:
                add(f"            {st.state}: {clean(st.reason)}")
            for chk in st.checks:
                if chk.purpose == CheckPurpose.CHECK and st.state != StepState.DONE:
                    continue
                add(
                    f"            {chk.purpose} {chk.name}: {chk.status}"
                    + (f" - {clean(chk.message)}" if chk.message else "")
                )
                for d in chk.details[:20]:
                    add(f"              {clean(d)}")
                if chk.fix and chk.status != Verdict.PASSED:
                    add(f"              fix: {clean(chk.fix)}")
            for name, value in st.captured.items():
                add(f"            captured {name} = {clean(value)}")
            for wait in st.waits:
                add(f"            wait: {wait.outcome} after {human_duration(wait.elapsed)}")
    add("")

    add("Operator decisions")
    add("------------------")
    if not view.decisions and not any(True for p in view.pauses):
        add("(none)")
    for req, made in view.decisions:
        what = req.prompt if req else made.kind
        reason = f' - reason: "{clean(made.reason)}"' if made.reason else ""
        add(f"{stamp(made.t)}  {made.kind:<12} {made.step_id}: {made.choice} (by {made.by}){reason}")
        if req and req.kind.answered_by_yes:
            add(f"          asked: {clean(what)}")
    for p in view.pauses:
        add(f"{stamp(p.t)}  {p.type:<12} {getattr(p, 'step_id', '')} (by {p.by})")
    for gone in view.detaches:
        add(
            f"{stamp(gone.t)}  detached     {clean(gone.reason)}"
            + (f" (command {gone.running_command:03d} kept running)" if gone.running_command else "")
        )
    add("")

    if view.notices:
        add("Notices")
        add("-------")
        for n in view.notices:
            add(f"{stamp(n.t)}  {n.level:<7} " + (f"{n.step_id}: " if n.step_id else "") + clean(n.text))
        add("")

    add("Commands")
    add("--------")
    commands = view.all_commands()
    if not commands:
        add("(none ran)")
    for rec in commands:
        add(f"[{rec.number:03d}] {stamp(rec.started)}  {rec.step_id}")
        add(f"      $ {clean(rec.display)}")
        if rec.finished is None:
            add("      (no exit status recorded: still running, or the session stopped first)")
        else:
            verdict = "ok" if rec.ok else "FAILED"
            extra = f"; counted as success: {rec.benign}" if rec.benign else ""
            extra += f"; {rec.failure}" if rec.failure else ""
            reason = "" if rec.reason == CommandEnd.EXITED else f" ({rec.reason})"
            add(
                f"      exit {rec.exit}{reason} after {human_duration(rec.finished - rec.started)}: {verdict}{extra}"
            )
        lines, total = _output_lines(directory, rec.number)
        for line in lines:
            add(f"      | {line}")
        if total > len(lines):
            add(f"      | … {total - len(lines)} more lines in {SessionDir.output_name(rec.number)}")
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
    state = _latest_state(directory)
    if state is None:
        add("(not read)")
    else:
        add(f"read {stamp(state.get('read_at'), True)} from {state.get('source', '?')}")
        for line in state.get("lines", []):
            add(f"  {clean(line)}")
    add("")

    add("Summary")
    add("-------")
    counts = view.counts()
    parts = [f"{n} {state}" for state, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    add(f"{len(view.steps)} steps: " + ", ".join(parts) + ".")
    failed_cmds = sum(1 for c in commands if c.ok is False)
    add(f"{len(commands)} commands ran; {failed_cmds} failed.")
    add(f"Outcome: {outcome_of(view)}.")
    if view.finished and view.finished.message:
        add(clean(view.finished.message))
    return Redactor().text("\n".join(out) + "\n")


def to_json(directory: Path) -> str:
    view, warnings = load_view(directory)
    s = view.started
    commands = []
    for rec in view.all_commands():
        lines, total = _output_lines(directory, rec.number)
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
                "output": lines,
                "output_lines": total,
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
        "cluster_state": _latest_state(directory),
        "generated_files": _generated_files(directory),
        "summary": view.counts(),
    }
    return Redactor().text(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"
