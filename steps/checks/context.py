"""What the checks read from their params and from the state, shared by all of them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import App, ClusterState

PROFILE_NAMESPACE_LABEL = ("app.kubernetes.io/part-of", "kubeflow-profile")


def model_name(params: Mapping[str, Any], state: ClusterState | None = None) -> str:
    """The Juju model: the param (`controller:user/name` allowed), else what was read, else kubeflow."""
    given = str(params.get("model") or "")
    if given:
        return given
    if state is not None and state.model is not None:
        return state.model.name
    return "kubeflow"


def model_namespace(params: Mapping[str, Any], state: ClusterState) -> str:
    """On Kubernetes the model's namespace is its bare name."""
    return model_name(params, state).rpartition(":")[2].rpartition("/")[2]


def discover_user_namespaces(state: ClusterState) -> list[str]:
    """Kubeflow user namespaces: one per Profile, plus namespaces the profile controller labelled
    `app.kubernetes.io/part-of=kubeflow-profile` (how the kubeflow-profiles charm finds them)."""
    found = {p.name for p in state.objects_of("Profile")}
    key, value = PROFILE_NAMESPACE_LABEL
    found.update(ns.name for ns in state.namespaces.values() if ns.labels.get(key) == value)
    if state.model is not None:
        found.discard(state.model.name)
    return sorted(found)


def user_namespaces(state: ClusterState, params: Mapping[str, Any]) -> list[str]:
    """The operator's list when given, else the discovered one."""
    given = params.get("user_namespaces")
    if isinstance(given, str):
        given = [part.strip() for part in given.split(",")]
    if given:
        return sorted({str(ns) for ns in given if str(ns)})
    return discover_user_namespaces(state)


def config_value(app: App, key: str) -> str | None:
    """A config value as `juju config` would be typed back (booleans lower-case); None when unread."""
    if key not in app.config:
        return None
    value = app.config[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def relation_present(
    state: ClusterState, app: str, endpoint: str, other: str, other_endpoint: str | None
) -> bool:
    """The relation as `juju status` shows it from `app`'s side; when `other_endpoint` is given,
    also from the other side (the peer endpoint is not shown on the local app)."""
    local = state.app(app)
    if local is None or not any(r.endpoint == endpoint and r.related_app == other for r in local.relations):
        return False
    if other_endpoint is None:
        return True
    remote = state.app(other)
    if remote is None:
        return False
    return any(r.endpoint == other_endpoint and r.related_app == app for r in remote.relations)
