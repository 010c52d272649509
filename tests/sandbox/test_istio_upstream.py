"""The upstream Istio sandbox: the bookinfo scenarios, and `helm`, `istioctl` and `kubectl` as the
runbook uses them, in the real tools' output shapes."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def bookinfo(make_sandbox):
    return make_sandbox("istio-bookinfo")


def pods(sb, ns: str) -> list[dict]:
    return sb.json(f"kubectl get pods -n {ns} -o json")["items"]


def containers(pod: dict) -> list[str]:
    return [c["name"] for c in pod["spec"]["containers"]]


def proxy_env(pod: dict) -> dict[str, str]:
    for c in pod["spec"]["containers"]:
        if c["name"] == "istio-proxy":
            return {e["name"]: e["value"] for e in c.get("env", [])}
    return {}


def test_bookinfo_runs_sidecars_on_istio_126_without_ztunnel(bookinfo):
    sb = bookinfo
    for ns in ("frontend", "backend"):
        for pod in pods(sb, ns):
            assert containers(pod)[-1] == "istio-proxy", pod["metadata"]["name"]
            assert "ISTIO_META_ENABLE_HBONE" not in proxy_env(pod)
    names = {p["metadata"]["labels"]["app"] for p in pods(sb, "backend")}
    assert names == {"details", "ratings", "reviews"}
    services = {s["metadata"]["name"] for s in sb.json("kubectl get svc -n backend -o json")["items"]}
    assert {"reviews-v1", "reviews-v2", "reviews-v3", "details", "ratings", "reviews"} <= services
    assert sb.run("kubectl get daemonset ztunnel -n istio-system")[0] == 1
    ap = sb.json("kubectl get authorizationpolicies.security.istio.io -A -o json")["items"]
    assert {p["metadata"]["name"] for p in ap} == {
        "productpage-viewer",
        "reviews-authz",
        "details-authz",
        "ratings-authz",
    }
    routes = sb.json("kubectl get httproutes -A -o json")["items"]
    assert {r["metadata"]["name"] for r in routes} == {"bookinfo", "reviews"}
    assert "1.26.1" in sb.ok("istioctl version")
    # No juju beside upstream Istio.
    assert sb.run("juju status")[0] == 127


@pytest.mark.parametrize(
    "scenario, expect",
    [
        ("istio-bookinfo-legacy", {"pilot": "1.23.6"}),
        ("istio-bookinfo-blockers", {"kinds": ("peerauthentications", "envoyfilters", "workloadentries")}),
    ],
)
def test_the_variants(make_sandbox, scenario, expect):
    sb = make_sandbox(scenario)
    istiod = sb.json("kubectl get deployment istiod -n istio-system -o json")
    image = istiod["spec"]["template"]["spec"]["containers"][0]["image"]
    if "pilot" in expect:
        assert image.endswith(expect["pilot"])
    for kind in expect.get("kinds", ()):
        assert sb.json(f"kubectl get {kind} -n backend -o json")["items"], kind


def test_helm_ls_and_upgrade_print_what_helm_prints(bookinfo):
    sb = bookinfo
    out = sb.ok("helm ls -A")
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP", "VERSION"]
    assert "\t" in header  # helm's uitable joins padded cells with tabs
    assert [r.split()[0] for r in rows] == ["istio-base", "istiod"]
    assert "istiod-1.26.1" in rows[1] and "deployed" in rows[1]
    out = sb.ok(
        "helm upgrade istiod istio/istiod -n istio-system --reuse-values --set profile=ambient --wait"
    )
    assert out.startswith('Release "istiod" has been upgraded. Happy Helming!\nNAME: istiod\n')
    assert "REVISION: 2" in out and "STATUS: deployed" in out
    out = sb.ok("helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait")
    assert out.startswith('Release "istio-cni" does not exist. Installing it now.\nNAME: istio-cni\n')
    assert sb.run("helm install istio-cni istio/cni -n istio-system")[0] == 1
    listed = json.loads(sb.ok("helm ls -A -o json"))
    assert {r["name"]: r["revision"] for r in listed} == {"istio-base": "1", "istio-cni": "1", "istiod": "2"}
    env = {
        e["name"]: e["value"]
        for e in sb.json("kubectl get deployment istiod -n istio-system -o json")["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
    }
    assert env["PILOT_ENABLE_AMBIENT"] == "true"
    assert sb.ok("helm rollback istiod 1 -n istio-system") == "Rollback was a success! Happy Helming!\n"
    env = sb.json("kubectl get deployment istiod -n istio-system -o json")["spec"]["template"]["spec"][
        "containers"
    ][0]["env"]
    assert "PILOT_ENABLE_AMBIENT" not in {e["name"] for e in env}


def _ambient(sb) -> None:
    sb.ok("helm upgrade istiod istio/istiod -n istio-system --set profile=ambient --wait")
    sb.ok("helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait")
    sb.ok("helm install ztunnel istio/ztunnel -n istio-system --wait")


def test_sidecars_get_hbone_only_when_restarted_after_the_ambient_profile(bookinfo):
    sb = bookinfo
    _ambient(sb)
    assert all("ISTIO_META_ENABLE_HBONE" not in proxy_env(p) for p in pods(sb, "backend"))
    assert sb.ok("kubectl get daemonset ztunnel istio-cni-node -n istio-system")
    sb.ok("kubectl rollout restart deployment -n backend")
    live = [p for p in pods(sb, "backend") if "deletionTimestamp" not in p["metadata"]]
    assert live and all(proxy_env(p).get("ISTIO_META_ENABLE_HBONE") == "true" for p in live)


def test_a_restart_drops_the_sidecar_only_in_an_ambient_namespace_without_injection_label(bookinfo):
    sb = bookinfo
    _ambient(sb)
    # Ambient label, injection label still there: the sidecar comes back.
    sb.ok("kubectl label namespace frontend istio.io/dataplane-mode=ambient")
    sb.ok("kubectl rollout restart deployment -n frontend")
    live = [p for p in pods(sb, "frontend") if "deletionTimestamp" not in p["metadata"]]
    assert all("istio-proxy" in containers(p) for p in live)
    sb.ok("kubectl label namespace frontend istio-injection-")
    assert all("istio-proxy" in containers(p) for p in live)  # nothing changes until a restart
    sb.ok("kubectl rollout restart deployment -n frontend")
    live = [p for p in pods(sb, "frontend") if "deletionTimestamp" not in p["metadata"]]
    assert live and all(containers(p) == [p["metadata"]["labels"]["app"]] for p in live)
    assert all(p["metadata"]["annotations"]["ambient.istio.io/redirection"] == "enabled" for p in live)
    out = sb.ok("istioctl ztunnel-config workloads")
    assert out.splitlines()[0].split() == [
        "NAMESPACE",
        "POD",
        "NAME",
        "ADDRESS",
        "NODE",
        "WAYPOINT",
        "PROTOCOL",
    ]
    frontend = [line.split() for line in out.splitlines() if line.startswith("frontend")]
    assert frontend and all(row[-1] == "HBONE" for row in frontend)


def test_waypoint_apply_list_status_and_programmed(bookinfo):
    sb = bookinfo
    assert sb.ok("istioctl waypoint list -n backend") == "No waypoints found.\n"
    _ambient(sb)
    assert sb.ok("istioctl waypoint apply -n backend --wait") == (
        "✅ waypoint backend/waypoint applied\n✅ waypoint backend/waypoint is ready!\n"
    )
    # istioctl 1.26 (seed 004's real output): no TRAFFIC TYPE column yet (it came in 1.27).
    assert sb.ok("istioctl waypoint list -n backend") == (
        "NAME         REVISION     PROGRAMMED\nwaypoint     default      True\n"
    )
    status = sb.ok("istioctl waypoint status -n backend").splitlines()
    assert status[0].split() == ["NAME", "STATUS", "TYPE", "REASON", "MESSAGE"]
    assert status[1].split()[:4] == ["waypoint", "True", "Programmed", "Programmed"]
    assert sb.ok("kubectl wait --for=condition=Programmed gateway/waypoint -n backend --timeout=5s") == (
        "gateway.gateway.networking.k8s.io/waypoint condition met\n"
    )
    gw = sb.json("kubectl get gateway waypoint -n backend -o json")
    assert gw["spec"]["listeners"] == [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]
    assert sb.json("kubectl get deployment waypoint -n backend -o json")["metadata"]["name"] == "waypoint"


def test_waypoint_accepted_once_the_service_uses_the_waypoint(bookinfo, tmp_path):
    sb = bookinfo
    _ambient(sb)
    sb.ok("istioctl waypoint apply -n backend --wait")
    manifest = tmp_path / "p.yaml"
    manifest.write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: details-details-authz\n"
        "  namespace: backend\nspec:\n  targetRefs:\n  - group: ''\n    kind: Service\n    name: details\n"
        "  action: ALLOW\n  rules:\n  - to:\n    - operation:\n        methods: [GET]\n"
    )
    sb.ok(["kubectl", "apply", "-f", str(manifest)])
    rc, _, err = sb.run(
        "kubectl wait --for=condition=WaypointAccepted authorizationpolicy/details-details-authz -n backend "
        "--timeout=1s"
    )
    assert rc == 1 and "timed out" in err
    sb.ok("kubectl label service -n backend details istio.io/use-waypoint=waypoint")
    assert "condition met" in sb.ok(
        "kubectl wait --for=condition=WaypointAccepted authorizationpolicy/details-details-authz -n backend "
        "--timeout=5s"
    )
    out = sb.ok("istioctl ztunnel-config service -n backend")
    row = next(
        line.split() for line in out.splitlines() if line.startswith("backend") and " details " in line
    )
    assert row[3] == "waypoint"


def test_istioctl_upgrade_installs_the_ambient_profile_with_the_platform(bookinfo):
    sb = bookinfo
    assert sb.run("istioctl upgrade --set profile=ambient")[0] == 1  # no -y, no terminal to ask
    out = sb.ok("istioctl upgrade --set profile=ambient --set values.global.platform=k3d -y")
    assert "✔ Ztunnel installed" in out and out.rstrip().endswith("enjoy Istio without sidecars!")
    env = sb.json("kubectl get deployment istiod -n istio-system -o json")["spec"]["template"]["spec"][
        "containers"
    ][0]["env"]
    assert {"name": "PLATFORM", "value": "k3d"} in env
    assert sb.ok("kubectl get daemonset ztunnel -n istio-system")
    assert sb.ok("istioctl analyze -A") == ""


def test_istio_kinds_print_their_crd_columns(make_sandbox):
    sb = make_sandbox("istio-bookinfo-blockers")
    lines = sb.ok("kubectl get peerauthentication -A").splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "MODE", "AGE"]
    assert lines[1].split()[:3] == ["backend", "ratings-plaintext", "DISABLE"]
    lines = sb.ok("kubectl get workloadentry -n backend").splitlines()
    assert lines[0].split() == ["NAME", "AGE", "ADDRESS"] and lines[1].split()[-1] == "10.10.0.15"
    assert sb.ok("kubectl get authorizationpolicy -n backend").splitlines()[0].split() == [
        "NAME",
        "ACTION",
        "AGE",
    ]
