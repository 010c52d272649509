"""CKF 1.6 — `releases/1.6/stable/kubeflow/bundle.yaml` — with MinIO's data on a real volume.

The scenario lives in March 2023 (`charmhub_era`): `latest/edge` serves the CKF 1.7 charms of the
time, as the draft 1.6 -> 1.7 guide met them (see steps/sandbox/catalogue.py).

The MinIO volume is a directory of real files under sandbox_dir/volumes/<pv>/ laid out as MinIO's
single-drive (FS mode) backend keeps it, so copying it to a new claim and checking the copy are
real operations.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Any

from .. import apps, istio, kube, workloads
from ..state import State
from . import common

APPS: dict[str, dict[str, Any]] = {
    "admission-webhook": {"charm": "admission-webhook", "channel": "1.6/stable"},
    "argo-controller": {"charm": "argo-controller", "channel": "3.3/stable"},
    "argo-server": {"charm": "argo-server", "channel": "3.3/stable"},
    "dex-auth": {"charm": "dex-auth", "channel": "2.31/stable", "trust": True},
    "istio-ingressgateway": {
        "charm": "istio-gateway",
        "channel": "1.11/stable",
        "trust": True,
        "options": {"kind": "ingress"},
    },
    "istio-pilot": {
        "charm": "istio-pilot",
        "channel": "1.11/stable",
        "trust": True,
        "options": {"default-gateway": "kubeflow-gateway"},
    },
    "jupyter-controller": {"charm": "jupyter-controller", "channel": "1.6/stable"},
    "jupyter-ui": {"charm": "jupyter-ui", "channel": "1.6/stable"},
    "katib-controller": {"charm": "katib-controller", "channel": "0.14/stable"},
    "katib-db": {
        "charm": "charmed-osm-mariadb-k8s",
        "channel": "latest/stable",
        "options": {"database": "katib"},
        "storage": {"database": "1Gi"},
    },
    "katib-db-manager": {"charm": "katib-db-manager", "channel": "0.14/stable"},
    "katib-ui": {"charm": "katib-ui", "channel": "0.14/stable"},
    "kfp-api": {"charm": "kfp-api", "channel": "2.0/stable", "podspec": True},
    "kfp-db": {
        "charm": "charmed-osm-mariadb-k8s",
        "channel": "latest/stable",
        "options": {"database": "mlpipeline"},
        "storage": {"database": "1Gi"},
    },
    "kfp-persistence": {"charm": "kfp-persistence", "channel": "2.0/stable", "podspec": True},
    "kfp-profile-controller": {"charm": "kfp-profile-controller", "channel": "2.0/stable", "podspec": True},
    "kfp-schedwf": {"charm": "kfp-schedwf", "channel": "2.0/stable", "podspec": True},
    "kfp-ui": {"charm": "kfp-ui", "channel": "2.0/stable", "podspec": True},
    "kfp-viewer": {"charm": "kfp-viewer", "channel": "2.0/stable", "podspec": True},
    "kfp-viz": {"charm": "kfp-viz", "channel": "2.0/stable", "podspec": True},
    "kubeflow-dashboard": {"charm": "kubeflow-dashboard", "channel": "1.6/stable"},
    "kubeflow-profiles": {"charm": "kubeflow-profiles", "channel": "1.6/stable"},
    "kubeflow-roles": {"charm": "kubeflow-roles", "channel": "1.6/stable", "trust": True},
    "kubeflow-volumes": {"charm": "kubeflow-volumes", "channel": "1.6/stable"},
    "metacontroller-operator": {"charm": "metacontroller-operator", "channel": "2.0/stable", "trust": True},
    "minio": {"charm": "minio", "channel": "ckf-1.6/stable", "storage": {"minio-data": "10Gi"}},
    "oidc-gatekeeper": {"charm": "oidc-gatekeeper", "channel": "ckf-1.6/stable"},
    "seldon-controller-manager": {"charm": "seldon-core", "channel": "1.14/stable"},
    "tensorboard-controller": {"charm": "tensorboard-controller", "channel": "1.6/stable"},
    "tensorboards-web-app": {"charm": "tensorboards-web-app", "channel": "1.6/stable"},
    "training-operator": {"charm": "training-operator", "channel": "1.5/stable", "trust": True},
}

RELATIONS = [
    ("argo-controller", "minio"),
    ("dex-auth:oidc-client", "oidc-gatekeeper:oidc-client"),
    ("istio-pilot:ingress", "dex-auth:ingress"),
    ("istio-pilot:ingress", "jupyter-ui:ingress"),
    ("istio-pilot:ingress", "katib-ui:ingress"),
    ("istio-pilot:ingress", "kfp-ui:ingress"),
    ("istio-pilot:ingress", "kubeflow-dashboard:ingress"),
    ("istio-pilot:ingress", "kubeflow-volumes:ingress"),
    ("istio-pilot:ingress", "oidc-gatekeeper:ingress"),
    ("istio-pilot:ingress-auth", "oidc-gatekeeper:ingress-auth"),
    ("istio-pilot:istio-pilot", "istio-ingressgateway:istio-pilot"),
    ("istio-pilot:ingress", "tensorboards-web-app:ingress"),
    ("istio-pilot:gateway-info", "tensorboard-controller:gateway-info"),
    ("katib-db-manager", "katib-db"),
    ("kfp-api", "kfp-db"),
    ("kfp-api:kfp-api", "kfp-persistence:kfp-api"),
    ("kfp-api:kfp-api", "kfp-ui:kfp-api"),
    ("kfp-api:kfp-viz", "kfp-viz:kfp-viz"),
    ("kfp-api:object-storage", "minio:object-storage"),
    ("kfp-profile-controller:object-storage", "minio:object-storage"),
    ("kfp-ui:object-storage", "minio:object-storage"),
    ("kubeflow-profiles", "kubeflow-dashboard"),
]


# What a CKF 1.6 deployment ran on: a Juju 2.9 controller of its release time (2.9.34, Aug 2022:
# before 2.9.38 accepted --no-prompt) and MicroK8s 1.22, the Kubernetes CKF 1.6 was released for.
JUJU_VERSION = "2.9.34"
KUBERNETES_VERSION = "v1.22.17"


def build(name: str, sandbox_dir: Path, speed: float, t0: float, charmhub: str = "guide") -> State:
    """`charmhub`: "guide" - Charmhub as the 1.6 -> 1.7 guide met it (March 2023: `latest/edge`
    holds the 1.7 charms); "today" - today's Charmhub, where `latest/edge` is the newest charms."""
    state = common.base_state(name, "microk8s", speed, t0)
    state["model"]["version"] = JUJU_VERSION
    state["cluster"]["k8s_version"] = KUBERNETES_VERSION
    if charmhub == "guide":
        state["charmhub_era"] = "2023-03"
    # CKF 1.6 had no KServe (1.7 added it), but Seldon Core.
    crds = [c for c in common.KUBEFLOW_CRDS if not c.endswith(".serving.kserve.io")]
    common.cluster_base(state, t0, crds + ["seldondeployments.machinelearning.seldon.io"])
    common.model_namespace(state, t0)
    common.install_bundle(state, APPS, RELATIONS, t0)
    istio.sync_istio(state, t0)
    # kubeflow-dashboard 1.6 declares the `admin` Profile in its pod spec (config `profile`, owner
    # a User of the same name), so Juju created it and marked it as the dashboard's.
    labels, annotations = apps.juju_marks(state, "kubeflow-dashboard")
    common.profile(state, "admin", "admin", t0, labels=labels, annotations=annotations)
    workloads.reconcile(state, t0, sandbox_dir)
    fill_minio_volume(state, sandbox_dir, t0)
    return state


def minio_volume_dir(state: State, sandbox_dir: Path, t0: float) -> Path:
    template = state["apps"]["minio"]["storage"]["minio-data"]["template"]
    pvc = kube.get(state, "PersistentVolumeClaim", "kubeflow", f"{template}-minio-0", t0)
    assert pvc is not None  # the minio charm's claim, bound when the bundle was installed
    pv = kube.get(state, "PersistentVolume", None, pvc["spec"]["volumeName"], t0)
    assert pv is not None
    return Path(sandbox_dir) / pv["_"]["dir"]


def fill_minio_volume(state: State, sandbox_dir: Path, t0: float) -> None:
    """Buckets and objects as MinIO's FS backend stores them, of assorted sizes and depths."""
    root = minio_volume_dir(state, sandbox_dir, t0)
    rng = random.Random(1606)

    def write(rel: str, data: bytes | str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())

    write(
        ".minio.sys/format.json",
        json.dumps(
            {
                "version": "1",
                "format": "fs",
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "fs": {"version": "2"},
            }
        ),
    )
    write(
        ".minio.sys/config/config.json",
        json.dumps({"version": "33", "region": {"name": ""}, "api": {"requests_max": 0}}, indent=2),
    )
    for bucket in ("mlpipeline", "models"):
        write(f".minio.sys/buckets/{bucket}/.metadata.bin", bytes(rng.getrandbits(8) for _ in range(317)))
    write(".minio.sys/buckets/.usage.json", json.dumps({"objectsCount": 14, "bucketsCount": 2}))
    for _i in range(3):
        pid = uuid.UUID(int=rng.getrandbits(128))
        steps = "\n".join(
            f"  - name: step-{j}\n    image: python:3.9\n    command: [python, -c, 'print({j})']"
            for j in range(rng.randint(3, 9))
        )
        write(
            f"mlpipeline/pipelines/{pid}",
            f"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nspec:\n{steps}\n",
        )
    for run in range(2):
        rid = uuid.UUID(int=rng.getrandbits(128))
        for step in ("preprocess", "train", "evaluate"):
            lines = "".join(
                f"[{step}] epoch {k}: loss={rng.random():.6f}\n" for k in range(rng.randint(200, 900))
            )
            write(f"mlpipeline/artifacts/iris-pipeline-{run}/{rid}/{step}/main.log", lines)
    write(
        "mlpipeline/v2/artifacts/iris-pipeline/run-0/train/model.joblib",
        bytes(rng.getrandbits(8) for _ in range(300_000)),
    )
    write(
        "mlpipeline/v2/artifacts/iris-pipeline/run-0/evaluate/metrics.json",
        json.dumps({"accuracy": 0.9733, "f1": 0.9731}),
    )
    write("models/sklearn-iris/model.joblib", bytes(rng.getrandbits(8) for _ in range(1_250_000)))
    write("models/sklearn-iris/README.md", "# sklearn iris\n\nTrained with CKF 1.6 pipelines.\n")
    write("models/empty-object", b"")
