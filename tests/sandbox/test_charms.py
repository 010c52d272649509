"""Charm behaviour on half-done changes: the statuses an operator meets between the guide's steps."""

from __future__ import annotations


def app_status(sb, app: str) -> tuple[str, str]:
    st = sb.status()["applications"][app]["application-status"]
    return st["current"], st.get("message", "")


def test_removing_istio_pilot_leaves_its_dependants_waiting_or_blocked(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju remove-application --no-prompt istio-pilot")
    assert app_status(sb, "tensorboard-controller") == ("waiting", "Waiting for gateway info relation")
    assert app_status(sb, "kserve-controller") == (
        "blocked",
        "Serverless mode detected, but no relation to ingress-gateway",
    )
    assert app_status(sb, "istio-ingressgateway") == (
        "blocked",
        "Please add required relation to istio-pilot",
    )


def test_kserve_modes(make_sandbox):
    sb = make_sandbox()
    for command in (
        "juju remove-application --no-prompt istio-ingressgateway",
        "juju remove-application --no-prompt istio-pilot",
        "juju remove-application --no-prompt knative-serving",
        "juju refresh kserve-controller --channel 0.15/edge",
        "juju config kserve-controller deployment-mode=rawdeployment",
    ):
        sb.ok(command)
    assert app_status(sb, "kserve-controller") == (
        "blocked",
        "RawDeployment mode detected, but no relation to gateway-metadata or ingress-gateway",
    )
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    sb.ok("juju deploy istio-ingress-k8s --trust --channel 2/edge")
    sb.ok("juju integrate kserve-controller:gateway-metadata istio-ingress-k8s:gateway-metadata")
    assert app_status(sb, "kserve-controller") == ("active", "")


def test_jupyter_controller_blocks_on_service_mesh_without_gateway_metadata(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    sb.ok("juju deploy istio-beacon-k8s --trust --channel 2/edge")
    sb.ok("juju refresh jupyter-controller --channel 1.11/edge")
    sb.ok("juju integrate jupyter-controller:service-mesh istio-beacon-k8s:service-mesh")
    assert app_status(sb, "jupyter-controller") == (
        "blocked",
        "Service mesh relation present without gateway metadata relation",
    )


def test_ingress_and_route_relations_together_are_refused_by_the_ui_charms(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    sb.ok("juju deploy istio-ingress-k8s --trust --channel 2/edge")
    sb.ok("juju refresh kfp-ui --channel 2.15/edge")
    sb.ok("juju integrate kfp-ui:istio-ingress-route istio-ingress-k8s:istio-ingress-route")
    assert app_status(sb, "kfp-ui") == (
        "blocked",
        "Cannot have both 'istio-ingress-route' and 'ingress' relations at the same time.",
    )


def test_trust_is_needed(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju deploy istio-k8s --channel 2/edge")
    assert app_status(sb, "istio-k8s") == ("error", 'hook failed: "install"')
    sb.ok("juju trust istio-k8s --scope=cluster")
    assert app_status(sb, "istio-k8s") == ("active", "")
    # MinIO is deployed without trust in the 1.11 bundle; the mesh library needs it.
    sb.ok("juju deploy istio-beacon-k8s --trust --channel 2/edge")
    sb.ok("juju refresh minio --channel 1.10/edge")
    sb.ok("juju integrate minio:service-mesh istio-beacon-k8s:service-mesh")
    assert app_status(sb, "minio") == ("error", 'hook failed: "service-mesh-relation-changed"')
    sb.ok("juju trust minio --scope=cluster")
    assert app_status(sb, "minio") == ("active", "")


def test_the_ingress_needs_istio_and_its_config_relation(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju deploy istio-ingress-k8s --trust --channel 2/edge")
    assert app_status(sb, "istio-ingress-k8s") == (
        "blocked",
        "Gateway k8s deployment not ready, is istio properly installed?",
    )
    sb.ok("juju remove-application --no-prompt istio-ingressgateway")
    sb.ok("juju deploy istio-k8s --trust --channel 2/edge")
    assert app_status(sb, "istio-ingress-k8s") == ("active", "Serving at 10.64.140.43")
    sb.ok("juju refresh oidc-gatekeeper --channel ckf-1.10/edge")
    sb.ok("juju integrate oidc-gatekeeper:forward-auth istio-ingress-k8s:forward-auth")
    assert app_status(sb, "istio-ingress-k8s") == (
        "blocked",
        "Ingress configuration relation missing, yet valid authentication configuration are provided.",
    )
    rc, _, _ = sb.run("juju integrate oidc-gatekeeper:forward-auth istio-ingress-k8s:forward-auth")
    assert rc == 1
    sb.ok("juju integrate istio-ingress-k8s istio-k8s")
    assert app_status(sb, "istio-ingress-k8s") == ("active", "Serving at 10.64.140.43")


def test_an_invalid_service_mesh_mode_blocks_kubeflow_profiles(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju refresh kubeflow-profiles --channel 2.0/edge")
    sb.ok("juju config kubeflow-profiles service-mesh-mode=ambient")
    current, message = app_status(sb, "kubeflow-profiles")
    assert current == "blocked" and message.startswith("Invalid config:")
    sb.ok("juju config kubeflow-profiles --reset service-mesh-mode")
    assert app_status(sb, "kubeflow-profiles") == ("active", "")


def test_scaling(make_sandbox):
    sb = make_sandbox()
    assert (
        sb.ok("juju scale-application istio-ingressgateway 0") == "istio-ingressgateway scaled to 0 units\n"
    )
    rc, _, err = sb.run("kubectl -n kubeflow get deploy istio-ingressgateway-workload")
    assert rc == 1 and "NotFound" in err  # what the 1.10 -> 1.11 upgrade checks before refreshing Istio
    sb.ok("juju scale-application istio-ingressgateway 1")
    assert "istio-ingressgateway-workload" in sb.ok("kubectl -n kubeflow get deploy")
    first = sb.json("kubectl get pod kfp-db-0 -n kubeflow -o json")["metadata"]["uid"]
    sb.ok("juju scale-application kfp-db 2")
    units = sb.status()["applications"]["kfp-db"]["units"]
    assert (
        set(units) == {"kfp-db/0", "kfp-db/1"}
        and units["kfp-db/0"]["leader"]
        and "leader" not in units["kfp-db/1"]
    )
    assert sb.json("kubectl get pod kfp-db-0 -n kubeflow -o json")["metadata"]["uid"] == first
    claims = sb.ok("kubectl get pvc -n kubeflow -o name")
    assert any(c.endswith("-kfp-db-1") for c in claims.split())
