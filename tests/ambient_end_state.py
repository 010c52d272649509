"""Where the CKF 1.11 ambient migration lands, app by app (ckf-facts.md §1a and the guide, seed 001).

One table for every test that judges an end state: the guide's commands run straight against the
sandbox (tests/sandbox/test_guide.py) and Cairn's runbook run through the engine (tests/e2e).
"""

REMOVED = {"istio-pilot", "istio-ingressgateway", "knative-serving", "knative-eventing", "knative-operator"}

# app -> channel after the guide (section 1a of ckf-facts.md)
CHANNELS = {
    "istio-k8s": "2/edge",
    "istio-beacon-k8s": "2/edge",
    "istio-ingress-k8s": "2/edge",
    "admission-webhook": "2.0/edge",
    "katib-controller": "0.19/edge",
    "katib-ui": "0.19/edge",
    "training-operator": "1.9/edge",
    "kserve-controller": "0.15/edge",
    "dex-auth": "2.41/edge",
    "oidc-gatekeeper": "ckf-1.10/edge",
    "envoy": "2.4/edge",
    "jupyter-controller": "1.11/edge",
    "jupyter-ui": "1.11/edge",
    "kfp-api": "2.15/edge",
    "kfp-persistence": "2.15/edge",
    "kfp-profile-controller": "2.15/edge",
    "kfp-schedwf": "2.15/edge",
    "kfp-ui": "2.15/edge",
    "kfp-viz": "2.15/edge",
    "minio": "1.10/edge",
    "kubeflow-dashboard": "2.0/edge",
    "kubeflow-profiles": "2.0/edge",
    "kubeflow-volumes": "1.11/edge",
    "pvcviewer-operator": "1.11/edge",
    "tensorboard-controller": "1.11/edge",
    "tensorboards-web-app": "1.11/edge",
    "metacontroller-operator": "4.11/edge",
}
MESHED = set(CHANNELS) - {"istio-k8s", "istio-beacon-k8s", "istio-ingress-k8s"}
ROUTED = {
    "katib-ui",
    "jupyter-ui",
    "kfp-ui",
    "envoy",
    "kubeflow-dashboard",
    "kubeflow-volumes",
    "tensorboards-web-app",
}
# The guide relates these to istio-ingress-k8s:gateway-metadata; Cairn's runbook adds
# pvcviewer-operator too (the guide's gap: without it pvcviewer-operator stays Blocked).
GATEWAY_METADATA = {"kserve-controller", "jupyter-controller", "tensorboard-controller"}
GATEWAY_METADATA_WITH_GAP_CLOSED = GATEWAY_METADATA | {"pvcviewer-operator"}
LEFT_ALONE = {
    "argo-controller",
    "katib-db-manager",
    "katib-db",
    "kfp-db",
    "kfp-metadata-writer",
    "kfp-viewer",
    "mlmd",
    "kubeflow-roles",
}
