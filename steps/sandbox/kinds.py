"""The Kubernetes resource types the sandbox knows, and how kubectl names resolve to them."""

from __future__ import annotations

from dataclasses import dataclass

from .state import State


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    namespaced: bool
    short: tuple[str, ...] = ()
    builtin: bool = True  # False: served only while its CustomResourceDefinition exists

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """How `kubectl get -o name` and the patch/restart messages name the type."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"


KINDS = [
    Kind("Pod", "", "v1", "pods", True, ("po",)),
    Kind("Namespace", "", "v1", "namespaces", False, ("ns",)),
    Kind("ConfigMap", "", "v1", "configmaps", True, ("cm",)),
    Kind("Secret", "", "v1", "secrets", True),
    Kind("Service", "", "v1", "services", True, ("svc",)),
    Kind("ServiceAccount", "", "v1", "serviceaccounts", True, ("sa",)),
    Kind("PersistentVolume", "", "v1", "persistentvolumes", False, ("pv",)),
    Kind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True, ("pvc",)),
    Kind("Node", "", "v1", "nodes", False, ("no",)),
    Kind("Event", "", "v1", "events", True, ("ev",)),
    Kind("Deployment", "apps", "v1", "deployments", True, ("deploy",)),
    Kind("StatefulSet", "apps", "v1", "statefulsets", True, ("sts",)),
    Kind("DaemonSet", "apps", "v1", "daemonsets", True, ("ds",)),
    Kind("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",)),
    Kind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, ("netpol",)),
    Kind(
        "CiliumNetworkPolicy",
        "cilium.io",
        "v2",
        "ciliumnetworkpolicies",
        True,
        ("cnp", "ciliumnp"),
        builtin=False,
    ),
    Kind(
        "CiliumClusterwideNetworkPolicy",
        "cilium.io",
        "v2",
        "ciliumclusterwidenetworkpolicies",
        False,
        ("ccnp",),
        builtin=False,
    ),
    Kind("Workflow", "argoproj.io", "v1alpha1", "workflows", True, ("wf",), builtin=False),
    Kind("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", True, ("hpa",)),
    Kind(
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        False,
    ),
    Kind(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        False,
    ),
    Kind(
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        False,
        ("crd", "crds"),
    ),
    Kind("Gateway", "gateway.networking.k8s.io", "v1", "gateways", True, ("gtw",), builtin=False),
    Kind("GatewayClass", "gateway.networking.k8s.io", "v1", "gatewayclasses", False, ("gc",), builtin=False),
    Kind("HTTPRoute", "gateway.networking.k8s.io", "v1", "httproutes", True, (), builtin=False),
    Kind(
        "AuthorizationPolicy",
        "security.istio.io",
        "v1",
        "authorizationpolicies",
        True,
        ("ap",),
        builtin=False,
    ),
    Kind(
        "PeerAuthentication", "security.istio.io", "v1", "peerauthentications", True, ("pa",), builtin=False
    ),
    Kind(
        "RequestAuthentication",
        "security.istio.io",
        "v1",
        "requestauthentications",
        True,
        ("ra",),
        builtin=False,
    ),
    Kind("Gateway", "networking.istio.io", "v1", "gateways", True, ("gw",), builtin=False),
    Kind("VirtualService", "networking.istio.io", "v1", "virtualservices", True, ("vs",), builtin=False),
    Kind("DestinationRule", "networking.istio.io", "v1", "destinationrules", True, ("dr",), builtin=False),
    Kind("EnvoyFilter", "networking.istio.io", "v1alpha3", "envoyfilters", True, (), builtin=False),
    # Upstream Istio's other kinds (the istio-bookinfo scenarios and the istio-ambient runbook).
    Kind("ServiceEntry", "networking.istio.io", "v1", "serviceentries", True, ("se",), builtin=False),
    Kind("WorkloadEntry", "networking.istio.io", "v1", "workloadentries", True, ("we",), builtin=False),
    Kind("WorkloadGroup", "networking.istio.io", "v1", "workloadgroups", True, ("wg",), builtin=False),
    Kind("Sidecar", "networking.istio.io", "v1", "sidecars", True, (), builtin=False),
    Kind("Telemetry", "telemetry.istio.io", "v1", "telemetries", True, ("telemetry",), builtin=False),
    Kind("WasmPlugin", "extensions.istio.io", "v1alpha1", "wasmplugins", True, (), builtin=False),
    Kind("GRPCRoute", "gateway.networking.k8s.io", "v1", "grpcroutes", True, (), builtin=False),
    Kind(
        "ReferenceGrant",
        "gateway.networking.k8s.io",
        "v1beta1",
        "referencegrants",
        True,
        ("refgrant",),
        builtin=False,
    ),
    Kind("Profile", "kubeflow.org", "v1", "profiles", False, (), builtin=False),
    Kind("Notebook", "kubeflow.org", "v1", "notebooks", True, (), builtin=False),
    Kind("PodDefault", "kubeflow.org", "v1alpha1", "poddefaults", True, (), builtin=False),
    Kind(
        "InferenceService",
        "serving.kserve.io",
        "v1beta1",
        "inferenceservices",
        True,
        ("isvc",),
        builtin=False,
    ),
    Kind(
        "SeldonDeployment",
        "machinelearning.seldon.io",
        "v1",
        "seldondeployments",
        True,
        ("sdep",),
        builtin=False,
    ),
    Kind(
        "KnativeServing", "operator.knative.dev", "v1beta1", "knativeservings", True, ("ks",), builtin=False
    ),
    Kind(
        "KnativeEventing", "operator.knative.dev", "v1beta1", "knativeeventings", True, ("ke",), builtin=False
    ),
    Kind("Service", "serving.knative.dev", "v1", "services", True, ("ksvc",), builtin=False),
]


def store_key(kind: Kind) -> str:
    """The key under state["k8s"]: Kind for the built-ins, Kind.group where two groups share a Kind."""
    if kind.kind in ("Gateway", "Service") and kind.group not in ("", "gateway.networking.k8s.io"):
        return f"{kind.kind}.{kind.group}"
    return kind.kind


def by_store_key(key: str) -> Kind:
    for k in KINDS:
        if store_key(k) == key:
            return k
    raise KeyError(key)


def served(state: State, kind: Kind) -> bool:
    if kind.builtin:
        return True
    crds = state.get("k8s", {}).get("CustomResourceDefinition", {})
    crd = crds.get(kind.crd_name)
    if crd is None:
        return False
    private = crd.get("_", {})
    # A CRD held Terminating by its resources' finalizers still serves them (reads, finalizer patches).
    return not private.get("gone_at") or bool(private.get("held_by"))


def resolve(state: State, name: str) -> Kind | None:
    """kubectl's name lookup: plural, singular, short name, Kind, or <plural>.<group>[/version]."""
    low = name.lower().split("/")[0]
    candidates = []
    for kind in KINDS:
        names = {kind.plural, kind.singular, *kind.short, kind.kind.lower()}
        full = {f"{kind.plural}.{kind.group}", f"{kind.singular}.{kind.group}"} if kind.group else set()
        if low in full:
            # Fully qualified, it names one type: served only while its CRD is there.
            return kind if served(state, kind) else None
        if low in names:
            candidates.append(kind)
    # Built-in types win over CRDs with the same short name (core Service over Knative's), and
    # the Gateway API wins over Istio's Gateway, as kubectl's discovery order does.
    served_candidates = [k for k in candidates if served(state, k)]
    if served_candidates:
        return served_candidates[0]
    return None
