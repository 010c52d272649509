"""Issue 11.11 in the sandbox: istio-cni's enrolment mark, the CKF UATs' header-spoofing request
(before ambient KFP believes a forged kubeflow-userid; after, 403 "RBAC: access denied"), and the
Istio objects istio-pilot's purge takes with it."""

from __future__ import annotations

from steps.checks import run_check
from steps.checks.mesh_policies import LISTING_JSONPATH
from steps.cluster.sources.sandbox import read_sandbox

REDIRECTION = "ambient.istio.io/redirection"
PARAMS = {"model": "kubeflow", "user_namespaces": ["admin", "alice"]}
SPOOF = [
    "kubectl", "run", "cairn-spoof-check", "-n", "alice", "--image=curlimages/curl", "--restart=Never",
    "--rm", "-i", "--quiet", "--labels=sidecar.istio.io/inject=false",
    '--overrides={"spec":{"serviceAccountName":"default-editor"}}', "--command",
    "--", "curl", "-s", "-w", "\\nHTTP_CODE:%{http_code}", "-H", "kubeflow-userid: admin@example.com",
    "ml-pipeline.kubeflow.svc:8888/apis/v2beta1/experiments?namespace=admin",
]  # fmt: skip


def _annotations(sb, ns):
    pods = sb.json(f"kubectl get pods -n {ns} -o json")["items"]
    return {p["metadata"]["name"]: (p["metadata"].get("annotations") or {}).get(REDIRECTION) for p in pods}


def test_istio_cni_marks_only_the_pods_it_redirects(make_sandbox):
    sb = make_sandbox()
    assert set(_annotations(sb, "alice").values()) == {None}  # sidecar mode: nothing enrolled
    for command in (
        "juju deploy istio-k8s --trust --channel 2/edge",
        "juju refresh kubeflow-profiles --channel 2.0/edge",
        "juju config kubeflow-profiles service-mesh-mode=istio-ambient",  # relabels the namespaces
    ):
        sb.ok(command)
    # Still sidecar pods: istio-cni leaves a pod with a sidecar alone.
    assert set(_annotations(sb, "alice").values()) == {None}
    assert run_check("pods-enrolled", read_sandbox(sb.path), PARAMS).failed
    sb.ok("kubectl delete pod -n alice -l app=ml-pipeline-ui-artifact")
    marked = {name for name, value in _annotations(sb, "alice").items() if value == "enabled"}
    assert any(name.startswith("ml-pipeline-ui-artifact") for name in marked), marked
    assert not any(name.startswith("alice-notebook") for name in marked)  # it kept its sidecar
    result = run_check("pods-enrolled", read_sandbox(sb.path), {**PARAMS, "user_namespaces": ["alice"]})
    assert result.failed and "alice-notebook-0 (a sidecar)" in result.message


def test_a_forged_user_header_is_believed_in_sidecar_mode_and_refused_on_ambient(make_sandbox):
    sb = make_sandbox()
    out = sb.ok(SPOOF)
    assert out.endswith("\nHTTP_CODE:200") and '"namespace":"admin"' in out
    for command in (
        "juju deploy istio-k8s --trust --channel 2/edge",
        "juju deploy istio-beacon-k8s --trust --channel 2/edge",
        "juju refresh kfp-api --channel 2.15/edge",
        "juju integrate kfp-api:service-mesh istio-beacon-k8s:service-mesh",
    ):
        sb.ok(command)
    assert sb.ok(SPOOF) == "RBAC: access denied\nHTTP_CODE:403"


def test_kubectl_run_answers_like_kubectl(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run(["kubectl", "run", "x", "-n", "nope", "--image=curlimages/curl", "--restart=Never",
                         "--rm", "-i", "--", "true"])  # fmt: skip
    assert rc == 1 and err == 'Error from server (NotFound): namespaces "nope" not found\n'
    rc, out, _ = sb.run(["kubectl", "run", "x", "-n", "admin", "--image=busybox", "--restart=Never", "--rm", "-i",
                         "--labels=sidecar.istio.io/inject=false", "--", "echo", "hi"])  # fmt: skip
    assert (rc, out) == (0, 'hi\npod "x" deleted\n')
    # With a sidecar injected (admin is in sidecar mode) the pod never completes: kubectl gives up.
    rc, out, err = sb.run(["kubectl", "run", "x", "-n", "admin", "--image=busybox", "--restart=Never", "--rm", "-i",
                           "--", "echo", "hi"])  # fmt: skip
    assert (rc, out, err) == (1, 'hi\npod "x" deleted\n', "error: timed out waiting for the condition\n")
    assert sb.run(["kubectl", "run", "x", "--image=busybox"])[0] == 1  # a lasting pod is not emulated


CONTRIBUTOR = b"""apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: user-bob-example-com-clusterrole-edit
  namespace: admin
  annotations: {role: edit, user: bob@example.com}
spec:
  rules:
  - from: [{source: {principals: [cluster.local/ns/kubeflow/sa/istio-ingressgateway-workload-service-account]}}]
    when: [{key: 'request.headers[kubeflow-userid]', values: [bob@example.com]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: my-app
  namespace: admin
spec:
  gateways: [kubeflow/kubeflow-gateway]
  hosts: ['*']
  http:
  - match: [{uri: {prefix: /my-app/}}]
    route: [{destination: {host: my-app.admin.svc.cluster.local, port: {number: 80}}}]
"""


def test_the_purge_takes_a_contributor_policy_and_a_custom_route_and_verification_names_them(make_sandbox):
    sb = make_sandbox()
    sb.ok("kubectl apply -f -", stdin=CONTRIBUTOR)
    listing = sb.ok(
        ["kubectl", "get", "authorizationpolicies.security.istio.io,virtualservices.networking.istio.io", "-A",
         "-o", "jsonpath=" + LISTING_JSONPATH]
    )  # fmt: skip
    assert "bob@example.com" in listing and '["kubeflow/kubeflow-gateway"]' in listing
    before = read_sandbox(sb.path)
    warned = run_check("custom-virtualservices", before, PARAMS)
    assert warned.status == "warning" and warned.details == ("VirtualService admin/my-app",)
    assert run_check("mesh-policies-kept", before, PARAMS, before=listing).passed
    for command in (
        "juju remove-application --no-prompt istio-ingressgateway",
        "juju remove-application --no-prompt istio-pilot",
        "juju deploy istio-k8s --trust --channel 2/edge",
    ):
        sb.ok(command)
    result = run_check("mesh-policies-kept", read_sandbox(sb.path), PARAMS, before=listing)
    assert result.failed
    assert set(result.details) == {
        "AuthorizationPolicy admin/user-bob-example-com-clusterrole-edit",
        "VirtualService admin/my-app",
    }
    assert "bob@example.com was a contributor (edit) of admin" in result.fix
    assert "HTTPRoute on istio-ingress-k8s" in result.fix
