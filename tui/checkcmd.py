"""`cairn check` (the pre-flight report) and `cairn dump` (save a cluster's output for --from-files)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from steps.cluster.state import ClusterState
from steps.errors import BadInput
from steps.record.printable import printable
from steps.run import targets
from steps.run.request import TargetRequest
from steps.runbook import params as params_mod
from steps.runbook import registry


def _sandbox(scenario: str, model: str) -> targets.SandboxTarget:
    """A fresh rehearsal deployment in a temporary directory, at full speed."""
    directory = Path(tempfile.mkdtemp(prefix="cairn-check-")) / "sandbox"
    target = targets.SandboxTarget(directory, targets.sandbox_scenario(scenario), model=model, speed=0)
    target.create()
    return target


def read_target(req: TargetRequest, model: str) -> ClusterState:
    from steps.cluster import sources

    if req.kind == "live":
        return sources.read_live(model, context=req.context)
    if req.kind == "files":
        if not Path(req.directory).is_dir():
            raise BadInput(f"--from-files {printable(req.directory)}: not a directory")
        return sources.read_files(req.directory)
    return _sandbox(req.scenario, model).read_state()


def run(args: argparse.Namespace, given: dict[str, Any], req: TargetRequest) -> int:
    from steps import checks
    from steps.run.launch import _discover

    runbook = registry.find(args.runbook, runbook_file=args.runbook_file)
    params_mod.resolve(runbook, given)  # bad params stop before anything is read
    model = str(given.get("model") or "kubeflow")
    state = read_target(req, model)
    given, notes = _discover(runbook, given, state)
    values = params_mod.resolve(runbook, given)
    # The named runbook's own pre-flight (its preflight phase's checks), not a fixed list.
    from steps.runbook import plan as plan_mod

    plan = plan_mod.resolve(runbook, values)
    report = checks.preflight_of(plan, state, values.params)
    _, deferred = checks.preflight_groups(plan)
    where = {
        "live": "live" + (f" ({req.context})" if req.context else ""),
        "files": f"files:{req.directory}",
        "sandbox": f"sandbox:{req.scenario or targets.DEFAULT_SANDBOX_SCENARIO}",
    }[req.kind]
    print(f"Pre-flight for {runbook.id} on {where}, model {model}")
    for note in notes:
        print(f"  {note}")
    for title in deferred:
        print(f"  checked when the run starts (needs command output): {title}")
    print(checks.format_report(report, ascii=True if args.ascii else None))
    return 1 if report.blocked else 0


def dump(args: argparse.Namespace, req: TargetRequest) -> int:
    from steps.cluster import sources
    from steps.runbook.params import parse_assignments

    model = parse_assignments(args.sets).get("model", "kubeflow")
    directory = Path(args.directory)
    if directory.exists() and any(directory.iterdir()):
        raise BadInput(f"{directory} is not empty; dump into a new directory")
    if req.kind == "files":
        raise BadInput("--from-files: a dump reads a live cluster or a sandbox, not saved files")
    env = _sandbox(req.scenario, model).env() if req.kind == "sandbox" else dict(os.environ)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    ran = sources.dump(directory, env, model, req.context, written=written)
    commands = directory / "COMMANDS"
    if not written:
        print(
            f"cairn: nothing could be read: all {len(ran)} reads failed (their errors are in {commands})",
            file=sys.stderr,
        )
        return 1
    print(
        f"wrote {len(written)} of {len(ran)} reads to {directory} (the exact commands are in {commands})",
        file=sys.stderr,
    )
    return 0
