"""What the operator steers while a run goes on, from any thread: pause, skip, kill, decisions,
a wait override, abort and detach. One Condition guards them all, so the engine thread wakes the
moment any of them changes; the engine reads them between commands and while it waits."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from ..states import Choice, DecisionKind
from . import events as ev
from .unwind import FrontEndLeft, RunAborted

Emit = Callable[[ev.Event], None]


class Controls:
    def __init__(self, emit: Emit, *, yes: bool, paused: bool, skips: Mapping[str, str]):
        self._emit = emit
        self._yes = yes  # --yes answers what can be answered by yes (journaled as by --yes)
        self.cond = threading.Condition()
        self.paused = paused  # a pause given before an earlier process stopped still holds
        self.skips: dict[str, str] = dict(skips)  # step id -> reason, owed until the step is reached
        self.kill = False  # kill just the running command
        self.abort = False
        self.detach = ""  # why the front end left ("" while it is here)
        self.override_wait = False
        self._decision: tuple[int, str, str] | None = None
        self._decision_id = 0

    # --- set from the front end's thread ---------------------------------------------------

    def set_paused(self, paused: bool) -> bool:
        """Returns whether it was paused before (a change is journaled by the caller)."""
        with self.cond:
            was, self.paused = self.paused, paused
            self.cond.notify_all()
        return was

    def request(
        self, *, kill: bool = False, abort: bool = False, override_wait: bool = False, detach: str = ""
    ) -> None:
        """Raise one of the flags the engine acts on at its next look (they are never lowered here)."""
        with self.cond:
            self.kill = self.kill or kill
            self.abort = self.abort or abort
            self.override_wait = self.override_wait or override_wait
            self.detach = self.detach or detach
            self.cond.notify_all()

    def clear(self, *, kill: bool = False, override_wait: bool = False) -> None:
        """The engine has acted on a kill, or a new wait starts: lower the flag."""
        with self.cond:
            self.kill = self.kill and not kill
            self.override_wait = self.override_wait and not override_wait

    def add_skip(self, step_id: str, reason: str) -> None:
        with self.cond:
            self.skips[step_id] = reason
            self.cond.notify_all()

    def decide(self, decision_id: int, choice: Choice | str, reason: str) -> None:
        with self.cond:
            self._decision = (decision_id, choice, reason)
            self.cond.notify_all()

    # --- read by the engine thread ------------------------------------------------------------

    def take_skip(self, step_id: str) -> str | None:
        """The reason a skip was asked for this step, once (None when none is owed)."""
        with self.cond:
            return self.skips.pop(step_id) if step_id in self.skips else None

    def leave_if_detached(self) -> None:
        if self.detach:
            self._emit(ev.Detached(reason=self.detach))
            raise FrontEndLeft()

    def hold_if_paused(self) -> None:
        """Between commands: the front end may have left, or a pause holds the run here."""
        self.leave_if_detached()  # a hang-up or a closed stdout between commands
        if not self.paused:
            return
        # The pause was journaled when the operator asked (or by the process that was stopped).
        with self.cond:
            while self.paused and not self.abort and not self.detach:
                self.cond.wait(timeout=0.5)
        if self.abort:
            raise RunAborted()
        self.leave_if_detached()

    def sleep(self, seconds: float) -> None:
        """Wait, waking early when any control changes."""
        with self.cond:
            self.cond.wait(timeout=seconds)

    def ask(
        self,
        kind: DecisionKind,
        step_id: str,
        prompt: str,
        options: tuple[Choice, ...],
        detail: tuple[str, ...],
        warning: str = "",
        commands: tuple[str, ...] = (),
    ) -> tuple[Choice, str]:
        """Journal a question, then wait for its answer (or for abort, detach or a skip)."""
        auto = Choice.YES if kind.answered_by_yes else None
        with self.cond:
            self._decision_id += 1
            did = self._decision_id
        self._emit(
            ev.DecisionRequested(
                id=did,
                kind=kind,
                step_id=step_id,
                prompt=prompt,
                options=options,
                detail=detail,
                warning=warning,
                commands=commands,
            )
        )
        if self._yes and auto:
            self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=auto, by="--yes"))
            return auto, ""
        choice: Choice | None = None
        reason = ""
        with self.cond:
            while choice is None:
                if self.abort:
                    choice, reason = Choice.ABORT, "abort requested"
                elif self.detach:
                    break
                elif self._decision and self._decision[0] == did and self._decision[1] in options:
                    _, given, reason = self._decision
                    choice = Choice(given)
                    self._decision = None
                elif kind == DecisionKind.FAILED and step_id in self.skips:
                    choice, reason = Choice.SKIP, self.skips.pop(step_id)
                else:
                    self.cond.wait(timeout=0.5)
        if choice is None:
            self.leave_if_detached()
        assert choice is not None
        self._emit(ev.DecisionMade(id=did, kind=kind, step_id=step_id, choice=choice, reason=reason))
        return choice, reason
