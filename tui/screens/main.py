"""The main screen: the phase tree, the live output, the cluster state, the status bar and the keys.

It drives a session (`EngineFeed`) or watches one read-only (`JournalFeed`, in `WatchScreen`).
Events arrive as typed messages; the screen applies each to its own SessionView (changed only on
this thread) and updates the widgets from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Footer, Input, Tree

from steps.record import export
from steps.record.session import SessionDir
from steps.record.view import StepRecord
from steps.run import events as ev
from steps.states import Choice, DecisionKind, Level, StepState

from ..activity import AUTO_ANSWERED, activity
from ..commands import CairnCommands
from ..dialogs.confirm import ConfirmScreen
from ..dialogs.decision import DecisionScreen
from ..dialogs.help import HelpScreen
from ..dialogs.reason import ReasonScreen
from ..dialogs.summary import SummaryScreen
from ..feeds import EngineFeed, Feed
from ..look import Look, clock_text, css
from ..messages import DriverChanged, EngineEvent, RunEnded
from ..widgets.cluster_pane import ClusterPane
from ..widgets.output_pane import OutputPane
from ..widgets.phase_tree import NodeRef, PhaseTree
from ..widgets.status_bar import StatusBar
from ..widgets.step_detail import StepDetail

CONTROL_ACTIONS = {
    "pause",
    "resume",
    "toggle_pause",
    "skip",
    "retry",
    "override",
    "decide",
    "abort",
    "kill",
    "note",
}
PALETTE_ROOM = len(" ^p palette ")  # shown only where the keys leave room for it (help names ctrl+p)
# Below this width the footer keeps the keys that steer the run (and ? and q); these stay keys
# and stay in help and the palette.
FULL_FOOTER_WIDTH = 80
FOOTER_OPTIONAL = ("export", "search", "wrap", "zoom")


@runtime_checkable
class Host(Protocol):
    """What the main screen needs of the app that shows it (CairnApp is one)."""

    def leave(self, reason: str) -> None: ...
    def run_ended(self, screen: MainScreen) -> None: ...


class MainScreen(Screen[None]):
    DEFAULT_CSS = css(__file__, "main.tcss")
    COMMANDS = {CairnCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]
    BINDINGS = [
        Binding("space", "pause", "Pause", priority=True),
        Binding("space", "resume", "Resume", priority=True),
        Binding("s", "skip", "Skip"),
        Binding("r", "retry", "Retry"),
        Binding("o", "override", "Go on"),
        Binding("d", "decide", "Decide", show=False),
        Binding("a", "abort", "Abort"),
        Binding("e", "export", "Export"),
        Binding("g", "generated", "Files", show=False),
        Binding("slash", "search", "Search"),
        Binding("w", "wrap", "Wrap"),
        Binding("z", "zoom", "Zoom"),
        Binding("k", "kill", "Kill", show=False),
        Binding("c", "note", "Note", show=False),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Previous match", show=False),
        Binding("l", "follow", "Live", show=False),
        Binding("escape", "follow", "Live", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    # The keys in the footer whose offer follows the run (`kill`, `decide`, `note` are not shown).
    FOOTER_CONTROLS = tuple(
        b.action for b in BINDINGS if isinstance(b, Binding) and b.show and b.action in CONTROL_ACTIONS
    )

    def __init__(
        self,
        feed: Feed,
        look: Look,
        clock: Callable[[], float],
        *,
        keep: int = 5000,
        cluster_interval: float | None = None,
    ):
        super().__init__()
        self.feed = feed
        self.look = look
        self.clock = clock
        self.keep = keep
        self.view = feed.view
        self.read_only = feed.read_only
        self.pause_requested = False
        self.outcome = ""
        self.run_error = ""
        self.driven = True
        self._decision: DecisionScreen | None = None
        self._decision_id = 0
        self._summary_shown = False
        self._toasted: dict[str, float] = {}
        self._last_offered: tuple[bool | None, ...] = ()
        self.cluster_interval = cluster_interval or feed.state_refresh

    @property
    def host(self) -> Host:
        app = self.app
        if not isinstance(app, Host):
            raise TypeError(f"{type(app).__name__} cannot show the main screen: it is not a Host")
        return app

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(self.look, id="status")
        with Horizontal(id="body"):
            yield PhaseTree(self.look, self.clock, id="tree")
            with Vertical(id="right"):
                with ContentSwitcher(initial="live", id="top"):
                    yield OutputPane(self.feed.output, self.look, keep=self.keep, id="live")
                    yield StepDetail(self.look, self.feed.directory, self.clock, keep=self.keep, id="detail")
                yield ClusterPane(
                    self.look,
                    self.clock,
                    reader=self.feed.cluster_reader(),
                    interval=self.cluster_interval,
                    platform=str(self.view.started.params.get("platform", "")),
                    source=self.view.target_line(),
                    # The mesh columns and ambient health mean something on the ambient runbook,
                    # the one with a platform to choose; not on the 1.6 -> 1.7 upgrade.
                    ambient="platform" in self.view.started.params,
                    user_namespaces=namespaces_param(self.view.started.params),
                    id="cluster",
                )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        tree = self.query_one(PhaseTree)
        tree.border_title = "Plan"
        tree.build(self.view)
        tree.focus()
        self.query_one(OutputPane).write_lines(self.feed.backlog)
        self.query_one(OutputPane).write_lines([f"! note: {text}" for text in self.feed.notices])
        self._fit_footer()
        if self.view.current_step:
            tree.follow(self.view.current_step)
        self.set_interval(1.0, self._tick, name="clock")
        self._tick()
        self.feed.start(self.post_message)

    # --- events from the engine (or the watched journal) ----------------------------------------

    @on(EngineEvent)
    def _on_engine_event(self, message: EngineEvent) -> None:
        event = message.event
        self.view.apply(event)
        tree = self.query_one(PhaseTree)
        step_id = getattr(event, "step_id", "")
        match event:
            case ev.StepStarted():
                tree.follow(event.step_id)
                if tree.following:
                    self._show_live()
            case ev.StepFinished() | ev.CommandStarted() | ev.CommandFinished():
                self._refresh_detail(step_id)
            case ev.WaitProgress():
                self.query_one(ClusterPane).show_wait(event)
            case ev.WaitFinished():
                self.query_one(ClusterPane).show_wait(None)
            case ev.DecisionRequested():
                tree.follow(event.step_id)
                if not (self.feed.yes and event.kind in AUTO_ANSWERED) and not self.read_only:
                    self._open_decision(event)
            case ev.DecisionMade():
                if self._decision is not None and self._decision_id == event.id:
                    self._decision.dismiss(None)
            case ev.Resumed():
                self.pause_requested = False
            case ev.Notice() if event.level == Level.ERROR or (
                event.level == Level.WARNING and not self.feed.yes
            ):
                step = self.view.steps.get(event.step_id)
                # A destructive step's warning is in its confirmation; a toast would cover the
                # exact commands the operator is asked to read.
                if not (event.level == Level.WARNING and step is not None and step.destructive):
                    self._toast(event)
            case ev.RunFinished():
                tree.relabel_all()
                tree.overview()
                self._show_summary(event.outcome, event.message)
        if step_id and not isinstance(event, ev.WaitProgress):
            tree.refresh_step(step_id)
        self._update_status()
        self._refresh_bindings_if_changed()

    def _refresh_bindings_if_changed(self) -> None:
        """Refresh the footer only when what `check_action` reads has changed: the footer builds
        its keys anew on each refresh, and doing that for every engine event took a tenth of the
        app's time in a rehearsal (and a look at the footer could land mid-build)."""
        offered = self._offered()
        if offered != self._last_offered:
            self._last_offered = offered
            self.refresh_bindings()

    def _offered(self) -> tuple[bool | None, ...]:
        return tuple(self.check_action(action, ()) for action in self.FOOTER_CONTROLS)

    def _toast(self, notice: ev.Notice, every: float = 60) -> None:
        """Every notice is in the output pane and the record; a toast only where it needs eyes,
        and the same words at most once a minute (a failing cluster read repeats every poll)."""
        now = self.clock()
        if now - self._toasted.get(notice.text, -1e9) < every:
            return
        self._toasted[notice.text] = now
        self.notify(
            notice.text,
            title=notice.level,
            severity="error" if notice.level == Level.ERROR else "warning",
            timeout=20 if notice.level == Level.ERROR else 8,
            markup=False,
        )

    def on_run_ended(self, message: RunEnded) -> None:
        self.outcome = message.outcome
        self.run_error = message.error
        if message.error:
            what = "Stopped following the session" if self.read_only else "The engine stopped"
            self.notify(
                f"{what}: {message.error}. The journal holds everything up to here; "
                f"`cairn resume {self.feed.session_id}` continues.",
                severity="error",
                timeout=30,
                markup=False,
            )
        self._update_status()
        self.refresh_bindings()
        self.host.run_ended(self)

    def on_driver_changed(self, message: DriverChanged) -> None:
        self.driven = message.driven
        self._update_status()

    def _tick(self) -> None:
        self.query_one(PhaseTree).tick()
        self.query_one(ClusterPane).tick()
        self._update_status()

    # --- what the status bar says -----------------------------------------------------------------

    def _elapsed(self) -> float:
        started = self.view.started.t
        end = self.view.finished.t if self.view.finished else self.clock()
        return max(0.0, end - started)

    def _update_status(self) -> None:
        view = self.view
        g = self.look
        head = f"{view.started.runbook} {g.dot} {view.target_line()} {g.dot} {view.params_line()}"
        if self.read_only:
            head = f"WATCH (read-only) {g.dot} {head}"
        self.query_one(StatusBar).show(
            head=head, right=f"{clock_text(self._elapsed())} ", activity=self._activity()
        )
        if self.is_mounted:
            self._fit_palette()  # the keys shown change with the run's state

    def _activity(self) -> Text:
        running = self.view.running_command()
        return activity(
            self.view,
            self.look,
            session_id=self.feed.session_id,
            now=self.clock(),
            read_only=self.read_only,
            yes=self.feed.yes,
            driven=self.driven,
            outcome=self.outcome,
            run_error=self.run_error,
            pause_requested=self.pause_requested,
            last_output_at=self.feed.output.last_output_at(running.number) if running else None,
        )

    # --- the panes ---------------------------------------------------------------------------------

    def _show_live(self) -> None:
        self.query_one("#top", ContentSwitcher).current = "live"

    def _show_detail(self, step_id: str) -> None:
        step = self.view.steps.get(step_id)
        if step is None:
            return
        self.query_one(StepDetail).show(step, self.feed.docs.get(step_id, ""), step.commands_planned)
        self.query_one("#top", ContentSwitcher).current = "detail"

    def _refresh_detail(self, step_id: str) -> None:
        switcher = self.query_one("#top", ContentSwitcher)
        if switcher.current == "detail" and self.query_one(StepDetail).step_id == step_id:
            self._show_detail(step_id)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        tree = self.query_one(PhaseTree)
        ref: NodeRef | None = event.node.data
        if ref is None or ref.kind != "step":
            return
        running = self.view.current_step
        if ref.id == running and self.view.steps[ref.id].state == StepState.RUNNING:
            self._show_live()
        elif not tree.following:
            self._show_detail(ref.id)

    # --- decisions ---------------------------------------------------------------------------------

    def _open_decision(self, request: ev.DecisionRequested) -> None:
        if self._decision is not None:
            return
        step = self.view.steps.get(request.step_id)
        failed = failed_checks(step) if step is not None and request.kind == "failed" else []
        screen = DecisionScreen(request, step.title if step else "", failed)
        self._decision, self._decision_id = screen, request.id

        def answered(result: tuple[str, str] | None) -> None:
            self._decision = None
            if result is not None and isinstance(self.feed, EngineFeed):
                choice, reason = result
                self.feed.engine.decide(request.id, choice, reason)
            self.refresh_bindings()
            self._update_status()

        self.app.push_screen(screen, callback=answered)
        self.refresh_bindings()

    def _pending(self, *kinds: DecisionKind) -> ev.DecisionRequested | None:
        pending = self.view.pending_decision
        if pending is None or (kinds and pending.kind not in kinds):
            return None
        if self.feed.yes and pending.kind in AUTO_ANSWERED:
            return None
        return pending

    def _show_summary(self, outcome: str, message: str) -> None:
        if self._summary_shown:
            return
        self._summary_shown = True
        # A question or a skip half-typed is moot once the run has ended.
        while self.app.screen is not self and isinstance(self.app.screen, ModalScreen):
            self.app.pop_screen()
        self._decision = None

        def picked(what: str | None) -> None:
            if what == "export":
                self.action_export()
            elif what == "quit":
                self.app.exit()

        self.app.push_screen(
            SummaryScreen(
                self.view,
                self.look,
                outcome=outcome,
                message=message,
                directory=str(self.feed.directory),
                session_id=self.feed.session_id,
                elapsed=self._elapsed(),
            ),
            callback=picked,
        )

    # --- keys --------------------------------------------------------------------------------------

    @property
    def engine_running(self) -> bool:
        return isinstance(self.feed, EngineFeed) and self.view.finished is None and not self.outcome

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause", "resume") and isinstance(self.focused, Input):
            return False  # a space typed into the search field is a space
        if action in CONTROL_ACTIONS and not self.engine_running:
            return False
        paused = self.view.paused or self.pause_requested
        match action:
            case "pause":
                return not paused
            case "resume":
                return paused
            case "retry":
                return self._pending(DecisionKind.FAILED) is not None
            case "override":
                return self.view.last_wait is not None or self._pending(DecisionKind.WAIT_TIMEOUT) is not None
            case "decide":
                return self._pending() is not None and self._decision is None
            case "kill":
                return self.view.running_command() is not None
        return True

    def action_toggle_pause(self) -> None:
        if self.view.paused or self.pause_requested:
            self.action_resume()
        else:
            self.action_pause()

    def action_pause(self) -> None:
        assert isinstance(self.feed, EngineFeed)
        self.feed.engine.pause()
        self.pause_requested = True
        self._update_status()
        self.refresh_bindings()

    def action_resume(self) -> None:
        assert isinstance(self.feed, EngineFeed)
        self.pause_requested = False
        self.feed.engine.resume()
        self._update_status()
        self.refresh_bindings()

    def action_skip(self) -> None:
        assert isinstance(self.feed, EngineFeed)
        step_id = self.query_one(PhaseTree).selected_step()
        step = self.view.steps.get(step_id)
        if step is None or step.state.final:
            step_id = self.view.current_step
            step = self.view.steps.get(step_id)
        if step is None:
            self.notify("Select a step to skip (nothing runs now).", severity="warning")
            return
        if step.state.final:
            self.notify(
                f"{step.title}: already {step.state}; nothing to skip.", severity="warning", markup=False
            )
            return
        running = step.state == StepState.RUNNING and self.view.running_command() is not None
        body = (
            "The step is marked skipped; your reason goes into the record."
            + (" Its running command finishes first (it is not killed)." if running else "")
            + (" The run moves on when it reaches it." if step.state == StepState.PENDING else "")
        )

        engine, title = self.feed.engine, step.title

        def skip(reason: str | None) -> None:
            if not reason:
                return
            pending = self._pending()
            if pending is not None and pending.step_id == step_id and Choice.SKIP in pending.options:
                engine.decide(pending.id, Choice.SKIP, reason)
            else:
                engine.skip(step_id, reason)
            self.notify(f"Skipping {title}: {reason}", timeout=6, markup=False)

        self.app.push_screen(ReasonScreen(f"Skip: {step.title}", body), callback=skip)

    def action_retry(self) -> None:
        pending = self._pending(DecisionKind.FAILED)
        if pending is None or not isinstance(self.feed, EngineFeed):
            self.notify("No failed step waits for a retry.", severity="warning")
            return
        if self._decision is not None:
            self._decision.dismiss(None)
        self.feed.engine.decide(pending.id, Choice.RETRY)

    def action_override(self) -> None:
        assert isinstance(self.feed, EngineFeed)
        pending = self._pending(DecisionKind.WAIT_TIMEOUT)
        if pending is not None:
            if self._decision is not None:
                self._decision.dismiss(None)
            self.feed.engine.decide(pending.id, Choice.OVERRIDE)
        else:
            self.feed.engine.override_wait()
        self.notify("Going on without waiting (recorded in the journal).", timeout=6)

    def action_decide(self) -> None:
        pending = self._pending()
        if pending is not None:
            self._open_decision(pending)

    def action_abort(self) -> None:
        assert isinstance(self.feed, EngineFeed)
        engine = self.feed.engine

        def sure(yes: bool | None) -> None:
            if yes:
                engine.abort()
                self.notify("Aborting: the running command's process group is being stopped.", timeout=8)

        self.app.push_screen(
            ConfirmScreen(
                "Abort the run?",
                "This kills the running command and everything it started, and ends the run. "
                "The record keeps everything up to here.",
                yes="Abort",
                no="Back",
            ),
            callback=sure,
        )

    def action_export(self) -> None:
        self._export()

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self) -> None:
        path = SessionDir(self.feed.directory).export("text")
        try:
            path.write_text(export.to_text(self.feed.directory), encoding="utf-8")
        except Exception as exc:  # noqa: BLE001 - said to the operator, one line
            self.app.call_from_thread(
                self.notify, f"Export failed: {exc}", severity="error", timeout=15, markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"Wrote {path}", title="Exported", timeout=15, markup=False)

    def action_search(self) -> None:
        self._show_live()
        self.query_one(OutputPane).open_search()

    def action_next_match(self) -> None:
        self._show_live()
        self.query_one(OutputPane).find(+1)

    def action_previous_match(self) -> None:
        self._show_live()
        self.query_one(OutputPane).find(-1)

    def action_follow(self) -> None:
        tree = self.query_one(PhaseTree)
        tree.following = True
        self._show_live()
        self.query_one(OutputPane).follow()
        if self.view.current_step:
            tree.follow(self.view.current_step)

    def action_generated(self) -> None:
        from .generated import GeneratedFilesScreen

        self.app.push_screen(GeneratedFilesScreen(str(self.feed.directory)))

    def action_help(self) -> None:
        self.app.push_screen(
            HelpScreen(self.look, read_only=self.read_only, session_dir=str(self.feed.directory))
        )

    def action_quit(self) -> None:
        self.offer_quit()

    def offer_quit(self) -> None:
        """`q` here or in any dialog: leave, with any open question left open (never answered)."""
        if not self.engine_running:
            self.app.exit()
            return
        running = self.view.running_command()
        body = (
            f"Command {running.number:03d} ({running.display}) keeps running; its output still goes to disk. "
            if running
            else "Nothing is killed. "
        )
        if self._pending() is not None:
            body += "The question stays open, unanswered: the resumed session asks it again. "
        body += f"`cairn resume {self.feed.session_id}` continues the session."

        def leave(yes: bool | None) -> None:
            if yes:
                self.host.leave("the operator quit")

        self.app.push_screen(
            ConfirmScreen("Leave Cairn?", body, yes="Leave", no="Stay", quit_offer=False), callback=leave
        )

    # --- the output pane: wrap and zoom ---------------------------------------------------------

    def action_wrap(self) -> None:
        pane = self.query_one(OutputPane)
        pane.set_wrap(not pane.wrapped)
        self.notify(
            "Long lines wrap in the output pane." if pane.wrapped else "Long lines scroll sideways again.",
            timeout=3,
        )

    def action_zoom(self) -> None:
        self.toggle_class("-zoomed")
        self._show_live()
        if self.has_class("-zoomed"):
            self.query_one(OutputPane).query_one("#output-log").focus()
        else:
            self.query_one(PhaseTree).focus()

    def on_resize(self) -> None:
        self._fit_footer()

    def _fit_footer(self) -> None:
        width = self.size.width
        full = width >= FULL_FOOTER_WIDTH
        changed = False
        table = self._bindings.key_to_bindings
        for key, bindings in table.items():
            if any(b.action in FOOTER_OPTIONAL and b.show != full for b in bindings):
                # A new list: the map's copy shares its lists with the class's bindings.
                table[key] = [
                    dataclasses.replace(b, show=full) if b.action in FOOTER_OPTIONAL else b for b in bindings
                ]
                changed = True
        if changed:
            self.refresh_bindings()
        self._fit_palette()

    def _fit_palette(self) -> None:
        """The footer's keys come first; "^p palette" only where they leave room for it."""
        shown: dict[str, int] = {}
        for key, active in self.active_bindings.items():
            binding = active.binding
            if binding.show and binding.description:
                display = binding.key_display or self.app.get_key_display(binding)
                shown[key] = len(display) + 1 + len(binding.description) + 1
        footer = self.query_one(Footer)
        room = sum(shown.values()) + PALETTE_ROOM <= self.size.width
        if footer.show_command_palette != room:
            footer.show_command_palette = room

    # --- kill a hung command, notes -------------------------------------------------------------

    def action_kill(self) -> None:
        running = self.view.running_command()
        if running is None or not isinstance(self.feed, EngineFeed):
            self.notify("No command is running.", severity="warning")
            return
        number = running.number
        engine = self.feed.engine  # narrowed to an EngineFeed above; the closure cannot see that

        def sure(yes: bool | None) -> None:
            still = self.view.running_command()
            if not yes or still is None or still.number != number:
                return
            engine.kill_command()
            self.notify(
                f"Killing command {number:03d} and its process group; the step then fails and asks.",
                timeout=8,
            )

        self.app.push_screen(
            ConfirmScreen(
                "Kill this command?",
                f"Command {number:03d}: {running.display}\n\n"
                "It and every process it started are stopped (SIGTERM, then SIGKILL). The step then "
                "fails and offers retry, skip or abort. The kill goes into the record.",
                yes="Kill it",
                no="Back",
            ),
            callback=sure,
        )

    def action_note(self) -> None:
        if not isinstance(self.feed, EngineFeed):
            return
        # The step on screen when c was pressed, even if the run has moved on while typing.
        step_id = self.view.current_step or self.query_one(PhaseTree).selected_step()
        step = self.view.steps.get(step_id)
        where = f"the step {step.title}" if step is not None else "the session"
        engine = self.feed.engine  # narrowed to an EngineFeed above; the closure cannot see that

        def add(text: str | None) -> None:
            if text:
                engine.add_note(text, step_id=step_id)
                self.notify(f"Note added to {where}.", timeout=4, markup=False)

        self.app.push_screen(
            ReasonScreen(
                "Add a note",
                f"A note on {where}: it goes into the journal and the export (for the change ticket).",
                placeholder="your note",
                hint="Enter records it; Esc cancels.",
                empty="An empty note is not recorded. Esc cancels.",
            ),
            callback=add,
        )


def namespaces_param(params: Mapping[str, object]) -> list[str]:
    given = params.get("user_namespaces") or []
    if isinstance(given, str):
        given = given.split(",")
    if not isinstance(given, Iterable):
        raise TypeError(f"user_namespaces is neither a list nor a string: {given!r}")
    return [str(ns).strip() for ns in given if str(ns).strip()]


def failed_checks(step: StepRecord) -> list[ev.CheckEvaluated]:
    """The latest verdict of each of a step's checks that failed: what the failure dialog names."""
    latest: dict[str, ev.CheckEvaluated] = {}
    for check in step.checks:
        if check.purpose != "check":
            latest[check.name] = check
    return [c for c in latest.values() if c.status == "failed"]
