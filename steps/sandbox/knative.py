"""Knative: the operator's CRDs, serving and eventing namespaces — and what goes with them."""

from __future__ import annotations

from . import kube, pods
from .lifecycle import ensure_crds, grace_of, live, mark_owner, retire, retire_crds, retire_owned
from .state import State, delay

KNATIVE_OPERATOR_CRDS = ["knativeservings.operator.knative.dev", "knativeeventings.operator.knative.dev"]

KNATIVE_SERVING_CRDS = [
    "services.serving.knative.dev",
    "revisions.serving.knative.dev",
    "routes.serving.knative.dev",
    "configurations.serving.knative.dev",
]


def sync_knative(state: State, now: float) -> None:
    operator = live(state, "knative-operator", now)
    for charm, ns, deployments in (
        (
            "knative-serving",
            "knative-serving",
            ["activator", "autoscaler", "controller", "webhook", "net-istio-controller", "net-istio-webhook"],
        ),
        ("knative-eventing", "knative-eventing", ["eventing-controller", "eventing-webhook"]),
    ):
        found = live(state, charm, now)
        if found and operator:
            namespace = kube.get(state, "Namespace", None, ns, now)
            if namespace is None:
                namespace = kube.ensure_namespace(state, ns, now, labels={"app.kubernetes.io/part-of": charm})
                mark_owner(namespace, charm)
                for dep in deployments:
                    pods.make_workload(
                        state,
                        now,
                        "Deployment",
                        ns,
                        dep,
                        pod_labels={"app": dep},
                        containers=[{"name": dep, "image": f"gcr.io/knative-releases/{dep}:v1.16.0"}],
                        ready_delay=delay(state, 6),
                    )
        else:
            gone = [a for a in state["apps"].values() if a["charm"] == charm]
            namespace = kube.get(state, "Namespace", None, ns, now)
            if namespace is not None and not kube.terminating(namespace, now):
                retire(state, namespace, now, grace_of(gone[0] if gone else None, now))
    if operator:
        ensure_crds(state, KNATIVE_OPERATOR_CRDS, now, "knative-operator")
        if live(state, "knative-serving", now):
            ensure_crds(state, KNATIVE_SERVING_CRDS, now, "knative-serving")
    else:
        gone = [a for a in state["apps"].values() if a["charm"] == "knative-operator"]
        retire_crds(state, KNATIVE_OPERATOR_CRDS, now, grace_of(gone[0] if gone else None, now))
    if not live(state, "knative-serving", now):
        gone = [a for a in state["apps"].values() if a["charm"] == "knative-serving"]
        grace = grace_of(gone[0] if gone else None, now)
        retire_crds(state, KNATIVE_SERVING_CRDS, now, grace)
        # The Knative Services' revisions (the serverless InferenceServices' pods) go with Knative.
        retire_owned(state, "knative-serving-workloads", now, grace)
