"""The per-namespace mesh view, on states read from the istio-bookinfo sandbox."""

from __future__ import annotations

import steps.sandbox as sandbox
from steps.cluster.mesh_view import namespace_mesh
from steps.cluster.sources.sandbox import read_sandbox


def _rows(path):
    return {r.name: r for r in namespace_mesh(read_sandbox(path, scenario="istio-bookinfo"))}


def test_sidecar_mode_then_a_ready_waypoint_and_an_ambient_namespace(tmp_path):
    sandbox.create(tmp_path, "istio-bookinfo", speed=0)
    rows = _rows(tmp_path)
    assert set(rows) == {"backend", "frontend"}
    assert (rows["backend"].mode, rows["backend"].sidecars, rows["backend"].waypoint) == ("sidecar", 5, "")
    for argv in (
        "helm upgrade istiod istio/istiod -n istio-system --set profile=ambient --wait",
        "helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait",
        "helm install ztunnel istio/ztunnel -n istio-system --wait",
        "istioctl waypoint apply -n backend --wait",
        "kubectl label namespace frontend istio.io/dataplane-mode=ambient",
    ):
        assert sandbox.run(argv.split(), tmp_path)[0] == 0
    rows = _rows(tmp_path)
    assert (rows["backend"].waypoint, rows["backend"].waypoint_ready) == ("waypoint", True)
    assert rows["frontend"].mode == "mixed"  # the injection label still wins
    assert sandbox.run("kubectl label namespace frontend istio-injection-".split(), tmp_path)[0] == 0
    assert sandbox.run("kubectl rollout restart deployment -n frontend".split(), tmp_path)[0] == 0
    rows = _rows(tmp_path)
    assert (rows["frontend"].mode, rows["frontend"].sidecars) == ("ambient", 0)
