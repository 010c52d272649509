"""`cairn analyze` and its sources: saved files, the live API (a loopback stand-in), the sandbox,
and `cairn dump` followed by `--from-files`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from steps.errors import BadInput
from steps.istio import sources
from steps.istio.analyze import analyze
from steps.istio.state import IstioState
from tests.cluster.loopback_api import LoopbackAPI, kubeconfig
from tui.cli import main

from .objects import ambient_ready, app, authz, bookinfo, istio, namespace


def write_list(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}))
    return path


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "dump"
    d.mkdir()
    objs = bookinfo()
    write_list(
        d / "core.json",
        [o for o in objs if "istio.io" not in o["apiVersion"] and "gateway." not in o["apiVersion"]],
    )
    (d / "istio.yaml").write_text(yaml.safe_dump_all([o for o in objs if "istio.io" in o["apiVersion"]]))
    write_list(d / "gateway-api.json", [o for o in objs if "gateway.networking.k8s.io/" in o["apiVersion"]])
    (d / "COMMANDS").write_text("# cairn dump: the commands\n")
    (d / "juju-version.txt").write_text("3.6.1-ubuntu-amd64\n")
    return d


def test_files_mixed_formats_give_the_same_analysis_as_the_objects(files):
    from_files = analyze(sources.read_files(files)).to_json()
    assert from_files == analyze(IstioState.from_objects(bookinfo())).to_json()


def test_a_broken_file_is_noted_and_skipped(files):
    (files / "broken.json").write_text('{"kind": ')
    state = sources.read_files(files)
    assert any(n.startswith("broken.json") and "skipped" in n for n in state.notes)


def test_files_with_nothing_usable_or_no_directory_are_bad_input(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "status.txt").write_text("hello\n")
    with pytest.raises(BadInput, match="no Kubernetes objects"):
        sources.read_files(tmp_path / "empty")
    with pytest.raises(BadInput, match="not a directory"):
        sources.read_files(tmp_path / "missing")


def test_cli_json_exit_0_without_blocker(files, capsys):
    assert main(["analyze", "--from-files", str(files), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == analyze(IstioState.from_objects(bookinfo())).to_json()


def test_cli_exit_1_with_a_blocker_and_the_text_report(tmp_path, capsys):
    objs = [*ambient_ready(), namespace("shop"), *app("shop", "web")]
    objs.append(istio("PeerAuthentication", "shop", "plain", {"mtls": {"mode": "DISABLE"}}))
    write_list(tmp_path / "all.json", objs)
    assert main(["analyze", "--from-files", str(tmp_path), "--ascii"]) == 1
    out = capsys.readouterr().out
    assert "* Starting phase pre-reqs..." in out
    assert "[FAIL] Phase pre-reqs failed!" in out
    assert "  [FAIL] PEERAUTH_DISABLE PeerAuthentication/shop/plain: mTLS mode DISABLE" in out
    assert "      fix: kubectl patch peerauthentication -n shop plain" in out
    assert "[ok] Phase cluster-setup succeeded!" in out
    assert out.rstrip().endswith("blocked: fix the blockers, then analyse again.")


def test_cli_unicode_report_groups_findings_by_phase(files, capsys, monkeypatch):
    monkeypatch.setattr("steps.checks.report.wants_ascii", lambda stream=None: False)
    assert main(["analyze", "--from-files", str(files)]) == 0
    out = capsys.readouterr().out
    phases = [line for line in out.splitlines() if line.startswith("• Starting phase")]
    assert phases == [
        f"• Starting phase {p}..."
        for p in (
            "pre-reqs",
            "cluster-setup",
            "deploy-waypoints",
            "migrate-policies",
            "use-waypoints",
            "remove-sidecars",
            "policy-simplification",
        )
    ]
    assert "🔮 WAYPOINT_L7_AUTHZ AuthorizationPolicy/backend/details-authz" in out
    assert "ℹ namespace order (callers first): frontend, backend" in out
    assert (
        "🔮 Apply AuthorizationPolicy/backend/details-v1-details-authz: copied from policy backend/details-authz "
        "to the waypoint" in out
    )
    assert (
        "🔮 Apply AuthorizationPolicy/backend/details-from-waypoint: Service/backend/details must allow its waypoint"
        in out
    )


def test_cli_output_dir_writes_the_two_yaml_files_and_the_json(files, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["analyze", "--from-files", str(files), "--output-dir", str(out_dir)]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "analysis.json",
        "recommended-policies.yaml",
        "recommended-waypoints.yaml",
    ]
    document = json.loads((out_dir / "analysis.json").read_text())
    assert (
        list(yaml.safe_load_all((out_dir / "recommended-waypoints.yaml").read_text()))
        == document["waypoints"]
    )
    assert (
        list(yaml.safe_load_all((out_dir / "recommended-policies.yaml").read_text())) == document["policies"]
    )
    assert (
        f"Generated waypoints written to {out_dir / 'recommended-waypoints.yaml'}" in capsys.readouterr().out
    )


def test_cli_namespaces_limit_the_migration(files, capsys):
    assert main(["analyze", "--from-files", str(files), "--format", "json", "--namespaces", "frontend"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["order"] == ["frontend"] and document["waypoints"] == []


@pytest.mark.parametrize(
    "args",
    [
        ["--from-files", "/nonexistent/dir"],
        ["--namespaces", ","],
        ["--sandbox", "no-such-scenario"],
        ["--live", "--from-files", "x"],
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, files, capsys):
    if args[0] == "--namespaces":
        args = ["--from-files", str(files), *args]
    try:
        code = main(["analyze", *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("cairn: ") and len(err.strip().splitlines()) == 1


# -- live ------------------------------------------------------------------------------------


def _crd(plural: str, group: str, version: str) -> dict[str, Any]:
    return {
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"plural": plural},
            "versions": [{"name": version, "served": True, "storage": True}],
        },
    }


def _api_routes() -> dict[str, object]:
    """The API's answers for bookinfo: `<Kind>List`s whose items carry no kind."""
    core = {"Namespace": "namespaces", "Pod": "pods", "Service": "services", "ConfigMap": "configmaps"}
    lists: dict[str, dict[str, Any]] = {}
    for kind, plural in (
        *core.items(),
        ("Deployment", "apps/deployments"),
        ("StatefulSet", "apps/statefulsets"),
        ("DaemonSet", "apps/daemonsets"),
    ):
        path = f"/api/v1/{plural}" if "/" not in plural else f"/apis/apps/v1/{plural.split('/')[1]}"
        lists[path] = {
            "apiVersion": "v1" if kind in core else "apps/v1",
            "kind": f"{kind}List",
            "metadata": {},
            "items": [],
        }
    crds = []
    for o in bookinfo():
        item = {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}
        if o["kind"] in core:
            lists[f"/api/v1/{core[o['kind']]}"]["items"].append(item)
        elif o["apiVersion"] == "apps/v1":
            lists[f"/apis/apps/v1/{o['kind'].lower()}s"]["items"].append(item)
        elif o["kind"] == "CustomResourceDefinition":
            plural, group = o["metadata"]["name"].split(".", 1)
            crds.append(_crd(plural, group, "v1"))
        else:
            plural = {"AuthorizationPolicy": "authorizationpolicies"}.get(o["kind"], f"{o['kind'].lower()}s")
            path = f"/apis/{o['apiVersion']}/{plural}"
            lists.setdefault(
                path, {"apiVersion": o["apiVersion"], "kind": f"{o['kind']}List", "metadata": {}, "items": []}
            )
            lists[path]["items"].append(item)
    crds.append(_crd("authorizationpolicies", "security.istio.io", "v1"))
    lists["/apis/apiextensions.k8s.io/v1/customresourcedefinitions"] = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinitionList",
        "metadata": {},
        "items": crds,
    }
    lists["/api/v1/secrets"] = {
        "kind": "SecretList",
        "apiVersion": "v1",
        "metadata": {},
        "items": [
            {
                "metadata": {
                    "name": "remote",
                    "namespace": "istio-system",
                    "labels": {"istio/multiCluster": "true"},
                },
                "data": {"k": "S3CR3T"},
            }
        ],
    }
    return dict(lists)


def test_live_reads_the_same_objects_through_the_api(tmp_path):
    with LoopbackAPI(_api_routes()) as api:
        state = sources.read_live(kubeconfig=str(kubeconfig(tmp_path / "kubeconfig", api.url)))
        asked = {(path, tuple(q.get("labelSelector", []))) for path, q, _ in api.requests}
    assert ("/api/v1/secrets", ("istio/multiCluster=true",)) in asked
    assert "S3CR3T" not in repr(state.objects)
    live = analyze(state).to_json()
    expected = analyze(IstioState.from_objects(bookinfo())).to_json()
    multicluster = [f for f in live["findings"] if f["code"] == "MULTICLUSTER"]
    assert [f["subject"] for f in multicluster] == ["Secret/istio-system/remote"]
    live["findings"] = [f for f in live["findings"] if f["code"] != "MULTICLUSTER"]
    assert live == expected


def test_live_unreachable_is_bad_input(tmp_path):
    config = kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9")
    with pytest.raises(BadInput, match="cannot reach"):
        sources.read_live(kubeconfig=str(config), timeout=2)


# -- sandbox ---------------------------------------------------------------------------------


def test_sandbox_bookinfo_is_blocked_until_ambient_is_installed(capsys):
    assert main(["analyze", "--sandbox", "istio-bookinfo", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    blockers = {f["code"] for f in document["findings"] if f["severity"] == "blocker"}
    assert blockers <= {
        "AMBIENT_NOT_ENABLED",
        "ZTUNNEL_MISSING",
        "ISTIO_CNI_MISSING",
        "GATEWAY_API_CRDS_MISSING",
        "SIDECAR_NO_HBONE",
    }
    assert "ZTUNNEL_MISSING" in blockers
    assert [w["metadata"]["namespace"] for w in document["waypoints"]] == ["backend"]
    assert document["order"] == ["frontend", "backend"]


def test_dump_then_from_files_equals_sandbox(tmp_path, capsys):
    dump_dir = tmp_path / "dump"
    assert main(["dump", str(dump_dir), "--sandbox", "istio-bookinfo"]) == 0
    names = {p.name for p in dump_dir.iterdir()}
    assert any("gateways.networking.istio.io" in n for n in names)
    assert any("httproutes.gateway.networking.k8s.io" in n for n in names)
    capsys.readouterr()
    assert main(["analyze", "--from-files", str(dump_dir), "--format", "json"]) == 1
    from_files = json.loads(capsys.readouterr().out)
    assert main(["analyze", "--sandbox", "istio-bookinfo", "--format", "json"]) == 1
    assert from_files == json.loads(capsys.readouterr().out)


def test_an_l7_policy_without_a_service_cannot_be_copied():
    objs = [*ambient_ready(), namespace("shop"), *app("shop", "web")[:2]]
    objs.append(
        authz("shop", "get", selector={"app": "web"}, rules=[{"to": [{"operation": {"methods": ["GET"]}}]}])
    )
    analysis = analyze(IstioState.from_objects(objs))
    (f,) = [f for f in analysis.findings if f.code == "WAYPOINT_L7_AUTHZ"]
    assert "no Service selects its pods" in f.message and f.command is None
    assert analysis.waypoints == [] and analysis.policies == []
