"""The start screen: choose the runbook, the target and the params (above all the platform), and
read the exact plan before anything runs. Command-line flags arrive pre-filled.

The platform Cairn would pick is shown as a suggestion: from the sandbox scenario's name, or on
the live cluster from `steps.checks.detect_platform` (read in a thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, Static

from steps.errors import CairnError
from steps.run import targets
from steps.run.request import RunRequest, TargetRequest
from steps.runbook import params as params_mod
from steps.runbook import plan as plan_mod
from steps.runbook import registry
from steps.runbook.model import Runbook

from ..look import Look, css
from ..messages import PlatformDetected
from ..widgets.choices import ChoiceChanged, InlineChoice, PlatformChoice
from ..widgets.plan_text import PlanText
from ..widgets.steady_footer import SteadyFooter

LIVE = "live"
LABELS = {"user_namespaces": "Namespaces"}
FOCUS_MARKS = " ▸>"  # short labels where the param's name is long


def label_for(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def scenario_description(scenario: str) -> str:
    return targets.sandbox_scenarios().get(scenario, "")


def sandbox_scenarios() -> tuple[list[str], str]:
    """The rehearsal scenarios and the default one."""
    return list(targets.sandbox_scenarios()), targets.DEFAULT_SANDBOX_SCENARIO


def scenarios_for(runbook_id: str) -> list[str]:
    """The scenarios that rehearse this runbook ([] when the sandbox cannot say)."""
    return list(targets.scenarios_for(runbook_id))


def scenario_for(runbook_id: str, fallback: str) -> str:
    """The scenario a runbook rehearses on by default."""
    return targets.default_scenario_for(runbook_id) or fallback


def scenario_platform(scenario: str, choices: tuple[str, ...]) -> str:
    """The platform a sandbox scenario runs on: the one its name names."""
    for choice in sorted(choices, key=len, reverse=True):
        if choice and choice in scenario:
            return choice
    return ""


class StartScreen(Screen[None]):
    DEFAULT_CSS = css(__file__, "start.tcss")
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", priority=True),
        Binding("ctrl+o", "focus_preview", "Plan", priority=True),
        Binding("escape", "app.quit", "Quit"),
    ]

    def __init__(
        self,
        request: RunRequest,
        look: Look,
        *,
        live_allowed: bool = False,
        on_run: Callable[[RunRequest], None] | None = None,
    ):
        super().__init__()
        self.request = request
        self.look = look
        self.live_allowed = live_allowed or request.target.kind == LIVE
        self.on_run = on_run
        self.runbooks: dict[str, Runbook] = {}
        self.scenarios, self.default_scenario = sandbox_scenarios()
        self.suggested = ""
        self.suggested_from = ""
        self.launching = False
        self._params_of = ""  # the runbook whose param rows are shown
        self._previewed: tuple[Any, ...] | None = None  # what the preview shows was planned from

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.runbooks = self._load_runbooks()
        with Vertical(id="form"):
            yield Static("Cairn: choose what to run; nothing runs until ctrl+r.", id="start-title")
            with Horizontal(classes="row"):
                yield Label(" Runbook", classes="label")
                yield Select(
                    [(f"{rb.id}: {rb.title}", rb.id) for rb in self.runbooks.values()],
                    value=self.request.runbook if self.request.runbook in self.runbooks else Select.BLANK,
                    allow_blank=not self.runbooks,
                    compact=True,
                    id="runbook",
                )
            with Horizontal(classes="row"):
                yield Label(" Target", classes="label")
                yield Select(
                    self._target_options(),
                    value=self._initial_target(),
                    allow_blank=False,
                    compact=True,
                    id="target",
                )
            with Horizontal(classes="row"):
                yield Label(" ", classes="label")
                yield Static("", id="target-hint", markup=False)
            # The first runbook's params are composed with the form, not mounted after it: the
            # first frame then needs one layout, not a second pass over a screen already laid out.
            yield Vertical(*self._param_rows(), id="params")
            with Horizontal(classes="row", id="run-row"):
                yield Label(" ", classes="label")
                yield Button("Run (ctrl+r)", id="run", compact=True, variant="success")
                yield Static("", id="start-error", markup=False)
        with VerticalScroll(id="preview"):
            yield PlanText(id="plan-text")
        yield SteadyFooter(compact=True)

    def _load_runbooks(self) -> dict[str, Runbook]:
        """Every runbook that loads; one that does not is reported, not fatal to the others."""
        found: dict[str, Runbook] = {}
        self.broken: list[str] = []
        if self.request.runbook_file:
            try:
                rb = registry.find(self.request.runbook, runbook_file=self.request.runbook_file)
                found[rb.id] = rb
            except CairnError as exc:
                self.broken.append(str(exc))
        for path in registry.builtin_paths():
            try:
                rb = registry.load_file(path)
            except CairnError as exc:
                self.broken.append(str(exc))
                continue
            found.setdefault(rb.id, rb)
        return found

    def _target_options(self) -> list[tuple[str, str]]:
        options = [(f"sandbox: {name} (rehearsal)", f"sandbox:{name}") for name in self.scenarios]
        if self.live_allowed:
            options.append(("live: the real cluster (juju and kubectl on PATH)", LIVE))
        return options

    def _initial_target(self) -> str:
        if self.request.target.kind == LIVE and self.live_allowed:
            return LIVE
        scenario = self.request.target.scenario or scenario_for(self.request.runbook, self.default_scenario)
        return f"sandbox:{scenario}" if scenario in self.scenarios else f"sandbox:{self.scenarios[0]}"

    def _fit_target(self) -> None:
        """A sandbox scenario of another kind (CKF for upstream Istio) gives way to the runbook's own."""
        target = self.query_one("#target", Select)
        value = str(target.value)
        if not value.startswith("sandbox:") or not self.runbooks:
            return
        fitting = scenarios_for(self.runbook.id)
        if fitting and value.removeprefix("sandbox:") not in fitting:
            wanted = f"sandbox:{scenario_for(self.runbook.id, fitting[0])}"
            if wanted in [v for _, v in self._target_options()]:
                target.value = wanted

    def on_descendant_focus(self, event) -> None:
        """The row being edited is marked by a glyph before its label, not only by colour."""
        for row in self.query(".row"):
            current = event.widget in row.walk_children()
            row.set_class(current, "-current")
            label = row.query(".label").first(Label) if row.query(".label") else None
            if label is not None:
                name = str(label.content).lstrip(FOCUS_MARKS)
                marked = (self._mark if current else " ") + name
                if marked != str(label.content):  # an update lays the screen out again
                    label.update(marked)

    @property
    def _mark(self) -> str:
        return ">" if self.look.ascii else "▸"

    async def on_mount(self) -> None:
        self.query_one("#preview").border_title = "Plan preview: every phase, step and exact command"
        for problem in self.broken:
            self.notify(problem, title="A runbook does not load", severity="error", timeout=30, markup=False)
        if not self.runbooks:
            self.show_error("no runbook loads; see the notes")
            return
        self._update_preview()
        self._suggest_platform()
        self.query_one("#runbook", Select).focus()

    @property
    def runbook(self) -> Runbook:
        value = self.query_one("#runbook", Select).value
        return self.runbooks[str(value)] if value in self.runbooks else next(iter(self.runbooks.values()))

    def _chosen_runbook(self) -> Runbook:
        """`runbook`, also while composing (before the runbook Select can be queried)."""
        if self.is_mounted:
            return self.runbook
        return self.runbooks.get(self.request.runbook) or next(iter(self.runbooks.values()))

    async def _build_params(self) -> None:
        """The rows of the chosen runbook's params, in place of the last one's."""
        if self.runbooks and self._params_of == self.runbook.id:
            return  # already shown (the runbook Select says "changed" when it is first set)
        box = self.query_one("#params", Vertical)
        await box.remove_children()
        await box.mount_all(self._param_rows())
        self._update_preview()

    def _param_rows(self) -> list[Any]:
        """One row per param of the chosen runbook; the flags' values first, then defaults."""
        if not self.runbooks:
            self._params_of = ""
            return []
        rb = self._chosen_runbook()
        self._params_of = rb.id
        given = self.request.given if rb.id == self.request.runbook else {}
        rows: list[Any] = []
        for param in rb.params:
            raw = given.get(param.name, param.default)
            if param.kind == "list":
                value = ",".join(raw) if isinstance(raw, list) else str(raw or "")
            else:
                value = "" if raw is None else str(raw)
            if param.name == "platform" and param.choices:
                widget: Any = PlatformChoice(
                    param.choices, value, ascii_only=self.look.ascii, id="param-platform"
                )
                widget.touched = "platform" in given
                rows.append(Horizontal(Label(" Platform", classes="label"), widget, classes="row tall"))
                rows.append(
                    Horizontal(
                        Label(" ", classes="label"), Static("", id="suggestion", markup=False), classes="row"
                    )
                )
            elif param.choices and sum(len(c) + 7 for c in param.choices) < 60:
                rows.append(
                    Horizontal(
                        Label(" " + label_for(param.name), classes="label"),
                        InlineChoice(
                            param.name,
                            param.choices,
                            value,
                            ascii_only=self.look.ascii,
                            id=f"param-{param.name}",
                        ),
                        classes="row",
                    )
                )
            elif param.choices:
                rows.append(
                    Horizontal(
                        Label(" " + label_for(param.name), classes="label"),
                        Select(
                            [(c, c) for c in param.choices],
                            value=value if value in param.choices else param.choices[0],
                            allow_blank=False,
                            compact=True,
                            id=f"param-{param.name}",
                        ),
                        classes="row",
                    )
                )
            else:
                hint = (param.help or "").split(";")[0].strip()
                rows.append(
                    Horizontal(
                        Label(" " + label_for(param.name), classes="label"),
                        Input(
                            value=value,
                            placeholder=hint[:70],
                            compact=True,
                            password=param.secret,
                            id=f"param-{param.name}",
                        ),
                        classes="row",
                    )
                )
        return rows

    # --- the platform suggestion ---------------------------------------------------------------------

    def _suggest_platform(self) -> None:
        target = str(self.query_one("#target", Select).value)
        hint = (
            "the real cluster: every command runs against it"
            if target == LIVE
            else scenario_description(target.removeprefix("sandbox:"))
        )
        self.query_one("#target-hint", Static).update(hint)
        param = self.runbook.param("platform") if self.runbooks else None
        if param is None:
            return
        if target == LIVE:
            self._show_suggestion("", "detecting the platform from the cluster…")
            self._detect_live()
            return
        scenario = target.removeprefix("sandbox:")
        found = scenario_platform(scenario, param.choices)
        self._apply_suggestion(found, f"scenario {scenario}")

    @work(thread=True, exclusive=True, group="detect-platform", exit_on_error=False)
    def _detect_live(self) -> None:
        from steps.checks import detect_platform

        try:
            model = str(self.request.given.get("model") or "kubeflow")
            state = targets.LiveTarget(model=model, context=self.request.target.context).read_state()
            self.post_message(PlatformDetected(detect_platform(state), "the live cluster"))
        except Exception as exc:  # noqa: BLE001 - a suggestion only; the operator chooses anyway
            self.post_message(PlatformDetected("", f"the cluster could not be read: {exc}".splitlines()[0]))

    def on_platform_detected(self, message: PlatformDetected) -> None:
        self._apply_suggestion(message.platform, message.source)

    def _apply_suggestion(self, platform: str, source: str) -> None:
        self.suggested, self.suggested_from = platform, source
        choice = (
            self.query("#param-platform").first(PlatformChoice) if self.query("#param-platform") else None
        )
        if platform:
            self._show_suggestion(platform, f"suggested: {platform} ({source})")
            if choice is not None and not choice.touched:
                choice.set_value(platform)
        else:
            self._show_suggestion("", f"no suggestion ({source})")

    def _show_suggestion(self, platform: str, text: str) -> None:
        for widget in self.query("#suggestion"):
            widget.update(text)  # type: ignore[attr-defined]

    # --- changes and the preview ----------------------------------------------------------------------

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "runbook":
            self._fit_target()
            await self._build_params()
            self._suggest_platform()
        elif event.select.id == "target":
            self._suggest_platform()
            self._update_preview()
        else:
            self._update_preview()

    def on_choice_changed(self, _event: ChoiceChanged) -> None:
        self._update_preview()

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._update_preview()

    def given(self) -> dict[str, Any]:
        """The params as the operator set them here (plus --set values the form has no row for)."""
        rb = self.runbook
        out: dict[str, Any] = {}
        if rb.id == self.request.runbook:
            out.update({k: v for k, v in self.request.given.items() if rb.param(k) is None})
        flags = self.request.given if rb.id == self.request.runbook else {}
        for param in rb.params:
            found = self.query(f"#param-{param.name}")
            if not found:
                continue
            widget = found.first()
            if isinstance(widget, PlatformChoice | InlineChoice):
                value = widget.value
            elif isinstance(widget, Select):
                value = str(widget.value)
            elif isinstance(widget, Input) and widget.value.strip():
                value = widget.value.strip()
            else:
                continue
            if param.discover and param.name not in flags and value == param.default:
                # Left at its default: the run discovers it from the cluster (a TLS gateway's
                # `tls=carry`), as `cairn run` does for a param not given.
                continue
            out[param.name] = value
        return out

    def build_request(self) -> RunRequest:
        target = str(self.query_one("#target", Select).value)
        base = self.request.target
        if target == LIVE:
            treq = TargetRequest(kind=LIVE, context=base.context)
        else:
            treq = TargetRequest(
                kind="sandbox",
                scenario=target.removeprefix("sandbox:"),
                speed=base.speed,
                faults=list(base.faults),
            )
        rb = self.runbook
        file = self.request.runbook_file if rb.id == self.request.runbook else None
        return RunRequest(
            runbook=rb.id,
            runbook_file=file,
            given=self.given(),
            target=treq,
            yes=self.request.yes,
            settle_timeout=self.request.settle_timeout,
        )

    def _update_preview(self) -> None:
        text = self.query_one("#plan-text", PlanText)
        try:
            rb = self.runbook
            given = self.given()
            target = str(self.query_one("#target", Select).value)
            # Widgets say "changed" as they are first set, several times before the first frame:
            # the same choices plan the same, and re-laying out hundreds of plan lines is not free.
            key = (rb.id, target, repr(sorted(given.items())))
            if key == self._previewed:
                return
            self._previewed = key
            values = params_mod.resolve(rb, given)
            plan = plan_mod.resolve(rb, values, preview=True)
            if target == LIVE:
                # The commands as a live run sends them: aimed at the chosen context and controller.
                from steps.run import (
                    launch,  # the live target only: the sandbox's first frame is sooner without
                )

                model = str(values.params.get("model") or "kubeflow")
                plan = launch.pin_plan(plan, launch.make_target(self.build_request().target, None, model))
            preview = plan_mod.format_plan(plan)
        except CairnError as exc:
            text.update(f"Cannot plan with these values: {exc}")
            return
        text.update(preview)

    # --- running -----------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run":
            event.stop()
            self.action_run()

    def action_run(self) -> None:
        if self.launching:
            return
        try:
            request = self.build_request()
            params_mod.resolve(self.runbook, request.given)
        except CairnError as exc:
            self.show_error(str(exc))
            return
        self.launching = True
        self.query_one("#run", Button).disabled = True
        self.query_one("#start-error", Static).update("preparing the session…")
        if self.on_run is not None:
            self.on_run(request)

    def show_error(self, error: str) -> None:
        self.launching = False
        self.query_one("#run", Button).disabled = False
        self.query_one("#start-error", Static).update(f"cannot start: {error}")
        self.notify(error, title="Cannot start", severity="error", timeout=15, markup=False)

    def action_focus_preview(self) -> None:
        self.query_one("#preview").focus()
