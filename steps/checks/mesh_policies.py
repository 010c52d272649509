"""AuthorizationPolicies and VirtualServices across the migration: what it loses, and the custom
routes it strands.

istio-pilot's remove hook purges Istio (`istioctl uninstall --purge`), and Istio's CRDs go with
every object of theirs until istio-k8s installs them again. The charms and the profile controller
write theirs again; nothing writes back a KFAM contributor policy (kubeflow access-management marks
them with `role` and `user` annotations), an operator's own policy, or a VirtualService bound to
istio-pilot's `kubeflow-gateway`, a Gateway that no longer exists afterwards.

Pre-flight captures one line per object (`LISTING_JSONPATH`); verification compares it with what is
there now and names what was lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..cluster.state import ClusterState, KubeObject
from .context import config_value, model_namespace
from .result import CheckResult, fail, ok, warn

# charmed-kubeflow-chisme's create_charm_default_labels: every object a charm's
# KubernetesResourceHandler writes carries it (istio-pilot's VirtualServices among them).
CHARM_SCOPE_LABEL = "kubernetes-resource-handler-scope"
KINDS = ("AuthorizationPolicy", "VirtualService")
# kubectl -o jsonpath: a header (a capture may not be empty), then kind, namespace, name, the charms'
# label, KFAM's role and user, the gateways.
LISTING_JSONPATH = (
    '# kind, namespace, name, charm scope, KFAM role, KFAM user, gateways{"\\n"}'
    '{range .items[*]}{.kind}{"\\t"}{.metadata.namespace}{"\\t"}{.metadata.name}{"\\t"}'
    '{.metadata.labels.kubernetes-resource-handler-scope}{"\\t"}{.metadata.annotations.role}{"\\t"}'
    '{.metadata.annotations.user}{"\\t"}{.spec.gateways}{"\\n"}{end}'
)


@dataclass(frozen=True)
class MeshObject:
    kind: str
    namespace: str
    name: str
    charm_made: bool = False
    role: str = ""
    user: str = ""
    gateways: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return self.kind, self.namespace, self.name

    @property
    def contributor(self) -> bool:
        return self.kind == "AuthorizationPolicy" and bool(self.role and self.user)

    def shown(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def _gateways(raw: str) -> tuple[str, ...]:
    """kubectl prints a list field as JSON (`["kubeflow/kubeflow-gateway"]`)."""
    import json

    raw = raw.strip()
    if not raw:
        return ()
    try:
        value = json.loads(raw)
    except ValueError:
        return (raw,)
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def parse_listing(text: str) -> list[MeshObject]:
    out = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 3 or fields[0] not in KINDS:
            continue
        fields += [""] * (7 - len(fields))
        kind, ns, name, scope, role, user, gateways = fields[:7]
        out.append(MeshObject(kind, ns, name, bool(scope), role, user, _gateways(gateways)))
    return out


def _from_object(obj: KubeObject) -> MeshObject:
    meta = obj.raw.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    spec = obj.raw.get("spec") or {}
    return MeshObject(
        obj.kind,
        obj.namespace,
        obj.name,
        CHARM_SCOPE_LABEL in (obj.labels or {}),
        str(annotations.get("role") or ""),
        str(annotations.get("user") or ""),
        tuple(str(g) for g in spec.get("gateways") or ()),
    )


def current(state: ClusterState) -> list[MeshObject]:
    return [_from_object(o) for kind in KINDS for o in state.objects_of(kind)]


def mesh_policies_kept(state: ClusterState, params: Mapping[str, Any], before: str) -> CheckResult:
    previous = parse_listing(before)
    now = current(state)
    present = {o.key for o in now}
    lost = [o for o in previous if o.key not in present]
    replaced = [o for o in lost if o.charm_made]  # the sidecar charms': the ambient charms write their own
    contributors = [o for o in lost if o.contributor and not o.charm_made]
    others = [o for o in lost if not o.charm_made and not o.contributor]
    counts = {kind: sum(1 for o in now if o.kind == kind) for kind in KINDS}
    summary = (
        f"{len(previous)} listed before the migration, {counts['AuthorizationPolicy']} AuthorizationPolicies "
        f"and {counts['VirtualService']} VirtualServices now"
    )
    if contributors or others:
        names = [o.shown() for o in contributors + others]
        fix = ["# the pre-flight step preflight-mesh-policies kept each one's YAML in the session record:"]
        fix += [
            f"# {o.shown()}: {o.user} was a contributor ({o.role}) of {o.namespace}; add them again in the "
            "dashboard's Manage Contributors, or kubectl apply the saved policy"
            for o in contributors
        ]
        for o in others:
            if o.kind == "VirtualService":
                fix.append(
                    f"# {o.shown()} routed through {', '.join(o.gateways) or 'a gateway'}: re-create it as an "
                    "HTTPRoute on istio-ingress-k8s (parentRefs: istio-ingress-k8s)"
                )
            else:
                fix.append(
                    f"# {o.shown()}: kubectl apply the saved policy, after checking it still fits ambient"
                )
        return fail(
            f"{len(names)} object(s) lost in the migration: {', '.join(names)} ({summary})",
            "\n".join(fix),
            names,
        )
    note = f"; {len(replaced)} of the sidecar charms' own replaced" if replaced else ""
    return ok(f"nothing lost: {summary}{note}", [o.shown() for o in replaced])


def custom_virtualservices(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    """Routes an operator bound to istio-pilot's gateway: nothing in the migration carries them."""
    pilot = state.app("istio-pilot")
    gateway = (config_value(pilot, "default-gateway") if pilot is not None else None) or "kubeflow-gateway"
    found = [
        o
        for o in current(state)
        if o.kind == "VirtualService"
        and not o.charm_made
        and any(g.rpartition("/")[2] == gateway for g in o.gateways)
    ]
    if found:
        names = [o.shown() for o in found]
        ns = model_namespace(params, state)
        return warn(
            f"{len(found)} VirtualService(s) not made by the charms are bound to {gateway}, which goes with "
            f"istio-pilot: {', '.join(names)}",
            "\n".join(
                [
                    f"kubectl get virtualservice -n NS NAME -o yaml  # keep each; {gateway} ({ns}) is gone after",
                    "# re-create each as a Gateway API HTTPRoute with parentRefs: [{name: istio-ingress-k8s, "
                    f"namespace: {ns}}}]",
                ]
            ),
            names,
        )
    return ok(f"no custom VirtualService bound to {gateway}")
