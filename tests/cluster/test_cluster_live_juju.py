"""The live Juju read through python-libjuju, mocked at the methods Cairn calls."""

from __future__ import annotations

import json

import pytest
from juju.client.client import FullStatus
from juju.errors import JujuConnectionError
from juju.model import Model

from steps.cluster.sources.live import read_live
from steps.cluster.sources.live_juju import read_juju, status_document
from steps.cluster.state import Relation, Status
from tests.cluster.loopback_api import LoopbackAPI, api_lists, kubeconfig


def detailed(status, info="", since="2026-05-12T09:10:00Z", version=""):
    return {
        "status": status,
        "info": info,
        "since": since,
        "version": version,
        "kind": "",
        "life": "",
        "data": {},
        "err": None,
    }


def api_unit(address, workload="active", agent="idle", leader=True, info=""):
    return {
        "agent-status": detailed(agent, version="3.6.8"),
        "workload-status": detailed(workload, info),
        "workload-version": "",
        "machine": "",
        "opened-ports": [],
        "public-address": "",
        "charm": "",
        "subordinates": {},
        "leader": leader,
        "address": address,
        "provider-id": address,
    }


def api_app(charm_url, channel, rev, relations, units, status="active", info=""):
    return {
        "charm": charm_url,
        "charm-channel": channel,
        "charm-rev": rev,
        "charm-version": "",
        "charm-profile": "",
        "base": {"name": "ubuntu", "channel": "22.04"},
        "exposed": False,
        "life": "",
        "relations": relations,
        "can-upgrade-to": "",
        "subordinate-to": [],
        "units": units,
        "meter-statuses": {},
        "status": detailed(status, info),
        "workload-version": "",
        "endpoint-bindings": {"": "alpha"},
        "public-address": "10.152.183.9",
        "int": len(units),
        "provider-id": "0d8c3f5e",
        "exposed-endpoints": {},
        "err": None,
    }


def relation(rid, interface, *endpoints):
    return {
        "id": rid,
        "key": " ".join(f"{a}:{e}" for a, e, _ in endpoints),
        "interface": interface,
        "scope": "global",
        "endpoints": [
            {"application": a, "name": e, "role": r, "subordinate": False} for a, e, r in endpoints
        ],
        "status": detailed("joined"),
    }


FULL_STATUS = {
    "model": {
        "name": "kubeflow",
        "type": "caas",
        "cloud-tag": "cloud-microk8s",
        "region": "localhost",
        "version": "3.6.8",
        "available-version": "",
        "model-status": detailed("available"),
        "sla": "unsupported",
        "meter-status": {"color": "", "message": ""},
    },
    "machines": {},
    "applications": {
        "istio-pilot": api_app(
            "ch:amd64/istio-pilot-1480",
            "1.28/stable",
            1480,
            {"ingress": ["dex-auth"], "peers": ["istio-pilot"]},
            {"istio-pilot/0": api_unit("10.1.81.5")},
        ),
        "dex-auth": api_app(
            "ch:amd64/dex-auth-614",
            "2.41/stable",
            614,
            {"ingress": ["istio-pilot"]},
            {
                "dex-auth/0": api_unit("10.1.81.6"),
                "dex-auth/1": api_unit("10.1.81.7", "maintenance", "executing", False, "installing"),
            },
        ),
        "kfp-viewer": {
            **api_app("ch:amd64/kfp-viewer-1996", "2.15/stable", 1996, {}, {}),
            "err": {"message": 'application "kfp-viewer" not found', "code": "not found"},
        },
    },
    "remote-applications": {},
    "offers": {},
    "branches": {},
    "storage": [],
    "filesystems": [],
    "volumes": [],
    "controller-timestamp": "2026-05-12T09:31:02Z",
    "relations": [
        relation(1, "ingress", ("dex-auth", "ingress", "requirer"), ("istio-pilot", "ingress", "provider")),
        relation(2, "istio_pilot_peers", ("istio-pilot", "peers", "peer")),
    ],
}
CONFIGS = {
    "istio-pilot": {
        "default-gateway": {
            "default": "istio-gateway",
            "description": "…",
            "source": "user",
            "type": "string",
            "value": "kubeflow-gateway",
        }
    },
    "dex-auth": {
        "port": {"default": 5556, "description": "…", "source": "default", "type": "int", "value": 5556}
    },
}


class FakeApplication:
    def __init__(self, name):
        self.name = name

    async def get_config(self):
        if self.name not in CONFIGS:
            raise RuntimeError("permission denied")
        return CONFIGS[self.name]


@pytest.fixture
def libjuju(monkeypatch):
    """Model.connect / get_status / disconnect / applications replaced; records what was called."""
    calls = []

    async def connect(self, *args, **kwargs):
        calls.append(("connect", args, kwargs))

    async def get_status(self, filters=None, utc=False):
        calls.append(("get_status",))
        return FullStatus.from_json(json.loads(json.dumps(FULL_STATUS)))

    async def disconnect(self):
        calls.append(("disconnect",))

    monkeypatch.setattr(Model, "connect", connect)
    monkeypatch.setattr(Model, "get_status", get_status)
    monkeypatch.setattr(Model, "disconnect", disconnect)
    monkeypatch.setattr(
        Model,
        "applications",
        property(lambda self: {n: FakeApplication(n) for n in FULL_STATUS["applications"]}),
    )
    return calls


def test_fullstatus_becomes_the_cli_document():
    doc = status_document(FullStatus.from_json(json.loads(json.dumps(FULL_STATUS))), "uk8s")
    assert doc["model"]["cloud"] == "microk8s" and doc["model"]["controller"] == "uk8s"
    pilot = doc["applications"]["istio-pilot"]
    assert (
        pilot["charm"],
        pilot["charm-name"],
        pilot["charm-rev"],
        pilot["charm-channel"],
        pilot["scale"],
    ) == ("istio-pilot", "istio-pilot", 1480, "1.28/stable", 1)
    assert pilot["relations"] == {
        "ingress": [{"related-application": "dex-auth", "interface": "ingress", "scope": "global"}],
        "peers": [
            {"related-application": "istio-pilot", "interface": "istio_pilot_peers", "scope": "global"}
        ],
    }
    assert doc["applications"]["kfp-viewer"] == {"status-error": 'application "kfp-viewer" not found'}


async def test_read_connects_reads_and_disconnects(libjuju):
    read = await read_juju("kubeflow", timeout=5)
    assert [c[0] for c in libjuju] == ["connect", "get_status", "disconnect"]
    assert libjuju[0][1] == ("kubeflow",)
    apps = read.status.apps
    assert apps["dex-auth"].relations == (Relation("ingress", "istio-pilot", "ingress", "global"),)
    assert apps["dex-auth"].units[1].workload == Status("maintenance", "installing", "2026-05-12T09:10:00Z")
    assert apps["dex-auth"].units[1].agent.current == "executing"
    assert apps["kfp-viewer"].status.current == "unknown"
    assert read.configs == {
        "istio-pilot": {"default-gateway": "kubeflow-gateway"},
        "dex-auth": {"port": 5556},
    }
    assert any("status error" in e for e in read.errors)
    assert "juju: config of kfp-viewer not read: RuntimeError: permission denied" in read.errors


async def test_connection_failure_is_an_error_not_an_exception(monkeypatch, libjuju):
    async def refuse(self, *args, **kwargs):
        raise JujuConnectionError("controller uk8s not reachable")

    monkeypatch.setattr(Model, "connect", refuse)
    read = await read_juju("kubeflow", timeout=5)
    assert read.status is None
    assert read.errors == [
        "juju: cannot connect to model kubeflow: JujuConnectionError: controller uk8s not reachable"
    ]
    assert libjuju[-1] == ("disconnect",)


async def test_status_failure_still_disconnects(monkeypatch, libjuju):
    async def broken(self, filters=None, utc=False):
        raise OSError("connection reset")

    monkeypatch.setattr(Model, "get_status", broken)
    read = await read_juju("kubeflow", timeout=5)
    assert read.errors == ["juju: reading model kubeflow failed: OSError: connection reset"]
    assert libjuju[-1] == ("disconnect",)


def test_read_live_puts_both_sides_and_the_tools_together(libjuju, tmp_path):
    def tools(argv):
        if argv[0] == "juju":
            return 0, b"3.6.8-genericlinux-amd64\n", b""
        return 0, json.dumps({"clientVersion": {"gitVersion": "v1.32.3"}}).encode(), b""

    routes = {
        "/version": {"gitVersion": "v1.32.3"},
        **api_lists(),
        "/apis/networking.k8s.io/v1/networkpolicies": {
            "kind": "NetworkPolicyList",
            "apiVersion": "networking.k8s.io/v1",
            "items": [],
        },
    }
    with LoopbackAPI(routes) as server:
        state = read_live(
            "kubeflow",
            kubeconfig=str(kubeconfig(tmp_path / "config", server.url)),
            tool_runner=tools,
            timeout=10,
        )
    assert state.source == "live"
    assert state.tools == {"juju": "3.6.8", "kubectl": "v1.32.3"} and state.juju_version == "3.6.8"
    assert set(state.apps) == {"istio-pilot", "dex-auth", "kfp-viewer"}
    assert state.apps["istio-pilot"].config == {"default-gateway": "kubeflow-gateway"}
    assert len(state.pods) == 13 and state.kubernetes_version == "v1.32.3"


def test_read_live_without_tools_or_cluster(libjuju, tmp_path):
    def no_tools(argv):
        return 127, b"", f"{argv[0]}: command not found".encode()

    state = read_live("kubeflow", kubeconfig=str(tmp_path / "missing"), tool_runner=no_tools, timeout=5)
    assert state.tools == {} and state.apps  # juju through the library still worked
    assert any(e.startswith("kubernetes: cannot use kubeconfig") for e in state.errors)


def test_tool_versions_that_fail(libjuju, tmp_path):
    from steps.cluster.sources.tools import find_tools

    tools, errors = find_tools(lambda argv: (1, b"", b"ERROR no controller\n"))
    assert tools == {"juju": "", "kubectl": ""}
    assert errors[0] == "`juju version` exited 1: ERROR no controller"


def test_read_state_live_goes_through_the_same_reader(libjuju, monkeypatch, tmp_path):
    from steps.cluster import read_state
    from steps.cluster.sources import live

    monkeypatch.setattr(live, "subprocess_runner", lambda env, timeout: lambda argv: (127, b"", b"not found"))
    state = read_state("live", model="kubeflow", kubeconfig=str(tmp_path / "missing"))
    assert state.source == "live" and set(state.apps) == {"istio-pilot", "dex-auth", "kfp-viewer"}
