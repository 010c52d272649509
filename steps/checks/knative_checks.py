"""Knative's teardown: gone for good, or stuck on finalizers.

knative-operator owns the KnativeServing/KnativeEventing resources whose finalizers tear the two
components down; removed first (or before they finish), it leaves their namespaces Terminating,
their CRDs behind and their webhook configurations registered with no Service behind them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .result import CheckResult, fail, ok

KNATIVE_NAMESPACES = ("knative-serving", "knative-eventing")
KNATIVE_CRD_SUFFIX = ".knative.dev"
WEBHOOK_KINDS = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")


def knative_gone(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    namespaces = [ns for ns in KNATIVE_NAMESPACES if ns in state.namespaces]
    crds = sorted(
        c.name for c in state.objects_of("CustomResourceDefinition") if c.name.endswith(KNATIVE_CRD_SUFFIX)
    )
    # knative-operator's finalizer deletes a component's webhook configurations; left behind, they
    # point at a webhook Service that is gone, and the API server fails every request they match.
    hooks = sorted(
        (kind, o.name)
        for kind in WEBHOOK_KINDS
        for o in state.objects_of(kind)
        if o.name.endswith(KNATIVE_CRD_SUFFIX)
    )
    left = (
        [f"namespace {ns}" for ns in namespaces]
        + [f"CRD {name}" for name in crds]
        + [f"{kind} {name}" for kind, name in hooks]
    )
    if left:
        fixes = [
            f"kubectl get namespace {ns} -o jsonpath={{.spec.finalizers}}{{.status.conditions}}"
            for ns in namespaces
        ]
        fixes += [f"kubectl get crd {name} -o jsonpath={{.metadata.finalizers}}" for name in crds[:3]]
        fixes += [f"kubectl delete {kind.lower()} {name}" for kind, name in hooks[:3]]
        fixes.append(
            "# a finalizer whose controller is gone never completes: remove it only once nothing uses the "
            'resource, e.g. kubectl patch crd NAME --type merge -p \'{"metadata":{"finalizers":[]}}\''
        )
        return fail(
            f"Knative is not fully gone: {len(left)} left ({', '.join(left[:4])})", "\n".join(fixes), left
        )
    return ok("no Knative namespace, CRD or webhook configuration left")
