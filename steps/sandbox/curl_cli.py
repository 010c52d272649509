"""`curl` at the Kubeflow dashboard through the sandbox's ingress gateway.

The answer follows from the mesh as it stands: which gateway owns the IP, whether its routes and
the forward-auth (oidc-gatekeeper) and Dex routes are related, whether the apps behind them are up,
and whether ambient traffic can flow at all (istio-cni chained, Cilium prepared). An unauthenticated
request is redirected to Dex's login page, as oauth2-proxy does; follow it with -L.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import charms, gateway_tls, istio, kube, minio_s3, model, pods
from .flags import UsageError, parse
from .state import State, load, now

Result = tuple[int, str, bytes | str]

DEX_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <meta http-equiv="X-UA-Compatible" content="IE=edge">
    <title>dex</title>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link href="/dex/theme/styles.css" rel="stylesheet">
    <link href="/dex/static/main.css" rel="stylesheet">
    <link rel="icon" href="/dex/theme/favicon.png">
  </head>
  <body class="theme-body">
    <div class="theme-navbar">
      <div class="theme-navbar__logo-wrap">
        <img class="theme-navbar__logo" src="/dex/theme/logo.png">
      </div>
    </div>
    <div class="dex-container">
<div class="theme-panel">
  <h2 class="theme-heading">Log in to Your Account</h2>
  <form method="post" action="/dex/auth/local/login?back=&amp;state={state}">
    <div class="theme-form-row">
      <div class="theme-form-label"><label for="userid">Email Address</label></div>
      <input tabindex="1" required id="login" name="login" type="text" class="theme-form-input"
             placeholder="email address"  autofocus />
    </div>
    <div class="theme-form-row">
      <div class="theme-form-label"><label for="password">Password</label></div>
      <input tabindex="2" required id="password" name="password" type="password" class="theme-form-input"
             placeholder="password" />
    </div>
    <button tabindex="3" id="submit-login" type="submit" class="dex-btn theme-btn--primary">Login</button>
  </form>
</div>
    </div>
  </body>
</html>
"""

DASHBOARD_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Kubeflow Central Dashboard</title>
<base href="/"><link rel="icon" type="image/png" href="assets/favicon-32x32.png"></head>
<body><main-page></main-page><script src="app.bundle.js"></script></body>
</html>
"""

STATE_TOKEN = "t5ly3ucbztbdlfvcq2mmxaz3j"
AUTH_START = "/oauth2/start?rd=%2F"
DEX_AUTH = (
    "/dex/auth?client_id=authservice-oidc&redirect_uri=%2Foauth2%2Fcallback&response_type=code"
    "&scope=openid+profile+email+groups&state=" + STATE_TOKEN
)
DEX_LOGIN = f"/dex/auth/local/login?back=&state={STATE_TOKEN}"


@dataclass
class Response:
    code: int
    body: str = ""
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class CurlError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    503: "Service Unavailable",
}

# What curl prints after a "(60)" error (CURL_CA_CERT_ERRORMSG in curl's tool_operate.c).
CA_CERT_HELP = """More details here: https://curl.se/docs/sslcerts.html

curl failed to verify the legitimacy of the server and therefore could not
establish a secure connection to it. To learn more about this situation and
how to fix it, please visit the web page mentioned above.
"""


@dataclass(frozen=True)
class Target:
    """Where a request goes: the URL's scheme, host (SNI and Host header) and port, the address
    connected to (`--resolve` may name another) and whether certificates are checked."""

    scheme: str
    host: str
    port: int
    address: str
    insecure: bool = False


def main(
    argv: list[str], sandbox_dir: Path, env: dict[str, str], stdin: bytes | None = None
) -> tuple[int, bytes, bytes]:
    try:
        p = parse(
            argv[1:],
            {
                "-m": "max_time",
                "--max-time": "max_time",
                "-o": "output",
                "--output": "output",
                "-w": "write_out",
                "--write-out": "write_out",
                "-H": "header",
                "--header": "header",
                "-X": "method",
                "--request": "method",
                "--connect-timeout": "connect_timeout",
                "-u": "user",
                "--user": "user",
                "-d": "data",
                "--data": "data",
                "--resolve": "resolve",
                "--aws-sigv4": "aws_sigv4",
            },
            {
                "-s": "silent",
                "--silent": "silent",
                "-S": "show_error",
                "--show-error": "show_error",
                "-L": "location",
                "--location": "location",
                "-k": "insecure",
                "--insecure": "insecure",
                "-f": "fail",
                "--fail": "fail",
                "-i": "include",
                "--include": "include",
                "-I": "head",
                "--head": "head",
                "-v": "verbose",
                "--verbose": "verbose",
            },
            multi=["header", "resolve"],
        )
    except UsageError as exc:
        return (
            2,
            b"",
            f"curl: option {exc.flag}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more "
            "information\n".encode(),
        )
    if not p.args:
        return (
            2,
            b"",
            b"curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
        )
    silent, show = bool(p.get("silent")), bool(p.get("show_error")) or not p.get("silent")
    state = load(Path(sandbox_dir))
    t = now()
    url = p.args[0]
    if "://" not in url:
        url = "http://" + url
    out_body = []
    err = []
    code = 0
    redirects = 0
    resp = None
    effective = url
    resolved = _resolve_table(p.get("resolve") or [])
    try:
        parts = urlsplit(url)
        scheme, netloc = parts.scheme, parts.netloc
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        while True:
            if "istio_upstream" in state:  # upstream Istio: the traffic oracle decides
                from .istio_upstream import traffic

                method = p.get("method") or ("HEAD" if p.get("head") else "POST" if p.get("data") else "GET")
                resp = traffic.request(state, t, env.get("CAIRN_CURL_FROM", ""), host, port, path, method)
            else:
                from_pod = env.get("CAIRN_CURL_FROM", "")
                # From a pod to MinIO's Service: its S3 API answers (ListBuckets).
                in_cluster = _in_cluster(state, Path(sandbox_dir), from_pod, host, port, p, t)
                if in_cluster is not None:
                    resp = in_cluster
                elif from_pod and host.endswith((".svc", ".svc.cluster.local")):
                    from . import mesh_traffic  # from a pod, to another Service: the mesh decides

                    headers = p.get("header") or []
                    resp = mesh_traffic.request(state, t, from_pod, host, port, path, headers)
                else:
                    address = resolved.get((host, port), host)
                    target = Target(scheme, host, port, address, insecure=bool(p.get("insecure")))
                    resp = request(state, host, port, path, t, target=target)
            if p.get("location") and resp.location and redirects < 50:
                redirects += 1
                if "://" in resp.location:  # an absolute Location: another scheme, host or port
                    moved = urlsplit(resp.location)
                    scheme, netloc = moved.scheme, moved.netloc
                    host = moved.hostname or ""
                    port = moved.port or (443 if scheme == "https" else 80)
                    path = (moved.path or "/") + (f"?{moved.query}" if moved.query else "")
                else:
                    path = resp.location
                effective = f"{scheme}://{netloc}{path}"
                continue
            break
        if p.get("fail") and resp.code >= 400:
            raise CurlError(22, f"The requested URL returned error: {resp.code}")
        if p.get("include") or p.get("head"):
            out_body.append(_headers(resp))
        if not p.get("head"):
            out_body.append(resp.body)
    except CurlError as exc:
        code = exc.code
        if show or not silent:
            err.append(f"curl: ({exc.code}) {exc}\n")
            if exc.code == 60:
                err.append(CA_CERT_HELP)
    body = "".join(out_body)
    stdout = ""
    if p.get("output") and code == 0:
        Path(p.get("output")).write_text(body)
    else:
        stdout = body
    if p.get("write_out"):
        stdout += _write_out(p.get("write_out"), resp if code in (0, 22) else None, effective, redirects)
    return code, stdout.encode(), "".join(err).encode()


def _resolve_table(entries: list[str]) -> dict[tuple[str, int], str]:
    """`--resolve HOST:PORT:ADDRESS`, as curl takes it."""
    out = {}
    for entry in entries:
        host, _, rest = entry.partition(":")
        port, _, address = rest.partition(":")
        if host and port.isdigit() and address:
            out[(host.lower(), int(port))] = address.strip("[]")
    return out


def _headers(resp: Response) -> str:
    lines = [f"HTTP/1.1 {resp.code} {REASONS.get(resp.code, '')}", "date: Thu, 01 Jan 2026 00:00:00 GMT"]
    if resp.location:
        lines.append(f"location: {resp.location}")
    lines.append(f"content-type: {resp.headers.get('content-type', 'text/html; charset=utf-8')}")
    lines.append(f"content-length: {len(resp.body.encode())}")
    lines.append(f"server: {resp.headers.get('server', 'istio-envoy')}")
    return "\r\n".join(lines) + "\r\n\r\n"


def _write_out(fmt: str, resp: Response | None, url: str, redirects: int) -> str:
    values = {
        "http_code": f"{resp.code:03d}" if resp else "000",
        "response_code": f"{resp.code}" if resp else "0",
        "url_effective": url,
        "redirect_url": (resp.location or "") if resp else "",
        "num_redirects": str(redirects),
        "time_total": "0.004211",
        "size_download": str(len(resp.body.encode())) if resp else "0",
        "content_type": "text/html; charset=utf-8" if resp else "",
    }
    text = re.sub(r"%\{(\w+)\}", lambda m: values.get(m.group(1), ""), fmt)
    return text.replace("\\n", "\n").replace("\\t", "\t")


# --- the request path --------------------------------------------------------------------------


def parts_path(url: str) -> str:
    return urlsplit(url if "://" in url else "http://" + url).path


def _in_cluster(
    state: State, sandbox_dir: Path, from_pod: str, host: str, port: int, p, t: float
) -> Response | None:
    """A request from a pod (`kubectl run`/`exec` ... curl) to a Service by its cluster DNS name:
    MinIO's S3 API is what the sandbox serves there; other names fall through (and do not resolve)."""
    if not from_pod:
        return None
    app = minio_s3.resolves_to_minio(state, host, from_pod.split("/", 1)[0], t)
    if app is None:
        return None
    if parts_path(p.args[0]) not in ("", "/"):
        # Only ListBuckets is modelled; say so rather than answer something MinIO would not.
        raise CurlError(1, "the rehearsal sandbox serves only MinIO's ListBuckets (GET /) in the cluster")
    try:
        if port != minio_s3.S3_PORT:
            raise minio_s3.Unreachable
        answer = minio_s3.list_buckets(state, sandbox_dir, app, p.get("aws_sigv4"), p.get("user"), t)
    except minio_s3.Unreachable:
        raise CurlError(
            7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"
        ) from None
    return Response(answer.code, answer.body, headers={"content-type": "application/xml", "server": "MinIO"})


def _lb_service(state: State, host: str, t: float) -> dict | None:
    for svc in kube.listing(state, "Service", t):
        if svc["spec"].get("type") != "LoadBalancer":
            continue
        ing = svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []
        if any(i.get("ip") == host for i in ing) and not kube.terminating(svc, t):
            return svc
    return None


def _pods_ready(state: State, kind: str, ns: str, name: str, t: float) -> bool:
    return any(
        pods.pod_runtime(state, p, t)["status"] == "Running" and not kube.terminating(p, t)
        for p in pods.pods_of(state, kind, ns, name, t)
    )


def _app_up(state: State, name: str | None, t: float) -> bool:
    if not name:
        return False
    app = model.app(state, name, t)
    if app is None or model.dying(app, t):
        return False
    status, _ = charms.steady(state, name, app, t)
    if status == "error":
        return False
    return any(
        pods.pod_runtime(state, p, t)["status"] == "Running"
        for p in pods.pods_of(state, "StatefulSet", "kubeflow", name, t)
        + pods.pods_of(state, "Deployment", "kubeflow", name, t)
    )


def _refused(host: str, port: int) -> CurlError:
    return CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")


def request(
    state: State, host: str, port: int, path: str, t: float, *, target: Target | None = None
) -> Response:
    target = target or Target("https" if port == 443 else "http", host, port, host)
    address = target.address
    if not re.fullmatch(r"[\d.]+", address) and address != "localhost":
        raise CurlError(6, f"Could not resolve host: {host}")
    svc = _lb_service(state, address, t)
    if svc is None or port not in [p["port"] for p in svc["spec"]["ports"]]:
        raise _refused(host, port)
    name = svc["metadata"]["name"]
    sidecar = name == "istio-ingressgateway-workload"
    app = name.removesuffix("-istio")
    if sidecar:
        pilot = model.first_app(state, "istio-pilot", t)
        tls = gateway_tls.pilot_tls(state, pilot[0], address, t) if pilot else None
    else:
        tls = gateway_tls.ingress_tls(state, app, address, t)
    if target.scheme == "https":
        _handshake(target, tls)
    elif tls is not None and sidecar:
        # istio-pilot's Gateway has one server: https on 8443 when TLS is on, http on 8080 when not
        # (charms/istio-pilot gateway.yaml.j2), so nothing listens behind port 80.
        raise _refused(host, port)
    elif tls is not None and tls.only_name and host != tls.only_name:
        return Response(404, "")  # the listeners answer only external_hostname
    elif tls is not None and not sidecar:
        # istio-ingress-k8s's http-80 listener only redirects to https (utils.py, a 301 without port).
        return Response(301, "", f"https://{host}{path}")
    if sidecar:
        return _sidecar_gateway(state, host, port, path, t)
    return _ambient_gateway(state, name, host, port, path, t)


def _handshake(target: Target, tls: gateway_tls.GatewayTLS | None) -> None:
    """TLS as curl meets it: no listener, no certificate for the name asked, an unknown CA."""
    if tls is None:  # nothing listens on 443 behind the Service
        raise _refused(target.host, target.port)
    sni = "" if re.fullmatch(r"[\d.]+", target.host) else target.host  # curl sends no SNI for an IP
    if tls.only_name and sni != tls.only_name:
        # No filter chain matches the SNI: Envoy closes the connection mid-handshake.
        raise CurlError(
            35, f"OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {target.host}:{target.port} "
        )
    if target.insecure:
        return
    if target.host not in tls.names:
        raise CurlError(
            60, f"SSL: no alternative certificate subject name matches target host name '{target.host}'"
        )
    # The provider's CA (self-signed-certificates, manual-tls-certificates, a user's own) is not in
    # the system's trust store, and the gateway sends only its own certificate.
    raise CurlError(60, "SSL certificate problem: unable to get local issuer certificate")


def _route_owner(
    state: State, gateway_app: str, endpoints: tuple[str, ...], charm: str, t: float
) -> str | None:
    for endpoint in endpoints:
        for side in model.related(state, gateway_app, endpoint, t):
            app = model.app(state, side.app, t)
            if app and app["charm"] == charm:
                return side.app
    return None


def _ambient_gateway(state: State, svc_name: str, host: str, port: int, path: str, t: float) -> Response:
    gateway_app = svc_name.removesuffix("-istio")
    app = model.app(state, gateway_app, t)
    if app is None or not _pods_ready(state, "Deployment", "kubeflow", svc_name, t):
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    forward_auth = model.related(state, gateway_app, "forward-auth", t)
    if forward_auth and not model.has(state, gateway_app, "istio-ingress-config", t):
        # The charm removes its gateway when authentication cannot be wired.
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    problem = istio.dataplane_problem(state, t)
    unauth = ("istio-ingress-route-unauthenticated", "ingress-unauthenticated")
    routes = ("istio-ingress-route", "ingress")
    dex = _route_owner(state, gateway_app, unauth, "dex-auth", t)
    gatekeeper = _route_owner(state, gateway_app, unauth, "oidc-gatekeeper", t)
    dashboard = _route_owner(state, gateway_app, routes, "kubeflow-dashboard", t)
    if path.startswith("/dex"):
        return _upstream(state, dex, problem, lambda: _dex(path))
    if path.startswith("/oauth2"):
        return _upstream(state, gatekeeper, problem, lambda: Response(302, _found(DEX_AUTH), DEX_AUTH))
    if forward_auth:
        authz = forward_auth[0].app
        if problem or not _app_up(state, authz, t):
            return Response(
                403,
                "RBAC: access denied"
                if not problem
                else "upstream connect error or disconnect/reset before headers. reset reason: "
                "connection failure",
            )
        return Response(302, _found(AUTH_START), AUTH_START)
    return _upstream(state, dashboard, problem, lambda: Response(200, DASHBOARD_PAGE))


def _upstream(state: State, app: str | None, problem: str | None, ok) -> Response:
    t = now()
    if app is None:
        return Response(404, "")
    if problem:
        return Response(
            503,
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
            headers={"content-type": "text/plain"},
        )
    if not _app_up(state, app, t):
        return Response(503, "no healthy upstream", headers={"content-type": "text/plain"})
    return ok()


def _dex(path: str) -> Response:
    if path.startswith("/dex/auth/local/login"):
        return Response(200, DEX_PAGE.replace("{state}", STATE_TOKEN))
    if path.startswith("/dex/auth"):
        return Response(302, _found(DEX_LOGIN), DEX_LOGIN)
    return Response(404, "404 page not found\n", headers={"content-type": "text/plain; charset=utf-8"})


def _found(location: str) -> str:
    return f'<a href="{location.replace("&", "&amp;")}">Found</a>.\n\n'


def _sidecar_gateway(state: State, host: str, port: int, path: str, t: float) -> Response:
    pilot = model.first_app(state, "istio-pilot", t)
    if pilot is None or not _pods_ready(state, "Deployment", "kubeflow", "istio-ingressgateway-workload", t):
        raise CurlError(7, f"Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server")
    pilot_name = pilot[0]
    ingress = {s.app: state["apps"][s.app]["charm"] for s in model.related(state, pilot_name, "ingress", t)}
    dex = next((a for a, c in ingress.items() if c == "dex-auth"), None)
    gatekeeper = next((a for a, c in ingress.items() if c == "oidc-gatekeeper"), None)
    dashboard = next((a for a, c in ingress.items() if c == "kubeflow-dashboard"), None)
    auth = model.related(state, pilot_name, "ingress-auth", t)
    if path.startswith("/dex"):
        return _upstream(state, dex, None, lambda: _dex(path))
    if path.startswith("/oauth2"):
        return _upstream(state, gatekeeper, None, lambda: Response(302, _found(DEX_AUTH), DEX_AUTH))
    if auth:
        if not _app_up(state, auth[0].app, t):
            return Response(503, "no healthy upstream")
        return Response(302, _found(AUTH_START), AUTH_START)
    return _upstream(state, dashboard, None, lambda: Response(200, DASHBOARD_PAGE))
