"""The traffic oracle: what a request from one pod to one Service gets, decided as the data plane
of the moment would decide it.

Who enforces what (shared/reference/istio-ambient-migration.md):
- a sidecar client talks to the destination pod directly, never through a waypoint (upstream
  sidecar interop: only gateways use waypoints, and only ingress gateways with
  `istio.io/ingress-use-waypoint`);
- an ambient client (captured by ztunnel) goes through the Service's waypoint when the Service,
  else its namespace, is labelled `istio.io/use-waypoint` and the waypoint is programmed (a waypoint
  that is not ready is bypassed); the waypoint enforces the targetRefs policies with the client's
  identity and answers 403, then forwards with its own identity;
- the destination's sidecar enforces selector and namespace-wide policies with every attribute
  (403); a captured destination's ztunnel enforces them with ztunnel's rules (a reset, curl 56);
- ztunnel and waypoints reach a sidecar only over HBONE, so a sidecar injected before the ambient
  profile (no ISTIO_META_ENABLE_HBONE) is unreachable from them, and its own mTLS looks like plain
  text to a captured destination. Gateway proxies are re-rendered by istiod and always speak it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import kube, pods
from ..kube import Obj
from ..state import State
from . import authz, control

ROOT_NS = control.NS
RBAC_DENIED = "RBAC: access denied"

BODIES = {
    "productpage": "<!DOCTYPE html>\n<html>\n  <head>\n    <title>Simple Bookstore App</title>\n  </head>\n</html>\n",
    "details": '{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,'
    '"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
    "ratings": '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}',
}


@dataclass(frozen=True)
class Outcome:
    code: int  # HTTP status; 0 when the connection was reset
    body: str = ""
    enforced_by: str = ""  # "sidecar", "waypoint", "ztunnel" or "" (allowed)
    policy: str = ""

    @property
    def allowed(self) -> bool:
        return self.code == 200

    @property
    def curl_exit(self) -> int:
        return 56 if self.code == 0 else 0


def hbone(pod: Obj) -> bool:
    """The pod's sidecar was injected with ISTIO_META_ENABLE_HBONE (the ambient profile's template)."""
    for c in pod.get("spec", {}).get("containers", []):
        if c.get("name") == "istio-proxy":
            return any(
                e.get("name") == "ISTIO_META_ENABLE_HBONE" and e.get("value") == "true"
                for e in c.get("env") or []
            )
    return False


def principal(state: State, pod: Obj) -> str:
    sa = pod.get("spec", {}).get("serviceAccountName") or "default"
    return f"{control.trust_domain(state)}/ns/{pod['metadata']['namespace']}/sa/{sa}"


def _is_gateway(pod: Obj) -> bool:
    labels = kube.labels_of(pod)
    return (
        bool(labels.get("gateway.networking.k8s.io/gateway-name"))
        and labels.get("gateway.istio.io/managed") != "istio.io-mesh-controller"
    )


def _ready_pods(state: State, svc: Obj, now: float) -> list[Obj]:
    selector = svc.get("spec", {}).get("selector") or {}
    if not selector:
        return []
    found = []
    for pod in kube.listing(state, "Pod", now, svc["metadata"]["namespace"]):
        labels = kube.labels_of(pod)
        if kube.terminating(pod, now) or any(labels.get(k) != v for k, v in selector.items()):
            continue
        if pods.pod_runtime(state, pod, now)["status"] == "Running":
            found.append(pod)
    return sorted(found, key=lambda p: p["metadata"]["name"])


def _selects(policy: Obj, pod: Obj) -> bool:
    spec = policy.get("spec") or {}
    if spec.get("targetRefs") or spec.get("targetRef"):
        return False
    pns = policy["metadata"].get("namespace")
    if pns not in (ROOT_NS, pod["metadata"]["namespace"]):
        return False
    match = (spec.get("selector") or {}).get("matchLabels")
    if not match:
        return "selector" not in spec or not spec.get("selector")
    labels = kube.labels_of(pod)
    return all(labels.get(k) == v for k, v in match.items())


def workload_policies(state: State, pod: Obj, now: float) -> list[Obj]:
    return [
        p
        for p in kube.listing(state, "AuthorizationPolicy", now)
        if not kube.terminating(p, now) and _selects(p, pod)
    ]


def waypoint_policies(state: State, svc: Obj, waypoint: tuple[str, str], now: float) -> list[Obj]:
    out = []
    for pol in kube.listing(state, "AuthorizationPolicy", now):
        if kube.terminating(pol, now):
            continue
        spec = pol.get("spec") or {}
        refs = list(spec.get("targetRefs") or []) + ([spec["targetRef"]] if spec.get("targetRef") else [])
        pns = pol["metadata"].get("namespace")
        for ref in refs:
            if (
                ref.get("kind") == "Service"
                and pns == svc["metadata"]["namespace"]
                and ref.get("name") == svc["metadata"]["name"]
            ):
                out.append(pol)
                break
            if ref.get("kind") == "Gateway" and (pns, ref.get("name")) == waypoint:
                out.append(pol)
                break
    return out


def peer_auth_mode(state: State, pod: Obj, now: float) -> str:
    """The mTLS mode for a pod: its selector policy, else its namespace's, else the mesh's."""
    ns = pod["metadata"]["namespace"]
    labels = kube.labels_of(pod)
    best = ("", 9)
    for pa in kube.listing(state, "PeerAuthentication", now):
        pns = pa["metadata"].get("namespace")
        spec = pa.get("spec") or {}
        match = (spec.get("selector") or {}).get("matchLabels")
        mode = (spec.get("mtls") or {}).get("mode", "")
        if not mode or mode == "UNSET":
            continue
        if pns == ns and match and all(labels.get(k) == v for k, v in match.items()):
            rank = 0
        elif pns == ns and not match:
            rank = 1
        elif pns == ROOT_NS and not match:
            rank = 2
        else:
            continue
        if rank < best[1]:
            best = (mode, rank)
    return best[0] or "PERMISSIVE"


def _route_backend(state: State, svc: Obj, now: float) -> Obj:
    """A GAMMA HTTPRoute on the Service sends to its heaviest backend (a sidecar or waypoint applies it)."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    for route in kube.listing(state, "HTTPRoute", now, ns):
        spec = route.get("spec") or {}
        if not any(
            ref.get("kind") == "Service" and ref.get("name") == name for ref in spec.get("parentRefs") or []
        ):
            continue
        refs = [b for rule in spec.get("rules") or [] for b in rule.get("backendRefs") or []]
        if refs:
            best = max(refs, key=lambda b: b.get("weight", 1))
            target = kube.get(state, "Service", best.get("namespace", ns), best.get("name", ""), now)
            if target is not None:
                return target
    return svc


def decide(
    state: State, now: float, client: Obj | None, svc: Obj, port: int, method: str, path: str
) -> Outcome:
    """One request from `client` (None: from outside the mesh) to `svc`."""
    host = f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc.cluster.local"
    c_sidecar = client is not None and pods.has_sidecar(client)
    c_gateway = client is not None and _is_gateway(client)
    c_ambient = client is not None and control.captured(state, client, now)
    meshed = c_sidecar or c_gateway or c_ambient
    ident = principal(state, client) if client is not None and meshed else ""
    src_ns = client["metadata"]["namespace"] if client is not None and meshed else ""
    use_waypoint = c_ambient or (
        c_gateway
        and (
            kube.labels_of(svc).get("istio.io/ingress-use-waypoint")
            or control.namespace_labels(state, svc["metadata"]["namespace"], now).get(
                "istio.io/ingress-use-waypoint"
            )
        )
        == "true"
    )
    waypoint = control.waypoint_of_service(state, svc, now) if use_waypoint else None
    if waypoint and not control.waypoint_ready(state, waypoint[0], waypoint[1], now):
        waypoint = None
    l7_routes = c_sidecar or c_gateway or waypoint is not None
    target = _route_backend(state, svc, now) if l7_routes else svc
    dests = _ready_pods(state, target, now)
    if not dests:
        return Outcome(503, "no healthy upstream", "", "")
    dest = dests[0]
    req = authz.Request(ident, src_ns, port, method, path, host)
    if waypoint is not None:
        ok, pol = authz.allowed(waypoint_policies(state, svc, waypoint, now), req, ztunnel=False)
        if not ok:
            return Outcome(403, RBAC_DENIED, "waypoint", pol)
        req = authz.Request(
            f"{control.trust_domain(state)}/ns/{waypoint[0]}/sa/{waypoint[1]}",
            waypoint[0],
            port,
            method,
            path,
            host,
        )
    mode = peer_auth_mode(state, dest, now)
    if pods.has_sidecar(dest) and (waypoint is not None or c_ambient) and not hbone(dest):
        # ztunnel and waypoints speak HBONE only; a sidecar injected before the ambient profile
        # does not listen for it (SIDECAR_NO_HBONE): the connection fails.
        return Outcome(0, "", "sidecar", "destination sidecar without HBONE")
    # c_sidecar already means a client; the explicit test narrows its type.
    if c_sidecar and client is not None and not hbone(client) and control.captured(state, dest, now):
        # A sidecar without HBONE sends Istio mTLS over TCP, which ztunnel sees as plain text.
        req = authz.Request("", "", port, method, path, host)
    if pods.has_sidecar(dest):
        if not req.principal and mode == "STRICT":
            return Outcome(0, "", "sidecar", "PeerAuthentication STRICT")
        if mode == "DISABLE" and waypoint is None:
            req = authz.Request("", "", port, method, path, host)  # plain text: no peer identity
        ok, pol = authz.allowed(workload_policies(state, dest, now), req, ztunnel=False)
        if not ok:
            return Outcome(403, RBAC_DENIED, "sidecar", pol)
    elif control.captured(state, dest, now):
        if not req.principal and mode == "STRICT":
            return Outcome(0, "", "ztunnel", "PeerAuthentication STRICT")
        ok, pol = authz.allowed(workload_policies(state, dest, now), req, ztunnel=True)
        if not ok:
            return Outcome(0, "", "ztunnel", pol)
    app = kube.labels_of(dest).get("app", target["metadata"]["name"])
    body = BODIES.get(app) or (
        f'{{"id":"0","podname":"{dest["metadata"]["name"]}","clustername":"null","reviews":[]}}'
        if app == "reviews"
        else f"{app}: ok\n"
    )
    return Outcome(200, body)


# --- from curl -----------------------------------------------------------------------------------


def resolve_service(state: State, host: str, client_ns: str, now: float) -> Obj | None:
    parts = host.split(".")
    if len(parts) >= 2 and parts[1] != "svc":
        ns = parts[1]
    else:
        ns = client_ns or "default"
    svc = kube.get(state, "Service", ns, parts[0], now)
    if svc is not None and not kube.terminating(svc, now):
        return svc
    for s in kube.listing(state, "Service", now):  # a ClusterIP or a load balancer's address
        if host in (s["spec"].get("clusterIP"),) or any(
            i.get("ip") == host for i in (s.get("status", {}).get("loadBalancer", {}).get("ingress") or [])
        ):
            return s
    return None


def _gateway_route(state: State, gw_svc: Obj, path: str, now: float) -> tuple[Obj, Obj | None] | None:
    """An ingress gateway's HTTPRoute for `path`: (backend Service, the gateway's pod)."""
    gw_name = kube.labels_of(gw_svc).get("gateway.networking.k8s.io/gateway-name")
    if not gw_name:
        return None
    gw_ns = gw_svc["metadata"]["namespace"]
    for route in kube.listing(state, "HTTPRoute", now):
        spec = route.get("spec") or {}
        rns = route["metadata"]["namespace"]
        if not any(
            ref.get("name") == gw_name
            and ref.get("namespace", rns) == gw_ns
            and ref.get("kind", "Gateway") == "Gateway"
            for ref in spec.get("parentRefs") or []
        ):
            continue
        for rule in spec.get("rules") or []:
            prefixes = [m.get("path", {}).get("value", "/") for m in rule.get("matches") or [{}]]
            if any(path.startswith(p) for p in prefixes):
                for b in rule.get("backendRefs") or []:
                    backend = kube.get(state, "Service", b.get("namespace", rns), b.get("name", ""), now)
                    if backend is not None:
                        gw_pods = _ready_pods(state, gw_svc, now)
                        return backend, (gw_pods[0] if gw_pods else None)
    return None


def request(state: State, now: float, source: str, host: str, port: int, path: str, method: str):
    """curl's view: a curl_cli.Response, or a CurlError to raise."""
    from ..curl_cli import CurlError, Response

    client = None
    if source:
        ns, _, name = source.partition("/")
        client = kube.get(state, "Pod", ns, name, now)
    svc = resolve_service(state, host, client["metadata"]["namespace"] if client else "", now)
    if svc is None:
        raise CurlError(6, f"Could not resolve host: {host}")
    if client is None and svc["spec"].get("type") == "LoadBalancer":
        routed = _gateway_route(state, svc, path, now)
        if routed is None:
            return Response(404, "", headers={"content-type": "text/plain"})
        svc, client = routed
        if client is None:
            return Response(503, "no healthy upstream", headers={"content-type": "text/plain"})
        port = (svc["spec"].get("ports") or [{"port": port}])[0]["port"]
    elif port not in [p["port"] for p in svc["spec"].get("ports") or []]:
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    outcome = decide(state, now, client, svc, port, method, path)
    if outcome.code == 0:
        raise CurlError(56, "Recv failure: Connection reset by peer")
    ctype = (
        "text/html; charset=utf-8"
        if outcome.body.startswith("<")
        else ("application/json" if outcome.body.startswith("{") else "text/plain")
    )
    return Response(outcome.code, outcome.body, headers={"content-type": ctype})
