"""Facts about CKF 1.6 and the final 1.6 -> 1.7 upgrade guide that the 1.6 runbook's checks use.

Source: canonical/bundle-kubeflow docs/upgrade-guide-1.6-to-1.7.md at a32fcd2 (2023-06-19,
"update upgrade guide for 1.7.1"), the last version before the docs were removed (9255222), and
releases/1.6/stable/kubeflow/bundle.yaml for the 1.6 tracks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import model_name
from .result import CheckResult, fail, ok, warn

GUIDE_1_7 = "https://github.com/canonical/bundle-kubeflow/blob/a32fcd2/docs/upgrade-guide-1.6-to-1.7.md"
UPGRADE_GUIDES = "https://documentation.ubuntu.com/charmed-kubeflow/latest/how-to/manage/upgrade/"

# Track of each app in the CKF 1.6/stable bundle.
BUNDLE_1_6 = {
    "admission-webhook": "1.6",
    "argo-controller": "3.3",
    "argo-server": "3.3",
    "dex-auth": "2.31",
    "istio-ingressgateway": "1.11",
    "istio-pilot": "1.11",
    "jupyter-controller": "1.6",
    "jupyter-ui": "1.6",
    "katib-controller": "0.14",
    "katib-db": "latest",
    "katib-db-manager": "0.14",
    "katib-ui": "0.14",
    "kfp-api": "2.0",
    "kfp-db": "latest",
    "kfp-persistence": "2.0",
    "kfp-profile-controller": "2.0",
    "kfp-schedwf": "2.0",
    "kfp-ui": "2.0",
    "kfp-viewer": "2.0",
    "kfp-viz": "2.0",
    "kubeflow-dashboard": "1.6",
    "kubeflow-profiles": "1.6",
    "kubeflow-roles": "1.6",
    "kubeflow-volumes": "1.6",
    "metacontroller-operator": "2.0",
    "minio": "ckf-1.6",
    "oidc-gatekeeper": "ckf-1.6",
    "seldon-controller-manager": "1.14",
    "tensorboard-controller": "1.6",
    "tensorboards-web-app": "1.6",
    "training-operator": "1.5",
}

# The final guide's channel for each charm ("Upgrade charms"), plus Istio and the new charms.
CHANNELS_1_7 = {
    "admission-webhook": "1.7/stable",
    "argo-controller": "3.3/stable",
    "argo-server": "3.3/stable",
    "dex-auth": "2.31/stable",
    "jupyter-controller": "1.7/stable",
    "jupyter-ui": "1.7/stable",
    "katib-controller": "0.15/stable",
    "katib-db": "latest/stable",
    "katib-db-manager": "0.15/stable",
    "katib-ui": "0.15/stable",
    "kfp-api": "2.0/stable",
    "kfp-db": "latest/stable",
    "kfp-persistence": "2.0/stable",
    "kfp-profile-controller": "2.0/stable",
    "kfp-schedwf": "2.0/stable",
    "kfp-ui": "2.0/stable",
    "kfp-viewer": "2.0/stable",
    "kfp-viz": "2.0/stable",
    "kubeflow-dashboard": "1.7/stable",
    "kubeflow-profiles": "1.7/stable",
    "kubeflow-roles": "1.7/stable",
    "kubeflow-volumes": "1.7/stable",
    "metacontroller-operator": "2.0/stable",
    "minio": "ckf-1.7/stable",
    "oidc-gatekeeper": "ckf-1.7/stable",
    "seldon-controller-manager": "1.15/stable",
    "tensorboard-controller": "1.7/stable",
    "tensorboards-web-app": "1.7/stable",
    "training-operator": "1.6/stable",
    "istio-pilot": "1.16/stable",
    "istio-ingressgateway": "1.16/stable",
    "knative-operator": "1.8/stable",
    "knative-serving": "1.8/stable",
    "knative-eventing": "1.8/stable",
    "kserve-controller": "0.10/stable",
}

# kubeflow-dashboard's track names the CKF release from 1.6 to 1.10 (the bundles' own tracks).
DASHBOARD_RELEASE = {"1.4": "1.4", "1.6": "1.6", "1.7": "1.7", "1.8": "1.8", "1.9": "1.9", "1.10": "1.10"}


def _track(channel: str) -> str:
    return channel.split("/")[0] if "/" in channel else ""


def release_of(state: ClusterState) -> str:
    """The CKF release the model runs, from kubeflow-dashboard's track ("" when unknown)."""
    dashboard = state.app("kubeflow-dashboard")
    if dashboard is None:
        return ""
    track = _track(dashboard.channel)
    pilot = state.app("istio-pilot")
    if track == "1.10" and (pilot is None or _track(pilot.channel) == "1.28"):
        return "1.11"  # the 1.11 bundle keeps the dashboard on 1.10; its Istio is 1.28 (or ambient)
    if track in DASHBOARD_RELEASE:
        return DASHBOARD_RELEASE[track]
    return "1.11" if track == "2.0" else ""


def next_step_for(release: str) -> str:
    """The supported way forward from `release`: the next version's runbook or guide only."""
    if release == "1.6":
        return "cairn run ckf-1.6-to-1.7  # the 1.6 -> 1.7 upgrade, then each next version's guide"
    if release in ("1.7", "1.8", "1.9"):
        following = f"1.{int(release.split('.')[1]) + 1}"
        return (
            f"upgrade to CKF {following} first, following its guide ({UPGRADE_GUIDES}); one version at a time"
        )
    if release == "1.4":
        return "upgrade to CKF 1.6 first (the 1.4 -> 1.6 guide of bundle-kubeflow); one version at a time"
    return f"find the upgrade guide for the next version of your release at {UPGRADE_GUIDES}"


def ckf16_version(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    model = model_name(params, state)
    if not state.apps:
        return fail("the model has no applications: this is not a CKF deployment", f"juju status -m {model}")
    if state.app("istio-pilot") is None or state.app("kubeflow-dashboard") is None:
        return fail(
            "istio-pilot or kubeflow-dashboard is not deployed: this does not look like CKF 1.6",
            f"check the model: juju status -m {model}  # or pass the right one with --set model=NAME",
        )
    release = release_of(state)
    if release and release not in ("1.6", "1.7"):
        older = tuple(map(int, release.split("."))) < (1, 6)
        return fail(
            f"this model runs CKF {release}, not 1.6: this runbook upgrades 1.6 to 1.7 only",
            next_step_for(release) if older else f"this runbook does not apply; {next_step_for(release)}",
        )
    other = []
    on_17 = []
    for name, app in state.apps.items():
        old = BUNDLE_1_6.get(name)
        track = _track(app.channel)
        if old is None or not track:
            continue  # not a 1.6 bundle app, or no channel shown
        if track == old:
            continue
        if _track(CHANNELS_1_7.get(name, "")) == track:
            on_17.append(name)
        else:
            other.append(f"{name} is on {app.channel}; CKF 1.6 has {old}/stable")
    if other:
        return fail(
            f"not CKF 1.6: {len(other)} application(s) on other channels",
            "bring them back to their CKF 1.6 channel, or follow the guide for the release they belong to "
            f"({UPGRADE_GUIDES}); never jump a charm across releases",
            other,
        )
    if on_17:
        return warn(
            f"{len(on_17)} application(s) already on their 1.7 channel: the upgrade has started",
            "go on: the runbook offers the steps its checks find done as already done",
            sorted(on_17),
        )
    return ok(f"CKF 1.6 (istio-pilot {state.app('istio-pilot').channel})")  # type: ignore[union-attr]
