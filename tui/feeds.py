"""Where the main screen's events come from: a session this process drives, or one it watches.

`EngineFeed` runs the engine in its own thread and turns each event into a typed message for the
screen; command output goes into an OutputBuffer instead (see tui/messages.py for why).
`JournalFeed` follows another process's journal.jsonl and tails its commands/NNN.out files, so
`cairn watch` shows the same screen, read-only.

The engine runs in a plain daemon thread rather than a Textual thread worker on purpose: those
live in asyncio's default executor, which the interpreter joins at exit, so a cluster read hung
on a dead network would keep a hung-up SSH session's process alive. Here the app detaches the
engine and joins the thread with a timeout; the journal is flushed per event either way.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from textual.message import Message

from steps.cluster.state import ClusterState
from steps.record import journal
from steps.record.session import SessionDir, SessionLock
from steps.record.view import SessionView
from steps.run import events as ev
from steps.run import launch
from steps.run.engine import Engine
from steps.run.execute import CommandTails
from steps.run.request import TargetRequest
from steps.run.targets import DEFAULT_STATE_REFRESH, Target

from .look import Look
from .messages import DriverChanged, EngineEvent, RunEnded
from .output_buffer import Annotator, OutputBuffer
from .widgets.step_detail import tail_lines

Post = Callable[[Message], object]
WATCH_POLL_SECONDS = 0.25


def _quiet_post(_message: Message) -> None:
    return None


class Feed(Protocol):
    """Where the main screen's events come from; EngineFeed and JournalFeed are the two."""

    read_only: bool
    session_id: str
    directory: Path
    started: ev.SessionStarted
    view: SessionView
    output: OutputBuffer
    docs: dict[str, str]
    backlog: list[str]
    outcome: str
    error: str

    @property
    def yes(self) -> bool: ...
    @property
    def notices(self) -> list[str]: ...
    @property
    def state_refresh(self) -> float: ...
    @property
    def alive(self) -> bool: ...
    def cluster_reader(self) -> Callable[[], ClusterState] | None: ...
    def start(self, post: Post) -> None: ...
    def detach(self, reason: str) -> None: ...
    def join(self, timeout: float) -> bool: ...
    def close(self) -> None: ...


class EngineFeed:
    """A session this process drives."""

    read_only = False

    def __init__(self, launched: launch.Launched, look: Look, *, keep: int = 5000):
        self.launched = launched
        self.session_id = launched.session_id
        self.directory = launched.directory
        self.started = launched.view.started
        # The screen's own copy, changed only on the UI thread; the engine mutates launched.view.
        self.view: SessionView = copy.deepcopy(launched.view)
        self.output = OutputBuffer(keep)
        self.annotator = Annotator(look, {s.id: s.title for s in launched.plan.steps()})
        self.docs = {s.id: s.doc for s in launched.plan.steps()}
        self.outcome = ""
        self.error = ""
        self._post: Post = _quiet_post
        self._thread: threading.Thread | None = None
        self._closing = threading.Lock()
        self.backlog = self._backlog(look) if launched.view.resumes else []
        launched.engine.listener = self._listen

    def _backlog(self, look: Look) -> list[str]:
        """A resumed session: the story so far, from its journal, before the engine goes on."""
        try:
            events = journal.read(SessionDir(self.directory).journal).events
        except Exception:  # noqa: BLE001 - the pane starts empty; the engine still runs
            return []
        annotator = Annotator(look, self.annotator.titles)
        lines = [line for event in events[1:] for line in annotator.lines(event)]
        return lines[-self.output.keep :] + ["", "--- resumed here ---"]

    @property
    def engine(self) -> Engine:
        return self.launched.engine

    @property
    def yes(self) -> bool:
        return bool(self.launched.engine.options.yes)

    @property
    def notices(self) -> list[str]:
        return list(self.launched.notices)

    def cluster_reader(self) -> Callable[[], ClusterState] | None:
        return self.launched.target.read_state

    @property
    def state_refresh(self) -> float:
        return self.launched.target.state_refresh

    def _listen(self, event: ev.Event) -> None:
        """The engine thread: output to the buffer, everything else as a message."""
        if isinstance(event, ev.CommandOutput):
            self.output.add(event.lines, event.number)
            return
        lines = self.annotator.lines(event)
        if lines:
            self.output.add(lines)
        self._post(EngineEvent(event))

    def start(self, post: Post) -> None:
        self._post = post
        self._thread = threading.Thread(target=self._run, name="cairn-engine", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            outcome = self.launched.engine.run()
        except Exception as exc:  # noqa: BLE001 - shown to the operator; the journal holds the rest
            self.outcome, self.error = "error", f"{type(exc).__name__}: {exc}"
        else:
            self.outcome = outcome
        self._post(RunEnded(self.outcome, self.error))

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def detach(self, reason: str) -> None:
        self.launched.engine.detach(reason)

    def join(self, timeout: float) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.alive

    def close(self) -> None:
        """Flush the journal and give the session lock back (once the engine thread ended)."""
        with self._closing:  # the app and the hang-up backstop may both get here
            if not self.alive:
                self.launched.close()


class JournalFeed:
    """A session another process drives (or drove): its journal and command files, followed."""

    read_only = True
    yes = False

    def __init__(
        self,
        session_id: str,
        directory: Path,
        look: Look,
        *,
        keep: int = 5000,
        poll: float = WATCH_POLL_SECONDS,
    ):
        self.session_id = session_id
        self.directory = directory
        self.poll = poll
        self.keep = keep
        self.layout = SessionDir(directory)
        self.path = self.layout.journal
        read = journal.read(self.path)
        self.view = SessionView.build(read.events)
        self.started = self.view.started
        self.offset = read.complete_bytes
        self.notices = list(read.warnings)
        self.output = OutputBuffer(keep)
        self.annotator = Annotator(look, {s.id: s.title for s in self.view.steps.values()})
        self.docs = self._docs()
        self.outcome = ""
        self.error = ""
        self._tails = CommandTails(self.layout.commands)
        self._post: Post = _quiet_post
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.backlog = self._backlog(read.events)
        self.target = self._target()

    def _docs(self) -> dict[str, str]:
        return {s.id: s.doc for s in self.view.steps.values()}  # the journal's outline carries them

    def _backlog(self, events: tuple[ev.Event, ...]) -> list[str]:
        """What the pane shows on opening: the story so far, and the running command's output."""
        lines: list[str] = []
        for event in events[1:]:
            lines.extend(self.annotator.lines(event))
        running = self.view.running_command()
        if running is not None:
            path = self.layout.command(running.number).out
            body, _cut = tail_lines(path, self.keep)
            lines.extend(body)
            try:
                size = os.path.getsize(path)
            except OSError:
                size = 0
            self._tails.start(running.number, size)
        return lines[-self.keep :]

    def _target(self) -> Target | None:
        """The watched session's target, made again from its journal (None: a files target, or
        one this machine cannot make)."""
        info = self.started.target
        if info.get("kind", "") not in ("sandbox", "live"):
            return None
        try:
            return launch.make_target(
                TargetRequest.from_journal(info),
                self.directory,
                str(self.started.params.get("model") or ""),
            )
        except Exception:  # noqa: BLE001 - without a target the pane says so
            return None

    def cluster_reader(self) -> Callable[[], ClusterState] | None:
        return self.target.read_state if self.target is not None else None

    @property
    def state_refresh(self) -> float:
        return self.target.state_refresh if self.target is not None else DEFAULT_STATE_REFRESH

    def start(self, post: Post) -> None:
        self._post = post
        self._thread = threading.Thread(target=self._run, name="cairn-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        lock = SessionLock(self.directory)
        driven: bool | None = None
        try:
            for offset, events in journal.follow(self.path, self.offset):
                self.offset = offset
                for event in events:
                    if isinstance(event, ev.CommandFinished):
                        self._tail(event.number, final=True)
                    lines = self.annotator.lines(event)
                    if lines:
                        self.output.add(lines)
                    self._post(EngineEvent(event))
                    if isinstance(event, ev.CommandStarted):
                        self._tails.start(event.number)
                for number in self._tails.following:
                    self._tail(number)
                held = lock.is_held_elsewhere()
                if held != driven:
                    driven = held
                    self._post(DriverChanged(held))
                if self._stop.wait(self.poll):
                    break
        except Exception as exc:  # noqa: BLE001 - the watcher stops; the screen says why
            self.error = f"{type(exc).__name__}: {exc}"
        self.outcome = "watch-stopped"
        self._post(RunEnded(self.outcome, self.error))

    def _tail(self, number: int, final: bool = False) -> None:
        lines = self._tails.read(number, final=final)
        if lines:
            self.output.add(lines, number)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def detach(self, reason: str) -> None:
        self._stop.set()

    def join(self, timeout: float) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.alive

    def close(self) -> None:
        self._stop.set()


def elapsed_since(started: float, clock: Callable[[], float] = time.time) -> float:
    return max(0.0, clock() - started)
