"""The runbook model: plain frozen data, loaded from YAML by `registry`, resolved by `plan`.

A runbook holds templates (argv with `{placeholders}`); `plan.resolve` turns it plus the
operator's param values into concrete steps. Nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Param:
    """A value the operator chooses (or Cairn discovers) that the templates use as `{name}`."""

    name: str
    help: str = ""
    kind: str = "string"  # string | choice | list
    default: Any = None
    choices: tuple[str, ...] = ()
    pattern: str = ""  # a full-match regex every value (or list item) must satisfy
    discover: str = ""  # a discoverer that fills the value from the target's cluster state
    secret: bool = False


@dataclass(frozen=True)
class Derived:
    """A value computed from a param through a table, e.g. istio_platform from platform."""

    name: str
    param: str
    table: Mapping[str, str] = field(default_factory=dict)  # values not in the table pass through


@dataclass(frozen=True)
class BenignRule:
    """A non-zero exit that counts as success: the command starts with `argv_prefix` and its
    output matches `pattern` (a regex). `why` goes to the journal."""

    pattern: str
    why: str
    argv_prefix: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckRef:
    """A named check from `steps.checks`, with its arguments (templates, resolved per plan)."""

    name: str
    args: Mapping[str, str] = field(default_factory=dict)

    def shown(self) -> str:
        """`app-absent(istio-pilot)`; an argument filled at run time shows by name, not content."""
        if not self.args:
            return self.name
        shown = (k if "{captured." in v else (v or '""') for k, v in self.args.items())  # "" not nothing
        return f"{self.name}(" + ", ".join(shown) + ")"


@dataclass(frozen=True)
class Command:
    """One command of a step: an argv template, and what to make of its output."""

    argv: tuple[str, ...]
    timeout: float | None = None  # seconds; None takes the runbook's default
    capture: str = ""  # store stripped stdout under this name for later `{captured.NAME}`
    decode: str = ""  # how to turn the output into the value: "base64", or "juju-size" (10Gi -> 10G)
    secret: bool = False  # the captured value is a secret: redacted everywhere
    fallback: tuple[Command, ...] = ()  # tried in order when the capture comes back empty
    expect: tuple[str, ...] = ()  # regexes the output must match, else the command fails
    benign: tuple[BenignRule, ...] = ()
    write: str = ""  # a generated file to write before running: key into Step.files


@dataclass(frozen=True)
class Step:
    """One step of a phase: its commands, the checks around them and how to ask first."""

    id: str
    title: str
    doc: str
    commands: tuple[Command, ...] = ()
    when: Mapping[str, Any] = field(default_factory=dict)
    check: tuple[CheckRef, ...] = ()  # all pass -> the step is already done
    settle: tuple[str, ...] = ()  # apps that must be active and idle before moving on
    wait_for: tuple[CheckRef, ...] = ()  # polled like settle until they all pass
    verify: tuple[CheckRef, ...] = ()  # must pass after the commands
    destructive: bool = False
    ask: str = ""  # a question the operator must answer yes to before the step runs
    warning: str = ""  # shown at the step (known trouble, and its remedy)
    gap: str = ""  # how this step departs from the source guide, and why
    foreach: str = ""  # a list param: the step is expanded once per item, `{item}` in templates
    generate: str = ""  # a generator that makes the commands from cluster state at run time
    generate_args: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)  # name -> generator of file content
    timeout: float | None = None


@dataclass(frozen=True)
class Phase:
    """A titled group of steps, left out as a whole when its `when` does not match."""

    id: str
    title: str
    steps: tuple[Step, ...]
    when: Mapping[str, Any] = field(default_factory=dict)
    doc: str = ""


@dataclass(frozen=True)
class Runbook:
    """A whole runbook as loaded: params, derived values, channels and the phases."""

    id: str
    title: str
    description: str
    params: tuple[Param, ...]
    phases: tuple[Phase, ...]
    derived: tuple[Derived, ...] = ()
    channels: Mapping[str, str] = field(default_factory=dict)
    benign: tuple[BenignRule, ...] = ()
    source: str = ""  # the guide this runbook follows
    command_timeout: float = 900.0
    settle_timeout: float = 1800.0
    path: Path | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)
