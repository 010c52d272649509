"""The istio-bookinfo scenarios: upstream Istio installed by Helm in sidecar mode, bookinfo split
over two namespaces (frontend: productpage and a curl client; backend: details, ratings and
reviews v1-v3 with a Service per version), an ingress gateway, L4 and L7 AuthorizationPolicies
and a GAMMA HTTPRoute. No ztunnel, no istio-cni: the runbook installs them."""

from __future__ import annotations

import uuid
from pathlib import Path

from .. import kube, nodes, pods
from ..lifecycle import alloc_lb_ip
from ..state import State
from . import control

VERSIONS = {
    "istio-bookinfo": "1.26.1",
    "istio-bookinfo-legacy": "1.23.6",
    "istio-bookinfo-blockers": "1.26.1",
}
BOOKINFO_TAG = "1.20.3"


def _base(name: str, speed: float, t0: float) -> State:
    return {
        "format": 1,
        "scenario": name,
        "speed": speed,
        "created": t0,
        "cluster": {
            "distribution": "kind",
            "node": "bookinfo-control-plane",
            "node_ip": "172.18.0.2",
            "k8s_version": "v1.32.2",
            "storage_class": "standard",
            "provisioner": "rancher.io/local-path",
            "lb_ips": {},
            "uid": str(uuid.uuid4()),
        },
        "apps": {},
        "relations": [],
        "k8s": {},
        "counters": {},
        "faults": {},
        "istio_upstream": {"trust_domain": "cluster.local", "platform": ""},
        "helm": {"releases": []},
    }


def _node(state: State, t0: float) -> None:
    c = state["cluster"]
    nodes.make_node(
        state,
        t0,
        labels={
            "kubernetes.io/hostname": c["node"],
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "node-role.kubernetes.io/control-plane": "",
        },
        pod_cidr="10.244.0.0/24",
        runtime="containerd://2.0.2",
        os_image="Debian GNU/Linux 12 (bookworm)",
    )
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"):
        kube.ensure_namespace(state, ns, t0)
    pods.make_workload(
        state,
        t0,
        "Deployment",
        "kube-system",
        "coredns",
        pod_labels={"k8s-app": "kube-dns"},
        containers=[{"name": "coredns", "image": "registry.k8s.io/coredns/coredns:v1.11.3"}],
        replicas=2,
    )
    pods.make_workload(
        state,
        t0,
        "DaemonSet",
        "kube-system",
        "kindnet",
        pod_labels={"app": "kindnet"},
        containers=[{"name": "kindnet-cni", "image": "docker.io/kindest/kindnetd:v20250214-acbabc1a"}],
    )


def helm_release(
    state: State, t: float, name: str, ns: str, chart: str, version: str, values: dict[str, str]
) -> None:
    rels = state.setdefault("helm", {}).setdefault("releases", [])
    previous = [r for r in rels if r["name"] == name and r["namespace"] == ns]
    for r in previous:
        if r["status"] == "deployed":
            r["status"] = "superseded"
    rels.append(
        {
            "name": name,
            "namespace": ns,
            "revision": len(previous) + 1,
            "updated": t,
            "status": "deployed",
            "chart": chart,
            "version": version,
            "values": dict(values),
            "description": "Install complete" if not previous else "Upgrade complete",
        }
    )


def _install_istio(state: State, t0: float, version: str) -> None:
    kube.ensure_namespace(state, control.NS, t0)
    control.install_gateway_api(state, t0)
    helm_release(state, t0, "istio-base", control.NS, "base", version, {"defaultRevision": "default"})
    control.install_base(state, t0)
    helm_release(state, t0 + 60, "istiod", control.NS, "istiod", version, {})
    control.install_istiod(state, t0 + 60, version, {})
    kube.make_simple(
        state,
        t0 + 60,
        "PeerAuthentication",
        "default",
        control.NS,
        body={"spec": {"mtls": {"mode": "STRICT"}}},
    )


def _app(
    state: State,
    t: float,
    ns: str,
    app: str,
    version: str,
    sa: str,
    port: int = 9080,
    image: str | None = None,
) -> None:
    name = f"{app}-{version}" if version else app
    labels = {"app": app, **({"version": version} if version else {})}
    dep = pods.make_workload(
        state,
        t,
        "Deployment",
        ns,
        name,
        pod_labels=labels,
        labels=labels,
        containers=[
            {
                "name": app,
                "image": image or f"docker.io/istio/examples-bookinfo-{app}-{version}:{BOOKINFO_TAG}",
                "ports": [{"containerPort": port}],
            }
        ],
        service_account=sa,
    )
    dep["spec"]["selector"] = {"matchLabels": dict(labels)}
    if kube.get(state, "ServiceAccount", ns, sa, t) is None:
        kube.make_simple(state, t, "ServiceAccount", sa, ns, labels={"account": app})


def _svc(state: State, t: float, ns: str, name: str, selector: dict[str, str], port: int = 9080) -> None:
    kube.make_service(
        state,
        t,
        ns,
        name,
        selector=selector,
        ports=[("http", port)],
        labels={"app": selector["app"], "service": name},
    )


def _policy(state: State, t: float, ns: str, name: str, spec: dict) -> None:
    kube.make_simple(state, t, "AuthorizationPolicy", name, ns, body={"spec": spec})


def _bookinfo(state: State, t: float) -> None:
    td = control.trust_domain(state)
    for ns in ("frontend", "backend"):
        kube.ensure_namespace(state, ns, t, labels={"istio-injection": "enabled"})
    _app(state, t, "frontend", "productpage", "v1", "bookinfo-productpage")
    _svc(state, t, "frontend", "productpage", {"app": "productpage"})
    _app(state, t, "frontend", "curl", "", "curl", port=80, image="docker.io/curlimages/curl:8.16.0")
    state["k8s"]["Deployment"]["frontend/curl"]["spec"]["template"]["spec"]["containers"][0]["command"] = [
        "/bin/sleep",
        "infinity",
    ]
    _svc(state, t, "frontend", "curl", {"app": "curl"}, port=80)
    _app(state, t, "backend", "details", "v1", "bookinfo-details")
    _svc(state, t, "backend", "details", {"app": "details"})
    _app(state, t, "backend", "ratings", "v1", "bookinfo-ratings")
    _svc(state, t, "backend", "ratings", {"app": "ratings"})
    for v in ("v1", "v2", "v3"):
        _app(state, t, "backend", "reviews", v, "bookinfo-reviews")
        _svc(state, t, "backend", f"reviews-{v}", {"app": "reviews", "version": v})
    _svc(state, t, "backend", "reviews", {"app": "reviews"})
    # The ingress: a Gateway API gateway that istiod deploys (gateway-istio), and its route.
    kube.ensure_namespace(state, "istio-ingress", t)
    kube.make_simple(
        state,
        t,
        "Gateway",
        "gateway",
        "istio-ingress",
        body={
            "spec": {
                "gatewayClassName": "istio",
                "listeners": [
                    {
                        "name": "http",
                        "port": 80,
                        "protocol": "HTTP",
                        "hostname": "bookinfo.example.com",
                        "allowedRoutes": {"namespaces": {"from": "All"}},
                    }
                ],
            }
        },
    )
    gw_labels = {"gateway.networking.k8s.io/gateway-name": "gateway", "sidecar.istio.io/inject": "false"}
    pods.make_workload(
        state,
        t,
        "Deployment",
        "istio-ingress",
        "gateway-istio",
        pod_labels=gw_labels,
        labels={"gateway.networking.k8s.io/gateway-name": "gateway"},
        containers=[
            {
                "name": "istio-proxy",
                "image": f"docker.io/istio/proxyv2:{control.mesh(state)['version']}",
                "args": ["proxy", "router", "--domain", "istio-ingress.svc.cluster.local"],
            }
        ],
        service_account="gateway-istio",
    )
    kube.make_service(
        state,
        t,
        "istio-ingress",
        "gateway-istio",
        selector={"gateway.networking.k8s.io/gateway-name": "gateway"},
        ports=[("status-port", 15021), ("http", 80)],
        svc_type="LoadBalancer",
        labels={"gateway.networking.k8s.io/gateway-name": "gateway"},
        lb_ip=alloc_lb_ip(state, "gateway-istio"),
    )
    kube.make_simple(
        state,
        t,
        "HTTPRoute",
        "bookinfo",
        "frontend",
        body={
            "spec": {
                "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
                "hostnames": ["bookinfo.example.com"],
                "rules": [
                    {
                        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"name": "productpage", "port": 9080}],
                    }
                ],
            }
        },
    )
    # Every reviews call goes to v3 (one Service per version: HTTPRoute cannot name subsets).
    kube.make_simple(
        state,
        t,
        "HTTPRoute",
        "reviews",
        "backend",
        body={
            "spec": {
                "parentRefs": [{"group": "", "kind": "Service", "name": "reviews", "port": 9080}],
                "rules": [{"backendRefs": [{"name": "reviews-v3", "port": 9080}]}],
            }
        },
    )
    # L4: only the ingress gateway reaches productpage; only productpage reaches reviews.
    _policy(
        state,
        t,
        "frontend",
        "productpage-viewer",
        {
            "selector": {"matchLabels": {"app": "productpage"}},
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": [f"{td}/ns/istio-ingress/sa/gateway-istio"]}}]}],
        },
    )
    _policy(
        state,
        t,
        "backend",
        "reviews-authz",
        {
            "selector": {"matchLabels": {"app": "reviews"}},
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"principals": [f"{td}/ns/frontend/sa/bookinfo-productpage"]}}]}],
        },
    )
    # L7: productpage may GET details; reviews may GET ratings.
    _policy(
        state,
        t,
        "backend",
        "details-authz",
        {
            "selector": {"matchLabels": {"app": "details"}},
            "action": "ALLOW",
            "rules": [
                {
                    "from": [{"source": {"principals": [f"{td}/ns/frontend/sa/bookinfo-productpage"]}}],
                    "to": [{"operation": {"methods": ["GET"]}}],
                }
            ],
        },
    )
    _policy(
        state,
        t,
        "backend",
        "ratings-authz",
        {
            "selector": {"matchLabels": {"app": "ratings"}},
            "action": "ALLOW",
            "rules": [
                {
                    "from": [{"source": {"principals": [f"{td}/ns/backend/sa/bookinfo-reviews"]}}],
                    "to": [{"operation": {"methods": ["GET"]}}],
                }
            ],
        },
    )


def _blockers(state: State, t: float) -> None:
    kube.make_simple(
        state,
        t,
        "PeerAuthentication",
        "ratings-plaintext",
        "backend",
        body={"spec": {"selector": {"matchLabels": {"app": "ratings"}}, "mtls": {"mode": "DISABLE"}}},
    )
    kube.make_simple(
        state,
        t,
        "EnvoyFilter",
        "details-inbound-header",
        "backend",
        body={
            "spec": {
                "workloadSelector": {"labels": {"app": "details"}},
                "configPatches": [
                    {
                        "applyTo": "HTTP_FILTER",
                        "match": {
                            "context": "SIDECAR_INBOUND",
                            "listener": {
                                "filterChain": {
                                    "filter": {"name": "envoy.filters.network.http_connection_manager"}
                                }
                            },
                        },
                        "patch": {
                            "operation": "INSERT_BEFORE",
                            "value": {
                                "name": "envoy.filters.http.lua",
                                "typed_config": {
                                    "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
                                    "inlineCode": "function envoy_on_request(h) h:headers():add('x-legacy', '1') end",
                                },
                            },
                        },
                    }
                ],
            }
        },
    )
    kube.make_simple(
        state,
        t,
        "WorkloadEntry",
        "legacy-ratings-vm",
        "backend",
        labels={"app": "ratings", "version": "vm"},
        body={
            "spec": {
                "address": "10.10.0.15",
                "labels": {"app": "ratings", "version": "vm"},
                "serviceAccount": "bookinfo-ratings",
            }
        },
    )


def build(name: str, sandbox_dir: Path, speed: float, t0: float) -> State:
    state = _base(name, speed, t0)
    _node(state, t0)
    version = VERSIONS[name]
    _install_istio(state, t0, version)
    _bookinfo(state, t0 + 120)
    if name == "istio-bookinfo-blockers":
        _blockers(state, t0 + 180)
    control.reconcile(state, t0 + 180)
    return state
