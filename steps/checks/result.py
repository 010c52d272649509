"""What a check is and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..cluster.state import ClusterState
from ..states import Verdict

PASSED, FAILED, WARNING = Verdict.PASSED, Verdict.FAILED, Verdict.WARNING


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Verdict
    message: str  # one line
    fix: str = ""  # the exact command(s), one a line, or the action to take, when not passed
    details: tuple[str, ...] = ()  # one item a line: the pods, apps, relations concerned
    title: str = ""  # what the report shows, e.g. "Juju >= 3.6"

    def __post_init__(self) -> None:
        if "\n" in self.message:  # one line, whatever a check composed
            object.__setattr__(self, "message", " ".join(self.message.split()))

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def failed(self) -> bool:
        return self.status == FAILED


def ok(message: str, details: Iterable[str] = ()) -> CheckResult:
    return CheckResult("", PASSED, message, "", tuple(details))


def fail(message: str, fix: str, details: Iterable[str] = ()) -> CheckResult:
    return CheckResult("", FAILED, message, fix, tuple(details))


def warn(message: str, fix: str = "", details: Iterable[str] = ()) -> CheckResult:
    return CheckResult("", WARNING, message, fix, tuple(details))


CheckFunc = Callable[..., CheckResult]  # (state, params, **args) -> CheckResult


@dataclass(frozen=True)
class Check:
    name: str  # kebab-case, what runbooks name
    title: str
    description: str  # one line
    func: CheckFunc
    args: tuple[str, ...] = ()  # required arguments
    optional_args: tuple[str, ...] = ()
    blocker: bool = True  # False: advisory, it warns but never fails

    def validate_args(self, given: Iterable[str]) -> None:
        """Raise ValueError naming what is missing or unknown (for the runbook loader too)."""
        names = set(given)
        missing = [a for a in self.args if a not in names]
        unknown = sorted(names - set(self.args) - set(self.optional_args))
        problems = []
        if missing:
            problems.append(f"needs {', '.join(missing)}")
        if unknown:
            problems.append(f"does not take {', '.join(unknown)}")
        if problems:
            takes = ", ".join([*self.args, *(f"[{a}]" for a in self.optional_args)]) or "no arguments"
            raise ValueError(f"check {self.name} {' and '.join(problems)} (it takes: {takes})")

    def run(self, state: ClusterState, params: Mapping[str, Any], /, **args: Any) -> CheckResult:
        self.validate_args(args)
        result = self.func(state, params, **args)
        if not self.blocker and result.status == FAILED:
            result = replace(result, status=WARNING)
        return replace(result, name=self.name, title=self.title)
