"""Kubeflow profiles: what kubeflow-profiles' controller does to each profile namespace in sidecar
and in ambient mode (labels, waypoint, AuthorizationPolicies), and kfp-profile-controller's policy."""

from __future__ import annotations

from . import kinds, kube, model, pods
from .apps import mesh_labels
from .istio import make_waypoint
from .kube import Obj
from .lifecycle import MODEL_NS, live, mark_owner, retire_owned
from .state import State

PROFILE_WAYPOINT = "waypoint"


def profiles_mode(state: State, now: float) -> str | None:
    found = live(state, "kubeflow-profiles", now)
    if not found:
        return None
    _, app = found
    if (
        app.get("track") in ("2.0", "latest")
        and model.config_value(app, "service-mesh-mode") == "istio-ambient"
    ):
        return "istio-ambient"
    return "istio-sidecar"


AMBIENT_NS_LABELS = (
    "istio.io/dataplane-mode",
    "istio.io/use-waypoint",
    "istio.io/use-waypoint-namespace",
    "istio.io/ingress-use-waypoint",
)


def sync_profiles(state: State, now: float) -> None:
    mode = profiles_mode(state, now)
    found = live(state, "kubeflow-profiles", now) if mode is not None else None
    if mode is None or found is None:  # a mode only while the charm is live
        return
    _, app = found
    gw_ns = model.config_value(app, "istio-gateway-namespace") or MODEL_NS
    gw_sa = (
        model.config_value(app, "istio-gateway-service-account")
        or "istio-ingressgateway-workload-service-account"
    )
    ap_served = kinds.served(state, kinds.by_store_key("AuthorizationPolicy"))
    gw_served = kinds.served(state, kinds.by_store_key("Gateway"))
    for profile in kube.listing(state, "Profile", now):
        ns_name = profile["metadata"]["name"]
        ns = kube.get(state, "Namespace", None, ns_name, now)
        if ns is None:
            continue
        labels = ns["metadata"].setdefault("labels", {})
        before = dict(labels)
        if mode == "istio-ambient":
            labels["istio-injection"] = "disabled"
            labels["istio.io/dataplane-mode"] = "ambient"
            labels["istio.io/use-waypoint"] = PROFILE_WAYPOINT
            labels["istio.io/use-waypoint-namespace"] = ns_name
            labels["istio.io/ingress-use-waypoint"] = "true"
        else:
            labels["istio-injection"] = "enabled"
            for key in AMBIENT_NS_LABELS:
                labels.pop(key, None)
        if labels != before:
            kube.touch(state, ns)
        ambient = mode == "istio-ambient"
        waypoint = kube.get(state, "Gateway", ns_name, PROFILE_WAYPOINT, now) if gw_served else None
        if ambient and gw_served and waypoint is None and pods.injector(state, now) is not None:
            make_waypoint(state, now, ns_name, PROFILE_WAYPOINT, f"profile:{ns_name}")
        if not ambient and waypoint is not None:
            retire_owned(state, f"profile:{ns_name}", now, 0.0)
        if ap_served:
            principals = [
                f"cluster.local/ns/{gw_ns}/sa/{gw_sa}",
                f"cluster.local/ns/{MODEL_NS}/sa/jupyter-controller",
                f"cluster.local/ns/{MODEL_NS}/sa/kfp-ui",
                f"cluster.local/ns/{MODEL_NS}/sa/katib-controller",
            ]
            owner = profile["spec"]["owner"]["name"]
            spec: Obj = {
                "action": "ALLOW",
                "rules": [
                    {
                        "from": [{"source": {"principals": principals}}],
                        "when": [{"key": "request.headers[kubeflow-userid]", "values": [owner]}],
                    },
                    {"when": [{"key": "source.namespace", "values": [ns_name]}]},
                    {"to": [{"operation": {"paths": ["/healthz", "/metrics", "/wait-for-drain"]}}]},
                ],
            }
            if ambient:
                spec["targetRefs"] = [
                    {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": PROFILE_WAYPOINT}
                ]
            put_policy(state, now, ns_name, "ns-owner-access-istio", spec, f"profile:{ns_name}")
            if ambient:
                put_policy(
                    state,
                    now,
                    ns_name,
                    "waypoint-l4-access",
                    {
                        "action": "ALLOW",
                        "rules": [
                            {
                                "from": [
                                    {
                                        "source": {
                                            "principals": [
                                                f"cluster.local/ns/{ns_name}/sa/{PROFILE_WAYPOINT}"
                                            ]
                                        }
                                    }
                                ]
                            }
                        ],
                    },
                    f"profile:{ns_name}",
                )
    sync_kfp_policies(state, now)


def put_policy(state: State, now: float, ns: str, name: str, spec: Obj, tag: str) -> None:
    ap = kube.get(state, "AuthorizationPolicy", ns, name, now)
    if ap is None:
        mark_owner(kube.make_simple(state, now, "AuthorizationPolicy", name, ns, body={"spec": spec}), tag)
    elif ap.get("spec") != spec:
        ap["spec"] = spec
        kube.touch(state, ap)


def sync_kfp_policies(state: State, now: float) -> None:
    kfp = live(state, "kfp-profile-controller", now)
    if not kfp or not kinds.served(state, kinds.by_store_key("AuthorizationPolicy")):
        return
    if not mesh_labels(state, kfp[0], now):
        return
    for profile in kube.listing(state, "Profile", now):
        ns = profile["metadata"]["name"]
        put_policy(
            state,
            now,
            ns,
            "ml-pipeline-visualizationserver",
            {
                "action": "ALLOW",
                "rules": [
                    {"from": [{"source": {"principals": [f"cluster.local/ns/{MODEL_NS}/sa/kfp-api"]}}]}
                ],
                "selector": {"matchLabels": {"app": "ml-pipeline-visualizationserver"}},
            },
            f"profile:{ns}",
        )
