"""CKF 1.11/stable with sidecar Istio — `releases/1.11/stable/bundle.yaml` of canonical/bundle-kubeflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import apps, istio, workloads
from ..state import State
from . import common

T = {"trust": True}

APPS: dict[str, dict[str, Any]] = {
    "admission-webhook": {"charm": "admission-webhook", "channel": "1.10/stable", **T},
    "argo-controller": {"charm": "argo-controller", "channel": "3.7/stable", **T},
    "dex-auth": {"charm": "dex-auth", "channel": "2.41/stable", **T},
    "envoy": {"charm": "envoy", "channel": "2.4/stable", **T},
    "istio-ingressgateway": {
        "charm": "istio-gateway",
        "channel": "1.28/stable",
        "options": {"kind": "ingress"},
        **T,
    },
    "istio-pilot": {
        "charm": "istio-pilot",
        "channel": "1.28/stable",
        "options": {"default-gateway": "kubeflow-gateway"},
        **T,
    },
    "jupyter-controller": {"charm": "jupyter-controller", "channel": "1.10/stable", **T},
    "jupyter-ui": {"charm": "jupyter-ui", "channel": "1.10/stable", **T},
    "katib-controller": {"charm": "katib-controller", "channel": "0.19/stable", **T},
    "katib-db": {"charm": "mysql-k8s", "channel": "8.0/stable", "constraints": "mem=2G", **T},
    "katib-db-manager": {"charm": "katib-db-manager", "channel": "0.19/stable", **T},
    "katib-ui": {"charm": "katib-ui", "channel": "0.19/stable", **T},
    "kfp-api": {"charm": "kfp-api", "channel": "2.15/stable", **T},
    "kfp-db": {"charm": "mysql-k8s", "channel": "8.0/stable", "constraints": "mem=2G", **T},
    "kfp-metadata-writer": {"charm": "kfp-metadata-writer", "channel": "2.15/stable", **T},
    "kfp-persistence": {"charm": "kfp-persistence", "channel": "2.15/stable", **T},
    "kfp-profile-controller": {"charm": "kfp-profile-controller", "channel": "2.15/stable", **T},
    "kfp-schedwf": {"charm": "kfp-schedwf", "channel": "2.15/stable", **T},
    "kfp-ui": {"charm": "kfp-ui", "channel": "2.15/stable", **T},
    "kfp-viewer": {"charm": "kfp-viewer", "channel": "2.15/stable", **T},
    "kfp-viz": {"charm": "kfp-viz", "channel": "2.15/stable", **T},
    "knative-eventing": {"charm": "knative-eventing", "channel": "1.16/stable", **T},
    "knative-operator": {"charm": "knative-operator", "channel": "1.16/stable", **T},
    "knative-serving": {
        "charm": "knative-serving",
        "channel": "1.16/stable",
        "options": {"istio.gateway.name": "kubeflow-gateway", "istio.gateway.namespace": "kubeflow"},
        **T,
    },
    "kserve-controller": {
        "charm": "kserve-controller",
        "channel": "0.15/stable",
        "options": {"deployment-mode": "serverless"},
        **T,
    },
    "kubeflow-dashboard": {"charm": "kubeflow-dashboard", "channel": "1.10/stable", **T},
    "kubeflow-profiles": {"charm": "kubeflow-profiles", "channel": "1.10/stable", **T},
    "kubeflow-roles": {"charm": "kubeflow-roles", "channel": "1.10/stable", **T},
    "kubeflow-volumes": {"charm": "kubeflow-volumes", "channel": "1.10/stable", **T},
    "metacontroller-operator": {"charm": "metacontroller-operator", "channel": "4.11/stable", **T},
    # The 1.11 bundle deploys minio without trust; the ambient refresh adds it (`refresh --trust`).
    "minio": {"charm": "minio", "channel": "1.10/stable", "storage": {"minio-data": "10Gi"}},
    "mlmd": {"charm": "mlmd", "channel": "ckf-1.10/stable", **T},
    "oidc-gatekeeper": {"charm": "oidc-gatekeeper", "channel": "ckf-1.10/stable", **T},
    "pvcviewer-operator": {"charm": "pvcviewer-operator", "channel": "1.10/stable", **T},
    "tensorboard-controller": {"charm": "tensorboard-controller", "channel": "1.10/stable", **T},
    "tensorboards-web-app": {"charm": "tensorboards-web-app", "channel": "1.10/stable", **T},
    "training-operator": {"charm": "training-operator", "channel": "1.9/stable", **T},
}

RELATIONS = [
    ("argo-controller", "minio"),
    ("dex-auth:dex-oidc-config", "oidc-gatekeeper:dex-oidc-config"),
    ("dex-auth:oidc-client", "oidc-gatekeeper:oidc-client"),
    ("istio-pilot:ingress", "dex-auth:ingress"),
    ("istio-pilot:ingress", "jupyter-ui:ingress"),
    ("istio-pilot:ingress", "katib-ui:ingress"),
    ("istio-pilot:ingress", "kfp-ui:ingress"),
    ("istio-pilot:ingress", "kubeflow-dashboard:ingress"),
    ("istio-pilot:ingress", "kubeflow-volumes:ingress"),
    ("istio-pilot:ingress", "oidc-gatekeeper:ingress"),
    ("istio-pilot:ingress", "envoy:ingress"),
    ("istio-pilot:ingress-auth", "oidc-gatekeeper:ingress-auth"),
    ("istio-pilot:istio-pilot", "istio-ingressgateway:istio-pilot"),
    ("istio-pilot:ingress", "tensorboards-web-app:ingress"),
    ("istio-pilot:gateway-info", "tensorboard-controller:gateway-info"),
    ("katib-db-manager:k8s-service-info", "katib-controller:k8s-service-info"),
    ("katib-db-manager:relational-db", "katib-db:database"),
    ("kfp-api:relational-db", "kfp-db:database"),
    ("kfp-api:kfp-api", "kfp-persistence:kfp-api"),
    ("kfp-api:kfp-api", "kfp-ui:kfp-api"),
    ("kfp-api:kfp-viz", "kfp-viz:kfp-viz"),
    ("kfp-api:object-storage", "minio:object-storage"),
    ("kfp-profile-controller:object-storage", "minio:object-storage"),
    ("kfp-ui:object-storage", "minio:object-storage"),
    ("kserve-controller:ingress-gateway", "istio-pilot:gateway-info"),
    ("kserve-controller:local-gateway", "knative-serving:local-gateway"),
    ("kubeflow-profiles", "kubeflow-dashboard"),
    ("kubeflow-dashboard:links", "jupyter-ui:dashboard-links"),
    ("kubeflow-dashboard:links", "katib-ui:dashboard-links"),
    ("kubeflow-dashboard:links", "kfp-ui:dashboard-links"),
    ("kubeflow-dashboard:links", "kubeflow-volumes:dashboard-links"),
    ("kubeflow-dashboard:links", "tensorboards-web-app:dashboard-links"),
    ("kubeflow-dashboard:links", "training-operator:dashboard-links"),
    ("mlmd:grpc", "envoy:grpc"),
    ("mlmd:grpc", "kfp-metadata-writer:grpc"),
]


# The TLS variant: the gateway serves https://kubeflow.example.com with a certificate from
# self-signed-certificates (istio-pilot's `certificates` relation and `csr-domain-name`), and Dex's
# issuer names that URL, as CKF's "Enable TLS" how-to leaves a deployment.
TLS_HOSTNAME = "kubeflow.example.com"
TLS_APPS: dict[str, dict[str, Any]] = {
    "istio-pilot": {
        **APPS["istio-pilot"],
        "options": {**APPS["istio-pilot"]["options"], "csr-domain-name": TLS_HOSTNAME},
    },
    "dex-auth": {**APPS["dex-auth"], "options": {"issuer-url": f"https://{TLS_HOSTNAME}/dex"}},
    "self-signed-certificates": {"charm": "self-signed-certificates", "channel": "1/stable"},
}
TLS_RELATIONS = [("istio-pilot:certificates", "self-signed-certificates:certificates")]


def build(
    name: str, distribution: str, sandbox_dir: Path, speed: float, t0: float, *, tls: bool = False
) -> State:
    state = common.base_state(name, distribution, speed, t0)
    common.cluster_base(state, t0)
    common.model_namespace(state, t0)
    bundle, relations = (APPS | TLS_APPS, RELATIONS + TLS_RELATIONS) if tls else (APPS, RELATIONS)
    common.install_bundle(state, bundle, relations, t0, meshed=apps.MESHED_CHARMS)
    # istiod first, so that the pods created next are injected as they were on the real cluster.
    istio.sync_istio(state, t0)
    common.profile(state, "admin", common.ADMIN, t0)
    common.profile(state, "alice", "alice@example.com", t0)
    workloads.reconcile(state, t0, sandbox_dir)
    common.notebook(state, "admin", "my-notebook", t0, sandbox_dir)
    common.notebook(state, "alice", "alice-notebook", t0, sandbox_dir)
    common.inference_service(state, "admin", "sklearn-iris", t0)
    return state
