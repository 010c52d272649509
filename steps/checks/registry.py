"""Every named check, in one table: what runbooks refer to, and what `run_check` runs."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..cluster.state import ClusterState
from . import (
    ambient_health,
    charm_info,
    cilium,
    ckf16,
    copy_checks,
    done_checks,
    ingress_checks,
    istio_upstream,
    juju_dialect,
    knative_checks,
    mesh_policies,
    minio_checks,
    preflight_checks,
    tls_checks,
    verify_checks,
)
from .result import Check, CheckResult

_ALL: tuple[Check, ...] = (
    # Pre-flight
    Check(
        "tools-present",
        "juju and kubectl found",
        "the juju and kubectl CLIs are installed",
        preflight_checks.tools_present,
    ),
    Check(
        "juju-version",
        "Juju >= 3.6",
        "the juju client and the model's agents run Juju 3.6 or newer",
        preflight_checks.juju_version,
    ),
    Check(
        "juju-dialect",
        "Juju 2.9 or newer, dialect matches",
        "the controller runs Juju 2.9 or newer, and the plan speaks its CLI dialect (param `juju`)",
        juju_dialect.juju_dialect,
    ),
    Check(
        "ckf16-version",
        "CKF 1.6",
        "every charm on its CKF 1.6 bundle track (or already on its 1.7 channel)",
        ckf16.ckf16_version,
    ),
    Check(
        "charm-endpoints",
        "target charm has the endpoints",
        "`juju info` of the target channel lists every endpoint the runbook will integrate",
        charm_info.charm_endpoints,
        ("charm", "channel", "endpoints", "info"),
    ),
    Check(
        "kubernetes-version",
        "Kubernetes >= 1.32",
        "the cluster runs Kubernetes 1.32 or newer",
        preflight_checks.kubernetes_version,
    ),
    Check(
        "model-exists",
        "Juju model found",
        "the Juju model (param `model`) exists and was read",
        preflight_checks.model_exists,
    ),
    Check(
        "ckf-version",
        "CKF 1.11",
        "istio-pilot on 1.28 and every charm on its CKF 1.11 bundle track",
        preflight_checks.ckf_version,
    ),
    Check(
        "all-apps-active",
        "every application active",
        "every application and unit reports active",
        preflight_checks.apps_active,
    ),
    Check(
        "platform-matches",
        "platform matches --platform",
        "the cluster's platform is the one chosen",
        preflight_checks.platform_matches,
    ),
    Check(
        "gateway-tls",
        "no TLS lost",
        "TLS on the sidecar gateway (tls-secret-id, csr-domain-name, certificates) has a way onto istio-ingress-k8s",
        tls_checks.gateway_tls,
    ),
    Check(
        "cilium-config",
        "Cilium compatible with ambient",
        "with Cilium: no BPF masquerading, probes allowed past default-deny, values the runbook will set",
        cilium.cilium_preflight,
    ),
    Check(
        "serverless-inference-services",
        "serverless InferenceServices",
        "lists InferenceServices that stop serving when Knative goes",
        preflight_checks.serverless_inferenceservices,
        blocker=False,
    ),
    Check(
        "running-pipelines",
        "no pipeline run in progress",
        "Argo workflows still running",
        preflight_checks.running_pipelines,
        blocker=False,
    ),
    Check(
        "running-notebooks",
        "running-notebooks",
        "notebooks that will restart",
        preflight_checks.running_notebooks,
        blocker=False,
    ),
    Check(
        "user-namespaces",
        "user namespaces",
        "the Kubeflow user namespaces (Profiles) the migration will touch",
        preflight_checks.user_namespaces_check,
    ),
    # Upstream Istio (the istio-ambient runbook)
    Check(
        "gateway-api-crds",
        "Gateway API CRDs",
        "the Gateway API CRDs (GatewayClass, Gateway, HTTPRoute) are installed",
        istio_upstream.gateway_api_crds,
    ),
    Check(
        "istio-ambient-ready",
        "Istio ambient ready",
        "istiod has PILOT_ENABLE_AMBIENT=true and istio-cni and ztunnel run on every node",
        istio_upstream.ambient_ready,
    ),
    Check(
        "istio-no-sidecars-left",
        "no sidecar left anywhere",
        "no pod in any namespace still carries an istio-proxy sidecar (they bypass waypoints)",
        istio_upstream.no_sidecars_left,
    ),
    # Already done
    Check(
        "app-absent",
        "application absent",
        "the application is not deployed",
        done_checks.app_absent,
        ("app",),
    ),
    Check(
        "app-present", "application present", "the application is deployed", done_checks.app_present, ("app",)
    ),
    Check(
        "app-upgraded",
        "application upgraded",
        "every unit idle and active or waiting after a refresh",
        done_checks.app_upgraded,
        ("app",),
    ),
    Check(
        "app-on-channel",
        "application on channel",
        "the application tracks the channel",
        done_checks.app_on_channel,
        ("app", "channel"),
    ),
    Check(
        "app-config",
        "application config",
        "an application's config option has the value",
        done_checks.app_config,
        ("app", "key", "value"),
    ),
    Check(
        "relation-present",
        "relation present",
        "the two endpoints are related",
        done_checks.relation_check,
        ("app", "endpoint", "other_app"),
        ("other_endpoint",),
    ),
    Check(
        "configmap-value",
        "ConfigMap value",
        "a ConfigMap key has the value",
        done_checks.configmap_value,
        ("namespace", "name", "key", "value"),
    ),
    Check(
        "knative-gone",
        "Knative gone",
        "no knative-serving/knative-eventing namespace, *.knative.dev CRD or webhook configuration left "
        "(none stuck on finalizers)",
        knative_checks.knative_gone,
    ),
    Check(
        "namespace-absent",
        "namespace gone",
        "the namespace no longer exists (it finished terminating)",
        done_checks.namespace_absent,
        ("namespace",),
    ),
    Check(
        "namespace-relabelled",
        "namespace relabelled for ambient",
        "istio-injection=disabled and istio.io/dataplane-mode=ambient on the namespace",
        done_checks.namespace_relabelled,
        ("namespace",),
    ),
    Check(
        "no-sidecar-pods",
        "no sidecar pods",
        "no running pod (matching the selector) has an istio-proxy sidecar",
        done_checks.no_sidecar_pods,
        ("namespace",),
        ("selector",),
    ),
    Check(
        "volume-copy-matches",
        "volume copy complete",
        "two `find DIR -type f -exec wc -c {} +` listings: every source file is in the copy with its size",
        copy_checks.volume_copy_matches,
        ("source", "destination"),
    ),
    Check(
        "volume-checksums-match",
        "volume copy identical",
        "two `find DIR -type f -exec sha256sum {} +` listings: every source file is in the copy with its content",
        copy_checks.volume_checksums_match,
        ("source", "destination"),
    ),
    Check(
        "minio-serves-buckets",
        "MinIO serves the copied buckets",
        "MinIO's S3 bucket listing, taken with the old credentials, names every bucket of the old volume",
        minio_checks.minio_serves_buckets,
        ("listing", "source"),
    ),
    # Verification
    Check(
        "mesh-relations",
        "mesh and ingress relations",
        "every migrated app is related to the beacon and the ingress",
        verify_checks.mesh_relations,
    ),
    Check(
        "profiles-ambient",
        "kubeflow-profiles in ambient mode",
        "service-mesh-mode=istio-ambient and the ingress gateway's service account",
        verify_checks.profiles_ambient,
    ),
    Check(
        "waypoints",
        "a waypoint per user namespace",
        "a Gateway of class istio-waypoint in each user namespace",
        verify_checks.waypoints,
    ),
    Check(
        "namespaces-ambient",
        "user namespaces on ambient",
        "user namespaces labelled istio.io/dataplane-mode=ambient",
        verify_checks.namespaces_ambient,
    ),
    Check(
        "no-sidecars",
        "no sidecar left",
        "no istio-proxy sidecar in the model or user namespaces",
        verify_checks.no_sidecars,
    ),
    Check(
        "istio-crds",
        "Istio and Gateway API CRDs",
        "the Istio and Gateway API CRDs exist",
        verify_checks.istio_crds,
    ),
    Check(
        "no-legacy-apps",
        "sidecar Istio and Knative removed",
        "no istio-pilot, istio-ingressgateway or Knative app",
        verify_checks.no_legacy_apps,
    ),
    Check(
        "kserve-rawdeployment",
        "KServe in raw deployment mode",
        "kserve-controller deployment-mode=rawdeployment",
        verify_checks.kserve_rawdeployment,
    ),
    Check(
        "ambient-dataplane",
        "ztunnel and istio-cni on every node",
        "the ztunnel and istio-cni-node DaemonSets are ready on every node",
        ambient_health.ambient_dataplane,
    ),
    Check(
        "inferenceservices-serving",
        "InferenceServices serving",
        "names the InferenceServices left serverless or not Ready after Knative went",
        ambient_health.serverless_left,
        blocker=False,
    ),
    Check(
        "sidecars-elsewhere",
        "no sidecar outside Kubeflow",
        "names pods with sidecars in namespaces that are neither the model's nor a Profile's",
        ambient_health.sidecars_elsewhere,
        blocker=False,
    ),
    Check(
        "pods-enrolled",
        "user pods enrolled in ambient",
        "every running pod of the user namespaces carries ambient.istio.io/redirection: enabled (istio-cni's mark)",
        ambient_health.pods_enrolled,
    ),
    Check(
        "mesh-policies-kept",
        "no policy or route lost",
        "the AuthorizationPolicies and VirtualServices listed in pre-flight (`before`, one line each) are all "
        "still there, but the sidecar charms' own; names KFAM contributor policies and custom ones lost",
        mesh_policies.mesh_policies_kept,
        ("before",),
    ),
    Check(
        "custom-virtualservices",
        "no custom route on kubeflow-gateway",
        "names VirtualServices not made by the charms that are bound to istio-pilot's gateway",
        mesh_policies.custom_virtualservices,
        blocker=False,
    ),
    Check(
        "ingress-tls",
        "TLS carried to istio-ingress-k8s",
        "when the sidecar gateway served TLS: istio-ingress-k8s has its certificates relation, external_hostname "
        "and an HTTPS listener on 443 with the certificate",
        ingress_checks.ingress_tls,
    ),
    Check(
        "auth-urls",
        "login URLs name the new gateway",
        "Dex's issuer-url/public-url and oidc-gatekeeper's public-url (older tracks) name the new gateway's "
        "address and scheme, or an in-cluster address",
        ingress_checks.auth_urls,
    ),
    Check(
        "cilium-ambient-ready",
        "Cilium values for ambient",
        "with Cilium (canonical-k8s): the values the guide sets are set",
        cilium.cilium_values,
    ),
)
# name -> Check, in the order above: `set(CHECKS)` is every name, `CHECKS[name].description` its line.
CHECKS: Mapping[str, Check] = MappingProxyType({check.name: check for check in _ALL})
assert len(CHECKS) == len(_ALL), "check names must be unique"


def get_check(name: str) -> Check:
    try:
        return CHECKS[name]
    except KeyError:
        raise KeyError(f"unknown check {name!r}; known checks: {', '.join(sorted(CHECKS))}") from None


def run_check(name: str, state: ClusterState, params: Mapping[str, Any], /, **args: Any) -> CheckResult:
    """Run one named check. Unknown name: KeyError; wrong arguments: ValueError (both name the check).

    `name`, `state` and `params` are positional-only: a check may itself take an argument `name`.
    """
    return get_check(name).run(state, params, **args)
