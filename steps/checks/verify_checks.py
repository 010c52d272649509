"""Verification checks: is the model on ambient, as the guide (and its known gaps) leave it?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import GATEWAY_API, ClusterState
from . import ckf
from .context import config_value, model_name, model_namespace, relation_present, user_namespaces
from .pods import restart_commands, running_sidecar_pods
from .result import CheckResult, fail, ok, warn

Params = Mapping[str, Any]

WAYPOINT_CLASS = "istio-waypoint"


def mesh_relations(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    if state.model is None:
        return fail("no Juju status was read", f"juju status -m {model} --relations")
    for needed in (ckf.ISTIO, ckf.BEACON, ckf.INGRESS):
        if state.app(needed) is None:
            return fail(
                f"{needed} is not deployed", f"juju deploy -m {model} {needed} --trust --channel 2/stable"
            )
    missing = [
        rel
        for rel in ckf.EXPECTED_RELATIONS
        if state.app(rel.app) is not None
        and state.app(rel.other_app) is not None
        and not relation_present(state, rel.app, rel.endpoint, rel.other_app, rel.other_endpoint)
    ]
    if missing:
        details = [rel.shown() + (f"  ({rel.gap})" if rel.gap else "") for rel in missing]
        return fail(
            # Each relation by both ends: "envoy, envoy" does not say which of envoy's is missing.
            f"{len(missing)} mesh or ingress relation(s) missing: {'; '.join(rel.shown() for rel in missing)}",
            "\n".join(rel.integrate(model) for rel in missing),
            details,
        )
    checked = sum(1 for rel in ckf.EXPECTED_RELATIONS if state.app(rel.app) is not None)
    return ok(f"all {checked} expected relations present")


def profiles_ambient(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    wanted = {
        "service-mesh-mode": "istio-ambient",
        "istio-gateway-service-account": ckf.INGRESS_SERVICE_ACCOUNT,
        # The ingress runs in the model's namespace; the charm's default is "kubeflow".
        "istio-gateway-namespace": model_namespace(params, state),
    }
    app = state.app(ckf.PROFILES)
    namespace_key = "istio-gateway-namespace"
    commands = [
        f"juju config -m {model} {ckf.PROFILES} {k}={v}" for k, v in wanted.items() if k != namespace_key
    ]
    if app is None:
        return fail(f"{ckf.PROFILES} is not deployed", f"juju status -m {model} {ckf.PROFILES}")
    wrong = []
    for key, value in wanted.items():
        current = config_value(app, key)
        if current is None and key == namespace_key and app.config:
            current = "kubeflow"  # the charm's default (kubeflow-profiles config.yaml)
        if current == value:
            continue
        if key == namespace_key:
            commands.append(f"juju config -m {model} {ckf.PROFILES} {key}={value}")
        if current is not None:
            wrong.append(f"{key} is {current or 'empty'}, needs {value}")
        elif app.config:  # read, but the charm has no such option: an older track
            wrong.append(f"{key} is not an option of {ckf.PROFILES} {app.channel} (refresh it to 2.0 first)")
        else:
            wrong.append(f"{key} was not read, needs {value}")
    if wrong:
        return fail(f"{ckf.PROFILES}: {'; '.join(wrong)}", "\n".join(commands), wrong)
    return ok(", ".join(f"{k}={v}" for k, v in wanted.items()))


def waypoints(state: ClusterState, params: Params) -> CheckResult:
    namespaces = user_namespaces(state, params)
    if not namespaces:
        return warn("no user namespace to check", "kubectl get profiles.kubeflow.org")
    with_waypoint = {
        gw.namespace
        for gw in state.objects_of("Gateway", group=GATEWAY_API)
        if (gw.raw.get("spec") or {}).get("gatewayClassName") == WAYPOINT_CLASS
    }
    missing = [ns for ns in namespaces if ns not in with_waypoint]
    if missing:
        model = model_name(params, state)
        note = (
            ""
            if state.objects_of("Gateway", group=GATEWAY_API)
            else " (no Gateway was read: is the Gateway API installed?)"
        )
        return fail(
            f"no waypoint Gateway in {len(missing)} user namespace(s): {', '.join(missing)}{note}",
            "\n".join(
                [
                    "# kubeflow-profiles makes a `waypoint` Gateway per profile namespace in ambient mode:",
                    f"juju config -m {model} {ckf.PROFILES} service-mesh-mode",
                    f"juju debug-log -m {model} --replay --no-tail --include {ckf.PROFILES}",
                    *(f"kubectl get gateway -n {ns}" for ns in missing),
                ]
            ),
            missing,
        )
    return ok(f"a waypoint in each of {len(namespaces)} user namespace(s)")


def namespaces_ambient(state: ClusterState, params: Params) -> CheckResult:
    namespaces = user_namespaces(state, params)
    if not namespaces:
        return warn("no user namespace to check", "kubectl get profiles.kubeflow.org")
    wrong = []
    for name in namespaces:
        ns = state.namespaces.get(name)
        labels = ns.labels if ns else {}
        if labels.get("istio.io/dataplane-mode") != "ambient" or labels.get("istio-injection") == "enabled":
            shown = ", ".join(
                f"{k}={labels[k]}" for k in ("istio-injection", "istio.io/dataplane-mode") if k in labels
            )
            wrong.append(f"{name}: {shown or 'no mesh labels'}" if ns else f"{name}: not read")
    if wrong:
        model = model_name(params, state)
        return fail(
            f"{len(wrong)} user namespace(s) not on ambient: {', '.join(w.split(':')[0] for w in wrong)}",
            f"# the profile controller labels them once kubeflow-profiles is in ambient mode:\n"
            f"juju config -m {model} {ckf.PROFILES} service-mesh-mode=istio-ambient",
            wrong,
        )
    return ok(f"{len(namespaces)} user namespace(s) labelled istio.io/dataplane-mode=ambient")


def no_sidecars(state: ClusterState, params: Params) -> CheckResult:
    namespaces = [model_namespace(params, state), *user_namespaces(state, params)]
    pods = running_sidecar_pods(state, namespaces)
    if pods:
        names = [f"{p.namespace}/{p.name}" for p in pods]
        return fail(
            f"{len(pods)} pod(s) still have an istio-proxy sidecar: {', '.join(names)}",
            "\n".join(restart_commands(pods)),
            names,
        )
    return ok(f"no sidecar in {len(namespaces)} namespace(s): {', '.join(namespaces)}")


def istio_crds(state: ClusterState, params: Params) -> CheckResult:
    crds = {crd.name for crd in state.objects_of("CustomResourceDefinition")}
    model = model_name(params, state)
    fix = (
        f"juju status -m {model} {ckf.ISTIO}  # istio-k8s installs these; it must be active\n"
        "kubectl get crd -o name"
    )
    if not crds:
        return fail("no CustomResourceDefinition was read", fix)
    missing = [name for name in (*ckf.ISTIO_CRDS, *ckf.GATEWAY_API_CRDS) if name not in crds]
    if missing:
        return fail(f"{len(missing)} CRD(s) missing: {', '.join(missing)}", fix, missing)
    return ok(
        f"Istio and Gateway API CRDs present ({len(ckf.ISTIO_CRDS) + len(ckf.GATEWAY_API_CRDS)} checked)"
    )


def no_legacy_apps(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    if state.model is None:
        return fail("no Juju status was read", f"juju status -m {model}")
    left = [app for app in ckf.LEGACY_APPS if state.app(app) is not None]
    if left:
        return fail(
            f"still deployed: {', '.join(left)}",
            "\n".join(f"juju remove-application -m {model} --no-prompt {app}" for app in left),
            left,
        )
    return ok("istio-pilot, istio-ingressgateway and Knative are gone")


def kserve_rawdeployment(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    app = state.app(ckf.KSERVE)
    fix = f"juju config -m {model} {ckf.KSERVE} deployment-mode=rawdeployment"
    if app is None:
        return ok(f"{ckf.KSERVE} is not deployed: nothing to check")
    current = config_value(app, "deployment-mode")
    if current is None:
        return fail(
            f"{ckf.KSERVE}'s deployment-mode was not read",
            f"juju config -m {model} {ckf.KSERVE} deployment-mode",
        )
    if current.lower() != "rawdeployment":
        return fail(f"{ckf.KSERVE} deployment-mode is {current}; ambient needs rawdeployment", fix)
    return ok("deployment-mode=rawdeployment")
