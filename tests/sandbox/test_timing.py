"""Settling with speed > 0: units pass through allocating/executing and maintenance/waiting first.

The sandbox runs on a manual clock here: each transient state is looked at a moment the test
chooses, so nothing depends on how fast a loaded machine runs the commands between real sleeps.
"""

from __future__ import annotations

import pytest

from steps.sandbox.state import ManualClock, clock

SPEED = 0.05  # a 20 s deploy settles in 1 s
STEP = 0.02  # how far the clock moves between two looks


@pytest.fixture(autouse=True)
def manual() -> ManualClock:
    with clock(ManualClock()) as c:
        assert isinstance(c, ManualClock)
        yield c


def watch(sb, manual: ManualClock, app: str, seconds: float) -> list[tuple[str, str, str]]:
    seen = []
    deadline = manual.now() + seconds
    while manual.now() < deadline:
        unit = next(iter(sb.status()["applications"][app]["units"].values()))
        entry = (
            unit["workload-status"]["current"],
            unit["workload-status"].get("message", ""),
            unit["juju-status"]["current"],
        )
        if not seen or seen[-1] != entry:
            seen.append(entry)
        manual.advance(STEP)
    return seen


def test_a_deploy_settles_after_the_scaled_delay(make_sandbox, manual):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    seen = watch(sb, manual, "istio-k8s", 1.6)
    assert seen[0] == ("waiting", "installing agent", "allocating")
    assert ("maintenance", "Deploying Istio control plane", "executing") in seen
    assert seen[-1] == ("active", "", "idle")
    kinds = [s[0] for s in seen]
    assert kinds.index("active") > kinds.index("maintenance")


def test_a_refresh_restarts_the_pod_and_settles(make_sandbox, manual):
    sb = make_sandbox(speed=SPEED)
    before = sb.json("kubectl get pod kfp-api-0 -n kubeflow -o json")["metadata"]["uid"]
    sb.ok("juju refresh kfp-api --channel 2.15/edge")
    first = sb.status()["applications"]["kfp-api"]["units"]["kfp-api/0"]
    assert first["juju-status"]["current"] == "executing"
    assert first["workload-status"]["current"] == "maintenance"
    assert "(upgrade-charm)" in sb.ok("juju status kfp-api")
    pod = sb.json("kubectl get pod kfp-api-0 -n kubeflow -o json")
    assert pod["metadata"]["uid"] != before and pod["status"]["phase"] == "Pending"
    assert "ContainerCreating" in sb.ok("kubectl get pod kfp-api-0 -n kubeflow")
    manual.advance(REFRESH_SETTLE)
    after = sb.status()["applications"]["kfp-api"]
    assert after["application-status"]["current"] == "active"
    assert after["units"]["kfp-api/0"]["juju-status"]["current"] == "idle"
    assert sb.json("kubectl get pod kfp-api-0 -n kubeflow -o json")["status"]["phase"] == "Running"


REFRESH_SETTLE = 10 * SPEED + 0.2


def test_a_half_done_relation_waits_then_blocks(make_sandbox, manual):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    sb.ok("juju deploy istio-beacon-k8s --trust --channel 2/edge")
    sb.ok("juju refresh pvcviewer-operator --channel 1.11/edge")
    manual.advance(REFRESH_SETTLE + 0.5)
    sb.ok("juju integrate pvcviewer-operator:service-mesh istio-beacon-k8s:service-mesh")
    unit = sb.status()["applications"]["pvcviewer-operator"]["units"]["pvcviewer-operator/0"]
    assert unit["juju-status"]["current"] == "executing"
    assert unit["juju-status"]["message"] == "running service-mesh-relation-changed hook"
    manual.advance(3 * SPEED + 0.2)
    app = sb.status()["applications"]["pvcviewer-operator"]
    assert app["application-status"] == {
        **app["application-status"],
        "current": "blocked",
        "message": "Service mesh relation present without gateway metadata relation",
    }


def test_removal_is_lazy_too(make_sandbox, manual):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju remove-application --no-prompt istio-pilot")
    app = sb.status()["applications"]["istio-pilot"]
    assert app["life"] == "dying"
    assert "Terminating" in sb.ok("kubectl get pods -n kubeflow -l app=istiod")
    manual.advance(6 * SPEED + 3 * SPEED + 0.2)
    status = sb.status()["applications"]
    assert "istio-pilot" not in status
    assert status["tensorboard-controller"]["application-status"]["current"] == "waiting"
    assert (
        status["tensorboard-controller"]["application-status"]["message"]
        == "Waiting for gateway info relation"
    )


def test_speed_zero_is_instant(make_sandbox):
    sb = make_sandbox(speed=0)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    unit = sb.status()["applications"]["istio-k8s"]["units"]["istio-k8s/0"]
    assert (unit["workload-status"]["current"], unit["juju-status"]["current"]) == ("active", "idle")


def test_the_clock_moves_only_when_told(make_sandbox, manual):
    """Under the manual clock a deploy stays mid-way however long the machine takes, and a
    `kubectl wait` moves the clock on instead of sleeping."""
    import time

    sb = make_sandbox(speed=SPEED)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    time.sleep(1.2)  # real time: longer than the scaled deploy
    unit = next(iter(sb.status()["applications"]["istio-k8s"]["units"].values()))
    assert unit["juju-status"]["current"] == "allocating"
    before = manual.now()
    sb.ok("kubectl wait --for=condition=Ready pod/istio-k8s-0 -n kubeflow --timeout=60s")
    assert before < manual.now() < before + 60
