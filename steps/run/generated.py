"""A step's commands for this run: its own, plus those a generator computes from the cluster's
state (and the files it writes for them). What a generator produced is journaled (`Generated`),
so a resumed session replays the same commands instead of computing them again from a cluster
that the first run has already changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypedDict

from ..cluster.state import ClusterState
from ..record.redact import REDACTED
from ..record.session import SessionDir
from ..record.view import SessionView
from ..runbook import generators
from ..runbook.model import BenignRule, Command
from ..runbook.plan import PlannedStep
from . import events as ev
from .unwind import StepFailed

Emit = Callable[[ev.Event], None]
# A generated command as the journal keeps it (`Generated.specs`): {"argv": [...], and any other
# field of Command that is not its default}.
CommandSpec = dict[str, Any]


class ProducedStep(TypedDict):
    commands: list[CommandSpec]  # what the generator produced, to replay on resume
    record: Any  # what it recorded for later steps (e.g. the relations a step removed)


Produced = dict[str, ProducedStep]  # by step id


class Generation:
    def __init__(
        self,
        layout: SessionDir,
        emit: Emit,
        read_state: Callable[[], ClusterState | None],
        params: dict[str, Any],
        captured: dict[str, str],
        table: dict[str, str],
        view: SessionView | None,
    ):
        self.layout, self._emit, self._read_state = layout, emit, read_state
        self.params, self.captured, self.table = params, captured, table
        self.produced = self._from_view(view)

    def commands(self, step: PlannedStep, replay: bool = False) -> list[Command]:
        """The step's commands, with generated ones and generated files, for this run."""
        commands = list(step.commands)
        if step.generate or step.files:
            previous = self.produced.get(step.id) if replay else None
            if previous is not None and step.generate:
                gen_cmds = [command_from_spec(c) for c in previous["commands"]]
            else:
                gen_cmds = self._generate(step)
            commands = gen_cmds + commands if step.generate else commands
        return commands

    def _generate(self, step: PlannedStep) -> list[Command]:
        ctx = generators.GenContext(
            state=self._read_state(),
            params=self.params,
            captured=self.captured,
            args=dict(step.generate_args),
            session_dir=self.layout.path,
            produced={k: v["record"] for k, v in self.produced.items()},
        )
        written: dict[str, str] = {}
        try:
            for name, gen_name in step.files.items():
                content = generators.get(gen_name)(ctx)
                path = self.layout.generated(step.id, name)
                path.parent.mkdir(exist_ok=True)
                path.write_text(content, encoding="utf-8")
                written[name] = str(path)
                self.table[f"file.{name}"] = str(path)
            result = (
                generators.get(step.generate)(ctx) if step.generate else generators.Generated(commands=())
            )
        except ValueError as exc:
            raise StepFailed(f"cannot prepare this step: {exc}") from None
        commands = result.as_commands()
        specs = tuple(command_spec(c) for c in commands)
        self.produced[step.id] = {"commands": list(specs), "record": result.record}
        self._emit(
            ev.Generated(
                step_id=step.id,
                generator=step.generate or "files",
                commands=tuple(tuple(c.argv) for c in commands),
                record=result.record,
                files=written,
                specs=specs if any(set(spec) != {"argv"} for spec in specs) else (),
            )
        )
        return commands

    def _from_view(self, view: SessionView | None) -> Produced:
        """What an earlier process generated (and the values it captured), from the journal."""
        out: Produced = {}
        if view is None:
            return out
        for step in view.steps.values():
            for gen in step.generated:
                specs = list(gen.specs) or [{"argv": list(c)} for c in gen.commands]
                out[step.id] = {"commands": specs, "record": gen.record}
            for name, value in step.captured.items():
                if value != REDACTED:
                    self.captured.setdefault(name, value)
        return out


def command_spec(cmd: Command) -> CommandSpec:
    """A command as the journal keeps it: its argv, and every other field that is not its default."""
    spec: CommandSpec = {"argv": list(cmd.argv)}
    for f in dataclasses.fields(Command):
        value = getattr(cmd, f.name)
        if f.name == "argv" or value == f.default:
            continue
        if f.name == "fallback":
            value = [command_spec(alt) for alt in value]
        elif f.name == "benign":
            value = [{"pattern": r.pattern, "why": r.why, "argv_prefix": list(r.argv_prefix)} for r in value]
        elif isinstance(value, tuple):
            value = list(value)
        spec[f.name] = value
    return spec


def command_from_spec(spec: CommandSpec) -> Command:
    fields: dict[str, Any] = {
        k: v for k, v in spec.items() if k not in ("argv", "fallback", "benign", "expect")
    }
    return Command(
        argv=tuple(spec["argv"]),
        fallback=tuple(command_from_spec(alt) for alt in spec.get("fallback", ())),
        expect=tuple(spec.get("expect", ())),
        benign=tuple(
            BenignRule(pattern=r["pattern"], why=r["why"], argv_prefix=tuple(r.get("argv_prefix", ())))
            for r in spec.get("benign", ())
        ),
        **fields,
    )
