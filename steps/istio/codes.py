"""Every finding code the analyzer reports: its severity, the phase that deals with it, and the rule
that triggers it (issue 12 names the codes, issue 16 the severities; where the reference notes
are silent the rule is decided as an Istio maintainer would, and says so).

Severities: a `blocker` stops a migration (and makes `cairn analyze` exit 1); a `warning` is a
risk the operator must read; `recommend` is what the generated files do for them; `info` is a
fact worth knowing.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKER, WARNING, RECOMMEND, INFO = "blocker", "warning", "recommend", "info"
SEVERITIES = (BLOCKER, WARNING, RECOMMEND, INFO)

# Cairn's phase order (the `istio-ambient` runbook's): sidecars go before the originals do.
PHASES = (
    "pre-reqs",
    "cluster-setup",
    "deploy-waypoints",
    "migrate-policies",
    "use-waypoints",
    "remove-sidecars",
    "policy-simplification",
)

# The oldest Istio the analyzer accepts: ambient went GA in 1.24, and the migration docs (MIG)
# are written for 1.24+. (Solo asks 1.25+ for its own builds' interop, which upstream lacks anyway.)
MIN_ISTIO = (1, 24)


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    phase: str
    doc: str  # what triggers it


_CODES = (
    Code(
        "ISTIO_VERSION_UNSUPPORTED",
        BLOCKER,
        "pre-reqs",
        "An istiod Deployment (every revision counts) runs an Istio older than 1.24, read from the "
        "tag of its `discovery` container's image (else its `helm.sh/chart` label). Ambient is GA "
        "from 1.24; upgrade one minor version at a time first.",
    ),
    Code(
        "ISTIO_VERSION_UNKNOWN",
        WARNING,
        "pre-reqs",
        "No istiod Deployment was found, or its image carries no readable version (a digest, "
        "`latest`, a custom tag) and no chart label names one.",
    ),
    Code(
        "VM_WORKLOADS",
        BLOCKER,
        "pre-reqs",
        "Any WorkloadEntry exists (VMs and other non-Kubernetes workloads): ambient does not support them.",
    ),
    Code(
        "SPIRE",
        BLOCKER,
        "pre-reqs",
        "A pod is labelled `spiffe.io/spire-managed-identity` or is injected with the `spire` "
        "template (`inject.istio.io/templates`): SPIRE as certificate provider is not supported "
        "by upstream ambient.",
    ),
    Code(
        "PEERAUTH_DISABLE",
        BLOCKER,
        "pre-reqs",
        "A PeerAuthentication has `mtls.mode: DISABLE`: ambient treats it as PERMISSIVE, so the "
        "plaintext the operator asked for silently becomes mTLS-or-plaintext.",
    ),
    Code(
        "PEERAUTH_PORT_DISABLE",
        INFO,
        "pre-reqs",
        "A PeerAuthentication sets `portLevelMtls` DISABLE on a port: ztunnel applies port-level "
        "mTLS but reads DISABLE as PERMISSIVE, so that port also accepts mTLS.",
    ),
    Code(
        "MULTICLUSTER",
        WARNING,
        "pre-reqs",
        "A Secret labelled `istio/multiCluster=true` (a remote cluster's kubeconfig) or a Service "
        "labelled `istio=eastwestgateway` exists: primary-remote is not supported by ambient and "
        "multi-primary only in recent releases. A warning, since the reading cannot tell which.",
    ),
    Code(
        "ENVOYFILTER_SIDECAR",
        BLOCKER,
        "pre-reqs",
        "An EnvoyFilter patches sidecars: a configPatch with context SIDECAR_INBOUND, "
        "SIDECAR_OUTBOUND or ANY (the default), unless it selects only gateway pods. Ambient has "
        "no sidecar and waypoints ignore EnvoyFilter: the behaviour would vanish silently.",
    ),
    Code(
        "SIDECAR_RESOURCE_NOOP",
        WARNING,
        "migrate-policies",
        "A `Sidecar` object exists: it has no effect in ambient (istioctl analyze IST0167), so "
        "its egress scoping goes away; it is deleted last.",
    ),
    Code(
        "AMBIENT_NOT_ENABLED",
        BLOCKER,
        "cluster-setup",
        "An istiod Deployment lacks `PILOT_ENABLE_AMBIENT=true` (the ambient profile sets it).",
    ),
    Code(
        "ZTUNNEL_MISSING",
        BLOCKER,
        "cluster-setup",
        "No ztunnel DaemonSet (name `ztunnel` or label `app=ztunnel`).",
    ),
    Code(
        "ISTIO_CNI_MISSING",
        BLOCKER,
        "cluster-setup",
        "No istio-cni DaemonSet (name `istio-cni-node` or label `k8s-app=istio-cni-node`), or its "
        "ConfigMap `istio-cni-config` says `AMBIENT_ENABLED` is not true: ambient needs istio-cni "
        "with `cni.ambient.enabled`.",
    ),
    Code(
        "GATEWAY_API_CRDS_MISSING",
        BLOCKER,
        "cluster-setup",
        "One of the Gateway API CRDs waypoints and routes need is missing: gatewayclasses, "
        "gateways, httproutes, grpcroutes, referencegrants (.gateway.networking.k8s.io).",
    ),
    Code(
        "SIDECAR_NO_HBONE",
        BLOCKER,
        "cluster-setup",
        "A pod's sidecar lacks `ISTIO_META_ENABLE_HBONE=true`: it cannot talk to ambient pods "
        "and waypoints until it is restarted after the ambient profile is installed.",
    ),
    Code(
        "MIXED_DATAPLANE_LABELS",
        WARNING,
        "remove-sidecars",
        "A namespace (or pod) has `istio.io/dataplane-mode=ambient` and an injection label "
        "(`istio-injection=enabled` or `istio.io/rev`): the sidecar wins, and IST0167 treats the "
        "namespace as not ambient.",
    ),
    Code(
        "POD_LEVEL_INJECTION",
        WARNING,
        "remove-sidecars",
        'A workload\'s pod template asks for injection itself (`sidecar.istio.io/inject: "true"` '
        "label or annotation, or `istio.io/rev`): removing the namespace label will not remove "
        "its sidecar.",
    ),
    Code(
        "WAYPOINT_L7_AUTHZ",
        RECOMMEND,
        "deploy-waypoints",
        "A selector or namespace-wide AuthorizationPolicy has HTTP attributes (hosts, methods, paths and their "
        "negations; requestPrincipals, remoteIpBlocks; `when` keys beyond source.ip/namespace/"
        "principal and destination.ip/port), or action CUSTOM or AUDIT: ztunnel cannot enforce "
        "it, so its namespace gets a waypoint, used by every Service in front of the pods it "
        "selects; a selector policy gets a copy per Service, a namespace-wide one a copy on the waypoint.",
    ),
    Code(
        "WAYPOINT_VIRTUALSERVICE",
        RECOMMEND,
        "deploy-waypoints",
        "A VirtualService applies to mesh traffic (no `gateways`, or `mesh` among them) for a "
        "Service of the cluster: only a waypoint routes at L7 in ambient.",
    ),
    Code(
        "VS_ON_WAYPOINT_ALPHA",
        WARNING,
        "migrate-policies",
        "The same mesh VirtualService: on waypoints VirtualService is Alpha (#56773); convert it "
        "to an HTTPRoute, and never let both attach to one Service (undefined).",
    ),
    Code(
        "DR_SUBSETS_NEED_SERVICES",
        INFO,
        "migrate-policies",
        "A DestinationRule has subsets but no Service selects a subset's pods (the host's selector "
        "plus the subset's labels): an HTTPRoute cannot name subsets, only per-version Services.",
    ),
    Code(
        "WAYPOINT_HTTPROUTE",
        RECOMMEND,
        "deploy-waypoints",
        "An HTTPRoute has a Service among its parentRefs (mesh routing, GAMMA): only a waypoint "
        "applies it in ambient (Solo's tool misses this).",
    ),
    Code(
        "WAYPOINT_REQUESTAUTHN",
        RECOMMEND,
        "deploy-waypoints",
        "A RequestAuthentication with a selector, or namespace-wide, outside the root namespace: "
        "JWT is L7; it must move to the waypoint with targetRefs.",
    ),
    Code(
        "WAYPOINT_WASM",
        RECOMMEND,
        "deploy-waypoints",
        "A WasmPlugin with a selector, or namespace-wide, outside the root namespace: it must move "
        "to the waypoint with targetRefs.",
    ),
    Code(
        "HEADLESS_SERVICE_WAYPOINT",
        WARNING,
        "deploy-waypoints",
        "A headless Service (`clusterIP: None`) fronts pods that need the waypoint: it cannot be "
        "a targetRefs target, so the waypoint is made `istio.io/waypoint-for: all` and no "
        "`<service>-<policy>` copy is generated; the message says what to do by hand.",
    ),
    Code(
        "L4_POLICY_WAYPOINT_IDENTITY",
        WARNING,
        "migrate-policies",
        "A selector AuthorizationPolicy without HTTP attributes that names sources (an ALLOW, or a "
        "DENY with `from`) covers pods behind a Service that gets the waypoint: through it the "
        "callers arrive as the waypoint's identity. The policy is copied to the waypoint per "
        "Service (with the callers' identity there), and the pods allow the waypoint.",
    ),
    Code(
        "ZTUNNEL_DROPS_POLICY",
        WARNING,
        "remove-sidecars",
        "Once the sidecars are gone ztunnel enforces a selector or namespace-wide policy "
        "differently: an ALLOW with HTTP attributes loses those rules (all-HTTP: deny all but "
        "other ALLOWs); a DENY mixing HTTP and L4 attributes is enforced on its L4 part alone "
        "(denies more); CUSTOM and AUDIT are not sent to ztunnel (fail open); an "
        "`istio.io/dry-run` policy is rejected.",
    ),
    Code(
        "L7_DENY_NOOP_AT_ZTUNNEL",
        WARNING,
        "remove-sidecars",
        "A DENY selector or namespace-wide policy has a rule made only of HTTP attributes: at "
        "ztunnel that rule matches nothing and fails open (#61126); only the waypoint copy "
        "enforces it, and only for traffic that goes through the waypoint.",
    ),
    Code(
        "INGRESS_BYPASS",
        WARNING,
        "use-waypoints",
        "A Service that gets the waypoint is a backend of an ingress gateway (an HTTPRoute on a "
        "non-waypoint Gateway, or a VirtualService bound to an Istio Gateway) and neither it nor "
        "its namespace has `istio.io/ingress-use-waypoint=true`: ingress traffic would skip the "
        "waypoint's policies (#51214).",
    ),
    Code(
        "ORDER_CYCLE",
        WARNING,
        "remove-sidecars",
        "The namespaces call each other in a cycle (read from the principals and namespaces named "
        "in policies): no order removes every caller's sidecar before its callee's. The order "
        "breaks the cycle alphabetically.",
    ),
)

CODES: dict[str, Code] = {c.code: c for c in _CODES}
