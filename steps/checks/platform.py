"""Which Kubernetes the cluster is, from what a read can show: node labels, version strings, the
Juju cloud, and the CNI. Node labels are the strongest sign; the rest only support a guess.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..cluster.state import ClusterState, KubeObject

STRONG, WEAK = 10, 3

# Node label -> platform (the labels each distribution's kubelet registers with).
NODE_LABELS = (
    ("microk8s.io/cluster", "microk8s"),
    ("node.kubernetes.io/microk8s-controlplane", "microk8s"),
    ("node.kubernetes.io/microk8s-worker", "microk8s"),
    ("k8sd.io/role", "canonical-k8s"),  # k8s-snap's kubelet: k8sd.io/role=control-plane|worker
    ("cloud.google.com/gke-nodepool", "gke"),
    ("node.openshift.io/os_id", "openshift"),
    ("minikube.k8s.io/name", "minikube"),
    ("eks.amazonaws.com/nodegroup", "eks"),  # EKS managed node groups
    ("eks.amazonaws.com/compute-type", "eks"),
    ("kubernetes.azure.com/cluster", "aks"),  # AKS labels every node with its resource group
    ("kubernetes.azure.com/agentpool", "aks"),
)

# spec.providerID prefix -> platform, when the labels do not say (the cloud-provider's scheme).
PROVIDER_IDS = (("aws://", "eks"), ("azure://", "aks"), ("gce://", "gke"))
# kubeadm annotates every node it joined with the CRI socket it configured.
KUBEADM_ANNOTATION = "kubeadm.alpha.kubernetes.io/cri-socket"


@dataclass(frozen=True)
class PlatformGuess:
    name: str  # one of ckf.PLATFORMS, or "" when nothing tells
    evidence: tuple[str, ...] = ()


def cilium_config(state: ClusterState) -> KubeObject | None:
    return state.find("ConfigMap", "cilium-config", "kube-system")


def cilium_present(state: ClusterState) -> bool:
    if cilium_config(state) is not None:
        return True
    return any(
        ds.name == "cilium" or ds.labels.get("k8s-app") == "cilium"
        for ds in state.objects_of("DaemonSet", "kube-system")
    )


def _version_hint(version: str) -> str:
    if "+k3s" in version:
        return "k3s"
    if "-gke." in version:
        return "gke"
    return ""


def detect_platform(state: ClusterState) -> str:
    """The platform's name (a `--platform` value), or "" when the cluster does not tell."""
    return platform_guess(state).name


def platform_guess(state: ClusterState) -> PlatformGuess:
    """The platform and the signs it was told by."""
    scores: dict[str, int] = defaultdict(int)
    evidence: dict[str, list[str]] = defaultdict(list)

    def note(platform: str, weight: int, why: str) -> None:
        scores[platform] += weight
        if why not in evidence[platform]:
            evidence[platform].append(why)

    for node in state.objects_of("Node"):
        for label, platform in NODE_LABELS:
            if label in node.labels:
                value = node.labels[label]
                note(platform, STRONG, f"node label {label}{'=' + value if value else ''}")
        kubelet = str(((node.raw.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion") or "")
        hint = _version_hint(kubelet)
        if hint == "k3s" and node.name.startswith("k3d-"):
            note("k3d", STRONG, f"k3s kubelet {kubelet} on node {node.name}")
        elif hint:
            note(hint, STRONG, f"kubelet version {kubelet}")
        if "microk8s" in node.name:
            note("microk8s", WEAK, f"node name {node.name}")
        provider = str((node.raw.get("spec") or {}).get("providerID") or "")
        for prefix, platform in PROVIDER_IDS:
            if provider.startswith(prefix):
                # A kubeadm cluster on a cloud VM has the same provider ID: weaker than a label.
                note(platform, WEAK + 1, f"provider ID {prefix}…")
        annotations = (node.raw.get("metadata") or {}).get("annotations") or {}
        if KUBEADM_ANNOTATION in annotations:
            note("kubeadm", WEAK + 2, f"node annotation {KUBEADM_ANNOTATION}")
    hint = _version_hint(state.kubernetes_version)
    if hint:
        note(hint, WEAK, f"server version {state.kubernetes_version}")
    if state.model is not None and state.model.cloud.startswith("microk8s"):
        note("microk8s", WEAK, f"Juju cloud {state.model.cloud}")
    config = cilium_config(state)
    if config is not None:
        annotations = (config.raw.get("metadata") or {}).get("annotations") or {}
        if annotations.get("meta.helm.sh/release-name") == "ck-network":
            note("canonical-k8s", WEAK, "cilium-config deployed by k8s-snap (Helm release ck-network)")
    if not scores:
        return PlatformGuess("")
    best = max(scores.values())
    leaders = [p for p, score in scores.items() if score == best]
    if len(leaders) > 1:
        return PlatformGuess("", tuple(why for p in leaders for why in evidence[p]))
    return PlatformGuess(leaders[0], tuple(evidence[leaders[0]]))
