"""The Istio control plane as read from the cluster, and the pre-reqs and cluster-setup findings
about it: versions, ambient profile, ztunnel, istio-cni, Gateway API CRDs, sidecars' HBONE.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from .codes import MIN_ISTIO
from .finding import Finding, finding
from .state import (
    APPS,
    CORE,
    ISTIO_CNI_CONFIG,
    NETWORKING,
    SECURITY,
    ConfigMap,
    IstioState,
    Pod,
    Workload,
    mesh_config,
)

GATEWAY_API_CRDS = (
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io",
    "referencegrants.gateway.networking.k8s.io",
)
GATEWAY_API_INSTALL = (
    "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.4.0/standard-install.yaml"
)
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


def argv(*parts: str) -> str:
    return shlex.join(parts)


@dataclass(frozen=True)
class ControlPlane:
    istiods: tuple[Workload, ...]
    namespace: str  # where istiod runs
    root_namespace: str
    trust_domain: str
    auto_allow_waypoint: bool  # PILOT_AUTO_ALLOW_WAYPOINT_POLICY=true on an istiod
    install: str  # "helm" | "istioctl" | ""
    helm_release: str
    version: str  # of the first istiod, "" when unknown

    @property
    def system_namespaces(self) -> set[str]:
        return {self.namespace, self.root_namespace, "kube-system", "kube-public", "kube-node-lease"}


def _discovery(w: Workload):
    return next((c for c in w.containers if c.name == "discovery"), w.containers[0] if w.containers else None)


def istio_version(w: Workload) -> str:
    """`1.26.1` from the image tag (`pilot:1.26.1-distroless`), else from `helm.sh/chart: istiod-1.26.1`."""
    container = _discovery(w)
    image = container.image if container else ""
    if "@" not in image and ":" in image.rsplit("/", 1)[-1]:
        tag = image.rsplit(":", 1)[1]
        if _VERSION.match(tag):
            return tag.split("-")[0]
    chart = w.labels.get("helm.sh/chart", "")
    if chart.startswith("istiod-") and _VERSION.match(chart[len("istiod-") :]):
        return chart[len("istiod-") :]
    return ""


def _version_tuple(version: str) -> tuple[int, int]:
    m = _VERSION.match(version)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def _env(w: Workload, name: str) -> str:
    container = _discovery(w)
    return container.env.get(name, "") if container else ""


def read_control_plane(state: IstioState) -> ControlPlane:
    istiods = tuple(
        w
        for w in state.records(APPS, "Deployment")
        if w.key.name == "istiod"
        or w.key.name.startswith("istiod-")
        or w.template_labels.get("app") == "istiod"
    )
    namespace = istiods[0].key.namespace if istiods else "istio-system"
    mesh: Mapping[str, object] = {}
    for name in ("istio", *(f"istio-{w.labels.get('istio.io/rev', '')}" for w in istiods)):
        cm = state.get(CORE, "ConfigMap", namespace, name)
        if isinstance(cm, ConfigMap):
            mesh = mesh_config(cm)
            break
    install, release = "", ""
    if istiods:
        first = istiods[0]
        if first.labels.get("app.kubernetes.io/managed-by") == "Helm" or "helm.sh/chart" in first.labels:
            install, release = "helm", first.annotations.get("meta.helm.sh/release-name", "istiod")
        elif any(k.startswith("install.operator.istio.io/") for k in first.labels):
            install = "istioctl"
    return ControlPlane(
        istiods=istiods,
        namespace=namespace,
        root_namespace=str(mesh.get("rootNamespace") or namespace),
        trust_domain=str(mesh.get("trustDomain") or "cluster.local"),
        auto_allow_waypoint=any(
            _env(w, "PILOT_AUTO_ALLOW_WAYPOINT_POLICY").lower() == "true" for w in istiods
        ),
        install=install,
        helm_release=release,
        version=istio_version(istiods[0]) if istiods else "",
    )


def _ambient_fix(cp: ControlPlane) -> tuple[str, str]:
    """(the command, why) that installs the ambient profile the way Istio was installed."""
    if cp.install == "istioctl":
        return (
            argv("istioctl", "upgrade", "--set", "profile=ambient"),
            " The istioctl ambient profile has no ingress gateway: re-enable yours or it is pruned (#50219).",
        )
    version = ["--version", cp.version] if cp.version else []
    return (
        argv(
            "helm",
            "upgrade",
            cp.helm_release or "istiod",
            "istio/istiod",
            "-n",
            cp.namespace,
            "--reuse-values",
            "--set",
            "profile=ambient",
            *version,
        ),
        "",
    )


def prereq_findings(state: IstioState, cp: ControlPlane) -> list[Finding]:
    out: list[Finding] = []
    if not cp.istiods:
        out.append(
            finding(
                "ISTIO_VERSION_UNKNOWN",
                f"Deployment/{cp.namespace}/istiod",
                "no istiod Deployment in the input: the Istio version cannot be checked "
                "(read the namespace istiod runs in too)",
            )
        )
    for w in cp.istiods:
        version = istio_version(w)
        container = _discovery(w)
        if not version:
            out.append(
                finding(
                    "ISTIO_VERSION_UNKNOWN",
                    w.key.subject,
                    f"cannot read the Istio version from image {container.image if container else '(none)'!r}; "
                    f"check it is {MIN_ISTIO[0]}.{MIN_ISTIO[1]} or newer by hand",
                )
            )
        elif _version_tuple(version) < MIN_ISTIO:
            nxt = f"1.{_version_tuple(version)[1] + 1}"
            out.append(
                finding(
                    "ISTIO_VERSION_UNSUPPORTED",
                    w.key.subject,
                    f"istiod runs Istio {version}; ambient needs {MIN_ISTIO[0]}.{MIN_ISTIO[1]} or newer. "
                    f"Upgrade one minor version at a time (next: {nxt}) before migrating",
                    argv(
                        "helm",
                        "upgrade",
                        cp.helm_release or "istiod",
                        "istio/istiod",
                        "-n",
                        w.key.namespace,
                        "--reuse-values",
                        "--version",
                        f"{nxt}.0",
                    )
                    if cp.install == "helm"
                    else None,
                )
            )
    for we in state.config(NETWORKING, "WorkloadEntry"):
        out.append(
            finding(
                "VM_WORKLOADS",
                we.key.subject,
                "a WorkloadEntry (a VM or other non-Kubernetes workload): ambient does not support them; "
                "move the workload into the cluster or keep this mesh in sidecar mode",
            )
        )
    spire = [
        p
        for p in state.pods
        if "spiffe.io/spire-managed-identity" in p.labels
        or "spire" in p.annotations.get("inject.istio.io/templates", "").split(",")
    ]
    for subject, pods in by_owner(spire):
        out.append(
            finding(
                "SPIRE",
                subject,
                f"{_pods(pods)} given identities by SPIRE: upstream ambient does not support SPIRE as the "
                "certificate provider",
            )
        )
    for pa in state.config(SECURITY, "PeerAuthentication"):
        mode = (
            str((pa.spec.get("mtls") or {}).get("mode") or "").upper()
            if isinstance(pa.spec.get("mtls"), dict)
            else ""
        )
        if mode == "DISABLE":
            out.append(
                finding(
                    "PEERAUTH_DISABLE",
                    pa.key.subject,
                    "mTLS mode DISABLE: ambient ignores it (treated as PERMISSIVE). Decide what the workloads "
                    "need; PERMISSIVE keeps plaintext callers working",
                    argv(
                        "kubectl",
                        "patch",
                        "peerauthentication",
                        "-n",
                        pa.namespace,
                        pa.name,
                        "--type",
                        "merge",
                        "-p",
                        '{"spec":{"mtls":{"mode":"PERMISSIVE"}}}',
                    ),
                )
            )
        ports = pa.spec.get("portLevelMtls")
        if isinstance(ports, dict):
            disabled = sorted(
                str(port)
                for port, v in ports.items()
                if isinstance(v, dict) and str(v.get("mode") or "").upper() == "DISABLE"
            )
            if disabled:
                out.append(
                    finding(
                        "PEERAUTH_PORT_DISABLE",
                        pa.key.subject,
                        f"port-level DISABLE on port(s) {', '.join(disabled)}: ztunnel reads it as PERMISSIVE "
                        "(mTLS is accepted there too)",
                    )
                )
    for secret in state.multicluster_secrets:
        out.append(
            finding(
                "MULTICLUSTER",
                secret.key.subject,
                "a remote cluster's secret (istio/multiCluster=true): primary-remote is not supported in "
                "ambient; multi-primary needs a recent Istio. Migrate each cluster with care",
            )
        )
    for svc in state.services:
        if svc.labels.get("istio") == "eastwestgateway":
            out.append(
                finding(
                    "MULTICLUSTER",
                    svc.key.subject,
                    "an east-west gateway: this mesh spans clusters; primary-remote is not supported in ambient",
                )
            )
    out += _envoyfilter_findings(state, cp)
    return out


_SIDECAR_CONTEXTS = {"SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "ANY"}


def _envoyfilter_findings(state: IstioState, cp: ControlPlane) -> list[Finding]:
    out: list[Finding] = []
    for ef in state.config(NETWORKING, "EnvoyFilter"):
        contexts = set()
        patches = ef.spec.get("configPatches")
        for patch in patches if isinstance(patches, list) else []:
            match = patch.get("match") if isinstance(patch, dict) else None
            context = match.get("context") if isinstance(match, dict) else None
            contexts.add(str(context or "ANY").upper())  # no context means ANY
        sidecar = sorted(contexts & _SIDECAR_CONTEXTS)
        if not sidecar:
            continue
        selector = ef.spec.get("workloadSelector")
        labels = selector.get("labels") if isinstance(selector, dict) else None
        if isinstance(labels, dict) and labels:
            matched = [
                p
                for p in state.pods
                if (ef.namespace in (cp.root_namespace, p.key.namespace))
                and all(p.labels.get(k) == v for k, v in labels.items())
            ]
            if matched and all(p.is_gateway for p in matched):
                continue
        if ef.spec.get("targetRefs"):
            continue  # attached to a Gateway/GatewayClass, not to sidecars
        out.append(
            finding(
                "ENVOYFILTER_SIDECAR",
                ef.key.subject,
                f"patches sidecars (context {', '.join(sidecar)}): ambient has no sidecar and waypoints ignore "
                "EnvoyFilter, so this behaviour would vanish silently. Replace it (Telemetry, WasmPlugin, "
                "a policy) or remove it first",
            )
        )
    return out


def cluster_setup_findings(state: IstioState, cp: ControlPlane, sidecar_pods: list[Pod]) -> list[Finding]:
    out: list[Finding] = []
    fix, why = _ambient_fix(cp)
    for w in cp.istiods:
        if _env(w, "PILOT_ENABLE_AMBIENT").lower() != "true":
            out.append(
                finding(
                    "AMBIENT_NOT_ENABLED",
                    w.key.subject,
                    f"istiod {w.key.namespace}/{w.key.name} must have 'PILOT_ENABLE_AMBIENT=true': install the "
                    f"ambient profile.{why}",
                    fix,
                )
            )
    daemonsets = list(state.records(APPS, "DaemonSet"))
    version = ["--version", cp.version] if cp.version else []
    if not any(d.key.name == "ztunnel" or d.template_labels.get("app") == "ztunnel" for d in daemonsets):
        out.append(
            finding(
                "ZTUNNEL_MISSING",
                f"DaemonSet/{cp.namespace}/ztunnel",
                "ztunnel not found: ambient's node proxy must run on every node",
                argv("istioctl", "upgrade", "--set", "profile=ambient")
                if cp.install == "istioctl"
                else argv(
                    "helm", "install", "ztunnel", "istio/ztunnel", "-n", cp.namespace, "--wait", *version
                ),
            )
        )
    cni = [
        d
        for d in daemonsets
        if d.key.name == "istio-cni-node" or d.template_labels.get("k8s-app") == "istio-cni-node"
    ]
    cni_fix = (
        argv("istioctl", "upgrade", "--set", "profile=ambient")
        if cp.install == "istioctl"
        else argv(
            "helm",
            "upgrade",
            "--install",
            "istio-cni",
            "istio/cni",
            "-n",
            cp.namespace,
            "--set",
            "profile=ambient",
            "--wait",
            *version,
        )
    )
    if not cni:
        out.append(
            finding(
                "ISTIO_CNI_MISSING",
                f"DaemonSet/{cp.namespace}/istio-cni-node",
                "istio-cni not found: ambient needs it (with cni.ambient.enabled) to redirect pod traffic",
                cni_fix,
            )
        )
    else:
        config = state.get(CORE, "ConfigMap", cni[0].key.namespace, ISTIO_CNI_CONFIG)
        if isinstance(config, ConfigMap) and config.data.get("AMBIENT_ENABLED", "").lower() != "true":
            out.append(
                finding(
                    "ISTIO_CNI_MISSING",
                    cni[0].key.subject,
                    "istio-cni runs without ambient (AMBIENT_ENABLED is not true in istio-cni-config)",
                    cni_fix,
                )
            )
    have = {c.key.name for c in state.crds}
    missing = [c for c in GATEWAY_API_CRDS if c not in have]
    if missing:
        note = (
            ""
            if have
            else " (the input holds no CustomResourceDefinitions at all: include `kubectl get crd -o json`)"
        )
        out.append(
            finding(
                "GATEWAY_API_CRDS_MISSING",
                f"CustomResourceDefinition//{missing[0]}",
                f"Gateway API CRDs not found: {', '.join(missing)}{note}",
                argv("kubectl", "apply", "--server-side", "-f", GATEWAY_API_INSTALL),
            )
        )
    stale = [
        p
        for p in sidecar_pods
        if p.proxy is not None and p.proxy.env.get("ISTIO_META_ENABLE_HBONE", "").lower() != "true"
    ]
    for subject, pods in by_owner(stale):
        out.append(
            finding(
                "SIDECAR_NO_HBONE",
                subject,
                f"{_sidecars(pods)} missing 'ENABLE_HBONE': restart once istiod runs the ambient profile",
                restart_command(pods[0]),
            )
        )
    return out


def by_owner(pods: list[Pod]) -> list[tuple[str, list[Pod]]]:
    """Pods grouped by the workload that owns them (its subject), a pod without one on its own:
    one finding per Deployment, whatever its pods happen to be called today."""
    groups: dict[str, list[Pod]] = {}
    for pod in pods:
        kind = pod.owner_kind
        subject = (
            f"{kind}/{pod.key.namespace}/{pod.owner_name}"
            if kind in ("Deployment", "StatefulSet", "DaemonSet")
            else pod.key.subject
        )
        groups.setdefault(subject, []).append(pod)
    return sorted(groups.items())


def _sidecars(pods: list[Pod]) -> str:
    return "its pod's sidecar is" if len(pods) == 1 else f"the sidecars of its {len(pods)} pods are"


def _pods(pods: list[Pod]) -> str:
    return "its pod is" if len(pods) == 1 else f"its {len(pods)} pods are"


def restart_command(pod: Pod) -> str:
    """What restarts a pod so it is injected again: its controller's rollout, else deleting it."""
    kind = pod.owner_kind.lower()
    if kind in ("deployment", "statefulset", "daemonset"):
        return argv("kubectl", "rollout", "restart", f"{kind}/{pod.owner_name}", "-n", pod.key.namespace)
    return argv("kubectl", "delete", "pod", pod.key.name, "-n", pod.key.namespace)
