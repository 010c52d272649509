"""Facts about Charmed Kubeflow 1.11 and its ambient migration that the checks compare against.

Sources (see shared/reference/ckf-facts.md): the CKF 1.11/stable bundle (§4), the "Migrate to
Istio Ambient Mesh" guide (§1a, seed 001) and the gaps found in the charms' code (§1a, §6).
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDE_AMBIENT = "https://documentation.ubuntu.com/charmed-kubeflow/latest/how-to/manage/migrate-ambient/"
GUIDE_UPGRADE = (
    "https://documentation.ubuntu.com/charmed-kubeflow/latest/how-to/manage/upgrade/upgrade-1.10-1.11/"
)

BEACON = "istio-beacon-k8s"
INGRESS = "istio-ingress-k8s"
ISTIO = "istio-k8s"
LEGACY_APPS = (
    "istio-ingressgateway",
    "istio-pilot",
    "knative-serving",
    "knative-eventing",
    "knative-operator",
)
PROFILES = "kubeflow-profiles"
KSERVE = "kserve-controller"
INGRESS_SERVICE_ACCOUNT = f"{INGRESS}-istio"  # what istio-ingress-k8s publishes over gateway-metadata

# Track of each app in the CKF 1.11/stable bundle (BUNDLE:releases/1.11/stable/bundle.yaml).
BUNDLE_1_11 = {
    "admission-webhook": "1.10",
    "argo-controller": "3.7",
    "dex-auth": "2.41",
    "envoy": "2.4",
    "istio-ingressgateway": "1.28",
    "istio-pilot": "1.28",
    "jupyter-controller": "1.10",
    "jupyter-ui": "1.10",
    "katib-controller": "0.19",
    "katib-db-manager": "0.19",
    "katib-ui": "0.19",
    "katib-db": "8.0",
    "kfp-api": "2.15",
    "kfp-db": "8.0",
    "kfp-metadata-writer": "2.15",
    "kfp-persistence": "2.15",
    "kfp-profile-controller": "2.15",
    "kfp-schedwf": "2.15",
    "kfp-ui": "2.15",
    "kfp-viewer": "2.15",
    "kfp-viz": "2.15",
    "knative-eventing": "1.16",
    "knative-operator": "1.16",
    "knative-serving": "1.16",
    "kserve-controller": "0.15",
    "kubeflow-dashboard": "1.10",
    "kubeflow-profiles": "1.10",
    "kubeflow-roles": "1.10",
    "kubeflow-volumes": "1.10",
    "metacontroller-operator": "4.11",
    "minio": "1.10",
    "mlmd": "ckf-1.10",
    "oidc-gatekeeper": "ckf-1.10",
    "pvcviewer-operator": "1.10",
    "tensorboard-controller": "1.10",
    "tensorboards-web-app": "1.10",
    "training-operator": "1.9",
}
# Tracks the ambient guide refreshes to where they differ from the bundle's (seed 001), plus the
# new Istio charms: an app found on these is part-way through (or done with) the migration.
AMBIENT_TRACKS = {
    "admission-webhook": "2.0",
    "jupyter-controller": "1.11",
    "jupyter-ui": "1.11",
    "kubeflow-dashboard": "2.0",
    "kubeflow-profiles": "2.0",
    "kubeflow-volumes": "1.11",
    "pvcviewer-operator": "1.11",
    "tensorboard-controller": "1.11",
    "tensorboards-web-app": "1.11",
    ISTIO: "2",
    BEACON: "2",
    INGRESS: "2",
}
KATIB_APPS = ("katib-controller", "katib-db-manager", "katib-ui")


@dataclass(frozen=True)
class ExpectedRelation:
    app: str
    endpoint: str
    other_app: str
    other_endpoint: str
    gap: str = ""  # why Cairn adds it although the guide does not say so

    def shown(self) -> str:
        return f"{self.app}:{self.endpoint} {self.other_app}:{self.other_endpoint}"

    def integrate(self, model: str) -> str:
        return f"juju integrate -m {model} {self.shown()}"


def _mesh(app: str) -> ExpectedRelation:
    return ExpectedRelation(app, "service-mesh", BEACON, "service-mesh")


def _to_ingress(app: str, endpoint: str, gap: str = "") -> ExpectedRelation:
    return ExpectedRelation(app, endpoint, INGRESS, endpoint, gap)


# Every relation the migrated model must have (guide 001 in its order, with ckf-facts' gaps).
EXPECTED_RELATIONS: tuple[ExpectedRelation, ...] = (
    ExpectedRelation(INGRESS, "istio-ingress-config", ISTIO, "istio-ingress-config"),
    _mesh("admission-webhook"),
    _mesh("katib-controller"),
    _mesh("katib-ui"),
    _to_ingress("katib-ui", "istio-ingress-route"),
    _mesh("training-operator"),
    _mesh("kserve-controller"),
    _to_ingress("kserve-controller", "gateway-metadata"),
    _mesh("dex-auth"),
    _to_ingress("dex-auth", "istio-ingress-route-unauthenticated"),
    _mesh("oidc-gatekeeper"),
    _to_ingress("oidc-gatekeeper", "forward-auth"),
    _to_ingress("oidc-gatekeeper", "istio-ingress-route-unauthenticated"),
    # The guide integrates `envoy:service-mesh istio-beacon-k8s` without naming the beacon's side.
    ExpectedRelation(
        "envoy", "service-mesh", BEACON, "service-mesh", "the guide leaves the beacon endpoint unnamed"
    ),
    _to_ingress("envoy", "istio-ingress-route"),
    _mesh("jupyter-controller"),
    _to_ingress("jupyter-controller", "gateway-metadata"),
    _mesh("jupyter-ui"),
    _to_ingress("jupyter-ui", "istio-ingress-route"),
    _mesh("kfp-api"),
    _mesh("kfp-persistence"),
    _mesh("kfp-profile-controller"),
    _mesh("kfp-schedwf"),
    _mesh("kfp-ui"),
    _to_ingress("kfp-ui", "istio-ingress-route"),
    _mesh("kfp-viz"),
    ExpectedRelation("kfp-api", "kfp-api-grpc", "kfp-persistence", "kfp-api-grpc"),
    ExpectedRelation("kfp-api", "kfp-api-grpc", "kfp-schedwf", "kfp-api-grpc"),
    _mesh("minio"),
    _mesh("kubeflow-dashboard"),
    _to_ingress("kubeflow-dashboard", "istio-ingress-route"),
    _mesh("kubeflow-profiles"),
    _mesh("kubeflow-volumes"),
    _to_ingress("kubeflow-volumes", "istio-ingress-route"),
    _mesh("pvcviewer-operator"),
    _to_ingress(
        "pvcviewer-operator",
        "gateway-metadata",
        "missing from the guide: the charm stays Blocked without it",
    ),
    _mesh("tensorboard-controller"),
    _to_ingress("tensorboard-controller", "gateway-metadata"),
    _mesh("tensorboards-web-app"),
    _to_ingress("tensorboards-web-app", "istio-ingress-route"),
    _mesh("metacontroller-operator"),
)

# CRDs that must exist once istio-k8s runs: Istio's own and the Gateway API's.
ISTIO_CRDS = (
    "authorizationpolicies.security.istio.io",
    "peerauthentications.security.istio.io",
    "requestauthentications.security.istio.io",
    "destinationrules.networking.istio.io",
    "serviceentries.networking.istio.io",
    "virtualservices.networking.istio.io",
    "telemetries.telemetry.istio.io",
)
GATEWAY_API_CRDS = (
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io",
    "referencegrants.gateway.networking.k8s.io",
)

PLATFORMS = (
    "microk8s",
    "canonical-k8s",
    "gke",
    "k3d",
    "k3s",
    "minikube",
    "openshift",
    "eks",
    "aks",
    "kubeadm",
    "none",
)

# istio/istio#58185 (istio-cni cannot find the kubelet on MicroK8s, whose kubelet runs inside
# kubelite) is in the kubelet-UID lookup of istio-cni's nftables backend only (cni/pkg/nftables,
# fixed by istio/istio#58314). istio-k8s track/2 ships Istio 1.26.1 (charmcraft.yaml's istioctl)
# and never enables the nftables backend, so the CKF 1.11 migration is not affected: no pre-flight
# check is needed for it. Revisit if istio-k8s turns on native nftables.
