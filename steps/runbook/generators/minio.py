"""The MinIO migration pod of the CKF 1.6 → 1.7 upgrade, written by Cairn instead of sed.

The draft guide keeps a manifest with SOURCE_PVC/DESTINATION_PVC markers and pipes it through sed;
here the claim names come from the values captured from MinIO's StatefulSets, and the manifest is
written into the session (`files/`) so the record holds exactly what was applied.
"""

from __future__ import annotations

import json

from .context import GenContext

POD_NAME = "minio-migration"
IMAGE = "busybox"


def _on_node(node: str) -> dict:
    """Pin the pod to the node the old volume was mounted on: a ReadWriteOnce volume (hostpath,
    local, most block storage) attaches to one node only, and a pod elsewhere never starts."""
    if not node:
        return {}
    term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
    return {
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
        }
    }


def migration_pod(ctx: GenContext) -> str:
    namespace = str(ctx.params.get("model", "kubeflow"))
    source = ctx.captured.get("source_claim", "")
    destination = ctx.captured.get("destination_claim", "")
    if not source or not destination:
        raise ValueError(
            "the MinIO claims were not captured (run minio-find-volume and minio-find-new-volume)"
        )
    if source == destination:
        raise ValueError(
            f"the old and new MinIO claims are the same ({source}); the new volume was not created"
        )
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": POD_NAME,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "cairn"},
        },
        "spec": {
            "restartPolicy": "Never",
            **_on_node(ctx.captured.get("source_node", "")),
            "containers": [
                {
                    "name": POD_NAME,
                    "image": IMAGE,
                    "args": ["sleep", "1000000"],
                    "volumeMounts": [
                        {"name": "source", "mountPath": "/data-source"},
                        {"name": "destination", "mountPath": "/data-destination"},
                    ],
                }
            ],
            "volumes": [
                {
                    "name": "source",
                    "persistentVolumeClaim": {"claimName": f"{source}-minio-0", "readOnly": False},
                },
                {
                    "name": "destination",
                    "persistentVolumeClaim": {"claimName": f"{destination}-minio-0", "readOnly": False},
                },
            ],
        },
    }
    # JSON is valid YAML, and kubectl apply -f reads it; no templating left to go wrong.
    return json.dumps(manifest, indent=2) + "\n"


# The generators this module offers, by the name a runbook uses (see generators/__init__.py).
GENERATORS = {
    "minio-migration-pod": migration_pod,
}
