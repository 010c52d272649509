"""The narrator: the words for what happened, one place for every view.

Plain mode (`tui.plain.Printer`), the app's output pane (`Annotator`) and the text export all tell
the same story from the same events; they take their sentences from here so the wording cannot
drift between them. Pure text, no terminal: a view adds only its own layout (indent, numbering,
glyphs through `glyph`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from ..run import events as ev

# The ASCII marks plain mode and the export use; the app draws its own glyphs for the same states.
STATE_MARK = {
    "succeeded": "[ok]",
    "already done": "[done]",
    "skipped": "[skip]",
    "assumed": "[assumed]",
    "failed": "[FAIL]",
    "aborted": "[ABORT]",
    "interrupted": "[intr]",
    "running": "[run]",
    "pending": "[ ]",
}
# How a state reads in a sentence (an assumed step says why it is not "ok").
STATE_WORDS = {"done": "already done", "assumed": "assumed (--yes)"}
# The order states are counted in a summary: what went well first, then what needs a look.
_COUNT_ORDER = (
    "succeeded",
    "already done",
    "assumed",
    "skipped",
    "failed",
    "aborted",
    "interrupted",
    "running",
    "pending",
)
_ALL_WELL = {"succeeded", "already done"}


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


def state_word(state: str) -> str:
    return STATE_WORDS.get(state, state)


def shown_value(value: Any) -> str:
    """A value as the record shows it: an empty one as "" so it cannot look like nothing."""
    text = "" if value is None else str(value)
    return text if text != "" else '""'


LIVE_VALUE_CHARS = 160  # a captured value longer than this is cut in the live views
LIVE_VALUE_LINES = 6


def live_value(text: str) -> str:
    """A captured value as a live view shows it: a long one (a `juju info` JSON, a file listing)
    cut, saying how long it is; the command's output above and the record keep it whole."""
    lines = text.splitlines() or [""]
    cut = "\n".join(lines[:LIVE_VALUE_LINES])
    if len(cut) > LIVE_VALUE_CHARS:
        cut = cut[:LIVE_VALUE_CHARS]
    if cut == text:
        return text
    return f"{cut}… ({len(text)} characters in all; the record has it whole)"


# --- sentences shared by the live views and the export ---------------------------------------


def step_heading(title: str, step_id: str, attempt: int = 1, from_command: int = 0) -> str:
    again = f" (attempt {attempt}, from command {from_command + 1})" if attempt > 1 else ""
    return f"{title}  [{step_id}]{again}"


def command_end(
    exit: int, reason: str, ok: bool | None, duration: float | None, benign: str = "", failure: str = ""
) -> str:
    """`exit 0 in 1.2s: ok` / `exit 124 (timeout) in 30.0s: FAILED: timed out after 30 s`."""
    why = "" if reason in ("exited", "") else f" ({reason})"
    head = f"exit {exit}{why} in {human_duration(duration or 0.0)}"
    if ok:
        return head + ": ok" + (f"; counted as success: {benign}" if benign else "")
    return head + ": FAILED" + (f": {failure}" if failure else "")


def check_line(purpose: str, name: str, status: str, message: str) -> str:
    shown = {"passed": "passed", "failed": "FAILED"}.get(status, status)
    return f"{purpose} {name}: {shown}" + (f" - {message}" if message else "")


def continued(label: str, text: str, indent: str) -> list[str]:
    """`label text` whose further lines start under the text, not at column 0 (multi-line fixes
    and captured values stay readable as blocks)."""
    lines = text.splitlines() or [""]
    pad = indent + " " * len(label)
    return [f"{indent}{label}{lines[0]}", *(f"{pad}{line}" for line in lines[1:])]


def fix_lines(fix: str, indent: str) -> list[str]:
    return continued("fix: ", fix, indent)


def step_end(state: str, reason: str = "", duration: float = 0.0, waited: float = 0.0) -> str:
    took = f" in {human_duration(duration)}" if duration else ""
    if waited >= 0.05:
        took += f" (+{human_duration(waited)} waiting for you)"
    return f"{state_word(state)}{took}" + (f": {reason}" if reason else "")


def decision(kind: str, choice: str, by: str, reason: str = "") -> str:
    return f"{kind}: {choice} (by {by})" + (f' - reason: "{reason}"' if reason else "")


def paused(step_id: str, running_command: int | None = None) -> str:
    keeps = f"; command {running_command:03d} keeps running" if running_command else ""
    return f"paused before the next command of {step_id or 'the run'}{keeps}"


def skip_requested(step_id: str, reason: str, running_command: int | None = None) -> str:
    when = f" once command {running_command:03d} ends (it is not killed)" if running_command else ""
    return f'skip {step_id} requested{when} - reason: "{reason}"'


def kill_requested(step_id: str, number: int) -> str:
    return f"kill command {number:03d} of {step_id} requested (its process group)"


def note(step_id: str, text: str, by: str = "operator") -> str:
    return f"note on {step_id or 'the session'} (by {by}): {text}"


def detached(reason: str, running_command: int | None = None) -> str:
    keeps = f"; command {running_command:03d} keeps running" if running_command else ""
    return f"stopped: {reason}{keeps}"


# Mapping is invariant in its key, so a `dict[StepState, int]` (StepState is a StrEnum) is not a
# `Mapping[str, int]`; a key type bound to str accepts both.
_Key = TypeVar("_Key", bound=str)


def counts_text(counts: Mapping[_Key, int]) -> str:
    """`45 succeeded, 4 already done, 2 assumed (--yes), 1 skipped`."""
    order = {s: i for i, s in enumerate(_COUNT_ORDER)}
    items = sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    return ", ".join(f"{n} {state_word(s)}" for s, n in items if n)


def success_message(counts: Mapping[str, int]) -> str:
    """What a finished run says: "every step succeeded" only when that is true."""
    if not counts or set(k for k, n in counts.items() if n) <= _ALL_WELL:
        return "every step succeeded" + (" or was already done" if counts.get("already done") else "")
    return "finished with steps skipped or assumed: " + counts_text(counts)


class _StepTimes(Protocol):
    # Read-only: StepRecord computes run_time and waited as properties.
    @property
    def run_time(self) -> float | None: ...

    @property
    def waited(self) -> float: ...

    @property
    def attempts(self) -> int: ...


def step_times(step: _StepTimes) -> str:
    """`12.0s (+1m03s waiting for you) ×2`: the step's own time apart from the operator's."""
    if step.run_time is None:
        return ""
    text = human_duration(step.run_time)
    if step.waited >= 0.05:
        text += f" (+{human_duration(step.waited)} waiting for you)"
    if step.attempts > 1:
        text += f" ×{step.attempts}"
    return text


class _Running(Protocol):
    # Read-only: the running command's info is a frozen record.
    @property
    def timeout(self) -> float | None: ...

    def silent_for(self, now: float | None = None) -> float: ...


def silence_text(info: _Running, now: float | None = None) -> str:
    """`no output for 2m10s (timeout 30m00s)` for a command that has gone quiet."""
    now = time.time() if now is None else now
    limit = f" (timeout {human_duration(info.timeout)})" if info.timeout else ""
    return f"no output for {human_duration(info.silent_for(now))}{limit}"


# --- the live story, event by event ---------------------------------------------------------------


def ascii_glyph(state: str) -> str:
    return STATE_MARK.get(state, f"[{state}]")


class Narrator:
    """Events in, lines out, for a live stream (plain mode, the output pane). `glyph(state)` gives
    a state's mark; `arrow` leads a command's ending. Per stream: it remembers the wait it is in,
    so a long wait is announced once."""

    def __init__(
        self,
        titles: Mapping[str, str],
        glyph: Callable[[str], str] = ascii_glyph,
        arrow: str = "->",
    ):
        self.titles = titles
        self.glyph = glyph
        self.arrow = arrow
        self._waiting_for = ""

    def lines(self, event: ev.Event) -> list[str]:  # noqa: C901 - one branch per event type
        match event:
            case ev.StepStarted():
                self._waiting_for = ""
                title = self.titles.get(event.step_id, event.step_id)
                return [
                    f"{self.glyph('running')} {step_heading(title, event.step_id, event.attempt, event.from_command)}"
                ]
            case ev.CommandStarted():
                return [f"$ {event.display}"]
            case ev.CommandFinished():
                end = command_end(
                    event.exit, event.reason, event.ok, event.duration, event.benign, event.failure
                )
                return [f"  {self.arrow} {end}"]
            case ev.StepFinished():
                mark = {"done": "already done"}.get(event.state, event.state)
                return [
                    f"{self.glyph(mark)} {step_end(event.state, event.reason, event.duration, event.waited)}"
                ]
            case ev.WaitProgress():
                if self._waiting_for == event.what:
                    return []
                self._waiting_for = event.what
                return [f"  waiting ({event.what})"]
            case ev.WaitFinished():
                self._waiting_for = ""
                return [f"  wait {event.outcome} after {human_duration(event.elapsed)}"]
            case ev.CheckEvaluated():
                if event.purpose == "check" and event.status != "passed":
                    return []
                fix = fix_lines(event.fix, "    ") if event.fix and event.status != "passed" else []
                return [
                    f"  {check_line(event.purpose, event.name, event.status, event.message)}",
                    *(f"    {d}" for d in event.details[:20]),
                    *fix,
                ]
            case ev.Captured():
                if event.secret:
                    return [f"  captured {event.name} (secret, not shown)"]
                return continued(f"captured {event.name} = ", live_value(shown_value(event.value)), "  ")
            case ev.Generated():
                return [f"  {event.generator} computed {len(event.commands)} commands from the cluster"]
            case ev.Notice():
                return [f"! {event.level}: {event.text}"]
            case ev.DecisionRequested():
                return [f"? {event.prompt}"]
            case ev.DecisionMade():
                return [f"  {decision(event.kind, event.choice, event.by, event.reason)}"]
            case ev.Paused():
                return [f"  {paused(event.step_id, event.running_command)}"]
            case ev.Resumed():
                return ["  resumed" + (f" (by {event.by})" if event.by != "operator" else "")]
            case ev.SkipRequested():
                return [f"  {skip_requested(event.step_id, event.reason, event.running_command)}"]
            case ev.KillRequested():
                return [f"  {kill_requested(event.step_id, event.number)}"]
            case ev.NoteAdded():
                return [f"  {note(event.step_id, event.text, event.by)}"]
            case ev.Detached():
                return [f"  {detached(event.reason, event.running_command)}"]
            case ev.RunFinished():
                return ["", f"Run {event.outcome}: {event.message}"]
        return []
