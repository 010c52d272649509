"""The migration guide (seed 001), command by command, against the sandbox — and where it lands."""

from __future__ import annotations

import json

import pytest

import steps.sandbox as sandbox

from ..ambient_end_state import CHANNELS, GATEWAY_METADATA, LEFT_ALONE, MESHED, REMOVED, ROUTED
from .conftest import PROFILES, Sandbox, guide_commands, run_guide


def related(status: dict, app: str, endpoint: str, other: str) -> bool:
    rels = status["applications"][app].get("relations", {}).get(endpoint, [])
    return any(r["related-application"] == other for r in rels)


def pods(sb, ns: str) -> list[dict]:
    return sb.json(f"kubectl get pods -n {ns} -o json")["items"]


def containers(pod: dict) -> list[str]:
    return [c["name"] for c in pod["spec"]["containers"]]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """The guide run once for the tests that only look at where it lands (a whole run of the guide
    is ~10 s of emulated commands); a test that changes the sandbox makes its own (`fresh`)."""
    path = tmp_path_factory.mktemp("guide") / "sandbox"
    sandbox.create(path, "ckf-1.11-microk8s", speed=0.0)
    sb = Sandbox(path)
    run_guide(sb, guide_commands("microk8s", cilium=False))
    return sb


@pytest.fixture
def fresh(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    run_guide(sb, guide_commands("microk8s", cilium=False))
    return sb


def test_the_guide_ends_in_a_correct_ambient_deployment(migrated):
    sb = migrated
    status = sb.status()
    apps = status["applications"]
    assert REMOVED.isdisjoint(apps)
    for app, channel in CHANNELS.items():
        assert apps[app]["charm-channel"] == channel, app
    assert json.loads(json.dumps(apps["istio-k8s"]))["charm-name"] == "istio-k8s"
    assert sb.ok("juju config istio-k8s platform").strip() == "microk8s"
    assert related(status, "istio-ingress-k8s", "istio-ingress-config", "istio-k8s")
    for app in MESHED:
        assert related(status, app, "service-mesh", "istio-beacon-k8s"), app
    for app in ROUTED:
        assert related(status, app, "istio-ingress-route", "istio-ingress-k8s"), app
    for app in GATEWAY_METADATA:
        assert related(status, app, "gateway-metadata", "istio-ingress-k8s"), app
    assert related(status, "dex-auth", "istio-ingress-route-unauthenticated", "istio-ingress-k8s")
    assert related(status, "oidc-gatekeeper", "forward-auth", "istio-ingress-k8s")
    assert related(status, "kfp-api", "kfp-api-grpc", "kfp-persistence")
    assert related(status, "kfp-api", "kfp-api-grpc", "kfp-schedwf")
    assert sb.ok("juju config kserve-controller deployment-mode").strip() == "rawdeployment"
    assert sb.ok("juju config kubeflow-profiles service-mesh-mode").strip() == "istio-ambient"
    assert (
        sb.ok("juju config kubeflow-profiles istio-gateway-service-account").strip()
        == "istio-ingress-k8s-istio"
    )
    # Every application is active — except pvcviewer-operator: the guide's gap.
    for name, app in apps.items():
        if name == "pvcviewer-operator":
            assert app["application-status"]["current"] == "blocked"
            assert (
                app["application-status"]["message"]
                == "Service mesh relation present without gateway metadata relation"
            )
        else:
            assert app["application-status"]["current"] == "active", (name, app["application-status"])
        for unit in app["units"].values():
            assert unit["juju-status"]["current"] == "idle"


def test_closing_the_pvcviewer_gap_makes_everything_active(fresh):
    fresh.ok("juju integrate pvcviewer-operator:gateway-metadata istio-ingress-k8s:gateway-metadata")
    apps = fresh.status()["applications"]
    assert {a["application-status"]["current"] for a in apps.values()} == {"active"}


def test_charm_pods_leave_the_sidecar_for_ambient(migrated):
    by_app = {p["metadata"]["labels"].get("app.kubernetes.io/name"): p for p in pods(migrated, "kubeflow")}
    for app in MESHED:
        pod = by_app[app]
        assert "istio-proxy" not in containers(pod), app
        assert pod["metadata"]["labels"]["istio.io/dataplane-mode"] == "ambient"
        assert pod["metadata"]["labels"]["istio.io/use-waypoint"] == "kubeflow-istio-beacon-k8s-waypoint"
    for app in LEFT_ALONE:
        assert "istio-proxy" not in containers(by_app[app])
        assert "istio.io/dataplane-mode" not in by_app[app]["metadata"]["labels"]
    daemonsets = {d["metadata"]["name"] for d in migrated.json("kubectl get ds -n kubeflow -o json")["items"]}
    assert {"ztunnel", "istio-cni-node"} <= daemonsets
    gateways = migrated.json("kubectl get gateway -n kubeflow -o json")["items"]
    classes = {g["metadata"]["name"]: g["spec"]["gatewayClassName"] for g in gateways}
    assert classes == {"istio-ingress-k8s": "istio", "kubeflow-istio-beacon-k8s-waypoint": "istio-waypoint"}
    crds = migrated.ok("kubectl get crd -o name")
    assert "customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io" in crds
    assert "customresourcedefinition.apiextensions.k8s.io/knativeservings.operator.knative.dev" not in crds


def test_profile_namespaces_are_relabelled_and_get_waypoints(migrated):
    for ns in PROFILES:
        labels = migrated.json(f"kubectl get ns {ns} -o json")["metadata"]["labels"]
        assert labels["istio-injection"] == "disabled"
        assert labels["istio.io/dataplane-mode"] == "ambient"
        assert labels["istio.io/use-waypoint"] == "waypoint"
        assert labels["app.kubernetes.io/part-of"] == "kubeflow-profile"
        gateway = migrated.json(f"kubectl get gateway waypoint -n {ns} -o json")
        assert gateway["spec"]["gatewayClassName"] == "istio-waypoint"
        policy = migrated.json(f"kubectl get authorizationpolicy ns-owner-access-istio -n {ns} -o json")
        principals = policy["spec"]["rules"][0]["from"][0]["source"]["principals"]
        assert "cluster.local/ns/kubeflow/sa/istio-ingress-k8s-istio" in principals


def test_user_namespace_sidecars_stay_until_their_pods_are_restarted(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    commands = guide_commands("microk8s", cilium=False)
    run_guide(sb, [c for c in commands if not c.startswith("kubectl delete pod")])
    for ns in PROFILES:
        assert all(
            "istio-proxy" in containers(p)
            for p in pods(sb, ns)
            if not p["metadata"]["name"].startswith("waypoint")
        )
    run_guide(sb, [c for c in commands if c.startswith("kubectl delete pod")])
    for ns in PROFILES:
        by_name = {p["metadata"]["name"]: p for p in pods(sb, ns)}
        for name, pod in by_name.items():
            if name.startswith("ml-pipeline-"):
                assert "istio-proxy" not in containers(pod), name
        notebooks = [p for n, p in by_name.items() if "notebook" in n]
        assert notebooks and all("istio-proxy" in containers(p) for p in notebooks)
        sb.ok(f"kubectl rollout restart statefulset -n {ns}")
        sb.ok(f"kubectl rollout restart deployment -n {ns}")
        assert not [p for p in pods(sb, ns) if "istio-proxy" in containers(p) and len(containers(p)) > 1]


def test_pods_deleted_before_their_namespace_is_relabelled_come_back_with_a_sidecar(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    commands = guide_commands("microk8s", cilium=False)
    upto = commands.index("juju refresh kubeflow-profiles --channel 2.0/edge")
    run_guide(sb, commands[:upto])
    # The ambient istiod still injects sidecars where istio-injection=enabled remains.
    sb.ok("kubectl delete pod -l app=ml-pipeline-ui-artifact -n admin")
    pod = [p for p in pods(sb, "admin") if p["metadata"]["labels"].get("app") == "ml-pipeline-ui-artifact"]
    assert len(pod) == 1 and "istio-proxy" in containers(pod[0])


def test_the_dashboard_answers_with_the_dex_login_page(migrated):
    ip = migrated.json("kubectl get svc istio-ingress-k8s-istio -n kubeflow -o json")["status"][
        "loadBalancer"
    ]["ingress"][0]["ip"]
    page = migrated.ok(f"curl -sSL --max-time 10 http://{ip}/")
    assert "Log in to Your Account" in page
    assert migrated.ok(f"curl -sSL -o /dev/null --write-out %{{http_code}} http://{ip}/") == "200"
    # Without -L the gateway's forward-auth redirects, as oauth2-proxy does.
    assert migrated.ok(f"curl -s -o /dev/null --write-out '%{{http_code}}' http://{ip}/") == "302"


def test_serverless_inference_services_stop_being_ready(migrated):
    isvc = migrated.json("kubectl get inferenceservice sklearn-iris -n admin -o json")
    ready = next(c for c in isvc["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"


def test_canonical_kubernetes_needs_cilium_first(make_sandbox):
    sb = make_sandbox("ckf-1.11-canonical-k8s")
    run_guide(sb, guide_commands('""', cilium=True))
    apps = sb.status()["applications"]
    assert {n for n, a in apps.items() if a["application-status"]["current"] != "active"} == {
        "pvcviewer-operator"
    }
    assert sb.ok("juju config istio-k8s platform").strip() == ""
    data = sb.json("kubectl -n kube-system get configmap cilium-config -o json")["data"]
    assert data["cni-exclusive"] == "false" and data["bpf-lb-sock-hostns-only"] == "true"
    ip = sb.json("kubectl get svc istio-ingress-k8s-istio -n kubeflow -o json")["status"]["loadBalancer"][
        "ingress"
    ][0]["ip"]
    assert "Log in to Your Account" in sb.ok(f"curl -sSL http://{ip}/")


def test_canonical_kubernetes_without_the_cilium_step_looks_fine_but_carries_no_traffic(make_sandbox):
    sb = make_sandbox("ckf-1.11-canonical-k8s")
    run_guide(sb, guide_commands('""', cilium=False))
    assert sb.status()["applications"]["istio-k8s"]["application-status"]["current"] == "active"
    ip = sb.json("kubectl get svc istio-ingress-k8s-istio -n kubeflow -o json")["status"]["loadBalancer"][
        "ingress"
    ][0]["ip"]
    rc, out, err = sb.run(f"curl -sSL --write-out %{{http_code}} -o /dev/null http://{ip}/")
    assert rc == 0 and out != "200"
    # Patching alone is not enough: the agents read the ConfigMap when they start.
    run_guide(sb, guide_commands('""', cilium=True)[:2])
    assert sb.ok(f"curl -sSL -o /dev/null --write-out %{{http_code}} http://{ip}/") != "200"
    sb.ok("kubectl -n kube-system rollout restart daemonset cilium")
    assert sb.ok(f"curl -sSL -o /dev/null --write-out %{{http_code}} http://{ip}/") == "200"


def test_the_microk8s_platform_on_canonical_kubernetes_breaks_istio_cni(make_sandbox):
    sb = make_sandbox("ckf-1.11-canonical-k8s")
    run_guide(sb, guide_commands("microk8s", cilium=True)[:10])
    unit = sb.status()["applications"]["istio-k8s"]["units"]["istio-k8s/0"]
    assert unit["workload-status"]["current"] == "error"
    assert unit["workload-status"]["message"] == 'hook failed: "config-changed"'
    table = sb.ok("kubectl get pods -n kubeflow -l k8s-app=istio-cni-node")
    assert "CrashLoopBackOff" in table
    sb.ok("juju config istio-k8s platform=")
    assert sb.status()["applications"]["istio-k8s"]["application-status"]["current"] == "active"
    assert "Running" in sb.ok("kubectl get pods -n kubeflow -l k8s-app=istio-cni-node")
