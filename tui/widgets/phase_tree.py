"""The phase tree: every phase and step with its state glyph, duration and progress (3/5).

It follows the running step (expands its phase, moves the cursor there) until the operator moves
the cursor elsewhere; moving back onto the running step follows again. Labels are cut to the
tree's width at word boundaries, so nothing is clipped mid-word at 80 columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from steps.record.view import PhaseRecord, SessionView, StepRecord
from steps.states import FINAL_STATES, StepState

from ..look import Look, css, duration, state_style

GUIDE_DEPTH = 2


@dataclass(frozen=True)
class NodeRef:
    kind: str  # phase | step
    id: str


class PhaseTree(Tree[NodeRef]):
    DEFAULT_CSS = css(__file__, "phase_tree.tcss")

    def __init__(self, look: Look, clock: Callable[[], float], *, id: str | None = None):
        super().__init__("plan", id=id)
        self.look = look
        self.clock = clock
        self.show_root = False
        self.guide_depth = GUIDE_DEPTH
        self.auto_expand = True  # Enter folds and unfolds a phase (space pauses the run)
        # No expand icons: the state glyph leads every line, and "3/5" says what a folded phase holds.
        self.ICON_NODE = self.ICON_NODE_EXPANDED = ""
        if look.ascii:
            self.LINES = {k: ("  ", "| ", "` ", "|-") for k in ("default", "bold", "double")}
        self._steps: dict[str, TreeNode[NodeRef]] = {}
        self._phases: dict[str, TreeNode[NodeRef]] = {}
        self._view: SessionView | None = None
        self.following = True
        self._cursor_request = 0  # the latest follow/overview; an older queued move is dropped
        self.followed = ""

    # --- building and labels ----------------------------------------------------------------

    def build(self, view: SessionView) -> None:
        self._view = view
        self.clear()
        self._steps.clear()
        self._phases.clear()
        for phase in view.phases:
            node = self.root.add("", data=NodeRef("phase", phase.id), expand=False)
            self._phases[phase.id] = node
            for sid in phase.step_ids:
                self._steps[sid] = node.add_leaf("", data=NodeRef("step", sid))
        self.relabel_all()

    def relabel_all(self) -> None:
        if self._view is None:
            return
        for phase in self._view.phases:
            self._label_phase(phase)
            for sid in phase.step_ids:
                self._label_step(self._view.steps[sid])

    def refresh_step(self, step_id: str) -> None:
        view = self._view
        if view is None or step_id not in view.steps:
            return
        step = view.steps[step_id]
        self._label_step(step)
        self._label_phase(self._phase_of(step))

    def tick(self) -> None:
        """Once a second: the running step's duration grows."""
        view = self._view
        if view is not None:
            for step in view.steps.values():
                if step.state == StepState.RUNNING:
                    self._label_step(step)

    def _phase_of(self, step: StepRecord) -> PhaseRecord:
        assert self._view is not None
        return next(p for p in self._view.phases if p.id == step.phase_id)

    def _width(self) -> int:
        # The gutter for the vertical scrollbar is always kept (scrollbar-gutter: stable), so the
        # width does not change when the plan grows past the pane's height.
        return max(12, self.scrollable_content_region.width or 30)

    def _label_step(self, step: StepRecord) -> None:
        node = self._steps.get(step.id)
        if node is None:
            return
        took = step.run_time  # without the time it waited for the operator
        if step.state == StepState.RUNNING and step.started is not None:
            took = max(0.0, self.clock() - step.started - step.waited)
        dur = duration(took) if step.state not in (StepState.PENDING,) else ""
        if step.attempts > 1:
            dur = f"{dur} ×{step.attempts}" if not self.look.ascii else f"{dur} x{step.attempts}"
        room = self._width() - GUIDE_DEPTH - 2 - (len(dur) + 1 if dur else 0)
        title = self.look.fit(step.title, room)
        label = Text()
        label.append(self.look.glyph(step.state), state_style(step.state))
        label.append(" ")
        emphasis = {StepState.RUNNING: "bold", StepState.PENDING: "dim"}.get(step.state, "")
        label.append(title, emphasis)
        if dur:
            label.append(" " * max(1, room - len(title) + 1))
            label.append(dur, "dim")
        node.set_label(label)

    def _label_phase(self, phase: PhaseRecord) -> None:
        node = self._phases.get(phase.id)
        if node is None or self._view is None:
            return
        done, total = self._view.phase_progress(phase)
        state = phase_state(self._view, phase)
        progress = f"{done}/{total}"
        room = self._width() - len(self.ICON_NODE) - 2 - len(progress) - 1
        title = self.look.fit(phase.title, room)
        label = Text()
        label.append(self.look.glyph(state), state_style(state))
        label.append(" ")
        label.append(title, "bold" if state == StepState.RUNNING else "")
        label.append(" " * max(1, room - len(title) + 1))
        label.append(progress, "dim")
        node.set_label(label)

    def on_resize(self) -> None:
        self.relabel_all()

    # --- following the run ---------------------------------------------------------------------

    def follow(self, step_id: str) -> None:
        """Show the step: expand its phase, fold finished phases, put the cursor on it."""
        node = self._steps.get(step_id)
        if node is None or self._view is None:
            return
        self.followed = step_id
        if not self.following:
            return
        for phase in self._view.phases:
            pnode = self._phases[phase.id]
            if pnode is node.parent:
                pnode.expand()
            elif phase_state(self._view, phase) in FINAL_STATES and pnode.is_expanded:
                pnode.collapse()
        self._cursor_request += 1
        self.call_after_refresh(self._put_cursor, node, self._cursor_request)

    def overview(self) -> None:
        """The run ended: every phase folded, from the top, so the whole plan fits on one screen."""
        if not self.following:
            return
        for pnode in self._phases.values():
            pnode.collapse()
        self._cursor_request += 1
        self.call_after_refresh(self._put_cursor, None, self._cursor_request)

    def _put_cursor(self, node: TreeNode[NodeRef] | None, request: int) -> None:
        """Move the cursor as the latest follow/overview asked: an earlier request still queued
        (a step followed just before the run ended) must not land after it, on a stale line."""
        if request != self._cursor_request or not self.following:
            return
        if node is None:
            self.move_cursor_to_line(0)
        elif node.line >= 0:
            self.move_cursor(node, animate=False)

    def selected_step(self) -> str:
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.kind == "step":
            return node.data.id
        return ""

    # --- the operator moving the cursor ---------------------------------------------------------
    # Only the operator's own moves change `following`; the cursor also moves (and lines shift)
    # when the tree follows the run, and those highlights must not look like a choice.

    def _operator_moved(self) -> None:
        node = self.cursor_node
        ref = node.data if node is not None else None
        if ref is None or ref.kind != "step":
            self.following = False
        else:
            self.following = ref.id == self.followed or not self.followed

    def action_cursor_up(self) -> None:
        super().action_cursor_up()
        self._operator_moved()

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self._operator_moved()

    def action_page_up(self) -> None:
        super().action_page_up()
        self._operator_moved()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._operator_moved()

    def action_scroll_home(self) -> None:
        super().action_scroll_home()
        self._operator_moved()

    def action_scroll_end(self) -> None:
        super().action_scroll_end()
        self._operator_moved()

    def action_cursor_parent(self) -> None:
        super().action_cursor_parent()
        self._operator_moved()

    def action_cursor_parent_next_sibling(self) -> None:
        super().action_cursor_parent_next_sibling()
        self._operator_moved()

    def action_cursor_previous_sibling(self) -> None:
        super().action_cursor_previous_sibling()
        self._operator_moved()

    def action_cursor_next_sibling(self) -> None:
        super().action_cursor_next_sibling()
        self._operator_moved()

    def on_click(self) -> None:
        self.call_after_refresh(self._operator_moved)


def phase_state(view: SessionView, phase: PhaseRecord) -> StepState:
    states = [view.steps[sid].state for sid in phase.step_ids]
    active = view.current_step or (view.pending_decision.step_id if view.pending_decision else "")
    if view.finished is None and active in phase.step_ids and not all(s in FINAL_STATES for s in states):
        # The run is in this phase (between steps, or asking before one): it shows as running.
        state = view.steps[active].state
        states.append(StepState.RUNNING if state == StepState.PENDING else state)
    for urgent in (StepState.RUNNING, StepState.FAILED, StepState.ABORTED, StepState.INTERRUPTED):
        if urgent in states:
            return urgent
    if states and all(s in FINAL_STATES for s in states):
        # A phase is a plain success only if every step in it ran or was already done: a skipped
        # or assumed step keeps its own glyph up to the phase.
        for partial in (StepState.ASSUMED, StepState.SKIPPED):
            if partial in states:
                return partial
        return StepState.SUCCEEDED
    return StepState.PENDING
