"""Upstream Istio's control plane in the sandbox: what the Helm charts (and `istioctl upgrade`)
install, and what istiod and istio-cni do afterwards — waypoints deployed for `istio-waypoint`
Gateways, the ambient redirection annotation on captured pods, policy and Gateway status.

State: `state["istio_upstream"]` holds the mesh facts (version, trust domain, platform) and
`state["helm"]["releases"]` the Helm releases with their history (for `helm rollback`).
"""

from __future__ import annotations

from typing import Any

from .. import kube, pods
from ..istio import GATEWAY_API_CRDS, ISTIO_CRDS
from ..kube import Obj
from ..lifecycle import ensure_crds, mark_owner, owned
from ..state import State, delay

NS = "istio-system"
WAYPOINT_CLASS = "istio-waypoint"
OWNER = "istiod"  # objects istiod's gateway controller deploys (waypoints)
EXTRA_ISTIO_CRDS = ["telemetries.telemetry.istio.io", "wasmplugins.extensions.istio.io"]


def mesh(state: State) -> dict[str, Any]:
    return state.setdefault("istio_upstream", {})


def trust_domain(state: State) -> str:
    return mesh(state).get("trust_domain", "cluster.local")


# --- charms of the Helm charts ----------------------------------------------------------------


def install_base(state: State, now: float) -> None:
    ensure_crds(
        state, [*ISTIO_CRDS, *[c for c in EXTRA_ISTIO_CRDS if c not in ISTIO_CRDS]], now, "istio-base"
    )


def install_gateway_api(state: State, now: float) -> None:
    ensure_crds(state, GATEWAY_API_CRDS, now, "gateway-api")


def _env(version: str, values: dict[str, str]) -> list[Obj]:
    ambient = values.get("profile") == "ambient"
    env = [
        {"name": "REVISION", "value": "default"},
        {"name": "PILOT_CERT_PROVIDER", "value": "istiod"},
        {"name": "POD_NAMESPACE", "value": NS},
        {"name": "PILOT_TRACE_SAMPLING", "value": "1"},
        {"name": "PILOT_ENABLE_ANALYSIS", "value": "false"},
        {"name": "CLUSTER_ID", "value": "Kubernetes"},
        {"name": "PLATFORM", "value": values.get("global.platform", "")},
    ]
    if ambient:
        env.append({"name": "PILOT_ENABLE_AMBIENT", "value": "true"})
    for key, value in values.items():
        if key.startswith("pilot.env."):
            env.append({"name": key.removeprefix("pilot.env."), "value": value})
    return env


def install_istiod(state: State, now: float, version: str, values: dict[str, str]) -> None:
    """The istiod chart: the Deployment (rolled when its template changes), the mesh config,
    and the Gateway API classes istiod serves."""
    containers = [
        {
            "name": "discovery",
            "image": f"docker.io/istio/pilot:{version}",
            "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info"],
            "env": _env(version, values),
            "ports": [{"containerPort": 15010}, {"containerPort": 15012}, {"containerPort": 15017}],
        }
    ]
    dep = kube.get(state, "Deployment", NS, "istiod", now)
    helm_labels = {"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": "istiod"}
    if dep is None:
        dep = pods.make_workload(
            state,
            now,
            "Deployment",
            NS,
            "istiod",
            pod_labels={
                "app": "istiod",
                "istio": "pilot",
                "istio.io/rev": "default",
                "sidecar.istio.io/inject": "false",
            },
            labels={"app": "istiod", "istio": "pilot", "istio.io/rev": "default", **helm_labels},
            containers=containers,
            service_account="istiod",
            ready_delay=delay(state, 3),
        )
        kube.make_service(
            state,
            now,
            NS,
            "istiod",
            selector={"app": "istiod", "istio": "pilot"},
            ports=[
                ("grpc-xds", 15010),
                ("https-dns", 15012),
                ("https-webhook", 443),
                ("http-monitoring", 15014),
            ],
        )
    elif dep["spec"]["template"]["spec"]["containers"] != containers:
        dep["spec"]["template"]["spec"]["containers"] = containers
        dep["metadata"]["generation"] = dep["metadata"].get("generation", 1) + 1
        kube.private(dep)["istio_version"] = version
        pods.roll_pods(state, dep, now, delay(state, 3))
    private = kube.private(dep)
    private["istio_version"] = version
    # Sidecars injected from now on carry ISTIO_META_ENABLE_HBONE (the ambient profile's injection).
    private["hbone"] = values.get("profile") == "ambient"
    m = mesh(state)
    m["version"] = version
    m["ambient"] = values.get("profile") == "ambient"
    m["platform"] = values.get("global.platform", m.get("platform", ""))
    cm = kube.get(state, "ConfigMap", NS, "istio", now)
    mesh_text = (
        "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n"
        f"rootNamespace: {NS}\ntrustDomain: {trust_domain(state)}\n"
    )
    if cm is None:
        kube.make_simple(
            state,
            now,
            "ConfigMap",
            "istio",
            NS,
            labels={"istio.io/rev": "default", **helm_labels},
            body={"data": {"mesh": mesh_text, "meshNetworks": "networks: {}"}},
        )
    for cls, controller in (
        ("istio", "istio.io/gateway-controller"),
        ("istio-remote", "istio.io/unmanaged-gateway"),
        (WAYPOINT_CLASS, "istio.io/mesh-controller"),
    ):
        if kube.get(state, "GatewayClass", None, cls, now) is None and _served(
            state, "gatewayclasses.gateway.networking.k8s.io", now
        ):
            kube.make_simple(
                state,
                now,
                "GatewayClass",
                cls,
                body={
                    "spec": {"controllerName": controller, "description": f"The {cls} GatewayClass"},
                    "status": {
                        "conditions": [
                            {
                                "type": "Accepted",
                                "status": "True",
                                "reason": "Accepted",
                                "message": "Handled by Istio controller",
                            }
                        ]
                    },
                },
            )


def _served(state: State, crd: str, now: float) -> bool:
    return kube.get(state, "CustomResourceDefinition", None, crd, now) is not None


def install_cni(state: State, now: float, version: str, values: dict[str, str]) -> None:
    ambient = values.get("profile") == "ambient" or values.get("ambient.enabled") == "true"
    _daemonset(
        state,
        now,
        "istio-cni-node",
        version,
        "install-cni",
        f"docker.io/istio/install-cni:{version}",
        {"k8s-app": "istio-cni-node"},
        "istio-cni",
    )
    m = mesh(state)
    m["cni"] = True
    m["cni_ambient"] = ambient
    m["platform"] = values.get("global.platform", m.get("platform", ""))


def install_ztunnel(state: State, now: float, version: str, values: dict[str, str]) -> None:
    _daemonset(
        state,
        now,
        "ztunnel",
        version,
        "istio-proxy",
        f"docker.io/istio/ztunnel:{version}",
        {"app": "ztunnel"},
        "ztunnel",
    )
    mesh(state)["ztunnel"] = True


def _daemonset(
    state: State,
    now: float,
    name: str,
    version: str,
    container: str,
    image: str,
    pod_labels: dict[str, str],
    sa: str,
) -> None:
    ds = kube.get(state, "DaemonSet", NS, name, now)
    containers = [{"name": container, "image": image}]
    if ds is None:
        pods.make_workload(
            state,
            now,
            "DaemonSet",
            NS,
            name,
            pod_labels={**pod_labels, "sidecar.istio.io/inject": "false"},
            labels={**pod_labels, "app.kubernetes.io/managed-by": "Helm"},
            containers=containers,
            service_account=sa,
            ready_delay=delay(state, 3),
        )
    elif ds["spec"]["template"]["spec"]["containers"] != containers:
        ds["spec"]["template"]["spec"]["containers"] = containers
        pods.roll_pods(state, ds, now, delay(state, 3))


def uninstall(state: State, now: float, chart: str) -> None:
    """What `helm rollback` to a release without that component, or an uninstall, takes away."""
    names = {"cni": ("DaemonSet", "istio-cni-node", "cni"), "ztunnel": ("DaemonSet", "ztunnel", "ztunnel")}
    if chart in names:
        kind, name, flag = names[chart]
        obj = kube.get(state, kind, NS, name, now)
        if obj is not None:
            for pod in pods.pods_of(state, kind, NS, name, now):
                kube.delete(state, pod, now, 0.0)
            kube.delete(state, obj, now, 0.0)
        mesh(state)[flag] = False


def apply_chart(state: State, now: float, chart: str, version: str, values: dict[str, str]) -> None:
    if chart == "base":
        install_base(state, now)
    elif chart == "istiod":
        install_istiod(state, now, version, values)
    elif chart == "cni":
        install_cni(state, now, version, values)
    elif chart == "ztunnel":
        install_ztunnel(state, now, version, values)


# --- what the controllers do after each change ------------------------------------------------


def ambient_ready(state: State, now: float) -> bool:
    """ztunnel and an ambient istio-cni run, and istiod serves ambient."""
    m = mesh(state)
    return bool(m.get("ambient") and m.get("ztunnel") and m.get("cni_ambient"))


def namespace_labels(state: State, ns: str, now: float) -> dict[str, str]:
    obj = kube.get(state, "Namespace", None, ns, now)
    return kube.labels_of(obj) if obj else {}


def captured(state: State, pod: Obj, now: float) -> bool:
    """ztunnel captures a pod without a sidecar whose own label, else its namespace's, says ambient."""
    if pods.has_sidecar(pod) or not ambient_ready(state, now):
        return False
    labels = kube.labels_of(pod)
    if labels.get("istio.io/dataplane-mode") == "none" or labels.get(
        "gateway.networking.k8s.io/gateway-name"
    ):
        return False
    mode = labels.get("istio.io/dataplane-mode") or namespace_labels(
        state, pod["metadata"]["namespace"], now
    ).get("istio.io/dataplane-mode")
    return mode == "ambient"


def reconcile(state: State, now: float) -> None:
    if "istio_upstream" not in state:
        return
    istiod = pods.injector(state, now)
    for gw in kube.listing(state, "Gateway", now):
        if kube.terminating(gw, now):
            continue
        cls = gw.get("spec", {}).get("gatewayClassName")
        if cls == WAYPOINT_CLASS:
            kube.private(gw)["status_fn"] = "istio-waypoint"
            if istiod is not None:
                _ensure_waypoint(state, gw, now)
        elif cls == "istio":
            kube.private(gw)["status_fn"] = "gateway"
    # A waypoint whose Gateway is gone goes with it (owner references).
    for kind in ("Deployment", "Service"):
        for obj in kube.listing(state, kind, now):
            if owned(obj, OWNER) and not kube.terminating(obj, now):
                owner = kube.get(state, "Gateway", obj["metadata"]["namespace"], obj["metadata"]["name"], now)
                if owner is None or kube.terminating(owner, now):
                    if kind == "Deployment":
                        for pod in pods.pods_of(
                            state, kind, obj["metadata"]["namespace"], obj["metadata"]["name"], now
                        ):
                            kube.delete(state, pod, now, 0.0)
                    kube.delete(state, obj, now, 0.0)
    for ap in kube.listing(state, "AuthorizationPolicy", now):
        kube.private(ap)["status_fn"] = "istio-authz"
    # istio-cni's node agent marks the pods it redirected to ztunnel.
    for pod in kube.listing(state, "Pod", now):
        ann = pod["metadata"].get("annotations") or {}
        want = captured(state, pod, now)
        if want and ann.get("ambient.istio.io/redirection") != "enabled":
            pod["metadata"].setdefault("annotations", {})["ambient.istio.io/redirection"] = "enabled"
        elif not want and "ambient.istio.io/redirection" in ann:
            del pod["metadata"]["annotations"]["ambient.istio.io/redirection"]


def _ensure_waypoint(state: State, gw: Obj, now: float) -> None:
    ns, name = gw["metadata"]["namespace"], gw["metadata"]["name"]
    if kube.get(state, "Deployment", ns, name, now) is not None:
        return
    version = mesh(state).get("version", "1.26.1")
    labels = {
        "gateway.networking.k8s.io/gateway-name": name,
        "gateway.istio.io/managed": "istio.io-mesh-controller",
        "istio.io/dataplane-mode": "none",
        "sidecar.istio.io/inject": "false",
    }
    dep = pods.make_workload(
        state,
        now,
        "Deployment",
        ns,
        name,
        pod_labels=labels,
        labels={
            "gateway.networking.k8s.io/gateway-name": name,
            "gateway.istio.io/managed": "istio.io-mesh-controller",
        },
        containers=[
            {
                "name": "istio-proxy",
                "image": f"docker.io/istio/proxyv2:{version}",
                "args": ["proxy", "waypoint", "--domain", f"{ns}.svc.cluster.local"],
                "ports": [{"containerPort": 15008, "name": "mesh", "protocol": "TCP"}],
            }
        ],
        service_account=name,
        ready_delay=delay(state, 3),
    )
    dep["spec"]["selector"] = {"matchLabels": {"gateway.networking.k8s.io/gateway-name": name}}
    mark_owner(dep, OWNER)
    svc = kube.make_service(
        state,
        now,
        ns,
        name,
        selector={"gateway.networking.k8s.io/gateway-name": name},
        ports=[("status-port", 15021), ("mesh", 15008)],
        labels={
            "gateway.networking.k8s.io/gateway-name": name,
            "gateway.istio.io/managed": "istio.io-mesh-controller",
        },
    )
    mark_owner(svc, OWNER)


def waypoint_ready(state: State, ns: str, name: str, now: float) -> bool:
    gw = kube.get(state, "Gateway", ns, name, now)
    if (
        gw is None
        or kube.terminating(gw, now)
        or gw.get("spec", {}).get("gatewayClassName") != WAYPOINT_CLASS
    ):
        return False
    if not mesh(state).get("ambient"):
        return False
    return any(
        pods.pod_runtime(state, p, now)["status"] == "Running" and not kube.terminating(p, now)
        for p in pods.pods_of(state, "Deployment", ns, name, now)
    )


def waypoint_of_service(state: State, svc: Obj, now: float) -> tuple[str, str] | None:
    """The waypoint a Service is bound to: its own use-waypoint label, else its namespace's."""
    ns = svc["metadata"]["namespace"]
    labels = kube.labels_of(svc)
    name = labels.get("istio.io/use-waypoint") or namespace_labels(state, ns, now).get(
        "istio.io/use-waypoint"
    )
    if not name or name == "none":
        return None
    wp_ns = labels.get("istio.io/use-waypoint-namespace") or ns
    return wp_ns, name


def status(state: State, obj: Obj, fn: str, now: float) -> Obj:
    """`status` as istiod writes it on waypoint Gateways and AuthorizationPolicies."""
    meta = obj["metadata"]
    if fn == "istio-waypoint":
        ready = waypoint_ready(state, meta["namespace"], meta["name"], now)
        host = f"{meta['name']}.{meta['namespace']}.svc.cluster.local"
        conds = [
            {"type": "Accepted", "status": "True", "reason": "Accepted", "message": "Resource accepted"},
            {
                "type": "Programmed",
                "status": "True" if ready else "False",
                "reason": "Programmed" if ready else "NoResources",
                "message": f"Resource programmed, assigned to service(s) {host}:15008"
                if ready
                else "Deployment waiting to become ready",
            },
        ]
        out: Obj = {"conditions": conds}
        if ready:
            out["addresses"] = [{"type": "Hostname", "value": host}]
        return out
    # AuthorizationPolicy
    refs = list(obj.get("spec", {}).get("targetRefs") or [])
    if obj.get("spec", {}).get("targetRef"):
        refs.append(obj["spec"]["targetRef"])
    if refs:
        bound = []
        for ref in refs:
            if ref.get("kind") == "Service":
                svc = kube.get(state, "Service", meta["namespace"], ref.get("name", ""), now)
                wp = waypoint_of_service(state, svc, now) if svc else None
                if wp and waypoint_ready(state, wp[0], wp[1], now):
                    bound.append(f"{wp[0]}/{wp[1]}")
            elif ref.get("kind") == "Gateway" and waypoint_ready(
                state, meta["namespace"], ref.get("name", ""), now
            ):
                bound.append(f"{meta['namespace']}/{ref.get('name')}")
        if bound:
            cond = {
                "type": "WaypointAccepted",
                "status": "True",
                "reason": "Accepted",
                "message": f"bound to {', '.join(sorted(set(bound)))}",
            }
        else:
            cond = {
                "type": "WaypointAccepted",
                "status": "False",
                "reason": "AncestorNotBound",
                "message": "not bound to a waypoint: label the target istio.io/use-waypoint",
            }
        return {"conditions": [cond]}
    if ambient_ready(state, now):
        return {
            "conditions": [
                {
                    "type": "ZtunnelAccepted",
                    "status": "True",
                    "reason": "Accepted",
                    "message": "attached to ztunnel",
                }
            ]
        }
    return {}
