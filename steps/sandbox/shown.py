"""Any object as `kubectl get -o json` shows it: pods and workloads with their live status, custom
resources with the status their controller would write.

It sits above pods.py and workloads.py so that neither needs the other: a custom resource's
status depends on the whole model (workloads), and the model depends on pods.
"""

from __future__ import annotations

from . import pods, workloads
from .kube import Obj, public
from .state import State


def render(state: State, obj: Obj, now: float) -> Obj:
    """Any object as `kubectl get -o json` shows it at `now`."""
    kind = obj["kind"]
    if kind == "Pod":
        return pods.render_pod(state, obj, now)
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        return pods.render_workload(state, obj, now)
    out = public(obj)
    renderer = obj.get("_", {}).get("status_fn")
    if renderer:
        out["status"] = workloads.dynamic_status(state, obj, renderer, now)
    return out
