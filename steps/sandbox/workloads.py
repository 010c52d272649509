"""What the charms do to the cluster: the Kubernetes objects that follow from the Juju model.

`reconcile` runs after every change to the model and is idempotent: it creates what a charm would
have created, rolls pods whose template the charm changed (a refresh, the service-mesh labels),
and removes what a removed charm takes with it (istio-pilot's `istioctl uninstall --purge` takes
the Istio CRDs and every Istio object with them). Pods that no charm owns — the user namespaces'
pipelines pods and notebooks — are never restarted here: only `kubectl` does that, as in life.
"""

from __future__ import annotations

from pathlib import Path

from . import apps, istio, knative, kube, model, pods, profiles
from .kube import Obj
from .lifecycle import live
from .state import State


def reconcile(state: State, now: float, sandbox_dir: Path | None = None) -> None:
    if "istio_upstream" in state:  # no charms: upstream Istio's own controllers act instead
        from .istio_upstream import control

        control.reconcile(state, now)
        wipe_deleted_volumes(state, sandbox_dir)
        return
    for name, app in list(state.get("apps", {}).items()):
        if app.get("gone_at") is not None:
            if not app.get("retired"):
                apps.retire_app(state, name, app, now)
                app["retired"] = True
            continue
        apps.ensure_app(state, name, app, now, sandbox_dir)
    istio.sync_istio(state, now)
    istio.sync_beacon(state, now)
    istio.sync_ingress(state, now)
    knative.sync_knative(state, now)
    profiles.sync_profiles(state, now)
    apps.sync_secrets(state, now)
    wipe_deleted_volumes(state, sandbox_dir)


def after_change(state: State, now: float, sandbox_dir: Path | None) -> None:
    """Every write ends here: the charms act on the cluster, then what has gone is dropped.

    The order matters: a removed application's record must still be there when its charm's
    objects are retired (and when removing istio-pilot purges the Istio CRDs).
    """
    reconcile(state, now, sandbox_dir)
    model.collect_garbage(state, now)
    kube.collect_garbage(state, now)


def wipe_deleted_volumes(state: State, sandbox_dir: Path | None) -> None:

    pending = state.pop("pending_wipes", [])
    if sandbox_dir is None:
        state["pending_wipes"] = pending
        return
    if not any(pending):
        return
    import shutil  # here: every emulated command imports this module, few wipe a volume

    for rel in pending:
        if rel:
            shutil.rmtree(Path(sandbox_dir) / rel, ignore_errors=True)


def dynamic_status(state: State, obj: Obj, fn: str, now: float) -> Obj:
    if fn.startswith("istio-"):
        from .istio_upstream import control

        return control.status(state, obj, fn, now)
    if fn == "gateway":
        istiod = pods.injector(state, now)
        ok = istiod is not None
        status: Obj = {
            "conditions": [
                {
                    "type": "Accepted",
                    "status": "True" if ok else "Unknown",
                    "reason": "Accepted" if ok else "Pending",
                    "message": "Resource accepted" if ok else "Waiting for controller",
                },
                {
                    "type": "Programmed",
                    "status": "True" if ok else "Unknown",
                    "reason": "Programmed" if ok else "Pending",
                    "message": "Resource programmed, assigned to service(s)"
                    if ok
                    else "Waiting for controller",
                },
            ]
        }
        if obj["spec"].get("gatewayClassName") == "istio":
            ip = state["cluster"].get("lb_ips", {}).get(f"{obj['metadata']['name']}-istio")
            if ip:
                status["addresses"] = [{"type": "IPAddress", "value": ip}]
        else:
            svc = kube.get(state, "Service", obj["metadata"]["namespace"], obj["metadata"]["name"], now)
            if svc:
                status["addresses"] = [{"type": "IPAddress", "value": svc["spec"]["clusterIP"]}]
        return status
    if fn == "isvc":
        serverless = (
            obj["metadata"].get("annotations", {}).get("serving.kserve.io/deploymentMode", "Serverless")
            == "Serverless"
        )
        kserve = live(state, "kserve-controller", now)
        if serverless:
            ok = bool(kserve and live(state, "knative-serving", now) and live(state, "istio-pilot", now))
            reason = (
                None
                if ok
                else (
                    "RevisionMissing" if not live(state, "knative-serving", now) else "IngressNotConfigured"
                )
            )
        else:
            ok = bool(kserve)
            reason = None if ok else "ServingRuntimeMissing"
        name, ns = obj["metadata"]["name"], obj["metadata"]["namespace"]
        conds = []
        for ctype in (
            "IngressReady",
            "PredictorConfigurationReady",
            "PredictorReady",
            "PredictorRouteReady",
            "Ready",
        ):
            cond: Obj = {
                "type": ctype,
                "status": "True" if ok else "False",
                "lastTransitionTime": kube.iso(now),
            }
            if not ok:
                cond["reason"] = reason
                if ctype == "Ready":
                    cond["message"] = (
                        f'Revision "{name}-predictor-00001" not found'
                        if reason == "RevisionMissing"
                        else "Ingress has not been configured"
                    )
            conds.append(cond)
        status = {
            "conditions": conds,
            "modelStatus": {
                "states": {
                    "activeModelState": "Loaded" if ok else "",
                    "targetModelState": "Loaded" if ok else "Pending",
                },
                "transitionStatus": "UpToDate" if ok else "InProgress",
            },
        }
        if ok:
            status["url"] = f"http://{name}.{ns}.example.com"
            status["address"] = {"url": f"http://{name}-predictor.{ns}.svc.cluster.local"}
        return status
    return obj.get("status", {})
