"""How each charm reports its status: the steady status from its relations, config and cluster,
and the transitional statuses (allocating, executing hooks) while a change settles.

Messages are the charms' own (read from their source on the tracks CKF 1.11 and 1.6 use), so an
operator sees in rehearsal the words they will see on the night.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import model
from .state import State

SERVICE_MESH_PROVIDER = "istio-beacon-k8s"

# Endpoints that pass data the requirer waits for while the relation's hooks run.
WAITING_FOR_DATA = {
    "gateway-metadata": "Waiting for gateway metadata relation data",
    "gateway-info": "Waiting for gateway info relation data",
    "dex-oidc-config": "Empty or missing data in dex-oidc-config relation. This may be transient, "
    "but if it persists it is likely an error.",
}

# Charms whose UI moved from istio-pilot's `ingress` to istio-ingress-k8s's routes; both at once
# is refused (IstioRelationsConflictDetectorComponent).
ROUTE_CONFLICT = {
    "kfp-ui",
    "envoy",
    "jupyter-ui",
    "katib-ui",
    "kubeflow-dashboard",
    "kubeflow-volumes",
    "tensorboards-web-app",
    "dex-auth",
    "oidc-gatekeeper",
}

# SDI relations a pod-spec-era / sidecar-era charm refuses to run without.
REQUIRED_SDI = {
    "kfp-api": ["object-storage"],
    "kfp-ui": ["object-storage", "kfp-api"],
    "kfp-profile-controller": ["object-storage"],
    "kfp-persistence": ["kfp-api"],
    "argo-controller": ["object-storage"],
}

# Charms deployed with --trust in the bundles: without it their K8s calls are refused.
NEEDS_TRUST = {
    "istio-k8s",
    "istio-beacon-k8s",
    "istio-ingress-k8s",
    "istio-pilot",
    "istio-gateway",
    "admission-webhook",
    "argo-controller",
    "dex-auth",
    "envoy",
    "jupyter-controller",
    "jupyter-ui",
    "katib-controller",
    "katib-db-manager",
    "katib-ui",
    "kfp-api",
    "kfp-metadata-writer",
    "kfp-persistence",
    "kfp-profile-controller",
    "kfp-schedwf",
    "kfp-ui",
    "kfp-viewer",
    "kfp-viz",
    "knative-eventing",
    "knative-operator",
    "knative-serving",
    "kserve-controller",
    "kubeflow-dashboard",
    "kubeflow-profiles",
    "kubeflow-roles",
    "kubeflow-volumes",
    "metacontroller-operator",
    "mlmd",
    "oidc-gatekeeper",
    "pvcviewer-operator",
    "tensorboard-controller",
    "tensorboards-web-app",
    "training-operator",
    "mysql-k8s",
}

# Sidecar charms that create cluster-scoped objects (ClusterRoles, CRDs, webhooks) through the API,
# and what they say when the API refuses them for want of `juju trust`. A pod-spec charm got its
# RBAC from its pod spec instead, so refreshing one of these from a pod-spec revision to a sidecar
# one without trusting it first ends here: the final 1.6 -> 1.7 guide's "Enable trust on deployed
# charms (required)" (bundle-kubeflow 4502230, 2023-03-30; a32fcd2). Messages from each charm's
# `_deploy_k8s_resources` on main at 2023-03-08; kfp-api and katib-db-manager became sidecar
# charms later (1.7.1) and raise instead, failing the hook.
UNTRUSTED_SIDECAR = {
    "jupyter-ui": ("blocked", "K8S resources creation failed"),
    "katib-ui": ("blocked", "kubernetes resource creation failed"),
    "kubeflow-dashboard": ("blocked", "kubernetes resource creation failed"),
    "kubeflow-profiles": ("blocked", "K8S resources creation failed"),
    "seldon-core": ("blocked", "K8S resources creation failed"),
    "kfp-api": ("error", 'hook failed: "upgrade-charm"'),
    "katib-db-manager": ("error", 'hook failed: "upgrade-charm"'),
}

KNOWN_PLATFORMS = {"", "microk8s", "gke", "k3d", "k3s", "minikube", "openshift"}


@dataclass(frozen=True)
class Status:
    current: str
    message: str = ""
    since: float = 0.0


def _era(app: dict[str, Any]) -> str:
    return app.get("track", "")


def istio_fit(state: State, app: dict[str, Any]) -> bool:
    """Does istio-k8s's `platform` suit this cluster? (CNI paths differ per distribution.)"""
    platform = str(model.config_value(app, "platform") or "")
    cluster = state["cluster"]["distribution"]
    if cluster == "microk8s":
        return platform == "microk8s"
    return platform == ""


def hook_error(state: State, name: str, app: dict[str, Any], now: float) -> str | None:
    """A hook that keeps failing: Juju shows the unit in error until the cause is fixed."""
    charm = app["charm"]
    if app.get("deployed_untrusted") and not app.get("trust") and charm in NEEDS_TRUST:
        return 'hook failed: "install"'
    if charm == "minio" and not app.get("trust") and model.has(state, name, "service-mesh", now):
        # The service-mesh library patches the charm's own StatefulSet: that needs --trust.
        return 'hook failed: "service-mesh-relation-changed"'
    if charm == "istio-k8s":
        platform = str(model.config_value(app, "platform") or "")
        if platform not in KNOWN_PLATFORMS:
            return 'hook failed: "config-changed"'
        if state["cluster"]["distribution"] != "microk8s" and platform == "microk8s":
            # istio-cni cannot write to MicroK8s's CNI directories there; istioctl install times out.
            return 'hook failed: "config-changed"'
    if charm == "istio-pilot" and app.get("istio_skipped"):
        # istio-pilot's upgrade handler refuses an istioctl more than one minor version ahead
        # (istio-operators charms/istio-pilot _validate_upgrade_version).
        return 'hook failed: "upgrade-charm"'
    if charm == "istio-beacon-k8s" and not model.charm_of(state, "istio-k8s", now):
        return 'hook failed: "config-changed"'
    return None


def steady(state: State, name: str, app: dict[str, Any], now: float) -> tuple[str, str]:
    """The (status, message) the charm settles on, given everything around it right now."""
    charm = app["charm"]
    rel = lambda ep: model.has(state, name, ep, now)  # noqa: E731

    error = hook_error(state, name, app, now)
    if error:
        return "error", error
    if charm in UNTRUSTED_SIDECAR and not app.get("trust") and not app.get("podspec"):
        return UNTRUSTED_SIDECAR[charm]
    if (
        charm in ROUTE_CONFLICT
        and rel("ingress")
        and (rel("istio-ingress-route") or rel("istio-ingress-route-unauthenticated"))
    ):
        ambient = (
            "istio-ingress-route" if rel("istio-ingress-route") else "istio-ingress-route-unauthenticated"
        )
        return "blocked", f"Cannot have both '{ambient}' and 'ingress' relations at the same time."
    for endpoint in REQUIRED_SDI.get(charm, []):
        if not rel(endpoint) and not (endpoint == "mysql" and rel("relational-db")):
            if app.get("podspec"):
                return "blocked", f"Missing required relation for {endpoint}"
            return "blocked", f"Please add required relation {endpoint}"
    rule = RULES.get(charm)
    if rule:
        result = rule(state, name, app, now, rel)
        if result:
            return result
    return "active", ""


# --- per-charm rules ---------------------------------------------------------------------------


def _istio_gateway(state, name, app, now, rel):
    if not model.config_value(app, "kind"):
        return "blocked", "Config item `kind` must be set"
    if not rel("istio-pilot"):
        return "blocked", "Please add required relation to istio-pilot"
    return None


def _istio_pilot(state, name, app, now, rel):
    # istio-pilot 1.12-1.15 look up the gateway's Service on every ingress event and wait while
    # the gateway is gone, which it is during the 1.6 -> 1.7 upgrade (istio-operators
    # charms/istio-pilot handle_ingress; the final guide says to expect exactly this message).
    if _era(app) in ("1.12", "1.13", "1.14", "1.15") and not rel("istio-pilot"):
        return "waiting", "Missing istio-ingressgateway-workload service, deferring this event"
    return None


def _tensorboard_controller(state, name, app, now, rel):
    if _era(app) in ("1.11", "latest"):
        if rel("gateway-info") and rel("gateway-metadata"):
            return "blocked", "Cannot relate to both sidecar and ambient gateway simultaneously"
        if not rel("gateway-info") and not rel("gateway-metadata"):
            return "blocked", "Missing required gateway relation"
        return None
    if not rel("gateway-info"):
        return "waiting", "Waiting for gateway info relation"
    return None


def _kserve(state, name, app, now, rel):
    mode = str(model.config_value(app, "deployment-mode") or "").lower()
    gw_meta, ingress_gw = rel("gateway-metadata"), rel("ingress-gateway")
    if gw_meta and ingress_gw:
        return "blocked", "Both gateway-metadata and ingress-gateway relations are established"
    if mode == "serverless" and not ingress_gw:
        return "blocked", "Serverless mode detected, but no relation to ingress-gateway"
    if mode == "rawdeployment" and not (gw_meta or ingress_gw):
        return (
            "blocked",
            "RawDeployment mode detected, but no relation to gateway-metadata or ingress-gateway",
        )
    if mode == "serverless" and not rel("local-gateway"):
        return "blocked", "Please relate to knative-serving:local-gateway"
    if mode not in ("serverless", "rawdeployment"):
        return "blocked", f"Invalid deployment-mode {model.config_value(app, 'deployment-mode')!r}"
    return None


def _gateway_metadata_dual_mode(state, name, app, now, rel):
    if rel("service-mesh") and not rel("gateway-metadata"):
        return "blocked", "Service mesh relation present without gateway metadata relation"
    return None


def _dashboard(state, name, app, now, rel):
    if not rel("kubeflow-profiles"):
        return "blocked", "Add required relation to kubeflow-profiles"
    return None


def _profiles(state, name, app, now, rel):
    mode = model.config_value(app, "service-mesh-mode")
    if mode is not None and mode not in ("istio-sidecar", "istio-ambient"):
        return "blocked", (
            "Invalid config: 1 validation error for CharmConfig service_mesh_mode "
            "Input should be 'istio-sidecar' or 'istio-ambient'"
        )
    return None


def _ingress_k8s(state, name, app, now, rel):
    if not model.charm_of(state, "istio-k8s", now):
        return "blocked", "Gateway k8s deployment not ready, is istio properly installed?"
    if rel("forward-auth") and not rel("istio-ingress-config"):
        return (
            "blocked",
            "Ingress configuration relation missing, yet valid authentication configuration are provided.",
        )
    ip = state.get("cluster", {}).get("lb_ips", {}).get(f"{name}-istio")
    if not ip:
        return "blocked", "Gateway load balancer is unable to obtain an IP or hostname from the cluster."
    return "active", f"Serving at {ip}"


def _oidc(state, name, app, now, rel):
    if _era(app) in ("ckf-1.10", "latest") and not rel("dex-oidc-config"):
        return "blocked", "Missing relation with a Dex OIDC config provider. Please add the missing relation."
    return None


def _katib_controller(state, name, app, now, rel):
    if _era(app) in ("0.19", "latest") and not rel("k8s-service-info"):
        return (
            "blocked",
            "Missing relation with a k8s service info provider. Please add the missing relation.",
        )
    return None


def _envoy(state, name, app, now, rel):
    if not rel("grpc"):
        return (
            "blocked",
            "Missing relation with a k8s service info provider. Please add the missing relation.",
        )
    return None


def _kfp_api(state, name, app, now, rel):
    if not rel("relational-db") and not rel("mysql"):
        if app.get("podspec") or _era(app) == "2.0":
            return "blocked", "Missing required relation for mysql"
        return "blocked", "Please add required relation relational-db"
    return None


def _katib_db_manager(state, name, app, now, rel):
    if not rel("relational-db") and not rel("mysql"):
        if app.get("podspec"):  # 0.14 and the March 2023 0.15: `_check_mysql`
            return "waiting", "Waiting for mysql connection information"
        return "blocked", "Please add required relation relational-db"
    return None


def _istio_k8s(state, name, app, now, rel):
    return "active", ""


RULES = {
    "istio-pilot": _istio_pilot,
    "istio-gateway": _istio_gateway,
    "tensorboard-controller": _tensorboard_controller,
    "kserve-controller": _kserve,
    "jupyter-controller": _gateway_metadata_dual_mode,
    "pvcviewer-operator": _gateway_metadata_dual_mode,
    "kubeflow-dashboard": _dashboard,
    "kubeflow-profiles": _profiles,
    "istio-ingress-k8s": _ingress_k8s,
    "oidc-gatekeeper": _oidc,
    "katib-controller": _katib_controller,
    "envoy": _envoy,
    "kfp-api": _kfp_api,
    "katib-db-manager": _katib_db_manager,
    "istio-k8s": _istio_k8s,
}


# --- transitions -------------------------------------------------------------------------------

INSTALL_MESSAGES = {
    "istio-k8s": "Deploying Istio control plane",
    "istio-beacon-k8s": "Validating waypoint readiness",
    "istio-ingress-k8s": "Validating gateway readiness",
    "istio-pilot": "Deploying Istio control plane.",
    "mysql-k8s": "Initialising mysql",
}


def unit_statuses(
    state: State, name: str, app: dict[str, Any], unit: dict[str, Any], now: float
) -> tuple[Status, Status]:
    """(workload-status, juju-status) of one unit at `now`."""
    created = app.get("created", now)
    if model.dying(app, now):
        start = app.get("removing_since", now)
        return (
            Status("maintenance", "Removing K8S resources", start),
            Status("executing", "running remove hook", start),
        )
    current, message = steady(state, name, app, now)
    if not unit.get("leader") and current == "active" and app["charm"] in ("istio-k8s", "istio-ingress-k8s"):
        message = "Backup unit; standing by for leader take over"
    if app["charm"] == "mysql-k8s" and current == "active":
        message = "Primary" if unit.get("leader") else ""
    settled_since = max([created] + [a["end"] for a in app.get("activity", []) if a["end"] <= now])
    idle = Status("idle", "", settled_since)
    # The most recent change still running is what the unit agent is busy with.
    for act in sorted(app.get("activity", []), key=lambda a: a["start"], reverse=True):
        if not (act["start"] <= now < act["end"]):
            continue
        span = max(act["end"] - act["start"], 1e-9)
        f = (now - act["start"]) / span
        kind = act["kind"]
        t1 = act["start"]
        if kind == "deploy":
            if f < 0.25:
                return Status("waiting", "installing agent", t1), Status("allocating", "", t1)
            t2 = act["start"] + span * 0.25
            if f < 0.6:
                msg = INSTALL_MESSAGES.get(app["charm"], "")
                return Status("maintenance", msg, t2), Status("executing", "running install hook", t2)
            t3 = act["start"] + span * 0.6
            shown = (
                Status(current, message, t3)
                if current in ("blocked", "waiting", "error")
                else Status("maintenance", "Waiting for pod startup to complete", t3)
            )
            return shown, Status("executing", "running config-changed hook", t3)
        if kind == "refresh":
            if f < 0.5:
                return Status("maintenance", "", t1), Status("executing", "running upgrade-charm hook", t1)
            t2 = act["start"] + span * 0.5
            shown = (
                Status(current, message, t2)
                if current in ("blocked", "waiting", "error")
                else Status("maintenance", "Waiting for pod startup to complete", t2)
            )
            return shown, Status("executing", "running config-changed hook", t2)
        if kind in ("relation-joined", "relation-broken"):
            endpoint = act.get("endpoint", "")
            hook = f"running {endpoint}-relation-{'changed' if kind == 'relation-joined' else 'broken'} hook"
            if kind == "relation-joined" and f < 0.5 and endpoint in WAITING_FOR_DATA and current == "active":
                return Status("waiting", WAITING_FOR_DATA[endpoint], t1), Status("executing", hook, t1)
            return Status(current, message, t1), Status("executing", hook, t1)
        if kind in ("config", "trust"):
            if f < 0.5:
                return Status("maintenance", "", t1), Status("executing", "running config-changed hook", t1)
            return Status(current, message, t1), Status("executing", "running config-changed hook", t1)
    if current == "error":
        return Status("error", message, settled_since), Status("idle", "", settled_since)
    return Status(current, message, settled_since), idle


SEVERITY = {
    "error": 5,
    "blocked": 4,
    "waiting": 3,
    "maintenance": 2,
    "active": 1,
    "unknown": 0,
    "terminated": 0,
}


def app_status(state: State, name: str, app: dict[str, Any], now: float) -> Status:
    """What Juju derives for the application: its most severe unit status."""
    worst: Status | None = None
    for unit in app.get("units", []):
        workload, _ = unit_statuses(state, name, app, unit, now)
        if worst is None or SEVERITY.get(workload.current, 0) > SEVERITY.get(worst.current, 0):
            worst = workload
    if worst is None:
        return Status("waiting", "waiting for units", app.get("created", now))
    return worst


def add_activity(app: dict[str, Any], kind: str, start: float, duration: float, **extra: Any) -> None:
    """Record a change the units work through; prune ones long finished to keep the state small."""
    acts = [a for a in app.get("activity", []) if a["end"] > start - 3600]
    acts.append({"kind": kind, "start": start, "end": start + duration, **extra})
    app["activity"] = acts[-12:]
