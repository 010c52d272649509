"""A short, plain-text summary of a ClusterState, for the export and the session directory.

The engine writes it to `cluster-state.json` after reading the cluster (at most every few
seconds, and at the end), so the record shows what the cluster looked like when the run ended;
and once to `cluster-state-before.json` when a session starts, so the export can show what the
run changed (apps, channels, relations).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from ..cluster.state import ClusterState

MESH_APP = "istio-beacon-k8s"
INGRESS_APP = "istio-ingress-k8s"
LATEST_NAME = "cluster-state.json"
BEFORE_NAME = "cluster-state-before.json"


def lines(state: ClusterState) -> list[str]:
    out: list[str] = []
    if state.model is not None:
        m = state.model
        out.append(
            f"model {m.name} on {m.cloud or '?'} (juju {m.version or '?'}), "
            f"kubernetes {state.kubernetes_version or '?'}"
        )
    statuses = Counter(app.status.current for app in state.apps.values())
    out.append(f"{len(state.apps)} applications: " + ", ".join(f"{n} {s}" for s, n in statuses.most_common()))
    for app in sorted(state.apps.values(), key=lambda a: a.name):
        mesh = "mesh" if app.related_to(MESH_APP) else ""
        ingress = "ingress" if app.related_to(INGRESS_APP) else ""
        tags = " ".join(t for t in (mesh, ingress) if t)
        message = f"  {app.status.message}" if app.status.message and app.status.current != "active" else ""
        out.append(f"  {app.name:<28} {app.status.current:<12} {app.channel:<16} {tags}{message}".rstrip())
    sidecars = Counter(p.namespace for p in state.sidecar_pods())
    if sidecars:
        out.append(
            "pods still carrying istio-proxy: " + ", ".join(f"{ns} {n}" for ns, n in sorted(sidecars.items()))
        )
    else:
        out.append("pods still carrying istio-proxy: none")
    cilium = state.find("ConfigMap", "cilium-config", "kube-system")
    if cilium is not None:
        data = cilium.raw.get("data") or {}
        keys = ("cni-exclusive", "bpf-lb-sock-hostns-only", "enable-bpf-masquerade")
        out.append("cilium-config: " + ", ".join(f"{k}={data.get(k, '(unset)')}" for k in keys))
    for error in state.errors:
        out.append(f"read error: {error}")
    return out


def relations(state: ClusterState) -> list[str]:
    """Each relation once, as `app:endpoint other-app`, from both ends, sorted."""
    return sorted(
        {f"{app.name}:{r.endpoint} {r.related_app}" for app in state.apps.values() for r in app.relations}
    )


def write(directory: Path, state: ClusterState, name: str = LATEST_NAME) -> None:
    data = {
        "source": state.source,
        "read_at": state.read_at,
        "lines": lines(state),
        "apps": {a.name: {"channel": a.channel, "status": a.status.current} for a in state.apps.values()},
        "relations": relations(state),
    }
    tmp = directory / f"{name}.tmp"
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, directory / name)
