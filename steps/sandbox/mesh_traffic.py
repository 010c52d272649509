"""A request from a pod to a Service of the CKF sandbox, as the mesh of the moment answers it.

Only what the CKF UATs' ambient test asks is answered (charmed-kubeflow-uats, driver/ambient): a
pod in a user namespace calls `ml-pipeline.<model>.svc:8888` with a forged `kubeflow-userid`
header. In sidecar mode, and whenever kfp-api is outside the ambient mesh, KFP believes the header
and lists the namespace's experiments (the header-spoofing hole ambient closes). Once kfp-api is on
the ambient mesh (its service-mesh relation to istio-beacon-k8s, a working data plane), the policy
the beacon writes refuses a caller that is not the ingress: 403 "RBAC: access denied", as Envoy
words it.
"""

from __future__ import annotations

import json

from . import apps, istio, kube, model, pods
from .curl_cli import CurlError, Response
from .state import State

ML_PIPELINE = "ml-pipeline"


def in_cluster(host: str) -> bool:
    return host.endswith((".svc", ".svc.cluster.local"))


def request(
    state: State, t: float, source: str, host: str, port: int, path: str, headers: list[str]
) -> Response:
    parts = host.split(".")
    name, namespace = parts[0], parts[1]
    svc = kube.get(state, "Service", namespace, name, t)
    if svc is None:
        raise CurlError(6, f"Could not resolve host: {host}")
    if port not in [p["port"] for p in svc["spec"]["ports"]]:
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    if name != ML_PIPELINE:
        raise CurlError(7, f"the rehearsal sandbox answers only {ML_PIPELINE} from inside a pod, not {host}")
    found = model.first_app(state, "kfp-api", t)
    if found is None or not any(
        pods.pod_runtime(state, p, t)["status"] == "Running"
        for p in pods.pods_of(state, "StatefulSet", namespace, found[0], t)
    ):
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    if apps.mesh_labels(state, found[0], t) and istio.dataplane_problem(state, t) is None:
        return Response(403, "RBAC: access denied", headers={"content-type": "text/plain"})
    user = next((h.split(":", 1)[1].strip() for h in headers if h.lower().startswith("kubeflow-userid:")), "")
    if not user:
        message = "Request header error: there is no user identity header."
        body = {"error": message, "code": 16, "message": message, "details": []}
        return Response(
            401, json.dumps(body, separators=(",", ":")), headers={"content-type": "application/json"}
        )
    asked = path.partition("namespace=")[2].split("&")[0]
    experiment = {
        "experiment_id": "4d2a1e3c-8f0b-4f5e-9a37-2f6c1b0e7d11",
        "display_name": "Default",
        "description": "All runs created without specifying an experiment will be grouped here.",
        "created_at": "2026-01-01T00:00:00Z",
        "namespace": asked,
        "storage_state": "AVAILABLE",
    }
    return Response(
        200,
        json.dumps({"experiments": [experiment], "total_size": 1}, separators=(",", ":")),
        headers={"content-type": "application/json"},
    )
