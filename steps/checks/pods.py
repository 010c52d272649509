"""Pods for the checks: label selectors, sidecar leftovers and the commands that restart them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..cluster.state import ClusterState, Pod

FINISHED = ("Succeeded", "Failed")


def parse_selector(selector: str) -> list[tuple[str, str, str]]:
    """`app=x,tier!=web,release` -> [(key, op, value)]; op is `=`, `!=` or `exists`.

    Only the equality forms kubectl's `-l` takes; set-based ones (`in (...)`) raise ValueError.
    """
    out: list[tuple[str, str, str]] = []
    for part in (p.strip() for p in selector.split(",")):
        if not part:
            continue
        if " in " in part or " notin " in part or "(" in part:
            raise ValueError(f"label selector {selector!r}: set-based selectors are not supported")
        if "!=" in part:
            key, _, value = part.partition("!=")
            out.append((key.strip(), "!=", value.strip()))
        elif "=" in part:
            key, _, value = part.partition("==" if "==" in part else "=")
            out.append((key.strip(), "=", value.strip()))
        else:
            out.append((part.lstrip("!"), "absent" if part.startswith("!") else "exists", ""))
    return out


def matches(labels: Mapping[str, str], selector: Sequence[tuple[str, str, str]]) -> bool:
    for key, op, value in selector:
        if op == "=" and labels.get(key) != value:
            return False
        if op == "!=" and labels.get(key) == value:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "absent" and key in labels:
            return False
    return True


def running_sidecar_pods(
    state: ClusterState, namespaces: Iterable[str], selector: str | None = None
) -> list[Pod]:
    """Pods still carrying an istio-proxy sidecar; finished pods run nothing and do not count."""
    wanted = set(namespaces)
    parsed = parse_selector(selector) if selector else []
    return [
        p
        for p in state.pods
        if p.namespace in wanted and p.phase not in FINISHED and p.has_sidecar and matches(p.labels, parsed)
    ]


def restart_commands(pods: Iterable[Pod]) -> list[str]:
    """One command per workload: a restart recreates its pods without the sidecar."""
    out: list[str] = []
    for pod in pods:
        if pod.owner_kind in ("Deployment", "DaemonSet"):
            command = f"kubectl -n {pod.namespace} rollout restart {pod.owner_kind.lower()} {pod.owner_name}"
        elif pod.owner_kind:  # StatefulSet (Juju charms, notebooks), ReplicaSet, Job: the owner recreates it
            command = f"kubectl -n {pod.namespace} delete pod {pod.name}"
        else:
            command = (
                f"kubectl -n {pod.namespace} delete pod {pod.name}  # no controller: re-create it yourself"
            )
        if command not in out:
            out.append(command)
    return out
