"""`juju status`, `juju config` and `juju version` as Juju 3.6 prints them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steps.cluster import StateBuilder, StateParseError
from steps.cluster.juju_parse import parse_config, parse_status, parse_version
from steps.cluster.state import Relation, Status

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cluster"
STATUS_JSON = FIXTURES / "ckf-1.11-microk8s" / "juju-status.json"
STATUS_YAML = FIXTURES / "formats" / "juju-status-ckf-1.11.yaml"


def read(path: Path):
    builder = StateBuilder()
    assert builder.add_text(path.read_text(), path.name) == "juju status"
    return builder.build("test")


@pytest.fixture(params=[STATUS_JSON, STATUS_YAML], ids=["json", "yaml"])
def status_state(request):
    return read(request.param)


def test_model(status_state):
    model = status_state.model
    assert (model.name, model.type, model.controller, model.cloud, model.version, model.status) == (
        "kubeflow",
        "caas",
        "uk8s",
        "microk8s",
        "3.6.8",
        "available",
    )


def test_applications(status_state):
    apps = status_state.apps
    assert len(apps) == 37
    pilot = apps["istio-pilot"]
    assert (pilot.charm, pilot.channel, pilot.revision, pilot.scale) == (
        "istio-pilot",
        "1.28/stable",
        1480,
        1,
    )
    assert apps["istio-ingressgateway"].charm == "istio-gateway"  # charm-name, not the app name
    assert apps["katib-db"].charm == "mysql-k8s" and apps["katib-db"].status == Status(
        "active", "Primary", "12 May 2026 09:10:09Z"
    )
    assert apps["minio"].version == "res:oci-image@1755999"


def test_juju3_relation_dicts(status_state):
    dashboard = status_state.apps["kubeflow-dashboard"]
    assert Relation("links", "jupyter-ui", "kubeflow_dashboard_links", "global") in dashboard.relations
    assert dashboard.related_to("kubeflow-profiles", "kubeflow-profiles")
    assert status_state.apps["kfp-db"].related_to("kfp-db", "database-peers")  # a peer relation names itself
    assert status_state.apps["admission-webhook"].relations == ()


def test_units(status_state):
    units = status_state.apps["kfp-api"].units
    assert [u.name for u in units] == ["kfp-api/0", "kfp-api/1"]
    first, second = units
    assert first.leader and first.address == "10.1.81.112" and first.agent.current == "idle"
    assert not second.leader
    assert second.workload == Status("maintenance", "installing charm software", "12 May 2026 09:11:10Z")
    assert second.agent.current == "executing" and second.agent.message == "running install hook"


def test_status_errors_are_kept_and_reported(status_state):
    viewer = status_state.apps["kfp-viewer"]
    assert viewer.status.current == "unknown" and "not found" in viewer.status.message and viewer.units == ()
    agent = status_state.apps["kfp-viz"].units[0].agent
    assert agent.current == "unknown" and agent.message.startswith("status error: cannot get agent status")
    assert status_state.apps["kfp-viz"].units[0].workload.current == "active"
    assert len(status_state.errors) == 2
    assert any("applications.kfp-viewer: status error" in e for e in status_state.errors)
    assert any(
        "applications.kfp-viz.units.kfp-viz/0.juju-status: status error" in e for e in status_state.errors
    )


def test_json_and_yaml_give_the_same_state():
    a, b = read(STATUS_JSON), read(STATUS_YAML)
    assert a.apps == b.apps and a.model == b.model


def test_empty_model():
    doc = {"model": {"name": "kubeflow", "type": "caas"}, "machines": {}, "applications": {}}
    parsed = parse_status(doc, "x")
    assert parsed.apps == {} and parsed.model.name == "kubeflow"


def test_whole_unit_status_error_and_subordinates():
    doc = {
        "model": {"name": "m"},
        "applications": {
            "app": {
                "charm": "app",
                "charm-name": "app",
                "charm-rev": 3,
                "application-status": {"current": "active"},
                "units": {
                    "app/1": {"status-error": "unit gone"},
                    "app/0": {
                        "workload-status": {"current": "active"},
                        "juju-status": {"current": "idle"},
                        "leader": True,
                        "subordinates": {
                            "sub/0": {
                                "workload-status": {"current": "active"},
                                "juju-status": {"current": "idle"},
                            }
                        },
                    },
                },
            },
            "sub": {"charm": "sub", "subordinate-to": ["app"], "application-status": {"current": "active"}},
        },
    }
    parsed = parse_status(doc, "x")
    assert [u.name for u in parsed.apps["app"].units] == ["app/0", "app/1"]
    assert parsed.apps["app"].units[1].workload.message == "status error: unit gone"
    assert [u.name for u in parsed.apps["sub"].units] == ["sub/0"]


def test_juju_2_9_relation_lists_still_read():
    doc = {"model": {"name": "m"}, "applications": {"a": {"charm": "a", "relations": {"db": ["mysql"]}}}}
    assert parse_status(doc, "x").apps["a"].relations == (Relation("db", "mysql"),)


@pytest.mark.parametrize(
    ("doc", "path", "what"),
    [
        ({"model": {"name": "m"}, "applications": []}, "applications", "expected a mapping, got a list"),
        ({"model": {}, "applications": {}}, "model.name", "the model has no name"),
        (
            {"model": {"name": "m"}, "applications": {"a": {"charm-rev": "x"}}},
            "applications.a.charm-rev",
            "expected a number",
        ),
        (
            {"model": {"name": "m"}, "applications": {"a": {"relations": {"db": [{"interface": "x"}]}}}},
            "applications.a.relations.db[0]",
            "related-application is missing",
        ),
        (
            {
                "model": {"name": "m"},
                "applications": {"a": {"units": {"a/0": {"workload-status": "active"}}}},
            },
            "applications.a.units.a/0.workload-status",
            "expected a mapping, got a string",
        ),
    ],
)
def test_malformed_status_names_file_path_and_problem(doc, path, what):
    with pytest.raises(StateParseError) as caught:
        parse_status(doc, "status.json")
    assert caught.value.path == path and what in str(caught.value)
    assert str(caught.value).startswith(f"status.json: {path}: ")


def test_juju_config():
    text = (FIXTURES / "ckf-1.11-microk8s" / "juju-config-kserve-controller.json").read_text()
    app, values = parse_config(json.loads(text), "x")
    assert app == "kserve-controller"
    assert values == {"deployment-mode": "serverless", "custom_images": "{}"}  # http-proxy has no value


def test_juju_config_malformed():
    with pytest.raises(StateParseError, match="settings.port: expected a mapping"):
        parse_config({"application": "a", "settings": {"port": 8080}}, "x")


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("3.6.8-genericlinux-amd64\n", "3.6.8"),
        ("3.6.0", "3.6.0"),
        ("4.0-beta5-ubuntu-amd64", "4.0-beta5"),
        ("hello", ""),
    ],
)
def test_juju_version(text, version):
    assert parse_version(text) == version
