"""The scenario's one Node, as `kubectl get node -o json` shows a Ready node: its addresses, its
condition and its nodeInfo (kubelet, runtime and OS versions, which platform detection reads)."""

from __future__ import annotations

from typing import Any

from . import kube
from .state import State


def make_node(
    state: State,
    t0: float,
    *,
    labels: dict[str, str],
    pod_cidr: str,
    runtime: str,
    os_image: str,
    kernel: str = "",
    capacity: dict[str, str] | None = None,
) -> None:
    c = state["cluster"]
    info = {
        **({"kernelVersion": kernel} if kernel else {}),
        "osImage": os_image,
        "containerRuntimeVersion": runtime,
        "kubeletVersion": c["k8s_version"],
        "kubeProxyVersion": c["k8s_version"],
        "operatingSystem": "linux",
        "architecture": "amd64",
    }
    status: dict[str, Any] = {
        "addresses": [
            {"type": "InternalIP", "address": c["node_ip"]},
            {"type": "Hostname", "address": c["node"]},
        ],
        **({"capacity": capacity} if capacity else {}),
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
            }
        ],
        "nodeInfo": info,
    }
    kube.make_simple(
        state, t0, "Node", c["node"], labels=labels, body={"spec": {"podCIDR": pod_cidr}, "status": status}
    )
