"""Secrets planted in the sandbox (MinIO config, a Secret, a token in output) never reach the
session directory or the export: not as they are, not base64-encoded."""

from __future__ import annotations

import base64
import io
import json
import stat
from pathlib import Path

import pytest

from steps.errors import BadInput
from steps.record import export, secret_store
from steps.run.launch import resume, start
from steps.run.request import RunRequest, TargetRequest
from steps.runbook import params, registry
from steps.runbook.plan import format_plan
from steps.runbook.plan import resolve as plan_resolve
from tui.plain import PlainRunner

from ..engine_runs import run_aborting_on_questions

MINIO_SECRET = "PlantedMinioSecret-7a1f2e9d"
MINIO_ACCESS = "PlantedAccessKey-93ab5c1e"
SECRET_TOKEN = "PlantedSecretToken-c0ffee11"
OUTPUT_TOKEN = "PlantedBearerInOutput55aa77"
LINE_SECRET = "PlantedLineSecret-31d4"
FLAG_PASSWORD = "PlantedFlagPassword-8e2b"
UPPER_PASSWORD = "PlantedUpperPassword-77c0"
SHORT_PARAM = "hunt3r"  # shorter than any value output redaction searches for; Cairn never shows it
PLANTED = (MINIO_SECRET, MINIO_ACCESS, SECRET_TOKEN, OUTPUT_TOKEN, LINE_SECRET, FLAG_PASSWORD, UPPER_PASSWORD)

PRINTS_SECRETS = """cairn-runbook: 1
id: prints-secrets
title: Commands that print secrets
params:
  - {name: model, default: kubeflow}
  - {name: pw, secret: true, default: ""}
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
      - id: shapes
        title: Secret-named values in plain output
        doc: "secret: X, --password X and PASSWORD X lines (issue 14.3)."
        run:
          - [sh, -c, "echo secret: $(echo Planted)LineSecret-31d4"]
          - [sh, -c, "echo minio-client login --password $(echo Planted)FlagPassword-8e2b --quiet"]
          - [sh, -c, "echo PASSWORD $(echo Planted)UpperPassword-77c0"]
      - id: unmarked-capture
        title: "A Secret read and decoded without `secret: true`"
        doc: Cairn knows the command reads a Secret, so its capture is secret.
        run:
          - argv: "kubectl get secret planted-token -n {model} -o jsonpath={.data.token}"
            capture: token
            decode: base64
          - "echo the token is {captured.token}"
      - id: columns
        title: A Secret through custom columns
        doc: the base64 value is printed bare.
        run:
          - "kubectl get secret planted-token -n {model} -o custom-columns=NAME:.metadata.name,TOKEN:.data.token"
      - id: param
        title: A secret param in a command
        doc: its value never shows, however short.
        run:
          - [sh, -c, 'test "$1" = hunt3r', sh, "{pw}"]
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


def run_planted(runbook: str, runbook_file: str | None = None, given: dict | None = None) -> Path:
    launched = start(
        RunRequest(
            runbook=runbook,
            runbook_file=runbook_file,
            given=given or {},
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
    directory = run_planted("prints-secrets", str(book), {"pw": SHORT_PARAM})
    text = export.to_text(directory) + export.to_json(directory)
    assert leaks(directory, text) == []
    assert SHORT_PARAM not in text and SHORT_PARAM.encode() not in (directory / "journal.jsonl").read_bytes()
    assert "[redacted]" in text
    assert "echo the key is '[redacted]'" in text


def test_the_migration_on_a_planted_sandbox_writes_no_secret():
    directory = run_planted("ckf-1.11-ambient")
    assert leaks(directory, export.to_text(directory) + export.to_json(directory)) == []


def test_plain_mode_scrollback_and_plan_show_no_secret(tmp_path):
    """What plain mode prints (Params:, `$ …`, output, captures) and `cairn plan` hold no secret."""
    book = tmp_path / "prints-secrets.yaml"
    book.write_text(PRINTS_SECRETS)
    launched = start(
        RunRequest(
            runbook="prints-secrets",
            runbook_file=str(book),
            given={"pw": SHORT_PARAM},
            target=TargetRequest(kind="sandbox", speed=0),
            yes=True,
        )
    )
    plant(launched.target.directory)
    scrollback = io.StringIO()
    assert PlainRunner(launched, stdin=io.StringIO(""), out=scrollback).run() == 0, scrollback.getvalue()
    shown = scrollback.getvalue()
    assert "Params: model=kubeflow pw=[redacted]" in shown
    assert leaks(launched.directory, shown) == []
    assert SHORT_PARAM not in shown
    plan_text = format_plan(
        plan_resolve(
            registry.load_file(book),
            params.resolve(registry.load_file(book), {"pw": SHORT_PARAM}),
            preview=True,
        )
    )
    assert SHORT_PARAM not in plan_text and "pw=[redacted]" in plan_text


def test_sandbox_holding_secrets_is_private():
    launched = start(RunRequest(runbook="ckf-1.11-ambient", target=TargetRequest(kind="sandbox", speed=0)))
    try:
        sandbox_dir = launched.target.directory
        assert stat.S_IMODE(sandbox_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((sandbox_dir / "state.json").stat().st_mode) == 0o600
    finally:
        launched.close()


def test_secret_param_is_kept_outside_the_record_and_resumes(tmp_path):
    book = tmp_path / "prints-secrets.yaml"
    book.write_text(PRINTS_SECRETS)
    launched = start(
        RunRequest(
            runbook="prints-secrets",
            runbook_file=str(book),
            given={"pw": SHORT_PARAM},
            target=TargetRequest(kind="sandbox", speed=0),
        )
    )
    launched.close()  # left before any step ran
    assert SHORT_PARAM.encode() not in (launched.directory / "journal.jsonl").read_bytes()
    again = resume(launched.session_id)
    try:
        assert again.plan.values.params["pw"] == SHORT_PARAM
        assert "pw=[redacted]" in again.view.params_line()
    finally:
        again.close()
    secret_store.forget(launched.session_id)
    with pytest.raises(BadInput, match="secret param pw .* no longer stored"):
        resume(launched.session_id)
