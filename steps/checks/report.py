"""Reports: named checks run in phases and printed the way `gloo ambient migrate` prints them
(a phase verdict, then each check with ✅/❌/⚠, and for the ones not passed the exact fix).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from ..cluster.state import ClusterState
from .registry import run_check
from .result import FAILED, PASSED, WARNING, CheckResult, Verdict

PREFLIGHT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tools", ("tools-present", "juju-version", "kubernetes-version")),
    ("model", ("model-exists", "ckf-version", "all-apps-active")),
    ("platform", ("platform-matches", "cilium-config")),
    (
        "workloads",
        ("user-namespaces", "serverless-inference-services", "running-pipelines", "running-notebooks"),
    ),
)
VERIFY: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "charms",
        (
            "all-apps-active",
            "no-legacy-apps",
            "mesh-relations",
            "profiles-ambient",
            "kserve-rawdeployment",
        ),
    ),
    ("cluster", ("istio-crds", "cilium-ambient-ready", "ingress-tls", "auth-urls")),
    ("user-namespaces", ("namespaces-ambient", "waypoints", "no-sidecars", "pods-enrolled")),
)

SYMBOLS = {
    "unicode": {PASSED: "✅", FAILED: "❌", WARNING: "⚠", "phase": "•", "info": "ℹ"},
    "ascii": {PASSED: "[ok]", FAILED: "[FAIL]", WARNING: "[warn]", "phase": "*", "info": "[info]"},
}


def _worst(statuses: Sequence[Verdict]) -> Verdict:
    if FAILED in statuses:
        return FAILED
    return WARNING if WARNING in statuses else PASSED


@dataclass(frozen=True)
class ReportGroup:
    name: str
    results: tuple[CheckResult, ...]

    @property
    def status(self) -> Verdict:
        return _worst([r.status for r in self.results])


@dataclass(frozen=True)
class Report:
    title: str
    groups: tuple[ReportGroup, ...]
    read_errors: tuple[str, ...] = ()  # what the state's read could not see, shown first

    @property
    def results(self) -> tuple[CheckResult, ...]:
        return tuple(r for g in self.groups for r in g.results)

    @property
    def blocked(self) -> bool:
        """A blocker failed (advisory checks only ever warn)."""
        return any(r.failed for r in self.results)

    def count(self, status: Verdict) -> int:
        return sum(1 for r in self.results if r.status == status)


def run_groups(
    title: str, state: ClusterState, params: Mapping[str, Any], groups: Sequence[tuple[str, Sequence[str]]]
) -> Report:
    return Report(
        title=title,
        groups=tuple(
            ReportGroup(name, tuple(run_check(c, state, params) for c in checks)) for name, checks in groups
        ),
        read_errors=state.errors,
    )


def preflight(state: ClusterState, params: Mapping[str, Any]) -> Report:
    return run_groups("Pre-flight", state, params, PREFLIGHT)


def preflight_groups(plan: Any) -> tuple[tuple[tuple[str, tuple[Any, ...]], ...], tuple[str, ...]]:
    """A runbook's own pre-flight: the `verify` checks of the steps of its `preflight` phase, one
    group per step (`preflight-tools` -> "tools"). Checks that need a value captured while the run
    goes (`{captured.*}`, e.g. `juju info` output) cannot run here; they are named apart."""
    groups, deferred = [], []
    for phase in plan.phases:
        if phase.id != "preflight":
            continue
        for step in phase.steps:
            refs = tuple(r for r in step.verify if not any("{captured." in v for v in r.args.values()))
            deferred += [step.title for r in step.verify if r not in refs][:1]
            if refs:
                groups.append((step.id.removeprefix("preflight-"), refs))
    return tuple(groups), tuple(deferred)


def preflight_of(plan: Any, state: ClusterState, params: Mapping[str, Any]) -> Report:
    """`cairn check RUNBOOK`: the named runbook's pre-flight (issue 10.19), not the ambient one."""
    groups, _ = preflight_groups(plan)
    return Report(
        title="Pre-flight",
        groups=tuple(
            ReportGroup(name, tuple(run_check(r.name, state, params, **dict(r.args)) for r in refs))
            for name, refs in groups
        ),
        read_errors=state.errors,
    )


def verify(state: ClusterState, params: Mapping[str, Any]) -> Report:
    return run_groups("Verification", state, params, VERIFY)


def wants_ascii(stream: TextIO | None = None) -> bool:
    """True when the output cannot show the symbols (not UTF-8, e.g. LANG=C over SSH)."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or ""
    return encoding.lower().replace("-", "") not in ("utf8", "utf8mb4")


_PHASE_WORDS = {PASSED: "succeeded!", FAILED: "failed!", WARNING: "has warnings!"}


def format_report(report: Report, *, ascii: bool | None = None, verbose: bool = False) -> str:
    """The report as text. `ascii` None: decide from stdout's encoding. `verbose` adds the
    message of passed checks."""
    sym = SYMBOLS["ascii" if (wants_ascii() if ascii is None else ascii) else "unicode"]
    lines: list[str] = []
    if report.read_errors:
        lines.append(f"{sym['info']} The read could not see everything; checks that need it say so:")
        lines.extend(f"    {error}" for error in report.read_errors)
        lines.append("")
    for group in report.groups:
        lines.append(f"{sym['phase']} Starting phase {group.name}...")
        lines.append(f"{sym[group.status]} Phase {group.name} {_PHASE_WORDS[group.status]}")
        for result in group.results:
            label = result.title or result.name
            if result.passed:
                lines.append(f"  {sym[PASSED]} {label}: passed" + (f" ({result.message})" if verbose else ""))
                continue
            lines.append(f"  {sym[result.status]} {label}: {result.status}: {result.message}")
            lines.extend(f"        * {item}" for item in result.details if item not in result.message)
            if result.fix:
                lines.append("      fix:")
                lines.extend(f"        {line}" for line in result.fix.splitlines())
        lines.append("")
    passed, failed, warned = report.count(PASSED), report.count(FAILED), report.count(WARNING)
    verdict = (
        "blocked: fix the failed checks, then check again"
        if report.blocked
        else "ready, after reading the warnings"
        if warned
        else "ready"
    )
    lines.append(
        f"{report.title}: {passed} checks passed, {failed} failed, {warned} with warnings; {verdict}."
    )
    return "\n".join(lines) + "\n"
