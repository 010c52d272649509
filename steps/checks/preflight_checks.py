"""Pre-flight checks: is this cluster and model ready for the ambient migration?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from . import ckf, ckf16
from .ckf16 import next_step_for
from .context import model_name, user_namespaces
from .platform import platform_guess
from .result import CheckResult, fail, ok, warn
from .versions import shown, version_tuple

Params = Mapping[str, Any]

MIN_JUJU = (3, 6, 0)
MIN_KUBERNETES = (1, 32, 0)
MAX_KUBERNETES_TESTED = (1, 34)  # CKF 1.11's supported versions list ends here


def tools_present(state: ClusterState, params: Params) -> CheckResult:
    if not state.tools and state.source.startswith("files:"):
        return warn(
            "not known: the saved files hold no `juju version` or `kubectl version` output",
            "save `juju version` and `kubectl version -o json` output beside the others",
        )
    missing = [tool for tool in ("juju", "kubectl") if tool not in state.tools]
    if missing:
        fixes = {
            "juju": "sudo snap install juju --channel 3.6/stable",
            "kubectl": "sudo snap install kubectl --classic",
        }
        return fail(
            f"not found: {', '.join(missing)}",
            "\n".join(fixes[t] for t in missing) + "\n(or put them on PATH, then run the check again)",
        )
    found = ", ".join(
        f"{tool} {version or '(version unknown)'}" for tool, version in sorted(state.tools.items())
    )
    return ok(found)


def juju_version(state: ClusterState, params: Params) -> CheckResult:
    client = version_tuple(state.juju_version)
    agent = version_tuple(state.model.version) if state.model else None
    if client is None and agent is None:
        return warn(
            "could not read the Juju version (no `juju version` output and no model read)",
            f"juju version\njuju status -m {model_name(params, state)}",
        )
    model = model_name(params, state)
    problems, fixes = [], []
    if client is not None and client < MIN_JUJU:
        problems.append(f"the juju client is {shown(client)}")
        fixes.append("sudo snap refresh juju --channel 3.6/stable")
    if agent is not None and agent < MIN_JUJU:
        problems.append(f"model {model} runs Juju {shown(agent)}")
        # Juju 3 moves between minor versions by migration, not in place.
        fixes += [
            "juju bootstrap <cloud> <new-3.6-controller>  # with the 3.6 client",
            f"juju migrate {model} <new-3.6-controller>",
            f"juju upgrade-model -m <new-3.6-controller>:{model}",
        ]
    if problems:
        return fail(f"{'; '.join(problems)}; CKF 1.11 needs Juju 3.6", "\n".join(fixes))
    parts = [f"client {shown(client)}" if client else "", f"model {shown(agent)}" if agent else ""]
    return ok(", ".join(p for p in parts if p))


def kubernetes_version(state: ClusterState, params: Params) -> CheckResult:
    version = version_tuple(state.kubernetes_version)
    if version is None:
        return warn("could not read the Kubernetes server version", "kubectl version -o json")
    if version < MIN_KUBERNETES:
        platform = str(params.get("platform") or "")
        how = {
            "microk8s": "sudo snap refresh microk8s --channel 1.32/stable",
            "canonical-k8s": "sudo snap refresh k8s --channel 1.32-classic/stable",
        }.get(platform, "upgrade the cluster to Kubernetes 1.32 or newer")
        how += "  # one minor version at a time"
        return fail(f"the cluster runs {state.kubernetes_version}; CKF 1.11 needs 1.32 or newer", how)
    if version[:2] > MAX_KUBERNETES_TESTED:
        return warn(
            f"the cluster runs {state.kubernetes_version}; CKF 1.11 is tested on 1.32 to 1.34",
            "go on only if you accept an untested Kubernetes version",
        )
    return ok(state.kubernetes_version)


def model_exists(state: ClusterState, params: Params) -> CheckResult:
    wanted = str(params.get("model") or "kubeflow")
    bare = wanted.rpartition(":")[2].rpartition("/")[2]
    if state.model is None:
        why = next((e for e in state.errors if e.startswith(("juju", "`juju status"))), "")
        return fail(
            f"no Juju model was read{': ' + why if why else ''}",
            f"juju status -m {wanted}\njuju models  # then pass the right one: --set model=NAME",
        )
    if state.model.name != bare:
        return fail(
            f"read model {state.model.name}, not {bare}",
            f"--set model={state.model.name}  # or switch: juju switch {wanted}",
        )
    return ok(
        f"{state.model.name} on {state.model.controller or 'its controller'} ({len(state.apps)} applications)"
    )


def _track(channel: str) -> str:
    return channel.split("/")[0] if "/" in channel else ""


def ckf_version(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    if not state.apps:
        return fail("the model has no applications: this is not a CKF deployment", f"juju status -m {model}")
    pilot, istio = state.app("istio-pilot"), state.app(ckf.ISTIO)
    if pilot is None and istio is None:
        return fail(
            "neither istio-pilot nor istio-k8s is deployed: this does not look like CKF 1.11",
            f"check the model: juju status -m {model}  # or pass the right one with --set model=NAME",
        )
    wrong: list[str] = []
    fixes: list[str] = []
    for name, app in state.apps.items():
        expected = ckf.BUNDLE_1_11.get(name)
        track = _track(app.channel)
        if expected is None or not track:
            continue  # not a bundle app, or no channel shown (local charm, status error)
        if track not in (expected, ckf.AMBIENT_TRACKS.get(name)):
            wrong.append(f"{name} is on {app.channel}; CKF 1.11 has {expected}/stable")
            fixes.append(f"juju refresh -m {model} {name} --channel {expected}/stable")
    release = ckf16.release_of(state)
    if wrong and release and tuple(map(int, release.split("."))) < (1, 10):
        # Refreshing straight to the 1.11 channels skips every intermediate upgrade: the only
        # supported way forward is the next version's runbook or guide.
        return fail(
            f"not CKF 1.11: this model runs CKF {release} ({len(wrong)} application(s) on other channels)",
            next_step_for(release),
            wrong,
        )
    if wrong:
        header = f"upgrade to 1.11 first, following Upgrade from 1.10 to 1.11: {ckf.GUIDE_UPGRADE}"
        notes = []
        if pilot is not None and _track(pilot.channel) != "1.28":
            notes.append(
                "refresh istio-pilot one minor version at a time up to 1.28/stable, waiting for active"
            )
        if any(w.startswith(ckf.KATIB_APPS) and "0.18" in w for w in wrong):
            notes.append("Katib goes to 0.19/stable: the guide's 0.18 is a known error")
        return fail(
            f"not CKF 1.11: {len(wrong)} application(s) on other channels",
            "\n".join([header, *(f"# {n}" for n in notes), *fixes]),
            wrong,
        )
    if pilot is None:
        return warn(
            "istio-pilot is gone and istio-k8s is deployed: the migration has started (or is done)",
            "go on: the runbook offers the steps its checks find done as already done",
        )
    return ok(f"CKF 1.11 with sidecar Istio (istio-pilot {pilot.channel})")


def apps_active(state: ClusterState, params: Params) -> CheckResult:
    model = model_name(params, state)
    if state.model is None:
        return fail("no Juju status was read", f"juju status -m {model}")
    if not state.apps:
        return fail(f"model {state.model.name} has no applications", f"juju status -m {model}")
    apps: list[str] = []
    bad: list[str] = []  # one line per app or unit, with its status and message
    fixes: list[str] = []
    for name, app in state.apps.items():
        units = [u for u in app.units if u.workload.current != "active"]
        if app.status.current == "active" and not units:
            continue
        apps.append(name)
        if app.status.current != "active":
            message = f" ({app.status.message})" if app.status.message else ""
            bad.append(f"{name}: {app.status.current}{message}")
        for unit in units:
            message = f" ({unit.workload.message})" if unit.workload.message else ""
            bad.append(f"{unit.name}: {unit.workload.current}{message}")
            if unit.workload.current == "error":
                fixes.append(f"juju resolved -m {model} {unit.name}")
        fixes.append(f"juju debug-log -m {model} --replay --no-tail --include {name}")
    if apps:
        return fail(
            f"{len(apps)} of {len(state.apps)} applications not active: {', '.join(apps)}",
            "\n".join([f"juju status -m {model} --relations", *fixes]),
            bad,
        )
    return ok(f"all {len(state.apps)} applications active")


def platform_matches(state: ClusterState, params: Params) -> CheckResult:
    chosen = str(params.get("platform") or "")
    guess = platform_guess(state)
    why = "; ".join(guess.evidence)
    if not guess.name:
        return warn(
            f"could not tell the platform from the cluster{' (' + why + ')' if why else ''}; "
            f"make sure --platform {chosen or '?'} is right",
            "kubectl get nodes --show-labels",
        )
    if not chosen:
        return fail(
            f"no platform chosen; the cluster looks like {guess.name} ({why})", f"--platform {guess.name}"
        )
    if chosen == "none" and guess.name in ("eks", "aks", "kubeadm"):
        return ok(f'none: platform="" as for {guess.name} ({why})')
    if chosen != guess.name:
        return fail(
            f"the cluster looks like {guess.name} ({why}), not {chosen}",
            f"run again with --platform {guess.name}",
        )
    return ok(f"{guess.name} ({why})")


def _deployment_mode(state: ClusterState, raw: Mapping[str, Any]) -> str:
    annotations = (raw.get("metadata") or {}).get("annotations") or {}
    mode = annotations.get("serving.kserve.io/deploymentMode") or (raw.get("status") or {}).get(
        "deploymentMode"
    )
    if not mode:
        kserve = state.app(ckf.KSERVE)
        mode = (kserve.config.get("deployment-mode") if kserve else None) or "serverless"  # the 1.11 bundle's
    return str(mode).lower()


def serverless_inferenceservices(state: ClusterState, params: Params) -> CheckResult:
    found = [
        f"{isvc.namespace}/{isvc.name}"
        for isvc in state.objects_of("InferenceService")
        if _deployment_mode(state, isvc.raw) == "serverless"
    ]
    if found:
        return warn(
            f"{len(found)} serverless InferenceService(s) stop serving when Knative goes: {', '.join(found)}",
            "save each one (kubectl get inferenceservice -n NS NAME -o yaml > NAME.yaml); after the "
            "migration re-create it with the annotation serving.kserve.io/deploymentMode: RawDeployment",
            found,
        )
    return ok(f"none serverless ({len(state.objects_of('InferenceService'))} InferenceService(s) read)")


def _active_workflows(state: ClusterState) -> list[str]:
    found = []
    for wf in state.objects_of("Workflow"):
        status = wf.raw.get("status") or {}
        if status.get("phase", "") in ("", "Pending", "Running") and not status.get("finishedAt"):
            found.append(f"{wf.namespace}/{wf.name}")
    for pod in state.pods:
        workflow = pod.labels.get("workflows.argoproj.io/workflow")
        if workflow and pod.phase in ("Pending", "Running") and f"{pod.namespace}/{workflow}" not in found:
            found.append(f"{pod.namespace}/{workflow}")
    return sorted(found)


def running_pipelines(state: ClusterState, params: Params) -> CheckResult:
    running = _active_workflows(state)
    if running:
        return warn(
            f"{len(running)} pipeline run(s) in progress: {', '.join(running)}",
            "let them finish or terminate them in the Kubeflow Pipelines UI, and disable recurring runs, "
            "before the migration restarts the pipeline services",
            running,
        )
    return ok("no pipeline run in progress")


def running_notebooks(state: ClusterState, params: Params) -> CheckResult:
    found = {
        f"{nb.namespace}/{nb.name}"
        for nb in state.objects_of("Notebook")
        if "kubeflow-resource-stopped" not in ((nb.raw.get("metadata") or {}).get("annotations") or {})
    }
    found.update(
        f"{p.namespace}/{p.labels['notebook-name']}"
        for p in state.pods
        if "notebook-name" in p.labels and p.phase == "Running"
    )
    if found:
        names = sorted(found)
        return warn(
            f"{len(names)} notebook(s) running, to be restarted without sidecars: {', '.join(names)}",
            "ask their owners to save their work, or stop them from the Notebooks UI before you start",
            names,
        )
    return ok("no notebook running")


def user_namespaces_check(state: ClusterState, params: Params) -> CheckResult:
    discovered = user_namespaces(state, {})
    given = user_namespaces(state, params) if params.get("user_namespaces") else []
    if given:
        unknown = [ns for ns in given if ns not in state.namespaces]
        if unknown and state.namespaces:
            return fail(
                f"user namespace(s) not in the cluster: {', '.join(unknown)}",
                f"--set user_namespaces={','.join(discovered) or 'NS1,NS2'}",
            )
        left_out = [ns for ns in discovered if ns not in given]
        if left_out:
            return warn(
                f"found but not in user_namespaces: {', '.join(left_out)} (their sidecars would stay)",
                f"--set user_namespaces={','.join(sorted(set(given) | set(left_out)))}",
            )
        return ok(f"{len(given)} user namespace(s): {', '.join(given)}")
    if not discovered:
        return warn(
            "no user namespace found (no Profile; no namespace labelled "
            "app.kubernetes.io/part-of=kubeflow-profile)",
            "kubectl get profiles.kubeflow.org  # then --set user_namespaces=NS1,NS2 if there are some",
        )
    return ok(f"{len(discovered)} user namespace(s): {', '.join(discovered)}", discovered)
