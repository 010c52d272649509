"""The cluster pane shows what matters for each runbook (issue 10.25)."""

from __future__ import annotations

import dataclasses

from steps.cluster.state import App, KubeObject, Relation, Status
from tui.app import CairnApp
from tui.look import Look
from tui.widgets.cluster_pane import ClusterPane, render_cluster

from . import fakes
from .conftest import wait_for
from .test_app_run import command_started


def with_ambient(state):
    """The saved model with istio-k8s related to the ingress (config only), ztunnel/istio-cni
    DaemonSets and a waypoint in admin, and an app on a long channel."""
    apps = dict(state.apps)
    apps["istio-k8s"] = App(
        name="istio-k8s",
        charm="istio-k8s",
        channel="2/edge",
        status=Status("active"),
        relations=(Relation("istio-ingress-config", "istio-ingress-k8s"),),
    )
    apps["katib-ui"] = dataclasses.replace(
        apps["katib-ui"],
        relations=(Relation("istio-ingress-route", "istio-ingress-k8s"),),
    )
    apps["kubeflow-volumes"] = dataclasses.replace(apps["kubeflow-volumes"], channel="ckf-1.10/stable")

    def daemonset(name: str, ready: int, desired: int) -> KubeObject:
        status = {"numberReady": ready, "desiredNumberScheduled": desired}
        return KubeObject(kind="DaemonSet", name=name, namespace="kubeflow", raw={"status": status})

    objects = dict(state.objects)
    objects["DaemonSet"] = (daemonset("ztunnel", 3, 3), daemonset("istio-cni-node", 2, 3))
    waypoint = KubeObject(
        kind="Gateway",
        name="waypoint",
        namespace="admin",
        raw={"spec": {"gatewayClassName": "istio-waypoint"}},
    )
    objects["Gateway"] = (*state.objects_of("Gateway"), waypoint)
    return dataclasses.replace(state, apps=apps, objects=objects)


def row_of(text: str, app: str) -> str:
    return next(line for line in text.splitlines() if f" {app} " in line)


def test_the_ambient_runbook_shows_ztunnel_cni_waypoints_and_sidecars_per_namespace():
    state = with_ambient(fakes.saved_state())
    text = render_cluster(
        state, Look(), platform="microk8s", width=64, user_namespaces=("admin", "alice", "bob")
    ).plain
    assert "Ambient: ztunnel 3/3 ready · istio-cni-node 2/3 ready" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if "namespace" in line and "waypoint" in line)
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1 : header + 5]}
    assert rows["admin"][-1] == "yes" and rows["alice"][-1] == "none" and rows["bob"] == ["0", "none"]
    assert row_of(text, "istio-k8s").lstrip().startswith("m-") or row_of(
        text, "istio-k8s"
    ).lstrip().startswith("--")
    assert "r" not in row_of(text, "istio-k8s").split()[0], "istio-k8s is not routed by the ingress"
    assert row_of(text, "katib-ui").split()[0].endswith("r")


def test_the_upgrade_runbook_has_no_platform_question_mark_and_no_mesh_legend():
    text = render_cluster(fakes.saved_state(), Look(), platform="", width=64, ambient=False).plain
    assert "Platform ?" not in text and "Platform" not in text
    assert "on the mesh" not in text and "Ambient:" not in text
    assert "Sidecars (pods with istio-proxy)" in text


def test_a_long_channel_is_whole_at_120_columns():
    state = with_ambient(fakes.saved_state())
    text = render_cluster(state, Look(), platform="microk8s", width=64).plain  # the pane at 120x40
    assert "ckf-1.10/stable" in row_of(text, "kubeflow-volumes")


async def test_the_columns_follow_a_resize(launched_factory):
    launched = launched_factory({"delay": "30"}, yes=True)
    app = CairnApp(launched=launched, cluster_interval=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(
            pilot, lambda: command_started(launched, "remove-istio-pilot"), what="a running command"
        )
        pane = app.screen.query_one(ClusterPane)
        await wait_for(pilot, lambda: pane.reads >= 1, what="a cluster read")
        body = pane.query_one("#cluster-body")

        def widest_row() -> int:  # an active app's row: no message, only its padded columns
            return len(row_of(str(body.render()), "dex-auth"))

        narrow = widest_row()
        await pilot.resize_terminal(200, 40)
        await pilot.pause(0.3)
        assert widest_row() > narrow, "the columns kept their 80-column widths"
