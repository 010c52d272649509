"""Settle evaluation: one state at a time; the engine times how long it stays settled."""

from __future__ import annotations

from steps.checks import evaluate_settle
from tests.checks.ckf_states import app, migrated_model, unit, with_apps


def test_active_idle_apps_are_settled():
    report = evaluate_settle(migrated_model(), ["kfp-api", "istio-k8s"])
    assert report.settled and report.lines == ()


def test_blocked_unit_line_shows_status_agent_and_message():
    blocked = app(
        "pvcviewer-operator",
        "1.11/edge",
        "blocked",
        "Service mesh relation present without gateway metadata relation",
    )
    report = evaluate_settle(with_apps(migrated_model(), blocked), ["pvcviewer-operator", "kfp-api"])
    assert not report.settled
    assert report.lines == (
        "pvcviewer-operator/0  blocked  idle  Service mesh relation present without gateway metadata relation",  # noqa: E501
    )


def test_busy_agents_and_installing_agent_are_not_settled():
    st = with_apps(
        migrated_model(),
        app(
            "kfp-api",
            units=[unit("kfp-api/0", agent="executing", agent_message="running config-changed hook")],
        ),
        app("kfp-ui", units=[unit("kfp-ui/0", agent="allocating")]),
        app("minio", units=[unit("minio/0", "waiting", "idle", message="installing agent")]),
        app("mlmd", units=[unit("mlmd/0", "active", "idle", message="installing agent")]),
    )
    report = evaluate_settle(st, ["kfp-api", "kfp-ui", "minio", "mlmd"])
    assert not report.settled
    assert [line.split()[0] for line in report.lines] == ["kfp-api/0", "kfp-ui/0", "minio/0", "mlmd/0"]
    assert report.lines[0].split()[1:3] == ["active", "executing"]
    assert report.lines[0].endswith("running config-changed hook")


def test_missing_app_and_app_without_units():
    st = with_apps(migrated_model(), app("istio-ingress-k8s", "2/edge", units=[]))
    report = evaluate_settle(st, ["istio-ingress-k8s", "not-there"])
    assert not report.settled
    assert report.lines[0].split() == ["istio-ingress-k8s", "active", "-", "no", "units", "yet"]
    assert "not deployed" in report.lines[1]


def test_scaling_up_is_not_settled():
    st = with_apps(migrated_model(), app("kfp-api", scale=2))
    report = evaluate_settle(st, ["kfp-api"])
    assert not report.settled and report.lines[0].endswith("1 of 2 units")


def test_app_status_not_active_with_settled_units():
    st = with_apps(
        migrated_model(),
        app("minio", status="waiting", message="waiting for storage", units=[unit("minio/0")]),
    )
    report = evaluate_settle(st, ["minio"])
    assert not report.settled and report.lines[0].endswith("waiting for storage")


def test_columns_line_up():
    st = with_apps(
        migrated_model(),
        app("a", units=[unit("a/0", "blocked", message="x")]),
        app("long-application-name", units=[unit("long-application-name/0", "waiting", message="y")]),
    )
    lines = evaluate_settle(st, ["a", "long-application-name"]).lines
    assert lines[0].index("blocked") == lines[1].index("waiting")
