"""A plan: a runbook resolved against param values — the exact phases, steps and commands.

`cairn plan` prints it; the engine runs it. `when` conditions are applied and `foreach` steps are
expanded here, so the plan an operator reads is the plan that runs. Placeholders that only exist
at run time (`{captured.*}`, `{file.*}`, `{session_dir}`) stay visible in the plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..record.redact import REDACTED
from . import template
from .argvfmt import format_argv
from .model import BenignRule, CheckRef, Command, Phase, Runbook, Step
from .params import Values, when_matches


@dataclass(frozen=True)
class PlannedStep:
    """A step as it will run: its templates filled with the plan's values."""

    id: str  # unique in the plan; a foreach step gets `<id>.<item>`
    phase_id: str
    title: str
    doc: str
    commands: tuple[Command, ...]
    check: tuple[CheckRef, ...] = ()
    verify: tuple[CheckRef, ...] = ()
    settle: tuple[str, ...] = ()
    wait_for: tuple[CheckRef, ...] = ()
    destructive: bool = False
    ask: str = ""
    warning: str = ""
    gap: str = ""
    generate: str = ""
    generate_args: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    item: str = ""


@dataclass(frozen=True)
class PlannedPhase:
    """A phase of the plan, with the steps its values select."""

    id: str
    title: str
    doc: str
    steps: tuple[PlannedStep, ...]


@dataclass(frozen=True)
class Plan:
    """A runbook resolved against the operator's values: every phase, step and command."""

    runbook: Runbook
    values: Values
    phases: tuple[PlannedPhase, ...]
    benign: tuple[BenignRule, ...]

    def steps(self) -> Iterator[PlannedStep]:
        for phase in self.phases:
            yield from phase.steps

    def secret_values(self) -> list[str]:
        """The values of the runbook's `secret: true` params, as given."""
        out = []
        for p in self.runbook.params:
            value = self.values.params.get(p.name) if p.secret else None
            out += [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []
        return [v for v in out if v]

    def shown(self, argv: Sequence[str]) -> tuple[str, ...]:
        """An argv as Cairn shows it: a secret param's value is [redacted], however short."""
        secrets = sorted(self.secret_values(), key=len, reverse=True)
        out = []
        for arg in argv:
            for value in secrets:
                arg = arg.replace(value, REDACTED)
            out.append(arg)
        return tuple(out)

    def step(self, step_id: str) -> PlannedStep:
        for s in self.steps():
            if s.id == step_id:
                return s
        raise KeyError(step_id)


def _render_command(cmd: Command, table: Mapping[str, str]) -> Command:
    return replace(
        cmd,
        argv=template.render_argv(cmd.argv, table),
        fallback=tuple(replace(f, argv=template.render_argv(f.argv, table)) for f in cmd.fallback),
    )


def _render_refs(refs: tuple[CheckRef, ...], table: Mapping[str, str]) -> tuple[CheckRef, ...]:
    return tuple(
        CheckRef(name=r.name, args={k: template.render(v, table) for k, v in r.args.items()}) for r in refs
    )


def _plan_step(step: Step, phase_id: str, table: Mapping[str, str], item: str = "") -> PlannedStep:
    if item:
        table = {**table, "item": item}
    # Texts that are not rendered again at run time are unescaped now (a value's `{…}` stays).
    render = lambda text: template.unescape(template.render(text, table))  # noqa: E731 - local shorthand
    return PlannedStep(
        id=f"{step.id}.{item}" if item else step.id,
        phase_id=phase_id,
        title=render(step.title.replace("{item}", item) if item else step.title),
        doc=step.doc,
        commands=tuple(_render_command(c, table) for c in step.commands),
        check=_render_refs(step.check, table),
        verify=_render_refs(step.verify, table),
        settle=tuple(render(a) for a in step.settle),
        wait_for=_render_refs(step.wait_for, table),
        destructive=step.destructive,
        ask=step.ask,
        warning=step.warning,
        gap=step.gap,
        generate=step.generate,
        generate_args={k: render(v) for k, v in step.generate_args.items()},
        files=dict(step.files),
        timeout=step.timeout,
        item=item,
    )


PREVIEW_ITEM = "<{name}>"


def _chosen(
    runbook: Runbook, values: Values, preview: bool
) -> Iterator[tuple[Phase, list[tuple[Step, str]]]]:
    """Each phase the values select, with its selected steps and their foreach items ("" for none)."""
    for phase in runbook.phases:
        if not when_matches(phase.when, values.params):
            continue
        chosen: list[tuple[Step, str]] = []
        for step in phase.steps:
            if not when_matches(step.when, values.params):
                continue
            if step.foreach:
                items = values.params.get(step.foreach) or []
                if not items and preview:
                    items = [PREVIEW_ITEM.format(name=step.foreach)]
                chosen.extend((step, item) for item in items)
            else:
                chosen.append((step, ""))
        yield phase, chosen


def resolve(runbook: Runbook, values: Values, *, preview: bool = False) -> Plan:
    """`preview` (for `cairn plan`): a foreach step over an empty list is shown once, with a
    `<placeholder>` item, instead of vanishing — its values are discovered when the run starts."""
    table = values.table()
    phases = []
    for phase, chosen in _chosen(runbook, values, preview):
        steps = tuple(_plan_step(step, phase.id, table, item) for step, item in chosen)
        if steps:
            phases.append(PlannedPhase(id=phase.id, title=phase.title, doc=phase.doc, steps=steps))
    return Plan(runbook=runbook, values=values, phases=tuple(phases), benign=runbook.benign)


def count_steps(runbook: Runbook, values: Values) -> int:
    """How many steps `resolve(runbook, values)` plans, without rendering them (`cairn list`
    counts two dozen variants: rendering every command of each was most of its time)."""
    return sum(len(chosen) for _phase, chosen in _chosen(runbook, values, preview=False))


def format_plan(plan: Plan) -> str:
    """The plan as plain text: every phase, step and exact command."""
    rb = plan.runbook
    lines = [f"Runbook {rb.id}: {rb.title}"]
    if rb.source:
        lines.append(f"Follows: {rb.source}")
    shown = []
    for key, value in plan.values.params.items():
        param = rb.param(key)
        if param is not None and param.discover and not value:
            shown.append(f"{key}=(discovered when the run starts)")
        elif param is not None and param.secret and value:
            shown.append(f"{key}={REDACTED}")
        else:
            shown.append(f"{key}={_show_value(value)}")
    lines.append("Params: " + ", ".join(shown))
    lines.append("")
    number = 0
    for p_index, phase in enumerate(plan.phases, 1):
        lines.append(f"Phase {p_index}. {phase.title}  [{phase.id}]")
        if phase.doc:
            lines.append(f"    {phase.doc}")
        for step in phase.steps:
            number += 1
            flags = []
            if step.destructive:
                flags.append("destructive: asks first")
            if step.ask:
                flags.append("asks the operator")
            lines.append(
                f"  {number:>2}. {step.title}  [{step.id}]" + (f"  ({'; '.join(flags)})" if flags else "")
            )
            lines.append(f"      why: {step.doc}")
            if step.item.startswith("<"):
                lines.append(
                    f"      (once per item of {step.item[1:-1]}; none given: discovered when the run starts,"
                    f" or --set {step.item[1:-1]}=a,b)"
                )
            if step.gap:
                lines.append(f"      gap closed: {step.gap}")
            if step.warning:
                lines.append(f"      warning: {step.warning}")
            if step.ask:
                lines.append(f"      asks: {step.ask}")
            for cmd in step.commands:
                lines.append(f"      $ {format_argv(plan.shown(cmd.argv))}")
                for alt in cmd.fallback:
                    lines.append(f"        (if empty) $ {format_argv(plan.shown(alt.argv))}")
            if step.generate:
                lines.append(f"      $ … commands computed at run time by {step.generate}")
            for ref in step.check:
                lines.append(f"      already done when: {ref.shown()}")
            if step.settle:
                lines.append(f"      then waits until active and idle: {', '.join(step.settle)}")
            for ref in step.wait_for:
                lines.append(f"      then waits until: {ref.shown()}")
            for ref in step.verify:
                lines.append(f"      verifies: {ref.shown()}")
        lines.append("")
    total = sum(len(s.commands) for s in plan.steps())
    lines.append(f"{number} steps, {total} commands in {len(plan.phases)} phases. Nothing was run.")
    return "\n".join(lines)


def _show_value(value: object) -> str:
    if isinstance(value, list):
        return ",".join(value) if value else "(none)"
    return '""' if value == "" else str(value)
