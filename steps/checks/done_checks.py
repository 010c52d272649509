"""Already-done checks: the runbook asks them before a step, and offers a step whose checks all
pass as "already done" instead of running it again. Each takes arguments from the runbook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import config_value, model_name, relation_present
from .pods import parse_selector, restart_commands, running_sidecar_pods
from .result import CheckResult, fail, ok

Params = Mapping[str, Any]


def app_absent(state: ClusterState, params: Params, app: str) -> CheckResult:
    if state.model is None:
        return fail(
            "no Juju status was read, so it cannot be told", f"juju status -m {model_name(params, state)}"
        )
    if state.app(app) is not None:
        # Juju 2.9 never prompts here and rejects --no-prompt before 2.9.38.
        no_prompt = "" if str(params.get("juju") or "") == "2.9" else " --no-prompt"
        return fail(
            f"{app} is deployed", f"juju remove-application -m {model_name(params, state)}{no_prompt} {app}"
        )
    return ok(f"{app} is not deployed")


def app_upgraded(state: ClusterState, params: Params, app: str) -> CheckResult:
    """The charm finished its upgrade: every unit idle, the workload active or waiting (istio-pilot
    1.12-1.15 wait for the gateway while it is gone, which the 1.6 -> 1.7 guide expects)."""
    found = state.app(app)
    if found is None:
        return fail(f"{app} is not deployed", f"juju status -m {model_name(params, state)} {app}")
    busy = [
        f"{u.name}: {u.workload.current}/{u.agent.current}"
        + (f" ({u.workload.message})" if u.workload.message else "")
        for u in found.units
        if u.agent.current != "idle" or u.workload.current not in ("active", "waiting")
    ]
    if busy or not found.units:
        return fail(
            f"{app} is still upgrading" + (f": {'; '.join(busy)}" if busy else " (no unit yet)"),
            f"juju status -m {model_name(params, state)} {app}\n"
            f"juju debug-log -m {model_name(params, state)} --replay --no-tail --include {app}",
            busy,
        )
    shown = found.units[0].workload
    return ok(f"{app} upgraded ({shown.current}{': ' + shown.message if shown.message else ''})")


def app_present(state: ClusterState, params: Params, app: str) -> CheckResult:
    found = state.app(app)
    if found is None:
        return fail(f"{app} is not deployed", f"juju deploy -m {model_name(params, state)} {app} --trust")
    return ok(f"{app} is deployed ({found.charm} {found.channel})".replace(" )", ")"))


def app_on_channel(state: ClusterState, params: Params, app: str, channel: str) -> CheckResult:
    found = state.app(app)
    model = model_name(params, state)
    if found is None:
        return fail(f"{app} is not deployed", f"juju deploy -m {model} {app} --channel {channel} --trust")
    if found.channel != channel:
        return fail(
            f"{app} is on {found.channel or 'no channel'}, not {channel}",
            f"juju refresh -m {model} {app} --channel {channel}",
        )
    return ok(f"{app} is on {channel}")


def app_config(state: ClusterState, params: Params, app: str, key: str, value: str) -> CheckResult:
    found = state.app(app)
    model = model_name(params, state)
    setting = f"juju config -m {model} {app} {key}={value}"
    if found is None:
        return fail(f"{app} is not deployed", setting)
    current = config_value(found, key)
    if current is None:
        return fail(
            f"{app}'s {key} was not read",
            f"juju config -m {model} {app} {key}  # shows it; to set it: {setting}",
        )
    if current != value:
        return fail(f"{app} has {key}={current or chr(34) * 2}, not {value or chr(34) * 2}", setting)
    return ok(f"{app} has {key}={value or chr(34) * 2}")  # an empty value shows as "", not nothing


def relation_check(
    state: ClusterState,
    params: Params,
    app: str,
    endpoint: str,
    other_app: str,
    other_endpoint: str | None = None,
) -> CheckResult:
    wanted = f"{app}:{endpoint} {other_app}{':' + other_endpoint if other_endpoint else ''}"
    if relation_present(state, app, endpoint, other_app, other_endpoint):
        return ok(f"{wanted} related")
    missing = [a for a in (app, other_app) if state.app(a) is None]
    detail = f" ({', '.join(missing)} not deployed)" if missing else ""
    return fail(f"{wanted} not related{detail}", f"juju integrate -m {model_name(params, state)} {wanted}")


def configmap_value(
    state: ClusterState, params: Params, namespace: str, name: str, key: str, value: str
) -> CheckResult:
    found = state.find("ConfigMap", name, namespace)
    data = json.dumps({"data": {key: value}}, separators=(",", ":"))
    patch = f"kubectl -n {namespace} patch configmap {name} --type merge --patch '{data}'"
    if found is None:
        return fail(f"ConfigMap {namespace}/{name} was not read (or does not exist)", patch)
    current = (found.raw.get("data") or {}).get(key)
    if current != value:
        shown = "not set" if current is None else f'"{current}"'
        return fail(f'{namespace}/{name} {key} is {shown}, not "{value}"', patch)
    return ok(f'{namespace}/{name} {key} is "{value}"')


def namespace_absent(state: ClusterState, params: Params, namespace: str) -> CheckResult:
    if namespace in state.namespaces:
        return fail(
            f"namespace {namespace} still exists (terminating?)",
            f"kubectl get namespace {namespace} -o jsonpath={{.status}}",
        )
    return ok(f"namespace {namespace} is gone")


AMBIENT_LABELS = {"istio-injection": "disabled", "istio.io/dataplane-mode": "ambient"}


def namespace_relabelled(state: ClusterState, params: Params, namespace: str) -> CheckResult:
    """The profile controller has moved the namespace to ambient: istiod no longer injects there,
    so a pod restarted now comes back without a sidecar (restarted earlier, it gets one again)."""
    ns = state.namespaces.get(namespace)
    if ns is None:
        return fail(f"namespace {namespace} was not read", f"kubectl get namespace {namespace} --show-labels")
    wrong = [f"{k}={ns.labels.get(k, '(unset)')}" for k, v in AMBIENT_LABELS.items() if ns.labels.get(k) != v]
    if wrong:
        return fail(
            f"{namespace} is not relabelled for ambient yet: {', '.join(wrong)}",
            "wait for kubeflow-profiles (service-mesh-mode=istio-ambient) to relabel it:\n"
            f"kubectl get namespace {namespace} --show-labels",
        )
    return ok(f"{namespace}: istio-injection=disabled, istio.io/dataplane-mode=ambient")


def no_sidecar_pods(
    state: ClusterState, params: Params, namespace: str, selector: str | None = None
) -> CheckResult:
    try:
        parse_selector(selector or "")
    except ValueError as exc:
        return fail(str(exc), "use equality selectors: key=value,key2=value2")
    pods = running_sidecar_pods(state, [namespace], selector)
    where = f"{namespace}{' (' + selector + ')' if selector else ''}"
    if pods:
        fix = (
            f"kubectl delete pod -n {namespace} -l {selector}"
            if selector
            else "\n".join(restart_commands(pods))
        )
        names = [f"{p.namespace}/{p.name}" for p in pods]
        return fail(f"{len(pods)} pod(s) with an istio-proxy sidecar in {where}", fix, names)
    return ok(f"no sidecar left in {where}")
