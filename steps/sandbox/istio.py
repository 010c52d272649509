"""The Istio control planes and what they serve: istio-pilot's sidecar istiod and ingress gateway,
istio-k8s's ambient istiod/ztunnel/istio-cni, the beacon's waypoint, istio-ingress-k8s's gateway
and routes — and whether ambient traffic can flow on this cluster at all."""

from __future__ import annotations

from . import charms, gateway_tls, kinds, kube, model, pods, webhooks
from .apps import BEACON_WAYPOINT
from .lifecycle import (
    MODEL_NS,
    alloc_lb_ip,
    ensure_crds,
    grace_of,
    live,
    mark_owner,
    owned,
    retire,
    retire_crds,
    retire_owned,
)
from .state import State, delay

ISTIO_CRDS = [
    "authorizationpolicies.security.istio.io",
    "peerauthentications.security.istio.io",
    "requestauthentications.security.istio.io",
    "destinationrules.networking.istio.io",
    "envoyfilters.networking.istio.io",
    "gateways.networking.istio.io",
    "proxyconfigs.networking.istio.io",
    "serviceentries.networking.istio.io",
    "sidecars.networking.istio.io",
    "virtualservices.networking.istio.io",
    "workloadentries.networking.istio.io",
    "workloadgroups.networking.istio.io",
    "telemetries.telemetry.istio.io",
    "wasmplugins.extensions.istio.io",
]

GATEWAY_API_CRDS = [
    "gatewayclasses.gateway.networking.k8s.io",
    "gateways.gateway.networking.k8s.io",
    "grpcroutes.gateway.networking.k8s.io",
    "httproutes.gateway.networking.k8s.io",
    "referencegrants.gateway.networking.k8s.io",
]

CNI_CRASH = (
    "failed to install CNI: open /var/snap/microk8s/current/args/cni-network: no such file or directory"
)


# The Istio each istio-pilot track installs (its bundled istioctl; image-configuration's global-tag
# from 1.16 on), read from canonical/istio-operators track/* branches.
ISTIO_VERSIONS = {
    "1.11": "1.11.0",
    "1.12": "1.12.9",
    "1.13": "1.13.9",
    "1.14": "1.14.6",
    "1.15": "1.15.6",
    "1.16": "1.16.2",
    "1.22": "1.22.5",
    "1.24": "1.24.3",
    "1.28": "1.28.0",
}


def istio_version(app: dict) -> str:
    return ISTIO_VERSIONS.get(app.get("track", ""), "1.28.0")


def _upgrade_istiod(state: State, app: dict, now: float) -> None:
    """A refreshed istio-pilot runs `istioctl upgrade`: istiod moves to the track's Istio."""
    dep = kube.get(state, "Deployment", MODEL_NS, "istiod", now)
    version = istio_version(app)
    if dep is None or not owned(dep, "istio-pilot") or kube.private(dep).get("istio_version") == version:
        return
    template = dep["spec"]["template"]
    template["spec"]["containers"] = [
        {**c, "image": f"docker.io/istio/pilot:{version}"} if c["name"] == "discovery" else c
        for c in template["spec"]["containers"]
    ]
    dep["metadata"]["generation"] = dep["metadata"].get("generation", 1) + 1
    kube.private(dep)["istio_version"] = version
    kube.touch(state, dep)
    pods.roll_pods(state, dep, now, app.get("pod_delay", 0.0))


def sync_istio(state: State, now: float) -> None:
    pilot = live(state, "istio-pilot", now)
    ambient = live(state, "istio-k8s", now)
    # istio-pilot's istiod
    if pilot:
        name, app = pilot
        if kube.get(state, "Deployment", MODEL_NS, "istiod", now) is None:
            dep = pods.make_workload(
                state,
                now,
                "Deployment",
                MODEL_NS,
                "istiod",
                pod_labels={"app": "istiod", "istio": "pilot"},
                containers=[{"name": "discovery", "image": f"docker.io/istio/pilot:{istio_version(app)}"}],
                service_account="istiod",
                ready_delay=delay(state, 6),
            )
            kube.private(dep)["istio_version"] = istio_version(app)
            mark_owner(dep, "istio-pilot")
        else:
            _upgrade_istiod(state, app, now)
            mark_owner(
                kube.make_service(
                    state,
                    now,
                    MODEL_NS,
                    "istiod",
                    selector={"app": "istiod"},
                    ports=[("grpc-xds", 15010), ("https-dns", 15012), ("https-webhook", 443)],
                ),
                "istio-pilot",
            )
        if kube.get(state, "Gateway.networking.istio.io", MODEL_NS, "kubeflow-gateway", now) is None:
            ensure_crds(state, ISTIO_CRDS, now, "istio")
            kube.make_simple(
                state,
                now,
                "Gateway.networking.istio.io",
                "kubeflow-gateway",
                MODEL_NS,
                body={
                    "spec": {
                        "selector": {"istio": "ingressgateway"},
                        "servers": [
                            {"hosts": ["*"], "port": {"name": "http", "number": 80, "protocol": "HTTP"}}
                        ],
                    }
                },
            )
    else:
        gone = [a for a in state["apps"].values() if a["charm"] == "istio-pilot"]
        retire_owned(state, "istio-pilot", now, grace_of(gone[0] if gone else None, now))
    # istio-ingressgateway (sidecar era)
    gateway = live(state, "istio-gateway", now)
    # At scale 0 the istio-gateway charm removes its gateway Deployment (the 1.10 -> 1.11 upgrade
    # relies on it).
    if (
        gateway
        and gateway[1].get("scale", 1) > 0
        and pilot
        and model.has(state, gateway[0], "istio-pilot", now)
    ):
        svc_name = "istio-ingressgateway-workload"
        if kube.get(state, "Deployment", MODEL_NS, svc_name, now) is None:
            mark_owner(
                pods.make_workload(
                    state,
                    now,
                    "Deployment",
                    MODEL_NS,
                    svc_name,
                    pod_labels={"app": "istio-ingressgateway", "istio": "ingressgateway"},
                    containers=[
                        {"name": "istio-proxy", "image": f"docker.io/istio/proxyv2:{istio_version(pilot[1])}"}
                    ],
                    service_account=f"{svc_name}-service-account",
                    ready_delay=delay(state, 6),
                ),
                "istio-gateway",
            )
            mark_owner(
                kube.make_service(
                    state,
                    now,
                    MODEL_NS,
                    svc_name,
                    selector={"istio": "ingressgateway"},
                    ports=[("http2", 80), ("https", 443)],
                    svc_type="LoadBalancer",
                    lb_ip=alloc_lb_ip(state, svc_name),
                ),
                "istio-gateway",
            )
    else:
        gone = [a for a in state["apps"].values() if a["charm"] == "istio-gateway"]
        retire_owned(state, "istio-gateway", now, grace_of(gone[0] if gone else None, now))
    # istio-k8s (ambient)
    if ambient:
        name, app = ambient
        fit = charms.istio_fit(state, app)
        ensure_crds(state, ISTIO_CRDS, now, "istio")
        ensure_crds(state, GATEWAY_API_CRDS, now, "istio-k8s")
        for cls, controller in (
            ("istio", "istio.io/gateway-controller"),
            ("istio-waypoint", "istio.io/mesh-controller"),
            ("istio-remote", "istio.io/unmanaged-gateway"),
        ):
            if kube.get(state, "GatewayClass", None, cls, now) is None:
                mark_owner(
                    kube.make_simple(
                        state,
                        now,
                        "GatewayClass",
                        cls,
                        body={
                            "spec": {
                                "controllerName": controller,
                                "description": "The default Istio GatewayClass",
                            },
                            "status": {
                                "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]
                            },
                        },
                    ),
                    "istio-k8s",
                )
        version = "1.26.1"
        if kube.get(state, "Deployment", MODEL_NS, "istiod", now) is None:
            dep = pods.make_workload(
                state,
                now,
                "Deployment",
                MODEL_NS,
                "istiod",
                pod_labels={"app": "istiod", "istio": "pilot", "istio.io/rev": "default"},
                containers=[
                    {
                        "name": "discovery",
                        "image": f"docker.io/istio/pilot:{version}",
                        "env": [{"name": "PILOT_ENABLE_AMBIENT", "value": "true"}],
                    }
                ],
                service_account="istiod",
                ready_delay=delay(state, 6),
            )
            kube.private(dep)["istio_version"] = version
            mark_owner(dep, "istio-k8s")
            mark_owner(
                kube.make_service(
                    state,
                    now,
                    MODEL_NS,
                    "istiod",
                    selector={"app": "istiod"},
                    ports=[("grpc-xds", 15010), ("https-dns", 15012), ("https-webhook", 443)],
                ),
                "istio-k8s",
            )
        if kube.get(state, "DaemonSet", MODEL_NS, "ztunnel", now) is None:
            mark_owner(
                pods.make_workload(
                    state,
                    now,
                    "DaemonSet",
                    MODEL_NS,
                    "ztunnel",
                    pod_labels={"app": "ztunnel"},
                    containers=[
                        {"name": "istio-proxy", "image": f"docker.io/istio/ztunnel:{version}-distroless"}
                    ],
                    service_account="ztunnel",
                    ready_delay=delay(state, 6),
                ),
                "istio-k8s",
            )
        cni = kube.get(state, "DaemonSet", MODEL_NS, "istio-cni-node", now)
        crash = None if fit or state["cluster"]["distribution"] == "microk8s" else CNI_CRASH
        if cni is None or cni.get("_", {}).get("extra_pod", {}).get("crash") != crash:
            if cni is not None:
                retire(state, cni, now, 0.0)
            mark_owner(
                pods.make_workload(
                    state,
                    now,
                    "DaemonSet",
                    MODEL_NS,
                    "istio-cni-node",
                    pod_labels={"k8s-app": "istio-cni-node"},
                    containers=[{"name": "install-cni", "image": f"docker.io/istio/install-cni:{version}"}],
                    service_account="istio-cni",
                    ready_delay=delay(state, 6),
                    extra_pod={"crash": crash} if crash else None,
                ),
                "istio-k8s",
            )
    else:
        gone = [a for a in state["apps"].values() if a["charm"] == "istio-k8s"]
        grace = grace_of(gone[0] if gone else None, now)
        retire_owned(state, "istio-k8s", now, grace)
    # The injector and validator webhooks come and go with the istiod that serves them (installed by
    # istioctl with it, deleted by `istioctl uninstall --purge` with it).
    istiod = kube.get(state, "Deployment", MODEL_NS, "istiod", now)
    if istiod is not None and not kube.terminating(istiod, now):
        webhooks.ensure(state, now, webhooks.istio(MODEL_NS), kube.private(istiod).get("owner", "istio"))
    if not pilot and not ambient:
        gone = [a for a in state["apps"].values() if a["charm"] in ("istio-pilot", "istio-k8s")]
        retire_crds(state, ISTIO_CRDS, now, max([grace_of(a, now) for a in gone] or [0.0]))
    if not ambient:
        retire_crds(state, GATEWAY_API_CRDS, now, 0.0)


def sync_beacon(state: State, now: float) -> None:
    beacon = live(state, "istio-beacon-k8s", now)
    istiod = pods.injector(state, now)
    if beacon and istiod and kinds.served(state, kinds.by_store_key("Gateway")):
        if kube.get(state, "Gateway", MODEL_NS, BEACON_WAYPOINT, now) is None:
            make_waypoint(
                state,
                now,
                MODEL_NS,
                BEACON_WAYPOINT,
                "istio-beacon-k8s",
                labels={"istio.io/waypoint-for": "service"},
            )
    else:
        gone = [a for a in state["apps"].values() if a["charm"] == "istio-beacon-k8s"]
        retire_owned(state, "istio-beacon-k8s", now, grace_of(gone[0] if gone else None, now))


def make_waypoint(state: State, now: float, ns: str, name: str, tag: str, labels: dict | None = None) -> None:
    gw = kube.make_simple(
        state,
        now,
        "Gateway",
        name,
        ns,
        labels=labels,
        body={
            "spec": {
                "gatewayClassName": "istio-waypoint",
                "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
            }
        },
    )
    kube.private(gw)["status_fn"] = "gateway"
    mark_owner(gw, tag)
    mark_owner(
        pods.make_workload(
            state,
            now,
            "Deployment",
            ns,
            name,
            pod_labels={"gateway.networking.k8s.io/gateway-name": name, "istio.io/gateway-name": name},
            containers=[
                {
                    "name": "istio-proxy",
                    "image": "docker.io/istio/proxyv2:1.26.1",
                    "args": ["proxy", "waypoint"],
                }
            ],
            service_account=name,
            ready_delay=delay(state, 4),
        ),
        tag,
    )
    mark_owner(
        kube.make_service(
            state,
            now,
            ns,
            name,
            selector={"gateway.networking.k8s.io/gateway-name": name},
            ports=[("mesh", 15008)],
        ),
        tag,
    )


def sync_ingress(state: State, now: float) -> None:
    ingress = live(state, "istio-ingress-k8s", now)
    istiod_ambient = live(state, "istio-k8s", now)
    if not ingress:
        gone = [a for a in state["apps"].values() if a["charm"] == "istio-ingress-k8s"]
        retire_owned(state, "istio-ingress-k8s", now, grace_of(gone[0] if gone else None, now))
        return
    name, app = ingress
    tag = "istio-ingress-k8s"
    managed = f"{name}-istio"
    if (
        kinds.served(state, kinds.by_store_key("Gateway"))
        and kube.get(state, "Gateway", MODEL_NS, name, now) is None
    ):
        gw = kube.make_simple(
            state,
            now,
            "Gateway",
            name,
            MODEL_NS,
            body={
                "spec": {
                    "gatewayClassName": "istio",
                    "listeners": [
                        {
                            "name": "http",
                            "port": 80,
                            "protocol": "HTTP",
                            "allowedRoutes": {"namespaces": {"from": "All"}},
                        }
                    ],
                }
            },
        )
        kube.private(gw)["status_fn"] = "gateway"
        mark_owner(gw, tag)
    if istiod_ambient and kube.get(state, "Deployment", MODEL_NS, managed, now) is None:
        mark_owner(
            pods.make_workload(
                state,
                now,
                "Deployment",
                MODEL_NS,
                managed,
                pod_labels={"gateway.networking.k8s.io/gateway-name": name, "istio.io/gateway-name": name},
                containers=[
                    {
                        "name": "istio-proxy",
                        "image": "docker.io/istio/proxyv2:1.26.1",
                        "args": ["proxy", "router"],
                    }
                ],
                service_account=managed,
                ready_delay=delay(state, 5),
            ),
            tag,
        )
        mark_owner(
            kube.make_service(
                state,
                now,
                MODEL_NS,
                managed,
                selector={"gateway.networking.k8s.io/gateway-name": name},
                ports=[("status-port", 15021), ("http", 80)],
                svc_type="LoadBalancer",
                lb_ip=alloc_lb_ip(state, managed),
            ),
            tag,
        )
        mark_owner(kube.make_simple(state, now, "ServiceAccount", managed, MODEL_NS), tag)
    gateway = kube.get(state, "Gateway", MODEL_NS, name, now)
    service = kube.get(state, "Service", MODEL_NS, managed, now)
    if gateway is not None:  # its listeners and the Service's ports follow the certificate
        lb = ((service or {}).get("status", {}).get("loadBalancer", {}).get("ingress") or [{}])[0]
        tls = gateway_tls.ingress_tls(state, name, lb.get("ip", ""), now)
        gateway_tls.sync_ingress_listeners(state, gateway, service, tls)
    # One HTTPRoute per related application, as the charm writes them.
    if kinds.served(state, kinds.by_store_key("HTTPRoute")):
        wanted = set()
        for endpoint in (
            "istio-ingress-route",
            "istio-ingress-route-unauthenticated",
            "ingress",
            "ingress-unauthenticated",
        ):
            for side in model.related(state, name, endpoint, now):
                wanted.add(f"{side.app}-http-{side.app}")
        for route in kube.listing(state, "HTTPRoute", now, MODEL_NS):
            if owned(route, tag) and route["metadata"]["name"] not in wanted:
                retire(state, route, now, 0.0)
        for route_name in wanted:
            if kube.get(state, "HTTPRoute", MODEL_NS, route_name, now) is None:
                target = route_name.split("-http-")[0]
                mark_owner(
                    kube.make_simple(
                        state,
                        now,
                        "HTTPRoute",
                        route_name,
                        MODEL_NS,
                        body={
                            "spec": {
                                "parentRefs": [{"name": name, "namespace": MODEL_NS}],
                                "rules": [
                                    {
                                        "backendRefs": [{"name": target, "namespace": MODEL_NS, "port": 80}],
                                        "matches": [{"path": {"type": "PathPrefix", "value": f"/{target}"}}],
                                    }
                                ],
                            }
                        },
                    ),
                    tag,
                )


def dataplane_problem(state: State, now: float) -> str | None:
    """Why ambient traffic would not flow (wrong CNI paths, Cilium not prepared), or None."""
    ambient = live(state, "istio-k8s", now)
    if not ambient:
        return "istio-k8s is not deployed"
    if not charms.istio_fit(state, ambient[1]):
        return "istio-cni is not chained into this cluster's CNI configuration"
    cilium = state["cluster"].get("cilium_effective")
    if cilium is not None:
        if str(cilium.get("cni-exclusive", "true")).lower() != "false":
            return "cilium removed istio-cni's chained CNI configuration (cni-exclusive is true)"
        if str(cilium.get("bpf-lb-sock-hostns-only", "false")).lower() != "true":
            return "cilium socket load-balancing bypasses ztunnel (bpf-lb-sock-hostns-only is not true)"
    return None
