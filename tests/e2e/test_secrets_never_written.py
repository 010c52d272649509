"""Secrets planted in the sandbox (MinIO config, a Secret, a token in output) never reach the
session directory or the export: not as they are, not base64-encoded."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from steps import export
from steps.launch import RunRequest, TargetRequest, start

from ..engine_runs import run_aborting_on_questions

MINIO_SECRET = "PlantedMinioSecret-7a1f2e9d"
MINIO_ACCESS = "PlantedAccessKey-93ab5c1e"
SECRET_TOKEN = "PlantedSecretToken-c0ffee11"
OUTPUT_TOKEN = "PlantedBearerInOutput55aa77"
PLANTED = (MINIO_SECRET, MINIO_ACCESS, SECRET_TOKEN, OUTPUT_TOKEN)

PRINTS_SECRETS = """cairn-runbook: 1
id: prints-secrets
title: Commands that print secrets
params:
  - {name: model, default: kubeflow}
phases:
  - id: p
    title: Reads that show secrets
    steps:
      - id: config
        title: MinIO's whole config, and the bundle
        doc: juju prints secret options in full.
        run:
          - juju config minio -m {model}
          - juju config minio secret-key -m {model}
          - juju export-bundle -m {model}
      - id: secrets
        title: The Secrets, as YAML and JSON
        doc: kubectl prints Secret data base64-encoded.
        run:
          - kubectl get secret planted-token -n {model} -o yaml
          - kubectl get secret -n {model} -o json
      - id: captured
        title: A captured secret used in a later command
        doc: the value must show as [redacted] in the record.
        run:
          - {argv: "juju config minio secret-key -m {model}", capture: key, secret: true}
          - "echo the key is {captured.key}"
      - id: token
        title: A token in plain output
        doc: a bearer token printed by a tool.
        run:
          - [sh, -c, "echo Authorization: Bearer $(echo Planted)BearerInOutput55aa77"]
"""


def plant(sandbox_dir: Path) -> None:
    path = sandbox_dir / "state.json"
    state = json.loads(path.read_text())
    state["apps"]["minio"]["config"].update({"secret-key": MINIO_SECRET, "access-key": MINIO_ACCESS})
    state["k8s"]["Secret"]["kubeflow/planted-token"] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "planted-token",
            "namespace": "kubeflow",
            "uid": "5f0c8e9a-0000-4000-8000-000000000001",
            "resourceVersion": "99999",
            "creationTimestamp": "2026-11-01T00:00:00Z",
        },
        "_": {"created": state["created"]},
        "data": {"token": base64.b64encode(SECRET_TOKEN.encode()).decode()},
    }
    path.write_text(json.dumps(state))


def leaks(directory: Path, text: str) -> list[str]:
    needles = [n for p in PLANTED for n in (p, base64.b64encode(p.encode()).decode())]
    found = []
    for path in [*directory.rglob("*"), None]:
        data = text.encode() if path is None else (path.read_bytes() if path.is_file() else b"")
        found += [f"{path or 'export'}: {n}" for n in needles if n.encode() in data]
    return found


def run_planted(runbook: str, runbook_file: str | None = None) -> Path:
    launched = start(
        RunRequest(
            runbook=runbook,
            runbook_file=runbook_file,
            target=TargetRequest(kind="sandbox", speed=0),
            yes=True,
        )
    )
    plant(launched.target.directory)
    outcome, asked = run_aborting_on_questions(launched)
    assert outcome == "succeeded", [(q.step_id, q.prompt) for q in asked]
    return launched.directory


def test_secret_reads_are_redacted_everywhere(tmp_path):
    book = tmp_path / "prints-secrets.yaml"
    book.write_text(PRINTS_SECRETS)
    directory = run_planted("prints-secrets", str(book))
    text = export.to_text(directory) + export.to_json(directory)
    assert leaks(directory, text) == []
    assert "[redacted]" in text
    assert "echo the key is '[redacted]'" in text


def test_the_migration_on_a_planted_sandbox_writes_no_secret():
    directory = run_planted("ckf-1.11-ambient")
    assert leaks(directory, export.to_text(directory) + export.to_json(directory)) == []
