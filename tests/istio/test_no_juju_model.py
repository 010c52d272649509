"""A runbook without a `model` param (upstream Istio) works on no Juju model: no state read asks
Juju (whose errors would fill the cluster pane on a cluster that has none), and a live run's
question names only the Kubernetes context."""

from __future__ import annotations

from steps.cluster.sources.capture import run_reads
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from steps.run.targets import LiveTarget


def test_no_juju_read_without_a_model():
    asked: list[tuple[str, ...]] = []

    def runner(argv):
        asked.append(tuple(argv))
        return 0, b"", b""

    list(run_reads(runner, ""))
    assert asked and all(argv[0] == "kubectl" for argv in asked)
    asked.clear()
    list(run_reads(runner, "kubeflow"))
    assert ("juju", "status", "-m", "kubeflow", "--format=json") in asked


def test_an_istio_rehearsal_reads_no_juju(tmp_path, monkeypatch):
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path))
    launched = start(
        RunRequest(
            runbook="istio-ambient", target=TargetRequest(kind="sandbox", scenario="istio-bookinfo", speed=0)
        )
    )
    try:
        state = launched.target.read_state()
        assert launched.target.describe()["kind"] == "sandbox"
        assert not [e for e in state.errors if "juju" in e.lower()], state.errors
        assert state.pods, "the cluster itself was read"
    finally:
        launched.close()


def test_a_live_scope_without_a_model_names_only_kubernetes():
    target = LiveTarget(model="", context="prod", cluster="prod-cluster")
    assert target.scope() == ["Kubernetes: context prod, cluster prod-cluster"]
    assert len(LiveTarget(model="kubeflow", context="prod").scope()) == 2
