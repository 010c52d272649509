"""Issue 11.7: sidecar restarts are gated on the namespace's relabelling, restart only workloads
that still carry a sidecar (never the waypoint), and are followed by a check that none is left."""

from __future__ import annotations

from pathlib import Path

from steps.checks import run_check
from steps.runbook import params, plan, registry
from steps.runbook.generators import GenContext, get

from .ckf_states import PARAMS, pod, state

AMBIENT = {"istio-injection": "disabled", "istio.io/dataplane-mode": "ambient"}


def test_the_gate_waits_for_both_ambient_labels():
    before = state(namespaces={"admin": {"istio-injection": "enabled"}})
    result = run_check("namespace-relabelled", before, PARAMS, namespace="admin")
    assert result.failed and "istio-injection=enabled" in result.message and "(unset)" in result.message
    after = state(namespaces={"admin": AMBIENT})
    assert run_check("namespace-relabelled", after, PARAMS, namespace="admin").passed


def test_only_workloads_with_sidecars_are_restarted_never_the_waypoint():
    st = state(
        pods=[
            pod(
                "admin", "waypoint-5d9f-x", app_container=None, sidecar=True, owner=("Deployment", "waypoint")
            ),
            pod("admin", "my-notebook-0", sidecar=True, owner=("StatefulSet", "my-notebook")),
            pod("admin", "clean-7c-abc", owner=("Deployment", "clean")),
            pod("admin", "job-pod", sidecar=True, owner=("Job", "nightly")),
            pod("alice", "other-0", sidecar=True, owner=("StatefulSet", "other")),
        ],
        namespaces={"admin": AMBIENT, "alice": AMBIENT},
    )
    made = get("restart-sidecar-workloads")(
        GenContext(state=st, params=PARAMS, captured={}, args={"namespace": "admin"}, session_dir=Path("."))
    )
    assert list(made.commands) == [
        ("kubectl", "-n", "admin", "rollout", "restart", "statefulset/my-notebook"),
        ("kubectl", "-n", "admin", "delete", "pod", "job-pod"),
    ]


def test_the_plan_gates_every_restart_and_checks_after():
    rb = registry.find("ckf-1.11-ambient")
    p = plan.resolve(rb, params.resolve(rb, {"user_namespaces": "admin,alice"}))
    order = [s.id for s in p.steps()]
    for ns in ("admin", "alice"):
        gate = order.index(f"wait-namespace-relabelled.{ns}")
        assert (
            gate
            < order.index(f"delete-ml-pipeline-pods.{ns}")
            < order.index(f"restart-sidecar-workloads.{ns}")
        )
        restart = p.step(f"restart-sidecar-workloads.{ns}")
        assert restart.generate == "restart-sidecar-workloads" and not restart.commands
        assert [r.name for r in restart.wait_for] == ["no-sidecar-pods"]
        assert [r.name for r in p.step(f"delete-ml-pipeline-pods.{ns}").wait_for] == ["no-sidecar-pods"] * 2
