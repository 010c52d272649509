"""The admission webhook configurations the charms' software registers, as the real manifests name them.

- Istio (istio-pilot's `istioctl install`, istio-k8s's istioctl too), istiod in the model's namespace:
  the istiod chart names the injector `istio-sidecar-injector[-REV]-NAMESPACE` and the validator
  `istio-validator[-REV]-ISTIO_NAMESPACE` when the namespace is not istio-system; the injector holds
  four webhooks (revision and plain injection, each by namespace and by object selector).
  `istioctl uninstall --purge` deletes them with istiod.
- Knative (serving-core.yaml, eventing-core.yaml, net-istio.yaml), applied by knative-operator for
  each KnativeServing/KnativeEventing; its finalizer deletes them again when the component goes.
"""

from __future__ import annotations

from typing import Any

from . import kube
from .lifecycle import mark_owner
from .state import State

Obj = dict[str, Any]
MUTATING, VALIDATING = "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"


def _webhook(
    name: str, service: str, namespace: str, path: str | None, rules: list[Obj], **extra: Any
) -> Obj:
    client: Obj = {"service": {"name": service, "namespace": namespace, "port": 443}}
    if path:
        client["service"]["path"] = path
    return {
        "admissionReviewVersions": ["v1", "v1beta1"],
        "clientConfig": client,
        "failurePolicy": extra.pop("failurePolicy", "Fail"),
        "matchPolicy": "Equivalent",
        "name": name,
        "rules": rules,
        "sideEffects": "None",
        "timeoutSeconds": 10,
        **extra,
    }


def _selector(*exprs: tuple[str, str, list[str] | None]) -> Obj:
    out = []
    for key, op, values in exprs:
        expr: Obj = {"key": key, "operator": op}
        if values is not None:
            expr["values"] = values
        out.append(expr)
    return {"matchExpressions": out}


def istio(namespace: str) -> list[tuple[str, str, list[Obj]]]:
    """(kind, name, webhooks) for an istiod installed in `namespace` with the default revision."""
    pods = [
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "operations": ["CREATE"],
            "resources": ["pods"],
            "scope": "*",
        }
    ]

    def inject(name: str, ns_sel: Obj, obj_sel: Obj) -> Obj:
        return _webhook(
            name,
            "istiod",
            namespace,
            "/inject",
            pods,
            namespaceSelector=ns_sel,
            objectSelector=obj_sel,
            reinvocationPolicy="Never",
        )

    injector = [
        inject(
            "rev.namespace.sidecar-injector.istio.io",
            _selector(("istio.io/rev", "In", ["default"]), ("istio-injection", "DoesNotExist", None)),
            _selector(("sidecar.istio.io/inject", "NotIn", ["false"])),
        ),
        inject(
            "rev.object.sidecar-injector.istio.io",
            _selector(("istio.io/rev", "DoesNotExist", None), ("istio-injection", "DoesNotExist", None)),
            _selector(("sidecar.istio.io/inject", "NotIn", ["false"]), ("istio.io/rev", "In", ["default"])),
        ),
        inject(
            "namespace.sidecar-injector.istio.io",
            _selector(("istio-injection", "In", ["enabled"])),
            _selector(("sidecar.istio.io/inject", "NotIn", ["false"])),
        ),
        inject(
            "object.sidecar-injector.istio.io",
            _selector(("istio-injection", "DoesNotExist", None), ("istio.io/rev", "DoesNotExist", None)),
            _selector(("sidecar.istio.io/inject", "In", ["true"]), ("istio.io/rev", "DoesNotExist", None)),
        ),
    ]
    istio_groups = ["security.istio.io", "networking.istio.io", "telemetry.istio.io", "extensions.istio.io"]
    validator = [
        _webhook(
            "rev.validation.istio.io",
            "istiod",
            namespace,
            "/validate",
            [
                {
                    "apiGroups": istio_groups,
                    "apiVersions": ["*"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": ["*"],
                    "scope": "*",
                }
            ],
            failurePolicy="Ignore",  # istiod turns it to Fail once it serves the webhook
            objectSelector=_selector(("istio.io/rev", "In", ["default"])),
        )
    ]
    suffix = "" if namespace == "istio-system" else f"-{namespace}"
    return [
        (MUTATING, f"istio-sidecar-injector{suffix}", injector),
        (VALIDATING, f"istio-validator-{namespace}", validator),
    ]


def _knative_rules(group: str, resources: list[str]) -> list[Obj]:
    return [
        {
            "apiGroups": [group],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": resources,
            "scope": "*",
        }
    ]


def knative(component: str) -> list[tuple[str, str, list[Obj]]]:
    """(kind, name, webhooks) that knative-operator applies for knative-serving or knative-eventing:
    each configuration holds one webhook of its own name, served by the component's webhook Service."""
    configmaps = [
        {
            "apiGroups": [""],
            "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["configmaps"],
        }
    ]
    if component == "knative-serving":
        ns = "knative-serving"
        serving = _knative_rules("serving.knative.dev", ["services", "configurations", "revisions", "routes"])
        ingresses = _knative_rules("networking.internal.knative.dev", ["ingresses"])
        table = [
            (MUTATING, "webhook.serving.knative.dev", "webhook", serving),
            (VALIDATING, "validation.webhook.serving.knative.dev", "webhook", serving),
            (VALIDATING, "config.webhook.serving.knative.dev", "webhook", configmaps),
            (MUTATING, "webhook.istio.networking.internal.knative.dev", "net-istio-webhook", ingresses),
            (
                VALIDATING,
                "config.webhook.istio.networking.internal.knative.dev",
                "net-istio-webhook",
                configmaps,
            ),
        ]
    else:
        ns = "knative-eventing"
        eventing = _knative_rules("eventing.knative.dev", ["brokers", "triggers", "eventtypes"])
        deployments = [
            {
                "apiGroups": ["apps"],
                "apiVersions": ["v1"],
                "operations": ["CREATE", "UPDATE"],
                "resources": ["deployments"],
            }
        ]
        table = [
            (MUTATING, "webhook.eventing.knative.dev", "eventing-webhook", eventing),
            (MUTATING, "sinkbindings.webhook.sources.knative.dev", "eventing-webhook", deployments),
            (VALIDATING, "validation.webhook.eventing.knative.dev", "eventing-webhook", eventing),
            (VALIDATING, "config.webhook.eventing.knative.dev", "eventing-webhook", configmaps),
        ]
    return [(kind, name, [_webhook(name, svc, ns, None, rules)]) for kind, name, svc, rules in table]


def ensure(state: State, now: float, specs: list[tuple[str, str, list[Obj]]], tag: str) -> list[Obj]:
    """Create the configurations that are missing (owned by `tag`); return them all."""
    out = []
    for kind, name, hooks in specs:
        obj = kube.get(state, kind, None, name, now)
        if obj is None or kube.terminating(obj, now):
            obj = mark_owner(kube.make_simple(state, now, kind, name, body={"webhooks": hooks}), tag)
        out.append(obj)
    return out


def existing(state: State, now: float, specs: list[tuple[str, str, list[Obj]]]) -> list[Obj]:
    return [o for kind, name, _ in specs if (o := kube.get(state, kind, None, name, now)) is not None]
