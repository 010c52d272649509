"""Issue 11.5: `--risk stable` used to stop at step 18 (`application "katib-controller" has no
"service-mesh" relation`) after istio-pilot, the gateway and Knative were gone. Pre-flight now asks
Charmhub (`juju info`) for every target channel's endpoints and stops before anything changes."""

from __future__ import annotations

import shlex

import yaml

from steps.run import events as ev
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from steps.runbook import registry

from ..engine_runs import run_aborting_on_questions


def _launch(**given: str):
    return start(
        RunRequest(
            runbook="ckf-1.11-ambient",
            given=dict(given),
            target=TargetRequest(kind="sandbox", scenario="ckf-1.11-microk8s", speed=0),
            yes=True,
            settle_timeout=30,
        )
    )


def test_risk_stable_stops_in_preflight_naming_the_missing_endpoints_with_nothing_removed():
    launched = _launch(risk="stable")
    started: list[str] = []
    commands: list[str] = []

    def observe(event: ev.Event) -> None:
        if isinstance(event, ev.StepStarted):
            started.append(event.step_id)
        if isinstance(event, ev.CommandStarted):
            commands.append(event.display)

    outcome, decisions = run_aborting_on_questions(launched, observe)
    assert outcome == "aborted"
    assert [d.step_id for d in decisions] == ["preflight-endpoints"]
    prompt = decisions[0].prompt
    assert "katib-controller 0.19/stable lacks service-mesh" in prompt
    assert "kserve-controller 0.15/stable lacks gateway-metadata, service-mesh" in prompt
    plan_order = [s.id for s in launched.plan.steps()]
    assert all(plan_order.index(s) <= plan_order.index("preflight-endpoints") for s in started)
    assert not any(
        c.startswith(("juju remove", "juju refresh", "juju deploy", "kubectl delete")) for c in commands
    )


def test_edge_passes_the_endpoint_preflight():
    launched = _launch()
    stopped_at: list[str] = []

    def observe(event: ev.Event) -> None:
        if isinstance(event, ev.StepFinished) and event.step_id == "preflight-endpoints":
            stopped_at.append(event.state)
            launched.engine.abort()

    run_aborting_on_questions(launched, observe)
    assert stopped_at == ["succeeded"]


def test_the_endpoint_preflight_covers_every_endpoint_the_runbook_integrates():
    rb = registry.find("ckf-1.11-ambient")
    doc = yaml.safe_load(rb.path.read_text())
    needed: set[tuple[str, str]] = set()
    for phase in doc["phases"]:
        for step in phase["steps"]:
            for cmd in step.get("run", []):
                raw = cmd if isinstance(cmd, str | list) else cmd["argv"]
                argv = shlex.split(raw) if isinstance(raw, str) else [str(a) for a in raw]
                if argv[:2] == ["juju", "integrate"]:
                    needed |= {tuple(end.split(":")) for end in argv[2:4] if ":" in end}
    step = next(s for p in rb.phases for s in p.steps if s.id == "preflight-endpoints")
    covered = {(r.args["charm"], e) for r in step.verify for e in r.args["endpoints"].split(",")}
    assert needed and needed <= covered, sorted(needed - covered)
