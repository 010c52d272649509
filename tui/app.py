"""The full-screen app: `cairn`, `cairn run RUNBOOK`, `cairn resume`, `cairn watch`.

`run_app` is what the command line calls; `CairnApp` is the Textual app (tests build it directly
with an already-made `Launched`). Exit status: 0 the run succeeded (or nothing was started),
1 it failed, was aborted or was left unfinished; bad input raises BadInput (the CLI prints one
line and exits 2).

SIGHUP (the SSH connection dropped) and SIGTERM detach the engine and close the app cleanly: the
running command keeps running under its supervisor, the journal is flushed, `cairn resume`
continues. They are never ignored, so the process never lingers without a terminal.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from steps.errors import BadInput, CairnError
from steps.states import RunOutcome

from .look import Look, wants_ascii
from .messages import LaunchFailed, SessionReady
from .screens.start import StartScreen
from .ssh import ssh_warning

if TYPE_CHECKING:
    from steps.run import launch
    from steps.run.request import RunRequest

    from .feeds import Feed, JournalFeed
    from .screens.main import MainScreen

# The engine, the feeds and the main screen are imported when a run starts, not before: `cairn`
# with no arguments draws the start screen first, and they took a third of its start-up time.

OUTPUT_KEEP = 5000  # lines the output pane holds; every line stays on disk
LEAVE_GRACE_SECONDS = 5.0  # the engine stops within half a second; this is only a backstop
JOIN_SECONDS = 10.0
BACKSTOP_SECONDS = 3.0  # after a hang-up: how long the app gets to close by itself


class CairnApp(App[int]):
    TITLE = "Cairn"
    # The palette offers the main screen's own actions only: Textual's defaults (Theme,
    # Screenshot, Quit at once without asking) do not belong mid-migration.
    COMMANDS: ClassVar[set] = set()
    # Toasts wide enough that a sentence wraps between words, not inside them, on a small terminal.
    CSS = "Toast { width: 72; max-width: 90%; }"

    def __init__(
        self,
        *,
        request: RunRequest | None = None,
        launched: launch.Launched | None = None,
        watch: JournalFeed | None = None,
        start_screen: bool = False,
        live_allowed: bool = False,
        clock: Callable[[], float] | None = None,
        handle_signals: bool = False,
        ascii_only: bool | None = None,
        keep: int = OUTPUT_KEEP,
        cluster_interval: float | None = None,
    ):
        super().__init__()
        self.request = request
        self.launched = launched
        self.watched = watch  # not `watch`: that is Textual's DOMNode.watch
        self.start_screen = start_screen
        self.live_allowed = live_allowed
        self.clock = clock or time.time
        self.handle_signals = handle_signals
        self.look = Look(wants_ascii() if ascii_only is None else ascii_only)
        self.keep = keep
        self.cluster_interval = cluster_interval
        self.feed: Feed | None = watch
        self.launch_error = ""
        self.leaving = False
        self.leave_reason = ""
        self.hard_exit_after_signal = False  # run_app sets it: tests must not lose their process
        self._signals: list[signal.Signals] = []

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return ()

    # --- the first screen ----------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.handle_signals:
            self._install_signal_handlers()
        warning = ssh_warning()
        if warning:
            self.notify(
                warning, title="SSH without tmux or screen", severity="warning", timeout=30, markup=False
            )
        if self.watched is not None:
            self.push_screen(self._main_screen(self.watched))
        elif self.launched is not None:
            from .feeds import EngineFeed

            self.push_screen(self._main_screen(EngineFeed(self.launched, self.look, keep=self.keep)))
        elif self.request is not None and (self.start_screen or not self.request.yes):
            self.push_screen(
                StartScreen(self.request, self.look, live_allowed=self.live_allowed, on_run=self.start_run)
            )
        elif self.request is not None:
            from .screens.preparing import PreparingScreen

            self.push_screen(PreparingScreen(self._preparing_text(self.request)))
            self.start_run(self.request)

    def _main_screen(self, feed: Feed) -> MainScreen:
        from .screens.main import MainScreen
        from .screens.watch import WatchScreen

        self.feed = feed
        screen_class = WatchScreen if feed.read_only else MainScreen
        return screen_class(
            feed, self.look, self.clock, keep=self.keep, cluster_interval=self.cluster_interval
        )

    @staticmethod
    def _preparing_text(request: RunRequest) -> str:
        where = "the rehearsal deployment" if request.target.kind == "sandbox" else "the session"
        return f"Preparing {where} for {request.runbook}…"

    # --- starting a run (launch.start takes a moment: it builds the sandbox) -------------------------

    def start_run(self, request: RunRequest) -> None:
        self._launch(request)

    @work(thread=True, exclusive=True, group="launch", exit_on_error=False)
    def _launch(self, request: RunRequest) -> None:
        from steps.run import launch

        try:
            launched = launch.start(request)
        except CairnError as exc:
            self.post_message(LaunchFailed(str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown as one line, never a traceback
            self.post_message(LaunchFailed(f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(SessionReady(launched))

    def on_session_ready(self, message: SessionReady) -> None:
        if self.leaving:
            message.launched.close()
            return
        from .feeds import EngineFeed

        self.launched = message.launched
        self.switch_screen(self._main_screen(EngineFeed(message.launched, self.look, keep=self.keep)))

    def on_launch_failed(self, message: LaunchFailed) -> None:
        if isinstance(self.screen, StartScreen):
            self.screen.show_error(message.error)
            return
        self.launch_error = message.error
        self.exit(2)

    # --- leaving -----------------------------------------------------------------------------------

    def leave(self, reason: str) -> None:
        """Detach the engine (the running command keeps running) and close once it has stopped."""
        if self.leaving:
            return
        self.leaving, self.leave_reason = True, reason
        feed = self.feed
        if feed is None or not feed.alive:
            self.exit()
            return
        feed.detach(reason)
        self.set_timer(LEAVE_GRACE_SECONDS, self.exit)

    def run_ended(self, _screen: MainScreen) -> None:
        """The engine thread returned: if we were leaving, now is the moment."""
        if self.leaving:
            self.exit()

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal, sig)
            except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
                continue
            self._signals.append(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        name = signal.Signals(sig).name
        self.leave(f"received {name}" + (": the terminal went away" if sig == signal.SIGHUP else ""))
        if self.hard_exit_after_signal:
            threading.Thread(target=self._backstop, name="cairn-hangup", daemon=True).start()

    def _backstop(self) -> None:
        """After a hang-up Textual's shutdown can block writing to the vanished terminal. Once the
        engine has stopped and the journal is flushed and the lock given back, the process ends
        even if the app cannot: it must never linger without a terminal."""
        feed = self.feed
        if feed is not None:
            feed.join(JOIN_SECONDS)
            feed.close()
        time.sleep(BACKSTOP_SECONDS)
        os._exit(1)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals.clear()

    @property
    def outcome(self) -> str:
        from .feeds import EngineFeed

        feed = self.feed
        if isinstance(feed, EngineFeed):
            return feed.outcome or "detached"
        return ""


def _need_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput(
            "the app needs a terminal; use --plain for line mode (`cairn watch --plain` to follow)"
        )


def run_app(
    request: RunRequest | None = None,
    resume_id: str = "",
    watch_id: str = "",
    yes: bool | None = None,
    start_screen: bool = False,
    *,
    mode: str = "",
) -> int:
    """Run the app in this terminal; the exit status: 0 done, 1 failed, aborted or unfinished.

    `mode` is "run", "resume" or "watch"; without it, it follows from the arguments given.
    """
    mode = mode or ("run" if request is not None else ("watch" if watch_id else "resume"))
    # The real error first: "no sessions yet" says more than "needs a terminal" (a run's request
    # is checked by the command line before it gets here).
    sid, directory = ("", None)
    if mode in ("watch", "resume"):
        from steps.record import session

        sid, directory = session.find((watch_id if mode == "watch" else resume_id) or None)
    _need_terminal()
    look = Look(wants_ascii())
    if mode == "watch":
        from .feeds import JournalFeed

        assert directory is not None
        app = CairnApp(watch=JournalFeed(sid, directory, look), handle_signals=True)
    elif mode == "resume":
        from steps.run import launch

        app = CairnApp(launched=launch.resume(sid, yes=yes), handle_signals=True)
    else:
        assert request is not None
        app = CairnApp(
            request=request,
            start_screen=start_screen,
            live_allowed=request.target.kind == "live",
            handle_signals=True,
        )
    app.hard_exit_after_signal = True
    try:
        app.run()
    except OSError:
        pass  # the terminal went away under the driver (SIGHUP); the session is already detached
    return _after(app)


def _after(app: CairnApp) -> int:
    """Once the app is closed: let the engine finish stopping, flush and unlock, say how to go on."""
    feed = app.feed
    if feed is None:  # closed on the start screen: nothing ran (and nothing to import for it)
        if app.launch_error:
            raise BadInput(app.launch_error)
        return 0
    from .feeds import EngineFeed, JournalFeed

    if isinstance(feed, JournalFeed):
        feed.close()
        return 0
    if app.launch_error:
        raise BadInput(app.launch_error)
    if not isinstance(feed, EngineFeed):
        return 0
    if feed.alive:
        feed.detach(app.leave_reason or "the app closed")
        feed.join(JOIN_SECONDS)
    feed.close()
    outcome = app.outcome
    sid = feed.session_id
    if outcome == "detached":
        _say(
            f"Session {sid} is unfinished (a running command keeps running). Continue it: cairn resume {sid}"
        )
    elif outcome != RunOutcome.SUCCEEDED:
        _say(f"Session {sid} {outcome}. `cairn resume {sid}` takes it up again.")
    _say(f"Record: {feed.directory} (cairn export {feed.session_id})")
    return 0 if outcome == RunOutcome.SUCCEEDED else 1


def _say(text: str) -> None:
    try:
        print(text, flush=True)
    except OSError:  # no terminal left to say it to
        pass
