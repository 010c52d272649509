"""The ckf-1.6-to-1.7 runbook through the real engine against the ckf-1.6 sandbox (a Juju 2.9.34
controller), at speed 0.

The end state is judged on the sandbox itself: every charm on the final guide's channel, no
`juju integrate` and no `--no-prompt` sent to Juju 2.9, MinIO's objects byte for byte and its
credentials (in place, or on the new volume with --set minio=migrate-volume, the old one kept),
every relation back, every application active and idle. A copy that lost a file stops the run at
its verification.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import yaml

import steps.sandbox as sandbox
from steps.checks.ckf16 import CHANNELS_1_7
from steps.run import events as ev
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from steps.runbook.registry import BUILTIN_DIR

from ..engine_runs import run_aborting_on_questions

RUNBOOK = BUILTIN_DIR / "ckf-1.6-to-1.7.yaml"


def _runbook(tmp_path: Path, only_phases: tuple[str, ...] = ()) -> Path:
    doc = yaml.safe_load(RUNBOOK.read_text())
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
    """Juju 2.9's shape: each endpoint lists the related applications by name."""
    out = set()
    for app, body in status["applications"].items():
        for endpoint, related in body.get("relations", {}).items():
            for other in related:
                if other != app:  # peers are not removed nor restored
                    out.add(frozenset((f"{app}:{endpoint}", other)))
    return out


def _launch(tmp_path: Path, only_phases: tuple[str, ...] = (), given: dict | None = None):
    launched = start(
        RunRequest(
            runbook="ckf-1.6-to-1.7",
            runbook_file=str(_runbook(tmp_path, only_phases)),
            given=dict(given or {}),
            target=TargetRequest(kind="sandbox", scenario="ckf-1.6", speed=0),
            yes=True,
            settle_timeout=30,
        )
    )
    return launched, launched.target.directory


def _ran(launched) -> list[list[str]]:
    from steps.record.journal import read

    return [
        list(e.argv)
        for e in read(launched.directory / "journal.jsonl").events
        if isinstance(e, ev.CommandStarted)
    ]


def _settled(status: dict) -> dict:
    return {
        f"{name}/{unit}": (u["workload-status"]["current"], u["juju-status"]["current"])
        for name, app in status["applications"].items()
        for unit, u in app.get("units", {}).items()
        if (u["workload-status"]["current"], u["juju-status"]["current"]) != ("active", "idle")
    }


def _minio_keys(directory: Path) -> tuple[str, str]:
    secret = json.loads(
        _sh(directory, ["kubectl", "-n", "kubeflow", "get", "secret", "minio-secret", "-o", "json"])
    )
    return (
        base64.b64decode(secret["data"]["MINIO_ACCESS_KEY"]).decode(),
        base64.b64decode(secret["data"]["MINIO_SECRET_KEY"]).decode(),
    )


def test_the_final_guide_on_juju_29_keeps_minio_data_and_credentials_in_place(tmp_path):
    """Issue 11.1-11.4 and 11.14: the final guide's channels, the Juju 2.9 dialect, MinIO refreshed
    in place, only the guide's relation removed."""
    launched, directory = _launch(tmp_path)
    assert launched.plan.values.params["juju"] == "2.9"  # discovered from the 2.9.34 controller
    claim = _minio_claim(directory)
    original = _files(_claim_dir(directory, claim))
    keys = _minio_keys(directory)
    assert len(original) > 10 and any(len(b) > 1_000_000 for b in original.values())
    relations_before = _relations(json.loads(_sh(directory, ["juju", "status", "--format=json"])))

    outcome, decisions = run_aborting_on_questions(launched)
    assert outcome == "succeeded", [(d.step_id, d.prompt, d.detail) for d in decisions]

    ran = _ran(launched)
    assert ran and not any(argv[:2] == ["juju", "integrate"] for argv in ran)
    assert not any("--no-prompt" in argv for argv in ran)
    assert ["juju", "relate", "istio-pilot", "istio-ingressgateway", "-m", "kubeflow"] in ran
    removed = [argv for argv in ran if argv[:2] == ["juju", "remove-relation"]]
    assert removed == [["juju", "remove-relation", "istio-pilot", "istio-ingressgateway", "-m", "kubeflow"]]
    istio = [argv[4] for argv in ran if argv[:3] == ["juju", "refresh", "istio-pilot"]]
    assert istio == ["1.12/stable", "1.13/stable", "1.14/stable", "1.15/stable", "1.16/stable"]
    assert not any("latest/edge" in " ".join(argv) for argv in ran)

    status = json.loads(_sh(directory, ["juju", "status", "--format=json"]))
    assert status["model"]["version"] == "2.9.34"
    assert not _settled(status)
    assert all(a["application-status"]["current"] == "active" for a in status["applications"].values())
    for app, channel in CHANNELS_1_7.items():
        assert status["applications"][app]["charm-channel"] == channel, app
    # Nothing the guide does not remove was lost; the new charms brought their own relations.
    assert relations_before <= _relations(status)
    assert "kserve-controller" in status["applications"]["istio-pilot"]["relations"]["gateway-info"]
    # MinIO kept its claim, its objects byte for byte and its (generated) credentials.
    assert _minio_claim(directory) == claim
    assert _files(_claim_dir(directory, claim)) == original
    assert _minio_keys(directory) == keys
    # The admin profile, stripped of Juju's marks before the profiles' refresh, is still there.
    assert "admin" in _sh(directory, ["kubectl", "get", "profiles"])
    assert "admin" in _sh(directory, ["kubectl", "get", "ns", "admin"])


def test_the_volume_migration_keeps_data_credentials_and_the_old_volume(tmp_path):
    """Issue 11.3: --set minio=migrate-volume moves MinIO to a new volume; only MinIO's relations
    are removed and restored; the old volume stays, Retained, for a later, separate deletion."""
    launched, directory = _launch(tmp_path, given={"minio": "migrate-volume"})
    old_claim = _minio_claim(directory)
    old_pv = json.loads(_sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", old_claim, "-o", "json"]))[
        "spec"
    ]["volumeName"]
    original = _files(_claim_dir(directory, old_claim))
    access, secret_key = _minio_keys(directory)
    relations_before = _relations(json.loads(_sh(directory, ["juju", "status", "--format=json"])))
    seen: list[tuple[str, str]] = []

    def observe(event: ev.Event) -> None:
        if isinstance(event, ev.StepStarted):
            seen.append(("step", event.step_id))
        if isinstance(event, ev.CheckEvaluated) and event.purpose == "verify":
            seen.append((event.name.split("(")[0], f"{event.status}: {event.message}"))

    outcome, decisions = run_aborting_on_questions(launched, observe)
    assert outcome == "succeeded", [(d.step_id, d.prompt, d.detail) for d in decisions]

    ran = _ran(launched)
    # The restarted MinIO listed, through its S3 API and with the old keys, every bucket of the old
    # volume - before its relations were restored; the keys stayed out of the record.
    passed = "passed: MinIO serves all 2 bucket(s) of the old volume: mlpipeline, models"
    listed = seen.index(("minio-serves-buckets", passed))
    assert seen.index(("step", "minio-restart")) < listed < seen.index(("step", "minio-restore-relations"))
    s3 = next(argv for argv in ran if argv[:4] == ["kubectl", "-n", "kubeflow", "run"])
    assert "--aws-sigv4" in s3 and "[redacted]:[redacted]" in s3
    for path in launched.directory.rglob("*"):
        if path.is_file():
            assert secret_key.encode() not in path.read_bytes(), path
    removed = [" ".join(argv) for argv in ran if argv[:2] == ["juju", "remove-relation"]]
    assert removed[0] == "juju remove-relation istio-pilot istio-ingressgateway -m kubeflow"
    assert len(removed) > 1 and all("minio:" in r for r in removed[1:]), removed
    status = json.loads(_sh(directory, ["juju", "status", "--format=json"]))
    assert not _settled(status)
    assert status["applications"]["minio"]["charm-channel"] == "ckf-1.7/stable"
    assert relations_before <= _relations(status)
    # The new MinIO answers to the old keys, set explicitly now (they were generated before).
    assert _sh(directory, ["juju", "config", "minio", "access-key"]).strip() == access
    assert _sh(directory, ["juju", "config", "minio", "secret-key"]).strip() == secret_key
    new_claim = _minio_claim(directory)
    assert new_claim != old_claim
    assert _files(_claim_dir(directory, new_claim)) == original
    # The old volume is kept (Retain) and its data with it; nothing in this run deleted it.
    pv = json.loads(_sh(directory, ["kubectl", "get", "pv", old_pv, "-o", "json"]))
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert not any(argv[:3] == ["kubectl", "delete", "pv"] for argv in ran)
    # The migration pod ran on the old volume's node.
    pod = json.loads(
        (launched.directory / "files")
        .joinpath(next(p.name for p in (launched.directory / "files").iterdir()))
        .read_text()
    )
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["kf-node-1"]


def test_an_incomplete_copy_stops_before_minio_is_restarted(tmp_path):
    launched, directory = _launch(tmp_path, only_phases=("minio-migrate",), given={"minio": "migrate-volume"})
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
    assert "minio-restart" not in started
    pv = json.loads(_sh(directory, ["kubectl", "get", "pv", old_pv, "-o", "json"]))
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert "Bound" in _sh(directory, ["kubectl", "-n", "kubeflow", "get", "pvc", old_claim])


def _stopped_at_the_bucket_listing(tmp_path: Path, fault) -> tuple[ev.DecisionRequested, list[str], Path]:
    """Run the migration with `fault(directory)` applied as minio-list-buckets starts."""
    launched, directory = _launch(tmp_path, only_phases=("minio-migrate",), given={"minio": "migrate-volume"})
    started: list[str] = []

    def observe(event: ev.Event) -> None:
        if isinstance(event, ev.StepStarted):
            started.append(event.step_id)
            if event.step_id == "minio-list-buckets":
                fault(directory)

    outcome, decisions = run_aborting_on_questions(launched, observe)
    assert outcome == "aborted"
    assert [d.step_id for d in decisions] == ["minio-list-buckets"]
    return decisions[0], started, directory


def test_minio_answering_other_keys_stops_before_its_relations_are_restored(tmp_path):
    """Issue 11.3: the new MinIO does not answer to the old keys (here its secret was changed after
    they were set) - the S3 listing is refused and the run stops there."""

    def other_secret(directory: Path) -> None:
        _sh(directory, ["juju", "config", "minio", "secret-key=an-other-secret-key", "-m", "kubeflow"])

    decision, started, _ = _stopped_at_the_bucket_listing(tmp_path, other_secret)
    assert (
        "MinIO refused the old credentials (SignatureDoesNotMatch: The request signature" in decision.prompt
    )
    assert "minio-restore-relations" not in started


def test_minio_serving_an_empty_volume_stops_naming_the_missing_buckets(tmp_path):
    """Issue 11.3: the copy passed its checks, but the MinIO that restarted serves a volume without
    it (here the new volume emptied behind it) - the listing names the buckets it lacks."""

    def lose_the_copy(directory: Path) -> None:
        root = _claim_dir(directory, _minio_claim(directory))
        for child in root.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()

    decision, started, directory = _stopped_at_the_bucket_listing(tmp_path, lose_the_copy)
    assert (
        "MinIO does not serve 2 of the 2 bucket(s) on the old volume: mlpipeline, models" in decision.prompt
    )
    assert "minio-restore-relations" not in started
