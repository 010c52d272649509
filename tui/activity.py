"""What the engine is doing or waiting for, and why: the status bar's second line.

One answer per situation, the most urgent first (finished, stopped, a question waiting, paused,
waiting for apps to settle, a command running, a step between commands).
"""

from __future__ import annotations

from rich.text import Text

from steps.record.export import human_duration
from steps.record.view import SessionView
from steps.states import DecisionKind, RunOutcome, StepState

from .look import Look

AUTO_ANSWERED = tuple(k for k in DecisionKind if k.answered_by_yes)  # what --yes answers by itself
SILENCE_SHOWN_AFTER = 15.0  # seconds without output before the bar says so (and offers k)


def activity(  # noqa: C901 - one answer per situation, in order of urgency
    view: SessionView,
    look: Look,
    *,
    session_id: str,
    now: float,
    read_only: bool = False,
    yes: bool = False,
    driven: bool = True,
    outcome: str = "",
    run_error: str = "",
    pause_requested: bool = False,
    last_output_at: float | None = None,
) -> Text:
    g = look
    sid = session_id
    text = Text()
    if view.finished is not None:
        state = StepState.SUCCEEDED if view.finished.outcome == RunOutcome.SUCCEEDED else StepState.FAILED
        text.append(f"{g.glyph(state)} Run {view.finished.outcome}", "bold")
        text.append(f": {view.finished.message}. " if view.finished.message else ". ")
        text.append("e exports the record; q quits" if not read_only else "q quits")
        return text
    if run_error:
        return Text(f"! the engine stopped: {run_error}; `cairn resume {sid}` continues", "bold")
    if outcome == "detached" or (view.detaches and not read_only and outcome):
        reason = view.detaches[-1].reason if view.detaches else "left"
        return Text(f"Stopped ({reason}). `cairn resume {sid}` continues the session.", "bold")
    if read_only and not driven:
        text.append("No Cairn process drives this session now", "bold")
        text.append(f"; `cairn resume {sid}` continues it")
        return text
    pending = view.pending_decision
    if pending is not None and not (yes and pending.kind in AUTO_ANSWERED):
        text.append("? Waiting for your decision", "bold reverse")
        text.append(f" {pending.prompt}" + ("" if read_only else "  (d opens it)"))
        return text
    if view.paused:
        last = view.pauses[-1]
        where = getattr(last, "step_id", "") or "the next step"
        text.append("Paused", "bold reverse")
        text.append(f" before the next command of {where}" + ("" if read_only else "; space goes on"))
        return text
    if pause_requested:
        text.append("Pausing", "bold reverse")
        text.append(": the running command finishes, then Cairn holds (space cancels)")
        return text
    wait = view.last_wait
    if wait is not None:
        text.append("Waiting", "bold")
        first = wait.lines[0] if wait.lines else ""
        stable = f", settled {human_duration(wait.stable_for)}" if wait.stable_for else ""
        took = f"{human_duration(wait.elapsed)}/{human_duration(wait.timeout)}"
        text.append(f" {took}{stable} ({wait.what}): {first}")
        if not read_only:
            text.append("  o goes on without waiting")
        return text
    running = view.running_command()
    if running is not None:
        text.append(f"{g.glyph('running')} ", "bold")
        took = human_duration(max(0.0, now - running.started))
        limit = f" (timeout {human_duration(running.timeout)})" if running.timeout else ""
        text.append(f"{took}{limit} {g.dot} ", "dim")
        silent = now - max(running.started, last_output_at or 0.0)
        if silent >= SILENCE_SHOWN_AFTER:
            text.append(f"no output for {human_duration(silent)}", "bold yellow")
            text.append("" if read_only else ", k kills it")
            text.append(f" {g.dot} ")
        step = view.steps.get(running.step_id)
        if step is not None and step.skip_requested:
            # Acknowledged at once: the skip is journaled; it takes effect when the command ends.
            text.append(f"skip requested ({step.skip_requested}) {g.dot} ", "bold")
        text.append(f"$ {running.display}")
        return text
    if view.current_step and view.current_step in view.steps:
        step = view.steps[view.current_step]
        text.append(f"{g.glyph(step.state)} {step.title}", "bold" if step.state == StepState.RUNNING else "")
        return text
    if read_only:
        return Text("Following the session's journal")
    return Text("Starting…" if not g.ascii else "Starting...")
