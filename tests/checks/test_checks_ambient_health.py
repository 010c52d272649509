"""Issue 11.11 (part): verification covers the ambient data plane on every node and names the
InferenceServices left behind (admin/sklearn-iris stayed READY False while verification passed)."""

from __future__ import annotations

from steps.checks import run_check

from .ckf_states import PARAMS, obj, state


def _ds(name: str, desired: int, ready: int):
    return obj(
        "DaemonSet", name, "kubeflow", status={"desiredNumberScheduled": desired, "numberReady": ready}
    )


NODES = [obj("Node", "n1"), obj("Node", "n2")]


def test_dataplane_ready_on_every_node():
    good = state(objects=[*NODES, _ds("ztunnel", 2, 2), _ds("istio-cni-node", 2, 2)])
    assert run_check("ambient-dataplane", good, PARAMS).passed
    short = state(objects=[*NODES, _ds("ztunnel", 2, 1), _ds("istio-cni-node", 1, 1)])
    result = run_check("ambient-dataplane", short, PARAMS)
    assert result.failed
    assert result.details == (
        "kubeflow/ztunnel: 1 ready of 2 scheduled on 2 node(s)",
        "kubeflow/istio-cni-node: 1 ready of 1 scheduled on 2 node(s)",
    )
    missing = run_check("ambient-dataplane", state(objects=NODES), PARAMS)
    assert missing.failed and "DaemonSet ztunnel not found" in missing.message


def test_inferenceservices_left_serverless_or_not_ready_are_named():
    isvc = obj(
        "InferenceService",
        "sklearn-iris",
        "admin",
        status={"conditions": [{"type": "Ready", "status": "False"}]},
    )
    isvc.raw["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "Serverless"}
    result = run_check("inferenceservices-serving", state(objects=[isvc]), PARAMS)
    assert result.status == "warning"
    assert result.details == ("admin/sklearn-iris (mode serverless, Ready False)",)
    assert "RawDeployment" in result.fix
    raw = obj("InferenceService", "ok", "admin", status={"conditions": [{"type": "Ready", "status": "True"}]})
    raw.raw["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    assert run_check("inferenceservices-serving", state(objects=[raw]), PARAMS).passed


def test_sidecars_outside_the_kubeflow_namespaces_are_named():
    from .ckf_states import pod

    st = state(
        pods=[
            pod("kubeflow", "kfp-api-0", sidecar=True),
            pod("admin", "nb-0", sidecar=True),
            pod("shop", "cart-7d-x", sidecar=True),
        ],
        namespaces={"kubeflow": {}, "admin": {}, "shop": {}},
    )
    result = run_check("sidecars-elsewhere", st, {**PARAMS, "user_namespaces": ["admin"]})
    assert result.status == "warning" and result.details == ("shop/cart-7d-x",)
    assert "kubectl label namespace shop istio-injection-" in result.fix
