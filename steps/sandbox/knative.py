"""Knative: the operator's CRDs, serving and eventing namespaces — and what goes with them.

knative-operator reconciles each component from a KnativeServing / KnativeEventing resource the
knative-serving / knative-eventing charm creates, and puts its finalizer on it
(`knativeservings.operator.knative.dev`). When a component's charm goes, its resource is deleted and
the operator's finalizer tears the component down (deployments, webhook configurations) before the
resource, and then its namespace, can go. That takes a while after the charm itself has gone.

If knative-operator goes first — or before a component has finished tearing down — nobody removes
the finalizer: the resource stays with a deletionTimestamp, its namespace stays Terminating
(NamespaceFinalizersRemaining), the operator's CRDs stay Terminating while a resource of theirs is
left, and the component's webhook configurations stay behind, as on a real cluster. Removing the
finalizer by hand (`kubectl patch ... -p '{"metadata":{"finalizers":[]}}'`) lets each of them go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import kube, pods, webhooks
from .lifecycle import ensure_crds, grace_of, live, mark_owner, retire, retire_crds, retire_owned
from .state import State, delay

KNATIVE_OPERATOR_CRDS = ["knativeservings.operator.knative.dev", "knativeeventings.operator.knative.dev"]

KNATIVE_SERVING_CRDS = [
    "services.serving.knative.dev",
    "revisions.serving.knative.dev",
    "routes.serving.knative.dev",
    "configurations.serving.knative.dev",
]
# How long the operator's finalizer takes to tear a component down after its charm has gone.
TEARDOWN_SECONDS = 20
# A finalizer nobody will remove: the object stays Terminating until someone removes it by hand.
HELD = 4102444800.0  # 2100-01-01, as the lazy clock's "never"
CRD_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


@dataclass(frozen=True)
class Component:
    charm: str
    namespace: str
    kind: str  # the operator's resource for it
    finalizer: str
    deployments: tuple[str, ...]


COMPONENTS = (
    Component(
        "knative-serving",
        "knative-serving",
        "KnativeServing",
        "knativeservings.operator.knative.dev",
        ("activator", "autoscaler", "controller", "webhook", "net-istio-controller", "net-istio-webhook"),
    ),
    Component(
        "knative-eventing",
        "knative-eventing",
        "KnativeEventing",
        "knativeeventings.operator.knative.dev",
        ("eventing-controller", "eventing-webhook"),
    ),
)


def _operator_until(state: State) -> float:
    """Until when knative-operator reconciles: for ever while deployed, its removal's end while it
    is being removed, never once it has gone."""
    ends = [a.get("gone_at") for a in state.get("apps", {}).values() if a["charm"] == "knative-operator"]
    if not ends:
        return -math.inf
    return max(math.inf if e is None else e for e in ends)


def _held(obj: kube.Obj) -> bool:
    return bool(kube.private(obj).get("held_by"))


def _hold(state: State, obj: kube.Obj, finalizer: str | None, now: float) -> None:
    """Deletion requested, never completed: `finalizer` (on the object, or for a namespace the
    content left in it) keeps it Terminating."""
    p = kube.private(obj)
    if p.get("gone_at") is None:
        obj["metadata"]["deletionTimestamp"] = kube.iso(now)
    p["gone_at"] = HELD
    p["held_by"] = finalizer or "content"
    if finalizer:
        finalizers = obj["metadata"].setdefault("finalizers", [])
        if finalizer not in finalizers:
            finalizers.append(finalizer)
    kube.touch(state, obj)


def _let_go(obj: kube.Obj, now: float) -> None:
    p = kube.private(obj)
    p.pop("held_by", None)
    p["gone_at"] = now


def _revive(state: State, obj: kube.Obj) -> None:
    """A deletion that the (now gone) operator would have made never happens."""
    kube.private(obj).pop("gone_at", None)
    obj["metadata"].pop("deletionTimestamp", None)
    kube.touch(state, obj)


def _deploy(state: State, comp: Component, now: float) -> None:
    namespace = kube.get(state, "Namespace", None, comp.namespace, now)
    if namespace is None:
        namespace = kube.ensure_namespace(
            state, comp.namespace, now, labels={"app.kubernetes.io/part-of": comp.charm}
        )
        mark_owner(namespace, comp.charm)
        for dep in comp.deployments:
            pods.make_workload(
                state,
                now,
                "Deployment",
                comp.namespace,
                dep,
                pod_labels={"app": dep},
                containers=[{"name": dep, "image": f"gcr.io/knative-releases/{dep}:v1.16.0"}],
                ready_delay=delay(state, 6),
            )
    if kube.get(state, comp.kind, comp.namespace, comp.namespace, now) is None:
        cr = kube.make_simple(
            state,
            now,
            comp.kind,
            comp.namespace,
            comp.namespace,
            body={"spec": {}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        )
        cr["metadata"]["finalizers"] = [comp.finalizer]
        mark_owner(cr, comp.charm)
    webhooks.ensure(state, now, webhooks.knative(comp.charm), f"knative:{comp.charm}")


def _tear_down(state: State, comp: Component, now: float, operator_until: float) -> None:
    """The charm has gone (or is going): its resource is deleted; the operator's finalizer tears
    the component down by `done` — if the operator is still there then."""
    gone = [a for a in state["apps"].values() if a["charm"] == comp.charm]
    done = now + grace_of(gone[0] if gone else None, now) + delay(state, TEARDOWN_SECONDS)
    cr = kube.get(state, comp.kind, comp.namespace, comp.namespace, now)
    namespace = kube.get(state, "Namespace", None, comp.namespace, now)
    hooks = webhooks.existing(state, now, webhooks.knative(comp.charm))
    if cr is not None and not kube.terminating(cr, now):
        kube.private(cr)["done_at"] = done
        retire(state, cr, now, done - now)
    if cr is not None and not _held(cr) and operator_until <= kube.private(cr).get("done_at", done):
        _hold(state, cr, comp.finalizer, now)
    stuck = cr is not None and _held(cr)
    # Only the operator's finalizer deletes the webhook configurations: with the resource gone
    # (torn down, or its finalizer removed by hand) they are as the finalizer left them.
    for hook in hooks if cr is not None else []:
        if stuck and kube.terminating(hook, now):
            _revive(state, hook)
        elif not stuck and not kube.terminating(hook, now):
            retire(state, hook, now, done - now)
    if namespace is not None and not kube.terminating(namespace, now):
        retire(state, namespace, now, done - now)
    if stuck and namespace is not None and not _held(namespace):
        # The namespace controller deleted everything else; the held resource keeps it Terminating.
        _hold(state, namespace, None, now)
        namespace["status"] = {
            "phase": "Terminating",
            "conditions": [
                {
                    "type": "NamespaceContentRemaining",
                    "status": "True",
                    "reason": "SomeResourcesRemain",
                    "message": f"Some resources are remaining: {comp.finalizer} has 1 resource instances",
                    "lastTransitionTime": kube.iso(now),
                },
                {
                    "type": "NamespaceFinalizersRemaining",
                    "status": "True",
                    "reason": "SomeFinalizersRemain",
                    "message": "Some content in the namespace has finalizers remaining: "
                    f"{comp.finalizer} in 1 resource instances",
                    "lastTransitionTime": kube.iso(now),
                },
            ],
        }


def _release(state: State, now: float) -> None:
    """A finalizer removed by hand: the held objects finish their deletion, in dependency order."""
    for comp in COMPONENTS:
        cr = kube.get(state, comp.kind, comp.namespace, comp.namespace, now)
        if cr is not None and _held(cr) and comp.finalizer not in cr["metadata"].get("finalizers", []):
            _let_go(cr, now)
        namespace = kube.get(state, "Namespace", None, comp.namespace, now)
        if namespace is not None and _held(namespace):
            if not any(_held(o) for o in kube.listing(state, comp.kind, now, comp.namespace)):
                _let_go(namespace, now)
    for name in KNATIVE_OPERATOR_CRDS:
        crd = kube.get(state, "CustomResourceDefinition", None, name, now)
        if crd is None or not _held(crd):
            continue
        kind = next(c.kind for c in COMPONENTS if c.finalizer == name)
        if CRD_FINALIZER not in crd["metadata"].get("finalizers", []) or not kube.listing(state, kind, now):
            _let_go(crd, now)


def sync_knative(state: State, now: float) -> None:
    operator = live(state, "knative-operator", now)
    operator_until = _operator_until(state)
    _release(state, now)
    for comp in COMPONENTS:
        if live(state, comp.charm, now):
            if operator:
                _deploy(state, comp, now)
            # Without the operator nothing reconciles the component: it stays as it is.
        else:
            _tear_down(state, comp, now, operator_until)
    if operator:
        ensure_crds(state, KNATIVE_OPERATOR_CRDS, now, "knative-operator")
        if live(state, "knative-serving", now):
            ensure_crds(state, KNATIVE_SERVING_CRDS, now, "knative-serving")
    else:
        # The operator charm deletes its CRDs, and with them the API server deletes their
        # resources - whose finalizer nobody will remove now: resource and CRD stay Terminating
        # (held before the CRDs' deletion cascades to them).
        for comp in COMPONENTS:
            cr = kube.get(state, comp.kind, comp.namespace, comp.namespace, now)
            if cr is None:
                continue
            if not _held(cr) and operator_until <= kube.private(cr).get("done_at", math.inf):
                _hold(state, cr, comp.finalizer, now)
                for hook in webhooks.existing(state, now, webhooks.knative(comp.charm)):
                    if kube.terminating(hook, now):
                        _revive(state, hook)
            crd = kube.get(state, "CustomResourceDefinition", None, comp.finalizer, now)
            if _held(cr) and crd is not None and not _held(crd):
                _hold(state, crd, CRD_FINALIZER, now)
        gone = [a for a in state["apps"].values() if a["charm"] == "knative-operator"]
        retire_crds(state, KNATIVE_OPERATOR_CRDS, now, grace_of(gone[0] if gone else None, now))
    if not live(state, "knative-serving", now):
        gone = [a for a in state["apps"].values() if a["charm"] == "knative-serving"]
        grace = grace_of(gone[0] if gone else None, now)
        retire_crds(state, KNATIVE_SERVING_CRDS, now, grace)
        # The Knative Services' revisions (the serverless InferenceServices' pods) go with Knative.
        retire_owned(state, "knative-serving-workloads", now, grace)
