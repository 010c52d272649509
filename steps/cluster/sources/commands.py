"""The reads, in one place: which `juju`/`kubectl` commands a dump and the sandbox source run, and
which Kubernetes resources the live source lists (the same resources, through the API).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KubeResource:
    plural: str
    group: str  # "" for the core API
    version: str  # for CRD-defined ones, the live source prefers the CRD's storage version
    namespaced: bool
    custom: bool = False  # defined by a CRD that a cluster may not have
    extra: bool = False  # read for the checks beyond the guide's list; failing to read it is no error
    short: str = ""  # the name kubectl is given, when not the usual one

    @property
    def kubectl(self) -> str:
        """The name kubectl takes: `pods`, `profiles.kubeflow.org` (CRD-defined ones fully qualified)."""
        return self.short or (f"{self.plural}.{self.group}" if self.custom else self.plural)

    def api_path(self, version: str | None = None) -> str:
        version = version or self.version
        if not self.group:
            return f"/api/{version}/{self.plural}"
        return f"/apis/{self.group}/{version}/{self.plural}"


def _core(
    plural: str, group: str = "", namespaced: bool = True, extra: bool = False, short: str = ""
) -> KubeResource:
    return KubeResource(plural, group, "v1", namespaced, extra=extra, short=short)


def _crd(plural: str, group: str, version: str, namespaced: bool = True, extra: bool = False) -> KubeResource:
    return KubeResource(plural, group, version, namespaced, custom=True, extra=extra)


# Read together in one `kubectl get a,b,c -A -o json` (a `List` of mixed kinds).
CORE_BATCH = (
    _core("namespaces", namespaced=False),
    _core("pods"),
    _core("deployments", "apps"),
    _core("statefulsets", "apps"),
    _core("daemonsets", "apps"),
    _core("services"),
    _core("configmaps"),
)
CRDS = _core("customresourcedefinitions", "apiextensions.k8s.io", namespaced=False, short="crd")
# Each read with its own `kubectl get`, in this order.
SINGLE = (
    _core("nodes", namespaced=False, extra=True),  # for platform detection
    CRDS,
    _crd("profiles", "kubeflow.org", "v1", namespaced=False),
    _crd("inferenceservices", "serving.kserve.io", "v1beta1"),
    _crd("gateways", "gateway.networking.k8s.io", "v1"),
    _crd("authorizationpolicies", "security.istio.io", "v1"),
    # For the custom-virtualservices and mesh-policies-kept checks (routes bound to kubeflow-gateway):
    _crd("virtualservices", "networking.istio.io", "v1", extra=True),
    _core("networkpolicies", "networking.k8s.io"),
    # For the Cilium, pipeline-run and notebook checks:
    _crd("ciliumnetworkpolicies", "cilium.io", "v2", extra=True),
    _crd("ciliumclusterwidenetworkpolicies", "cilium.io", "v2", namespaced=False, extra=True),
    _crd("workflows", "argoproj.io", "v1alpha1", extra=True),
    _crd("notebooks", "kubeflow.org", "v1", extra=True),
)
# Read together in one `kubectl get a,b -o json` (cluster-scoped): the admission webhooks, for the
# Knative leftovers (webhooks whose Service is gone). Failing to read them is no error.
WEBHOOKS = (
    _core("mutatingwebhookconfigurations", "admissionregistration.k8s.io", namespaced=False, extra=True),
    _core("validatingwebhookconfigurations", "admissionregistration.k8s.io", namespaced=False, extra=True),
)
RESOURCES = CORE_BATCH + SINGLE + WEBHOOKS


@dataclass(frozen=True)
class ReadCommand:
    name: str  # file stem in a dump: "kubectl-get-pods-etc"
    argv: tuple[str, ...]
    suffix: str = ".json"
    optional: bool = False  # a failure is recorded, but is not an error of the read
    custom: bool = False  # a missing resource type (CRD not installed) is not an error

    def failure_is_error(self, stderr: str) -> bool:
        if self.optional:
            return False
        return not (self.custom and missing_resource_type(stderr))


def missing_resource_type(stderr: str) -> bool:
    """kubectl's words for a resource type the server does not serve (its CRD is not installed)."""
    return (
        "doesn't have a resource type" in stderr
        or "the server could not find the requested resource" in stderr
    )


def _kubectl(context: str | None, *args: str) -> tuple[str, ...]:
    return ("kubectl", *(("--context", context) if context else ()), *args)


def _get(resource: KubeResource, context: str | None) -> ReadCommand:
    scope = ("-A",) if resource.namespaced else ()
    return ReadCommand(
        name=f"kubectl-get-{resource.plural}",
        argv=_kubectl(context, "get", resource.kubectl, *scope, "-o", "json"),
        optional=resource.extra,
        custom=resource.custom,
    )


def read_commands(model: str, context: str | None = None) -> list[ReadCommand]:
    """Every read but the per-application `juju config` (which needs the status's app names)."""
    batch = ",".join(r.kubectl for r in CORE_BATCH)
    return [
        ReadCommand("juju-status", ("juju", "status", "-m", model, "--format=json")),
        ReadCommand("juju-version", ("juju", "version"), suffix=".txt"),
        # Exits non-zero (after printing the client part) when the server cannot be reached.
        ReadCommand("kubectl-version", _kubectl(context, "version", "-o", "json")),
        ReadCommand("kubectl-get-workloads", _kubectl(context, "get", batch, "-A", "-o", "json")),
        *(_get(resource, context) for resource in SINGLE),
        ReadCommand(
            "kubectl-get-webhookconfigurations",
            _kubectl(context, "get", ",".join(r.kubectl for r in WEBHOOKS), "-o", "json"),
            optional=True,
        ),
    ]


def config_command(model: str, app: str) -> ReadCommand:
    return ReadCommand(f"juju-config-{app}", ("juju", "config", "-m", model, app, "--format=json"))
