"""The files source: saved output recognised by content, problems reported one line per file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from steps.cluster import read_files, read_state
from steps.errors import BadInput

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cluster"


def test_the_fixture_dump_reads_whole():
    state = read_files(FIXTURES / "ckf-1.11-microk8s")
    assert state.model.name == "kubeflow" and len(state.apps) == 37
    assert len(state.pods) == 13 and len(state.namespaces) == 7
    assert state.juju_version == "3.6.8" and state.kubernetes_version == "v1.32.3"
    assert state.apps["kubeflow-profiles"].config == {
        "manager-port": 8080,
        "port": 8081,
        "security-policy": "baseline",
    }
    assert {"AuthorizationPolicy", "CustomResourceDefinition", "InferenceService", "Node", "Profile"} <= set(
        state.objects
    )


def test_names_do_not_matter(tmp_path):
    for i, path in enumerate(sorted((FIXTURES / "ckf-1.11-microk8s").iterdir())):
        shutil.copy(path, tmp_path / f"capture-{i}.out")
    (tmp_path / "nested").mkdir()
    shutil.copy(FIXTURES / "formats" / "gateways-after.yaml", tmp_path / "nested" / "g.txt")
    state = read_files(tmp_path)
    assert len(state.apps) == 37 and len(state.objects_of("Gateway")) == 3


def test_unrecognised_and_broken_files_are_reported_one_line_each(tmp_path):
    shutil.copy(FIXTURES / "ckf-1.11-microk8s" / "kubectl-get-workloads.json", tmp_path / "pods.json")
    (tmp_path / "notes.txt").write_text("maintenance window 02:00-04:00\n")
    (tmp_path / "broken.json").write_text('{"apiVersion": "v1", "kind": "List", "items": [\n')
    (tmp_path / "bad-pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  namespace: x\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (tmp_path / ".hidden").write_text("ignored")
    state = read_files(tmp_path)
    assert len(state.pods) == 13
    assert sorted(state.errors) == [
        "bad-pod.yaml: metadata.name: a Pod without metadata.name; skipped",
        "broken.json: line 2 column 1: not valid JSON: Expecting value; skipped",
        "image.png: not text (not UTF-8); skipped",
        "notes.txt: not juju or kubectl output that Cairn reads; skipped",
    ]


def test_nothing_usable_is_one_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(BadInput) as caught:
        read_files(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"--from-files {tmp_path}: nothing usable in 1 file(s) (notes.txt: not juju")


def test_missing_directory(tmp_path):
    with pytest.raises(BadInput, match="not a directory"):
        read_files(tmp_path / "nope")
    with pytest.raises(BadInput, match="needs a directory"):
        read_state("files")


def test_unknown_target():
    with pytest.raises(BadInput, match="unknown target 'cloud'"):
        read_state("cloud")  # type: ignore[arg-type]
