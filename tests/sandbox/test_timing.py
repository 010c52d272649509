"""Settling with speed > 0: units pass through allocating/executing and maintenance/waiting first."""

from __future__ import annotations

import time

SPEED = 0.05  # a 20 s deploy settles in 1 s


def watch(sb, app: str, seconds: float) -> list[tuple[str, str, str]]:
    seen = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        unit = next(iter(sb.status()["applications"][app]["units"].values()))
        entry = (
            unit["workload-status"]["current"],
            unit["workload-status"].get("message", ""),
            unit["juju-status"]["current"],
        )
        if not seen or seen[-1] != entry:
            seen.append(entry)
        time.sleep(0.02)
    return seen


def test_a_deploy_settles_after_the_scaled_delay(make_sandbox):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    seen = watch(sb, "istio-k8s", 1.6)
    assert seen[0] == ("waiting", "installing agent", "allocating")
    assert ("maintenance", "Deploying Istio control plane", "executing") in seen
    assert seen[-1] == ("active", "", "idle")
    kinds = [s[0] for s in seen]
    assert kinds.index("active") > kinds.index("maintenance")


def test_a_refresh_restarts_the_pod_and_settles(make_sandbox):
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
    time.sleep(REFRESH_SETTLE)
    after = sb.status()["applications"]["kfp-api"]
    assert after["application-status"]["current"] == "active"
    assert after["units"]["kfp-api/0"]["juju-status"]["current"] == "idle"
    assert sb.json("kubectl get pod kfp-api-0 -n kubeflow -o json")["status"]["phase"] == "Running"


REFRESH_SETTLE = 10 * SPEED + 0.2


def test_a_half_done_relation_waits_then_blocks(make_sandbox):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    sb.ok("juju deploy istio-beacon-k8s --trust --channel 2/edge")
    sb.ok("juju refresh pvcviewer-operator --channel 1.11/edge")
    time.sleep(REFRESH_SETTLE + 0.5)
    sb.ok("juju integrate pvcviewer-operator:service-mesh istio-beacon-k8s:service-mesh")
    unit = sb.status()["applications"]["pvcviewer-operator"]["units"]["pvcviewer-operator/0"]
    assert unit["juju-status"]["current"] == "executing"
    assert unit["juju-status"]["message"] == "running service-mesh-relation-changed hook"
    time.sleep(3 * SPEED + 0.2)
    app = sb.status()["applications"]["pvcviewer-operator"]
    assert app["application-status"] == {
        **app["application-status"],
        "current": "blocked",
        "message": "Service mesh relation present without gateway metadata relation",
    }


def test_removal_is_lazy_too(make_sandbox):
    sb = make_sandbox(speed=SPEED)
    sb.ok("juju remove-application --no-prompt istio-pilot")
    app = sb.status()["applications"]["istio-pilot"]
    assert app["life"] == "dying"
    assert "Terminating" in sb.ok("kubectl get pods -n kubeflow -l app=istiod")
    time.sleep(6 * SPEED + 3 * SPEED + 0.2)
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
