"""The cluster pane on upstream Istio: per namespace, the data plane, the sidecars left and the
waypoint with its readiness; no Juju rows or Juju read errors where there is no Juju."""

from __future__ import annotations

import steps.sandbox as sandbox
from steps.cluster.sources.sandbox import read_sandbox
from tui.look import Look
from tui.widgets.cluster_pane import render_cluster, signatures


def test_the_pane_shows_each_namespaces_data_plane_and_waypoint(tmp_path):
    sandbox.create(tmp_path, "istio-bookinfo", speed=0)
    before = read_sandbox(tmp_path, scenario="istio-bookinfo")
    text = render_cluster(before, Look(), width=80).plain
    assert " namespace  mode     sidecars waypoint" in text
    assert " backend    sidecar  5/5      -" in text
    assert "Apps" not in text and "juju" not in text
    for argv in (
        "helm upgrade istiod istio/istiod -n istio-system --set profile=ambient --wait",
        "helm upgrade --install istio-cni istio/cni -n istio-system --set profile=ambient --wait",
        "helm install ztunnel istio/ztunnel -n istio-system --wait",
        "istioctl waypoint apply -n backend --wait",
        "kubectl label namespace frontend istio.io/dataplane-mode=ambient istio-injection-",
        "kubectl rollout restart deployment -n frontend",
    ):
        assert sandbox.run(argv.split(), tmp_path)[0] == 0
    after = read_sandbox(tmp_path, scenario="istio-bookinfo")
    changed = {k for k, v in signatures(after).items() if signatures(before).get(k) != v}
    assert {"mesh:backend", "mesh:frontend"} <= changed
    text = render_cluster(after, Look(), width=80, changed=changed).plain
    assert "*backend    sidecar  5/6      ready" in text
    assert "*frontend   ambient  0/2      -" in text
