"""`dump` runs the reads as processes (argv lists) and saves them; the files source reads them back."""

from __future__ import annotations

import json
import os

from steps.cluster import read_files
from steps.cluster.sources.commands import read_commands
from steps.cluster.sources.dump import COMMANDS_FILE, dump
from steps.istio.sources import read_commands as istio_read_commands
from tests.cluster.fake_tools import write_bin


def env_with(bin_dir, *, only=False):
    path = str(bin_dir) if only else f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, "PATH": path}


def test_dump_runs_every_read_and_records_it(tmp_path):
    log = tmp_path / "argv.log"
    bin_dir = write_bin(tmp_path / "bin", log=log)
    out = tmp_path / "dump"
    ran = dump(out, env_with(bin_dir), "kubeflow")

    fixed = [list(c.argv) for c in read_commands("kubeflow")]
    assert ran[: len(fixed)] == fixed
    configs = [argv for argv in ran[len(fixed) :] if argv[:2] == ["juju", "config"]]
    assert len(configs) == 37  # one per application the status lists
    # Then the reads `cairn analyze --from-files` needs and the checks do not (issue 12).
    istio = [list(c.argv) for c in istio_read_commands()]
    assert ran[len(fixed) + len(configs) :] == [argv for argv in istio if argv not in fixed]
    assert ["juju", "config", "-m", "kubeflow", "kserve-controller", "--format=json"] in configs
    # what the processes received is exactly the argv (no shell in between)
    received = [json.loads(line)[1:] for line in log.read_text().splitlines()]
    assert received == [argv[1:] for argv in ran]
    assert [
        "get",
        "namespaces,pods,deployments,statefulsets,daemonsets,services,configmaps",
        "-A",
        "-o",
        "json",
    ] in received

    record = (out / COMMANDS_FILE).read_text().splitlines()
    assert record[0].startswith("# cairn dump:")
    rows = [line.split("\t") for line in record if not line.startswith("#")]
    assert len(rows) == len(ran)
    status_row = rows[0]
    assert status_row[1] == "0" and status_row[3] == "01-juju-status.json"
    assert status_row[4] == "juju status -m kubeflow --format=json"
    gateways = next(r for r in rows if "gateways.gateway.networking.k8s.io" in r[4])
    assert gateways[1] == "1" and gateways[3] == "" and gateways[5] == "ignored"
    assert gateways[6] == 'error: the server doesn\'t have a resource type "gateways"'
    assert (out / "01-juju-status.json").read_bytes().startswith(b'{"model":')


def test_dump_reads_back_like_the_fixtures(tmp_path):
    out = tmp_path / "dump"
    dump(out, env_with(write_bin(tmp_path / "bin")), "kubeflow")
    state = read_files(out)
    assert state.source == f"files:{out}"
    assert len(state.apps) == 37 and len(state.pods) == 13
    assert state.apps["kserve-controller"].config["deployment-mode"] == "serverless"
    assert state.tools == {"juju": "3.6.8", "kubectl": "v1.32.3"}
    assert state.kubernetes_version == "v1.32.3"
    assert "Node" in state.objects and "Profile" in state.objects
    # the missing Gateway CRD and the juju status errors are all that is reported
    assert [e for e in state.errors if "status error" not in e] == []


def test_context_goes_to_every_kubectl_call(tmp_path):
    log = tmp_path / "argv.log"
    dump(tmp_path / "d", env_with(write_bin(tmp_path / "bin", log=log)), "kubeflow", context="prod")
    kubectl = [
        json.loads(line) for line in log.read_text().splitlines() if json.loads(line)[0].endswith("kubectl")
    ]
    assert kubectl and all(argv[1:3] == ["--context", "prod"] for argv in kubectl)


def test_a_missing_tool_is_recorded_and_the_dump_goes_on(tmp_path):
    out = tmp_path / "dump"
    ran = dump(out, env_with(write_bin(tmp_path / "bin", tools=("kubectl",)), only=True), "kubeflow")
    assert ran[0][:2] == ["juju", "status"]
    assert not any(argv[:2] == ["juju", "config"] for argv in ran)  # no status, no app names
    rows = [
        line.split("\t")
        for line in (out / COMMANDS_FILE).read_text().splitlines()
        if not line.startswith("#")
    ]
    assert rows[0][1] == "127" and rows[0][5] == "error" and rows[0][6] == "juju: command not found"
    state = read_files(out)
    assert state.model is None and len(state.pods) == 13
    assert "dump: `juju status -m kubeflow --format=json` exited 127: juju: command not found" in state.errors
