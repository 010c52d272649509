"""The ckf-1.6-to-1.7 runbook through the real engine against the ckf-1.6 sandbox, at speed 0.

The end state is judged on the sandbox itself: MinIO's objects byte for byte on the new volume,
the old credentials on the new charm, the old volume and claim gone, every relation back, every
application active and idle. A copy that lost a file stops the run at its verification, before
the old volume is deleted.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import yaml

import steps.sandbox as sandbox
from steps import events as ev
from steps.launch import RunRequest, TargetRequest, start

from ..engine_runs import run_aborting_on_questions

RUNBOOK = Path(__file__).resolve().parents[2] / "steps" / "runbooks" / "ckf-1.6-to-1.7.yaml"

# The final 1.6 -> 1.7 guide's "Enable trust on deployed charms (required)": the charms whose 1.7
# revisions are sidecar charms that create cluster-scoped objects. The runbook (from the March
# draft) lacks the step; until it has one, these tests run it with the step added, as proposed.
TRUSTED_FIRST = (
    "jupyter-ui",
    "katib-db-manager",
    "katib-ui",
    "kfp-api",
    "kubeflow-dashboard",
    "kubeflow-profiles",
    "seldon-controller-manager",
)


def _runbook(tmp_path: Path, only_phases: tuple[str, ...] = ()) -> Path:
    doc = yaml.safe_load(RUNBOOK.read_text())
    commands = [
        c if isinstance(c, str) else c.get("argv", "")
        for phase in doc["phases"]
        for step in phase["steps"]
        for c in step.get("run", [])
    ]
    if not any(str(c).startswith("juju trust") for c in commands):
        refresh = next(p for p in doc["phases"] if p["id"] == "refresh-charms")
        refresh["steps"].insert(
            0,
            {
                "id": "trust-sidecar-charms",
                "title": "Trust the charms that become sidecar charms in 1.7",
                "doc": "Their 1.7 charms create cluster-scoped objects through the API.",
                "run": [f"juju trust {app} --scope=cluster -m {{model}}" for app in TRUSTED_FIRST],
            },
        )
    if only_phases:
        doc["phases"] = [p for p in doc["phases"] if p["id"] in only_phases]
    path = tmp_path / "ckf-1.6-to-1.7.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _sh(directory: Path, command: list[str]) -> str:
    rc, out, err = sandbox.run(command, directory, {})
    assert rc == 0, f"{command}: {rc}\n{out.decode()}\n{err.decode()}"
    return out.decode()


def _claim_dir(directory: Path, claim: str) -> Path:
    pvc = json.loads(_sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", claim, "-o", "json"]))
    state = json.loads((directory / "state.json").read_text())
    return directory / state["k8s"]["PersistentVolume"][pvc["spec"]["volumeName"]]["_"]["dir"]


def _minio_claim(directory: Path) -> str:
    sts = json.loads(
        _sh(directory, ["kubectl", "-n", "kubeflow", "get", "statefulset", "minio", "-o", "json"])
    )
    return f"{sts['spec']['volumeClaimTemplates'][0]['metadata']['name']}-minio-0"


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _relations(status: dict) -> set[frozenset[str]]:
    out = set()
    for app, body in status["applications"].items():
        for endpoint, related in body.get("relations", {}).items():
            for rel in related:
                if rel["related-application"] != app:  # peers are not removed nor restored
                    out.add(
                        frozenset((f"{app}:{endpoint}", f"{rel['related-application']}:{rel['interface']}"))
                    )
    return out


def _launch(tmp_path: Path, only_phases: tuple[str, ...] = ()):
    launched = start(
        RunRequest(
            runbook="ckf-1.6-to-1.7",
            runbook_file=str(_runbook(tmp_path, only_phases)),
            target=TargetRequest(kind="sandbox", scenario="ckf-1.6", speed=0),
            yes=True,
            settle_timeout=30,
        )
    )
    return launched, launched.target.directory


def test_the_whole_upgrade_keeps_minio_data_and_credentials(tmp_path):
    launched, directory = _launch(tmp_path)
    old_claim = _minio_claim(directory)
    old_pv = json.loads(_sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", old_claim, "-o", "json"]))[
        "spec"
    ]["volumeName"]
    original = _files(_claim_dir(directory, old_claim))
    assert len(original) > 10 and any(len(b) > 1_000_000 for b in original.values())
    secret = json.loads(
        _sh(directory, ["kubectl", "-n", "kubeflow", "get", "secret", "minio-secret", "-o", "json"])
    )
    access = base64.b64decode(secret["data"]["MINIO_ACCESS_KEY"]).decode()
    secret_key = base64.b64decode(secret["data"]["MINIO_SECRET_KEY"]).decode()
    relations_before = _relations(json.loads(_sh(directory, ["juju", "status", "--format=json"])))

    outcome, decisions = run_aborting_on_questions(launched)
    assert outcome == "succeeded", [(d.step_id, d.prompt, d.detail) for d in decisions]

    status = json.loads(_sh(directory, ["juju", "status", "--format=json"]))
    not_settled = {
        f"{name}/{unit}": (u["workload-status"]["current"], u["juju-status"]["current"])
        for name, app in status["applications"].items()
        for unit, u in app.get("units", {}).items()
        if (u["workload-status"]["current"], u["juju-status"]["current"]) != ("active", "idle")
    }
    assert not not_settled
    assert all(a["application-status"]["current"] == "active" for a in status["applications"].values())
    assert status["applications"]["katib-db-manager"]["charm-channel"] == "latest/edge"
    assert status["applications"]["minio"]["charm-channel"] == "latest/edge"
    assert _relations(status) == relations_before

    # The new MinIO answers to the old keys, set explicitly now (they were generated before).
    assert _sh(directory, ["juju", "config", "minio", "access-key"]).strip() == access
    assert _sh(directory, ["juju", "config", "minio", "secret-key"]).strip() == secret_key
    # Its volume holds the old objects, byte for byte; the old volume and its claim are gone.
    new_claim = _minio_claim(directory)
    assert new_claim != old_claim
    assert _files(_claim_dir(directory, new_claim)) == original
    rc, _, err = sandbox.run(["kubectl", "get", "pv", old_pv], directory, {})
    assert rc == 1 and f'persistentvolumes "{old_pv}" not found' in err.decode()
    rc, _, err = sandbox.run(["kubectl", "-n", "kubeflow", "get", "pvc", old_claim], directory, {})
    assert rc == 1 and "not found" in err.decode()
    # The admin profile, stripped of Juju's marks before the dashboard's refresh, is still there.
    assert "admin" in _sh(directory, ["kubectl", "get", "profiles"])
    assert "admin" in _sh(directory, ["kubectl", "get", "ns", "admin"])


def test_an_incomplete_copy_stops_before_the_old_volume_is_deleted(tmp_path):
    launched, directory = _launch(tmp_path, only_phases=("minio",))
    old_claim = _minio_claim(directory)
    old_pv = json.loads(_sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", old_claim, "-o", "json"]))[
        "spec"
    ]["volumeName"]
    lost, torn = (
        "models/sklearn-iris/model.joblib",
        "mlpipeline/v2/artifacts/iris-pipeline/run-0/evaluate/metrics.json",
    )
    verified: list[ev.CheckEvaluated] = []
    started: list[str] = []

    def observe(event: ev.Event) -> None:
        if isinstance(event, ev.StepStarted):
            started.append(event.step_id)
            if event.step_id == "minio-verify-copy":
                # Between the copy and its verification, one object is lost and one cut short.
                destination = _claim_dir(directory, _minio_claim(directory))
                (destination / lost).unlink()
                (destination / torn).write_bytes((destination / torn).read_bytes()[:10])
        if isinstance(event, ev.CheckEvaluated) and event.purpose == "verify":
            verified.append(event)

    outcome, decisions = run_aborting_on_questions(launched, observe)
    assert outcome == "aborted"
    assert [d.step_id for d in decisions] == ["minio-verify-copy"]
    assert "1 of 19 file(s) missing, 1 with another size in the copy" in decisions[0].prompt
    failed = {c.name.split("(")[0]: c for c in verified if c.status == "failed"}
    assert set(failed) == {"volume-copy-matches", "volume-checksums-match"}
    assert f"missing: {lost}" in failed["volume-checksums-match"].details
    check = failed["volume-copy-matches"]
    assert f"missing: {lost}" in check.details
    assert f"{torn}: 34 bytes, copy has 10" in check.details
    assert "minio-delete-old-volume" not in started
    pv = json.loads(_sh(directory, ["kubectl", "get", "pv", old_pv, "-o", "json"]))
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert "Bound" in _sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", old_claim])
