"""Small hand-written cluster objects for the analyzer's tests: each builder returns what
`kubectl get -o json` prints for one object (only the fields the analyzer reads)."""

from __future__ import annotations

from typing import Any

TD = "cluster.local"


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels)}}


def proxy(hbone: bool = True, native: bool = False) -> dict[str, Any]:
    env = [{"name": "ISTIO_META_ENABLE_HBONE", "value": "true"}] if hbone else []
    c: dict[str, Any] = {
        "name": "istio-proxy",
        "image": "docker.io/istio/proxyv2:1.26.1",
        "args": ["proxy", "sidecar"],
        "env": env,
    }
    if native:
        c["restartPolicy"] = "Always"
    return c


def pod(
    ns: str,
    name: str,
    labels: dict[str, str],
    *,
    sidecar: bool = True,
    hbone: bool = True,
    sa: str = "default",
    owner: str | None = None,
    annotations: dict[str, str] | None = None,
    native: bool = False,
) -> dict[str, Any]:
    containers = [{"name": "app", "image": "example/app:1"}]
    init: list[dict[str, Any]] = []
    ann = dict(annotations or {})
    if sidecar:
        ann.setdefault("sidecar.istio.io/status", '{"templates":["sidecar"]}')
        (init if native else containers).append(proxy(hbone, native))
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "labels": {**labels, "pod-template-hash": "abc12"},
        "annotations": ann,
    }
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": f"{owner}-abc12", "controller": True}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": containers, "initContainers": init, "serviceAccountName": sa},
    }


def deployment(
    ns: str,
    name: str,
    labels: dict[str, str],
    *,
    template_annotations: dict[str, str] | None = None,
    containers: list[dict[str, Any]] | None = None,
    meta_labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    kind: str = "Deployment",
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": dict(meta_labels or {}),
            "annotations": dict(annotations or {}),
        },
        "spec": {
            "template": {
                "metadata": {"labels": dict(labels), "annotations": dict(template_annotations or {})},
                "spec": {"containers": containers or [{"name": "app", "image": "example/app:1"}]},
            }
        },
    }


def service(
    ns: str, name: str, selector: dict[str, str], *, headless: bool = False, **labels: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
        "spec": {
            "selector": dict(selector),
            "clusterIP": "None" if headless else "10.0.0.1",
            "ports": [{"name": "http", "port": 9080}],
        },
    }


def istiod(
    version: str = "1.26.1", *, ambient: bool = True, auto_allow: bool = False, helm: bool = True
) -> dict[str, Any]:
    env = [{"name": "PILOT_ENABLE_AMBIENT", "value": "true"}] if ambient else []
    if auto_allow:
        env.append({"name": "PILOT_AUTO_ALLOW_WAYPOINT_POLICY", "value": "true"})
    labels = {"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": f"istiod-{version}"} if helm else {}
    return deployment(
        "istio-system",
        "istiod",
        {"app": "istiod"},
        meta_labels=labels,
        annotations={"meta.helm.sh/release-name": "istiod"} if helm else {},
        containers=[{"name": "discovery", "image": f"docker.io/istio/pilot:{version}", "env": env}],
    )


def daemonset(name: str, app_label: tuple[str, str]) -> dict[str, Any]:
    return deployment("istio-system", name, {app_label[0]: app_label[1]}, kind="DaemonSet")


def crd(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
    }


GATEWAY_CRDS = ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]


def ambient_ready() -> list[dict[str, Any]]:
    """A control plane with the ambient profile, ztunnel, istio-cni and the Gateway API CRDs."""
    return [
        namespace("istio-system"),
        istiod(),
        daemonset("ztunnel", ("app", "ztunnel")),
        daemonset("istio-cni-node", ("k8s-app", "istio-cni-node")),
        *(crd(f"{c}.gateway.networking.k8s.io") for c in GATEWAY_CRDS),
    ]


def istio(
    kind: str,
    ns: str,
    name: str,
    spec: dict[str, Any],
    group: str = "security.istio.io",
    version: str = "v1",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": f"{group}/{version}",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns, "annotations": dict(annotations or {})},
        "spec": spec,
    }


def authz(
    ns: str,
    name: str,
    *,
    selector: dict[str, str] | None = None,
    action: str | None = None,
    rules: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if selector is not None:
        spec["selector"] = {"matchLabels": dict(selector)}
    if action:
        spec["action"] = action
    if rules is not None:
        spec["rules"] = rules
    return istio("AuthorizationPolicy", ns, name, spec, **kw)


def principal(ns: str, sa: str) -> str:
    return f"{TD}/ns/{ns}/sa/{sa}"


def app(
    ns: str,
    name: str,
    *,
    sa: str | None = None,
    version: str = "v1",
    sidecar: bool = True,
    hbone: bool = True,
) -> list[dict[str, Any]]:
    """A Deployment `<name>-<version>`, its pod and the Service `<name>`."""
    labels = {"app": name, "version": version}
    return [
        deployment(ns, f"{name}-{version}", labels),
        pod(
            ns,
            f"{name}-{version}-abc12-xyz",
            labels,
            sidecar=sidecar,
            hbone=hbone,
            sa=sa or name,
            owner=f"{name}-{version}",
        ),
        service(ns, name, {"app": name}),
    ]


def bookinfo() -> list[dict[str, Any]]:
    """Bookinfo split as in the reference: frontend (productpage, curl), backend (details, ratings,
    reviews v1-v3 with per-version Services), an L4 policy on productpage, L7 ones on details and
    ratings, an HTTPRoute on reviews, an ingress Gateway."""
    objs = [
        *ambient_ready(),
        namespace("frontend", **{"istio-injection": "enabled"}),
        namespace("backend", **{"istio-injection": "enabled"}),
        namespace("istio-ingress", **{"istio-injection": "enabled"}),
    ]
    objs += app("frontend", "productpage", sa="bookinfo-productpage")
    objs += app("frontend", "curl")
    objs += app("backend", "details", sa="bookinfo-details")
    objs += app("backend", "ratings", sa="bookinfo-ratings")
    objs.append(service("backend", "details-v1", {"app": "details", "version": "v1"}))
    objs.append(service("backend", "ratings-v1", {"app": "ratings", "version": "v1"}))
    objs.append(service("backend", "reviews", {"app": "reviews"}))
    for v in ("v1", "v2", "v3"):
        labels = {"app": "reviews", "version": v}
        objs.append(deployment("backend", f"reviews-{v}", labels))
        objs.append(
            pod("backend", f"reviews-{v}-abc12-xyz", labels, sa="bookinfo-reviews", owner=f"reviews-{v}")
        )
        objs.append(service("backend", f"reviews-{v}", labels))
    gw_labels = {"gateway.networking.k8s.io/gateway-name": "gateway", "istio.io/gateway-name": "gateway"}
    gw_pod = pod("istio-ingress", "gateway-istio-abc12-xyz", gw_labels, sidecar=False, sa="gateway-istio")
    gw_pod["spec"]["containers"] = [{**proxy(), "args": ["proxy", "router"]}]
    objs += [gw_pod, service("istio-ingress", "gateway-istio", gw_labels)]
    objs.append(
        istio(
            "Gateway",
            "istio-ingress",
            "gateway",
            {"gatewayClassName": "istio", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
            group="gateway.networking.k8s.io",
        )
    )
    objs.append(
        istio(
            "HTTPRoute",
            "frontend",
            "bookinfo",
            {
                "parentRefs": [{"name": "gateway", "namespace": "istio-ingress"}],
                "rules": [{"backendRefs": [{"name": "productpage", "port": 9080}]}],
            },
            group="gateway.networking.k8s.io",
        )
    )
    objs.append(
        istio(
            "HTTPRoute",
            "backend",
            "bookinfo-reviews",
            {
                "parentRefs": [{"group": "", "kind": "Service", "name": "reviews", "port": 9080}],
                "rules": [{"backendRefs": [{"name": "reviews-v3", "port": 9080}]}],
            },
            group="gateway.networking.k8s.io",
        )
    )
    objs.append(
        authz(
            "frontend",
            "productpage-authz",
            selector={"app": "productpage"},
            rules=[{"from": [{"source": {"principals": [principal("istio-ingress", "gateway-istio")]}}]}],
        )
    )
    objs.append(
        authz(
            "backend",
            "details-authz",
            selector={"app": "details"},
            rules=[
                {
                    "from": [{"source": {"principals": [principal("frontend", "bookinfo-productpage")]}}],
                    "to": [{"operation": {"methods": ["GET"]}}],
                }
            ],
        )
    )
    objs.append(
        authz(
            "backend",
            "ratings-authz",
            selector={"app": "ratings"},
            rules=[
                {
                    "from": [{"source": {"principals": [principal("backend", "bookinfo-reviews")]}}],
                    "to": [{"operation": {"methods": ["GET", "POST"]}}],
                }
            ],
        )
    )
    return objs
