"""The traffic oracle: the allow matrix of (client, service, method) on istio-bookinfo stays the
same before the migration and after every phase of Cairn's order — and Solo's order (policy
simplification before the sidecars go) or callees-before-callers break it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from steps.istio.analyze import analyze, render_policies_yaml, render_waypoints_yaml
from steps.istio.state import IstioState
from steps.runbook.registry import find
from steps.sandbox import kube
from steps.sandbox.istio_upstream import traffic
from steps.sandbox.state import load, now

CLIENTS = (
    ("frontend", "curl"),
    ("frontend", "productpage-v1"),
    ("backend", "reviews-v1"),
    ("istio-ingress", "gateway-istio"),
)
SERVICES = (
    ("frontend", "productpage"),
    ("backend", "details"),
    ("backend", "ratings"),
    ("backend", "reviews"),
    ("backend", "reviews-v1"),
    ("backend", "reviews-v2"),
    ("backend", "reviews-v3"),
)
METHODS = ("GET", "POST")

# What bookinfo's policies say (and so what every phase must keep).
EXPECTED_ALLOWED = {
    ("istio-ingress/gateway-istio", "frontend/productpage", "GET"),
    ("istio-ingress/gateway-istio", "frontend/productpage", "POST"),
    ("frontend/productpage-v1", "backend/details", "GET"),
    ("backend/reviews-v1", "backend/ratings", "GET"),
    *{
        ("frontend/productpage-v1", f"backend/{s}", m)
        for s in ("reviews", "reviews-v1", "reviews-v2", "reviews-v3")
        for m in METHODS
    },
}


def _client(state, t, ns: str, deploy: str):
    from steps.sandbox import pods

    running = [p for p in pods.pods_of(state, "Deployment", ns, deploy, t) if not kube.terminating(p, t)]
    assert running, f"no pod for {ns}/{deploy}"
    return running[0]


def matrix(sb) -> dict[tuple[str, str, str], traffic.Outcome]:
    state = load(sb.path)
    t = now()
    out = {}
    for cns, cname in CLIENTS:
        client = _client(state, t, cns, cname)
        for sns, sname in SERVICES:
            svc = kube.get(state, "Service", sns, sname, t)
            for method in METHODS:
                out[(f"{cns}/{cname}", f"{sns}/{sname}", method)] = traffic.decide(
                    state, t, client, svc, 9080, method, "/"
                )
    return out


def allowed(m) -> set[tuple[str, str, str]]:
    return {k for k, v in m.items() if v.allowed}


def snapshot_analysis(sb):
    """The analysis of what the runbook's snapshot-config step reads, from the sandbox."""
    runbook = find("istio-ambient")
    step = next(s for p in runbook.phases for s in p.steps if s.id == "snapshot-config")
    texts = []
    for cmd in step.commands:
        rc, out, err = sb.run(list(cmd.argv))
        assert rc == 0, err
        texts.append((" ".join(cmd.argv), out))
    return analyze(IstioState.from_texts(texts))


def apply_text(sb, tmp: Path, name: str, text: str) -> None:
    if text.strip():
        path = tmp / name
        path.write_text(text)
        sb.ok(["kubectl", "apply", "-f", str(path)])


def cluster_setup(sb) -> None:
    sb.ok("helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient --wait")
    sb.ok("helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait")
    sb.ok("helm upgrade --install ztunnel istio/ztunnel -n istio-system --wait")
    for ns in ("frontend", "backend"):
        sb.ok(f"kubectl rollout restart deployment -n {ns}")


def remove_sidecars(sb, ns: str) -> None:
    sb.ok(f"kubectl label namespace {ns} istio.io/dataplane-mode=ambient istio-injection-")
    sb.ok(f"kubectl rollout restart deployment -n {ns}")


def delete_originals(sb, a) -> None:
    for d in a.deletions:
        sb.ok(["kubectl", "delete", d["kind"].lower(), "-n", d["namespace"], d["name"]])


def up_to_use_waypoints(sb, tmp: Path, check=None):
    cluster_setup(sb)
    if check:
        check("cluster-setup")
    a = snapshot_analysis(sb)
    apply_text(sb, tmp, "recommended-waypoints.yaml", render_waypoints_yaml(a))
    if check:
        check("deploy-waypoints")
    apply_text(sb, tmp, "recommended-policies.yaml", render_policies_yaml(a))
    if check:
        check("migrate-policies")
    for command in a.commands["use_waypoint"] + a.commands["ingress"]:
        sb.ok(shlex.split(command))
    if check:
        check("use-waypoints")
    return a


@pytest.fixture
def bookinfo(make_sandbox):
    return make_sandbox("istio-bookinfo")


def test_the_matrix_before_the_migration_is_what_the_policies_say(bookinfo):
    m = matrix(bookinfo)
    assert allowed(m) == EXPECTED_ALLOWED
    # Sidecars deny with 403 "RBAC: access denied".
    denied = m[("frontend/curl", "backend/details", "GET")]
    assert (denied.code, denied.body, denied.enforced_by) == (403, "RBAC: access denied", "sidecar")


def test_cairns_order_keeps_the_matrix_after_every_phase(bookinfo, tmp_path):
    base = allowed(matrix(bookinfo))
    assert base == EXPECTED_ALLOWED

    def check(phase: str) -> None:
        assert allowed(matrix(bookinfo)) == base, f"the allow matrix changed after {phase}"

    a = up_to_use_waypoints(bookinfo, tmp_path, check)
    assert a.order.index("frontend") < a.order.index("backend"), a.order  # callers first
    for ns in a.order:
        remove_sidecars(bookinfo, ns)
        check(f"remove-sidecars {ns}")
    delete_originals(bookinfo, a)
    check("policy-simplification")
    m = matrix(bookinfo)
    # Now the waypoint judges L7 with the client's identity, and ztunnel answers L4 with a reset.
    post = m[("frontend/productpage-v1", "backend/details", "POST")]
    assert (post.code, post.enforced_by) == (403, "waypoint")
    reset = m[("frontend/curl", "frontend/productpage", "GET")]
    assert (reset.code, reset.curl_exit, reset.enforced_by) == (0, 56, "ztunnel")


def test_solos_order_breaks_the_matrix_on_upstream_istio(bookinfo, tmp_path):
    base = allowed(matrix(bookinfo))
    a = up_to_use_waypoints(bookinfo, tmp_path)
    assert allowed(matrix(bookinfo)) == base
    # Solo: policy-simplification before remove-sidecars. Upstream sidecars never use the waypoint,
    # so the callee's sidecar now judges productpage by the allow-from-waypoint policy alone.
    delete_originals(bookinfo, a)
    after = allowed(matrix(bookinfo))
    assert after != base
    assert ("frontend/productpage-v1", "backend/details", "GET") in base - after


def test_callees_before_callers_breaks_the_matrix(bookinfo, tmp_path):
    base = allowed(matrix(bookinfo))
    up_to_use_waypoints(bookinfo, tmp_path)
    remove_sidecars(bookinfo, "backend")  # the callee first: productpage's sidecar bypasses the waypoint
    broken = matrix(bookinfo)
    assert allowed(broken) != base
    lost = broken[("frontend/productpage-v1", "backend/details", "GET")]
    assert (lost.code, lost.enforced_by) == (0, "ztunnel")  # the L7 allow is dropped at ztunnel


def test_curl_in_a_pod_answers_as_the_oracle_decides(bookinfo, tmp_path):
    rc, out, _ = bookinfo.run(
        "kubectl exec deploy/curl -n frontend -- curl -s details.backend:9080/details/0"
    )
    assert (rc, out) == (0, "RBAC: access denied")
    rc, out, _ = bookinfo.run(
        "kubectl exec deploy/productpage-v1 -n frontend -- curl -s -o /dev/null -w %{http_code} "
        "http://details.backend:9080/details/0"
    )
    assert (rc, out) == (0, "200")
    up_to_use_waypoints(bookinfo, tmp_path)
    remove_sidecars(bookinfo, "frontend")
    rc, out, err = bookinfo.run(
        "kubectl exec deploy/curl -n frontend -- curl -sS productpage:9080/productpage"
    )
    assert rc == 56 and "curl: (56) Recv failure: Connection reset by peer" in err
    assert "command terminated with exit code 56" in err


def test_skipping_the_hbone_restart_breaks_the_matrix(bookinfo, tmp_path):
    base = allowed(matrix(bookinfo))
    bookinfo.ok(
        "helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient --wait"
    )
    bookinfo.ok("helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait")
    bookinfo.ok("helm upgrade --install ztunnel istio/ztunnel -n istio-system --wait")
    assert allowed(matrix(bookinfo)) == base  # sidecar to sidecar: HBONE not needed yet
    remove_sidecars(bookinfo, "frontend")  # ambient callers, backend sidecars still without HBONE
    lost = matrix(bookinfo)[("frontend/productpage-v1", "backend/details", "GET")]
    assert (lost.code, lost.policy) == (0, "destination sidecar without HBONE")
