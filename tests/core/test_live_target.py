"""A live run goes to the cluster its checks read (issue 14.2): kubectl gets the context, juju the
controller, both shown in the plan, the record and a question asked before anything changes."""

from __future__ import annotations

import json

import pytest

from steps.errors import BadInput
from steps.run import events as ev
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from steps.run.targets import LiveTarget

KUBECONFIG = """apiVersion: v1
kind: Config
current-context: other
contexts:
  - {name: other, context: {cluster: c-other, user: u}}
  - {name: ctx-a, context: {cluster: c-a, user: u}}
clusters:
  - {name: c-other, cluster: {server: "https://10.0.0.9:6443"}}
  - {name: c-a, cluster: {server: "https://10.0.0.1:16443"}}
users:
  - {name: u, user: {token: not-used}}
"""


@pytest.fixture()
def live_config(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    juju = tmp_path / "juju"
    juju.mkdir()
    (juju / "controllers.yaml").write_text("controllers: {}\ncurrent-controller: ctl-now\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setenv("JUJU_DATA", str(juju))
    monkeypatch.delenv("JUJU_CONTROLLER", raising=False)


def test_pin_aims_kubectl_and_juju():
    t = LiveTarget(model="kubeflow", context="ctx-a", controller="ctl")
    assert t.pin(("kubectl", "get", "pods")) == ("kubectl", "--context", "ctx-a", "get", "pods")
    assert t.pin(("kubectl", "--context=x", "get")) == ("kubectl", "--context=x", "get")
    assert t.pin(("juju", "status", "-m", "kubeflow")) == ("juju", "status", "-m", "ctl:kubeflow")
    assert t.pin(("juju", "status", "-m", "c2:kubeflow")) == ("juju", "status", "-m", "c2:kubeflow")
    assert t.pin(("curl", "-s", "x")) == ("curl", "-s", "x")
    assert t.env()["JUJU_CONTROLLER"] == "ctl"


def test_live_run_is_pinned_shown_and_asked_first(live_config):
    launched = start(
        RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(kind="live", context="ctx-a")),
        read_state=False,
    )
    commands = [c.argv for s in launched.plan.steps() for c in s.commands]
    kubectl = [a for a in commands if a[0] == "kubectl"]
    juju_m = [a for a in commands if a[0] == "juju" and "-m" in a]
    assert kubectl and all(a[1:3] == ("--context", "ctx-a") for a in kubectl)
    assert juju_m and all(a[a.index("-m") + 1] == "ctl-now:kubeflow" for a in juju_m)
    started = json.loads((launched.directory / "journal.jsonl").read_text().splitlines()[0])
    assert started["target"]["controller"] == "ctl-now" and started["target"]["server"].endswith(":16443")
    outline = [c for ph in started["outline"] for s in ph["steps"] for c in s["commands"]]
    assert any(c.startswith("kubectl --context ctx-a ") for c in outline)

    asked: list[ev.DecisionRequested] = []
    ran: list[ev.CommandStarted] = []

    def listen(event: ev.Event) -> None:
        if isinstance(event, ev.CommandStarted):
            ran.append(event)
        if isinstance(event, ev.DecisionRequested):
            asked.append(event)
            launched.engine.decide(event.id, "abort")

    def unreachable():
        raise OSError("no cluster in tests")

    launched.target.read_state = unreachable  # the run ends before it needs the cluster
    launched.engine.listener = listen
    try:
        assert launched.engine.run() == "aborted"
    finally:
        launched.close()
    assert not ran, "nothing runs before the operator said which cluster"
    shown = "\n".join(asked[0].detail)
    assert "context ctx-a, cluster c-a at https://10.0.0.1:16443" in shown
    assert "controller ctl-now, model kubeflow" in shown


def test_unknown_context_is_refused(live_config):
    with pytest.raises(BadInput, match="'nope' is not in the kubeconfig"):
        start(RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(kind="live", context="nope")))
