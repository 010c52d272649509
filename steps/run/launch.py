"""Start or resume a session: everything a front end needs before the engine runs.

Both front ends (the app and plain mode) call `start` or `resume`; tests and scripts do too. Bad
input is found before a session directory exists, so a typo leaves nothing behind.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..cluster.state import ClusterState
from ..errors import BadInput
from ..record import secret_store
from ..record import session as session_mod
from ..record.journal import JournalWriter
from ..record.journal import read as read_journal
from ..record.journal import repair as repair_journal
from ..record.printable import printable
from ..record.redact import REDACTED, Redactor
from ..record.view import SessionView
from ..runbook import params as params_mod
from ..runbook import plan as plan_mod
from ..runbook import registry
from ..runbook.argvfmt import format_argv
from ..runbook.model import Command
from ..states import Level, RunOutcome
from . import events as ev
from . import targets
from .engine import Engine, EngineOptions, Listener
from .request import RunRequest, TargetRequest
from .targets import FilesTarget, LiveTarget, SandboxTarget, Target, juju_controller, kube_context

FAULT_KINDS = ("fail-once", "fail", "hang")
MAX_SPEED = 100.0


@dataclass
class Launched:
    session_id: str
    directory: Path
    plan: plan_mod.Plan
    engine: Engine
    view: SessionView
    journal: JournalWriter
    lock: session_mod.SessionLock
    target: Target
    notices: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.journal.close()
        self.lock.release()


def parse_faults(specs: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for spec in specs:
        step, sep, kind = spec.rpartition(":")
        if not sep or not step or kind not in FAULT_KINDS:
            raise BadInput(f"--fault {spec!r}: expected STEP:KIND with KIND one of {', '.join(FAULT_KINDS)}")
        out.append((step, kind))
    return out


def make_target(req: TargetRequest, session_dir: Path | None, model: str) -> Target:
    if req.kind == "sandbox":
        scenario = targets.sandbox_scenario(req.scenario)
        if not (math.isfinite(req.speed) and 0 <= req.speed <= MAX_SPEED):
            raise BadInput(f"--speed {req.speed}: must be 0 (instant) or more, at most {MAX_SPEED:g}")
        directory = session_mod.SessionDir(session_dir).sandbox if session_dir else Path("sandbox")
        return SandboxTarget(
            directory=directory, scenario=scenario, model=model, speed=req.speed, faults=tuple(req.faults)
        )
    if req.kind == "live":
        # Pinned now, so every command goes where the checks read, whatever the kubeconfig's or
        # juju's current context becomes during the run.
        context, cluster, server = kube_context(req.context)
        return LiveTarget(
            model=model,
            context=context or None,
            controller=(req.controller or juju_controller()) if model else "",
            cluster=cluster,
            server=server,
        )
    if req.kind == "files":
        directory = Path(req.directory)
        if not directory.is_dir():
            raise BadInput(f"--from-files {printable(req.directory)}: not a directory")
        return FilesTarget(directory=directory, model=model)
    raise BadInput(f"unknown target {req.kind!r}")


def _discover(runbook, given: dict[str, Any], state: ClusterState | None) -> tuple[dict[str, Any], list[str]]:
    """Fill params the operator left out from the cluster: user namespaces, the platform."""
    from .. import checks

    out = dict(given)
    notes: list[str] = []
    if state is None:
        return out, notes
    for param in runbook.params:
        if param.name in given or not param.discover:
            continue
        discoverer = checks.DISCOVERERS.get(param.discover)
        if discoverer is None:
            continue
        value = discoverer(state)
        if value:
            out[param.name] = value
            shown = ",".join(value) if isinstance(value, list) else value
            notes.append(f"{param.name} discovered from the cluster: {shown}")
    platform = runbook.param("platform")
    if platform is not None and "platform" not in given:
        detected = checks.detect_platform(state)
        if detected and (not platform.choices or detected in platform.choices):
            out["platform"] = detected
            notes.append(f"platform detected: {detected} (pass --platform to choose another)")
    return out, notes


def outline(plan: plan_mod.Plan) -> tuple[ev.OutlinePhase, ...]:
    return tuple(
        ev.OutlinePhase(
            id=phase.id,
            title=phase.title,
            steps=tuple(
                ev.OutlineStep(
                    id=s.id,
                    title=s.title,
                    doc=s.doc,
                    destructive=s.destructive,
                    commands=tuple(format_argv(plan.shown(c.argv)) for c in s.commands)
                    + ((f"… computed at run time by {s.generate}",) if s.generate else ()),
                )
                for s in phase.steps
            ),
        )
        for phase in plan.phases
    )


def start(
    req: RunRequest,
    *,
    listener: Listener | None = None,
    options: EngineOptions | None = None,
    read_state: bool = True,
) -> Launched:
    """Validate, create the session, prepare the target, plan, journal the start, lock."""
    runbook = registry.find(req.runbook, runbook_file=req.runbook_file)
    params_mod.resolve(runbook, req.given)  # bad params stop here, before anything exists
    model_param = runbook.param("model")
    # A runbook without a `model` param (upstream Istio) works on no Juju model: its state reads,
    # its live scope and its commands leave Juju out.
    model = str(req.given.get("model") or (model_param.default if model_param else ""))
    if req.target.kind == "files":
        raise BadInput(
            "--from-files is read-only analysis: use `cairn check --from-files DIR` or `cairn plan`"
        )
    if req.target.kind == "sandbox" and not req.target.scenario:
        # each runbook rehearses on its own kind of cluster
        req.target = replace(req.target, scenario=targets.default_scenario_for(runbook.id))
    make_target(req.target, None, model)  # validates scenario and speed before a directory exists
    if req.settle_timeout is not None and not (math.isfinite(req.settle_timeout) and req.settle_timeout > 0):
        raise BadInput(f"--settle-timeout {req.settle_timeout}: expected a number of seconds more than 0")

    session_id, directory = session_mod.create()
    lock = session_mod.SessionLock(directory)
    lock.acquire()
    try:
        return _start_session(req, runbook, model, session_id, directory, lock, listener, options, read_state)
    except BaseException:
        # Nothing has run yet: a start that fails leaves no session and no sandbox behind.
        lock.release()
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(session_mod.sandbox_dir(session_id), ignore_errors=True)
        raise


def _start_session(
    req: RunRequest,
    runbook: Any,
    model: str,
    session_id: str,
    directory: Path,
    lock: session_mod.SessionLock,
    listener: Listener | None,
    options: EngineOptions | None,
    read_state: bool,
) -> Launched:
    target = make_target(req.target, directory, model)
    if isinstance(target, SandboxTarget):
        target.create()
    state = None
    notices: list[str] = []
    if read_state:
        try:
            state = target.read_state()
        except Exception as exc:  # noqa: BLE001 - discovery is a convenience
            notices.append(f"could not read the cluster for discovery: {exc}")
    given, notes = _discover(runbook, dict(req.given), state)
    notices.extend(notes)
    values = params_mod.resolve(runbook, given)
    plan = pin_plan(plan_mod.resolve(runbook, values), target)

    secret_values = [
        str(values.params[p.name]) for p in runbook.params if p.secret and values.params.get(p.name)
    ]
    journal = JournalWriter(
        session_mod.SessionDir(directory).journal, Redactor(secret_values), guard=lock.verify
    )
    secret_params = {p.name for p in runbook.params if p.secret and values.params.get(p.name)}
    if secret_params:  # kept for a resume outside the session directory, never in the journal
        secret_store.save(
            session_id, {secret_store.PARAM_PREFIX + n: str(values.params[n]) for n in secret_params}
        )
    journaled_params = {k: REDACTED if k in secret_params else v for k, v in values.as_dict().items()}
    started = ev.SessionStarted(
        session_id=session_id,
        runbook=runbook.id,
        runbook_title=runbook.title,
        runbook_file=str(Path(req.runbook_file).resolve()) if req.runbook_file else "",
        params=journaled_params,
        target=target.describe(),
        operator=session_mod.operator(),
        host=session_mod.hostname(),
        cairn_version=__version__,
        yes=req.yes,
        outline=outline(plan),
    )
    journal.write(started)
    view = SessionView.build([started])
    _record(journal, view, [ev.Notice(level=Level.INFO, text=text) for text in notices])
    engine = Engine(
        plan,
        directory,
        journal,
        target,
        listener=listener,
        options=options or EngineOptions(yes=req.yes, settle_timeout=req.settle_timeout),
        resume_view=view,
    )
    engine.last_state = state
    return Launched(session_id, directory, plan, engine, view, journal, lock, target, notices)


def pin_plan(plan: plan_mod.Plan, target: Target) -> plan_mod.Plan:
    """A live run's commands aimed at the target's cluster and controller (shown so in every
    confirmation, the outline and the record)."""
    if not isinstance(target, LiveTarget):
        return plan

    def pinned(cmd: Command) -> Command:
        return replace(cmd, argv=target.pin(cmd.argv), fallback=tuple(pinned(f) for f in cmd.fallback))

    phases = tuple(
        replace(
            phase, steps=tuple(replace(s, commands=tuple(pinned(c) for c in s.commands)) for s in phase.steps)
        )
        for phase in plan.phases
    )
    return replace(plan, phases=phases)


def _record(journal: JournalWriter, view: SessionView, events: list[ev.Event]) -> None:
    """Events of the launch itself, journaled before the engine starts."""
    for event in events:
        journal.write(event)
        view.apply(event)


def plan_from_journal(started: ev.SessionStarted, secrets: dict[str, str] | None = None) -> plan_mod.Plan:
    runbook = registry.find(started.runbook, runbook_file=started.runbook_file or None)
    given = {k: v for k, v in started.params.items() if k != "channels"}
    for param in runbook.params:
        if param.secret and given.get(param.name) == REDACTED:
            stored = (secrets or {}).get(secret_store.PARAM_PREFIX + param.name)
            if stored is None:
                raise BadInput(
                    f"the value of secret param {param.name} of session {started.session_id} is no longer "
                    "stored (reboot or logout); start a new session with it"
                )
            given[param.name] = stored
    channels = started.params.get("channels") or {}
    values = params_mod.resolve(runbook, given)
    values = params_mod.Values(
        params=values.params,
        channels={**values.channels, **channels},
        derived=values.derived,
        overridden=values.overridden,
    )
    plan = plan_mod.resolve(runbook, values)
    planned = [s.id for phase in started.outline for s in phase.steps]
    if planned != [s.id for s in plan.steps()]:
        raise BadInput(
            f"runbook {runbook.id} changed since session {started.session_id} started (its steps differ); "
            "resume it with the Cairn and runbook it started with"
        )
    return plan


def resume(
    session_id: str | None,
    *,
    listener: Listener | None = None,
    options: EngineOptions | None = None,
    yes: bool | None = None,
) -> Launched:
    """Take a session over again: lock it, reload the journal, re-attach what still runs."""
    sid, directory = session_mod.find(session_id)
    lock = session_mod.SessionLock(directory)
    lock.acquire()
    try:
        journal_path = session_mod.SessionDir(directory).journal
        result = read_journal(journal_path)
        repair_journal(journal_path, result)
        started = result.events[0]
        assert isinstance(started, ev.SessionStarted)
        view = SessionView.build(result.events)
        if view.finished is not None and view.finished.outcome == RunOutcome.SUCCEEDED:
            raise BadInput(
                f"session {sid} already finished ({view.finished.outcome}); "
                f"`cairn export {sid}` writes its record"
            )
        secrets = secret_store.load(sid)
        plan = plan_from_journal(started, secrets)
        model = str(started.params.get("model") or "")
        try:
            req = TargetRequest.from_journal(started.target)
        except (TypeError, ValueError) as exc:
            raise BadInput(f"{journal_path}:1: the session's target record is not valid ({exc})") from None
        target = make_target(req, directory, model)
        plan = pin_plan(plan, target)
        if isinstance(target, SandboxTarget):
            try:  # a deleted or garbled sandbox would make every wait retry until its timeout
                target.read_state()
            except Exception as exc:  # noqa: BLE001 - whatever broke it, the answer is the same
                raise BadInput(
                    f"the sandbox of session {sid} ({target.directory}) cannot be read: {exc}; "
                    "it was deleted or damaged; rehearse again in a new session"
                ) from None
        secret_names = {
            name for s in view.steps.values() for name, v in s.captured.items() if v == "[redacted]"
        }
        journal = JournalWriter(journal_path, Redactor(list(secrets.values())), guard=lock.verify)
    except BaseException:
        lock.release()
        raise
    notices = list(result.warnings)
    missing = sorted(secret_names - set(secrets))
    if missing:
        notices.append(
            f"secret values {', '.join(missing)} are no longer stored (reboot or logout); "
            "steps that need them will fail and can be skipped or re-run from their capture"
        )
    took = lock.took_over.describe() + " (no longer running)" if lock.took_over else ""
    resumed = ev.SessionResumed(
        pid=os.getpid(), host=session_mod.hostname(), operator=session_mod.operator(), took_over_from=took
    )
    _record(journal, view, [resumed, *(ev.Notice(level=Level.WARNING, text=text) for text in notices)])
    opts = options or EngineOptions(yes=started.yes if yes is None else yes)
    engine = Engine(
        plan,
        directory,
        journal,
        target,
        listener=listener,
        options=opts,
        resume_view=view,
        captured=secrets,
        secret_names=secret_names & set(secrets),
    )
    if took:
        notices.insert(0, f"took over the session lock from {took}")
    return Launched(sid, directory, plan, engine, view, journal, lock, target, notices)
