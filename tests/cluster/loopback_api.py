"""A Kubernetes API server stand-in on 127.0.0.1 serving the fixture objects in the API's own
list format (`PodList` etc., items without kind), for the live source's client tests."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DUMP = Path(__file__).resolve().parents[1] / "fixtures" / "cluster" / "ckf-1.11-microk8s"
PATHS = {
    "Namespace": "/api/v1/namespaces",
    "Pod": "/api/v1/pods",
    "Service": "/api/v1/services",
    "ConfigMap": "/api/v1/configmaps",
    "Deployment": "/apis/apps/v1/deployments",
    "StatefulSet": "/apis/apps/v1/statefulsets",
    "DaemonSet": "/apis/apps/v1/daemonsets",
    "CustomResourceDefinition": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    "Profile": "/apis/kubeflow.org/v1/profiles",
    "InferenceService": "/apis/serving.kserve.io/v1beta1/inferenceservices",
    "AuthorizationPolicy": "/apis/security.istio.io/v1/authorizationpolicies",
}


def api_lists() -> dict[str, dict]:
    """path -> the `<Kind>List` the API server would answer."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for name in (
        "kubectl-get-workloads.json",
        "kubectl-get-crd.json",
        "kubectl-get-profiles.json",
        "kubectl-get-inferenceservices.json",
        "kubectl-get-authorizationpolicies.json",
    ):
        for item in json.loads((DUMP / name).read_text())["items"]:
            item = dict(item)
            kind, api_version = item.pop("kind"), item.pop("apiVersion")
            by_kind[kind].append((api_version, item))
    out = {}
    for kind, path in PATHS.items():
        items = by_kind.get(kind, [])
        api_version = items[0][0] if items else "v1"
        out[path] = {
            "apiVersion": api_version,
            "kind": f"{kind}List",
            "metadata": {"resourceVersion": "4242"},
            "items": [item for _, item in items],
        }
    out["/api/v1/nodes"] = json.loads((DUMP / "kubectl-get-nodes.json").read_text())
    return out


class LoopbackAPI:
    """`routes`: path -> JSON body, or (status, body). Pods come back in pages of 5 to exercise `continue`."""

    def __init__(self, routes: dict[str, object]):
        self.routes = routes
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                api.requests.append((url.path, query, self.headers.get("Authorization", "")))
                status, body = api.answer(url.path, query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        found = self.routes.get(path)
        if found is None:
            return 404, {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": "the server could not find the requested resource",
                "reason": "NotFound",
                "code": 404,
            }
        if isinstance(found, tuple):
            return found
        if path == "/api/v1/pods" and "limit" in query:
            items = found["items"]
            start = int(query.get("continue", ["0"])[0])
            page = {**found, "items": items[start : start + 5], "metadata": dict(found["metadata"])}
            if start + 5 < len(items):
                page["metadata"]["continue"] = str(start + 5)
            return 200, page
        return 200, found

    def __enter__(self) -> LoopbackAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def kubeconfig(
    path: Path, server: str, token: str = "loopback-token", contexts: tuple[str, ...] = ("loop",)
) -> Path:
    """A kubeconfig (YAML is a superset of JSON) pointing every context at `server`."""
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "loop", "cluster": {"server": server}}],
                "users": [{"name": "admin", "user": {"token": token}}],
                "contexts": [{"name": c, "context": {"cluster": "loop", "user": "admin"}} for c in contexts],
                "current-context": contexts[0],
            }
        )
    )
    return path
