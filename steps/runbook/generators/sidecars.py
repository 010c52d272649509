"""The restarts that clear istio-proxy sidecars from a user namespace, computed from its pods.

Only workloads whose running pods still carry a sidecar are restarted: `kubectl rollout restart
deployment -n NS` would also restart the namespace's waypoint (a Deployment whose single
istio-proxy container is not a sidecar) and every workload that is already clean.
"""

from __future__ import annotations

from ...checks.pods import running_sidecar_pods
from .context import GenContext, Generated

ROLLOUT_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def restart_sidecar_workloads(ctx: GenContext) -> Generated:
    namespace = ctx.args.get("namespace", "")
    if ctx.state is None or not namespace:
        return Generated(commands=(), record=[])
    commands: list[tuple[str, ...]] = []
    for pod in running_sidecar_pods(ctx.state, [namespace]):
        if pod.owner_kind in ROLLOUT_KINDS:
            argv = (
                "kubectl",
                "-n",
                namespace,
                "rollout",
                "restart",
                f"{pod.owner_kind.lower()}/{pod.owner_name}",
            )
        else:  # a ReplicaSet or Job recreates a deleted pod; a bare pod is named in the record
            argv = ("kubectl", "-n", namespace, "delete", "pod", pod.name)
        if argv not in commands:
            commands.append(argv)
    return Generated(commands=tuple(commands), record=[" ".join(c) for c in commands])


# The generators this module offers, by the name a runbook uses (see generators/__init__.py).
GENERATORS = {
    "restart-sidecar-workloads": restart_sidecar_workloads,
}
