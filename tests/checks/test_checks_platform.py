"""Platform detection and user-namespace discovery on the real-format fixtures."""

from __future__ import annotations

from pathlib import Path

from steps.checks import detect_platform, discover_user_namespaces, platform_guess
from steps.cluster import StateBuilder, read_files
from tests.checks.ckf_states import obj, state, with_objects

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cluster"


def test_microk8s_fixture():
    guess = platform_guess(read_files(FIXTURES / "ckf-1.11-microk8s"))
    assert guess.name == "microk8s"
    assert guess.evidence[:2] == (
        "node label microk8s.io/cluster=true",
        "node label node.kubernetes.io/microk8s-controlplane=microk8s-controlplane",
    )


def test_canonical_k8s_fixture():
    builder = StateBuilder()
    builder.add_text((FIXTURES / "formats" / "canonical-k8s-cilium.yaml").read_text(), "ck.yaml")
    guess = platform_guess(builder.build("files"))
    assert guess.name == "canonical-k8s"
    assert "node label k8sd.io/role=control-plane" in guess.evidence
    assert "cilium-config deployed by k8s-snap (Helm release ck-network)" in guess.evidence


def test_conflicting_signs_of_equal_weight_tell_nothing():
    st = with_objects(
        state(cloud="k8s"),
        obj("Node", "a", labels={"microk8s.io/cluster": "true"}),
        obj("Node", "b", labels={"k8sd.io/role": "worker"}),
    )
    guess = platform_guess(st)
    assert guess.name == "" and len(guess.evidence) == 2


def test_nothing_to_go_on():
    assert detect_platform(state(cloud="k8s")) == ""
    assert detect_platform(state(cloud="microk8s")) == "microk8s"


def test_user_namespaces_from_profiles_and_labels_without_the_model():
    st = read_files(FIXTURES / "ckf-1.11-microk8s")
    assert discover_user_namespaces(st) == ["admin", "alice"]
    labelled = state(
        namespaces={
            "kubeflow": {"app.kubernetes.io/part-of": "kubeflow-profile"},
            "team": {"app.kubernetes.io/part-of": "kubeflow-profile"},
        }
    )
    assert discover_user_namespaces(labelled) == ["team"]
