"""kubectl commands that watch or reach into workloads: rollout, wait, exec, logs."""

from __future__ import annotations

from . import jsonpath, kinds, kube, pods, podshell, shown, workloads
from .kubectl_common import (
    ROLLABLE,
    Ctx,
    KubectlError,
    Obj,
    duration,
    namespace_of,
    not_found,
    parse_args,
    resolve_targets,
    subcommand,
    visible,
)
from .kubectl_edit import cilium_restarted
from .selectors import label_matcher
from .state import State, delay, load, now, sleep, transaction


def cmd_rollout(ctx: Ctx, argv: list[str]) -> int:
    if not argv:
        raise KubectlError("error: Required resource not specified.")
    action, rest = subcommand(argv)
    if action == "restart":
        return _rollout_restart(ctx, rest)
    if action == "status":
        return _rollout_status(ctx, rest)
    if action in ("history", "undo", "pause", "resume"):
        raise KubectlError(f"error: rollout {action} is not supported in the rehearsal sandbox")
    raise KubectlError(f'error: unknown command "{action}" for "kubectl rollout"')


def _rollout_targets(
    state: State, args: list[str], ns: str, t: float, selector
) -> list[tuple[kinds.Kind, Obj]]:
    out = []
    for kind, names in resolve_targets(state, args):
        if kind.kind not in ROLLABLE:
            raise KubectlError(
                f'error: no rollout restart for kind "{kind.kind}"'
                if kind.kind != "Pod"
                else "error: pods are not rollable"
            )
        if names:
            for name in names:
                obj = kube.get(state, kind.kind, ns, name, t)
                if obj is None:
                    raise KubectlError(not_found(kind, name))
                out.append((kind, obj))
        else:
            out += [
                (kind, o)
                for o in visible(state, kind, t, ns)
                if selector(kube.labels_of(o)) and not kube.terminating(o, t)
            ]
    return out


def _rollout_restart(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    with transaction(ctx.dir) as state:
        t = now()
        ns = namespace_of(p)
        targets = _rollout_targets(state, p.args, ns, t, label_matcher(p.get("selector")))
        if not targets:
            ctx.err.append(f"No resources found in {ns} namespace.\n")
            return 0
        lines = []
        for kind, obj in targets:
            meta = obj["spec"]["template"].setdefault("metadata", {})
            meta.setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = kube.iso(t)
            obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
            pods.roll_pods(state, obj, t, delay(state, 5))
            cilium_restarted(state, obj)
            lines.append(f"{kind.qualified}/{obj['metadata']['name']} restarted")
        workloads.after_change(state, t, ctx.dir)
    ctx.out.append("\n".join(lines) + "\n")
    return 0


def _rollout_done(state: State, obj: Obj, t: float) -> tuple[bool, str]:
    r = shown.render(state, obj, t)
    st = r["status"]
    name = obj["metadata"]["name"]
    if obj["kind"] == "Deployment":
        want = obj["spec"].get("replicas", 1)
        updated, available = st.get("updatedReplicas", 0), st.get("availableReplicas", 0)
        total = st.get("replicas", 0)
        if updated < want:
            return False, (
                f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new '
                "replicas have been updated..."
            )
        if total > updated:
            return False, (
                f'Waiting for deployment "{name}" rollout to finish: {total - updated} old replicas '
                "are pending termination..."
            )
        if available < updated:
            return False, (
                f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated '
                "replicas are available..."
            )
        return True, f'deployment "{name}" successfully rolled out'
    if obj["kind"] == "DaemonSet":
        want = st.get("desiredNumberScheduled", 1)
        updated, available = st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0)
        if updated < want:
            return False, (
                f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {want} new pods '
                "have been updated..."
            )
        if available < want:
            return False, (
                f'Waiting for daemon set "{name}" rollout to finish: {available} of {want} updated pods '
                "are available..."
            )
        return True, f'daemon set "{name}" successfully rolled out'
    want = obj["spec"].get("replicas", 1)
    ready = st.get("readyReplicas", 0)
    if ready < want:
        return False, f"Waiting for {want - ready} pods to be ready..."
    return (
        True,
        f"statefulset rolling update complete {want} pods at revision {st.get('updateRevision', name)}...",
    )


def _rollout_status(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    timeout = duration(p.get("timeout"), 0.0)
    deadline = now() + timeout if timeout else None
    last = ""
    ns = namespace_of(p)
    while True:
        state = load(ctx.dir)
        t = now()
        targets = _rollout_targets(state, p.args, ns, t, label_matcher(p.get("selector")))
        if not targets:
            raise KubectlError(f"No resources found in {ns} namespace.")
        kind, obj = targets[0]
        done, message = _rollout_done(state, obj, t)
        if message != last:
            ctx.out.append(message + "\n")
            last = message
        if done:
            return 0
        if p.get("watchflag") == "false":
            return 0
        if deadline and now() > deadline:
            raise KubectlError("error: timed out waiting for the condition")
        sleep(0.1)


def cmd_wait(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    cond = p.get("for")
    if not cond:
        raise KubectlError("error: --for must be specified")
    timeout = duration(p.get("timeout"), 30.0)
    deadline = now() + timeout
    ns = namespace_of(p)
    while True:
        state = load(ctx.dir)
        t = now()
        pending = []
        met = []
        for kind, names in resolve_targets(state, p.args):
            objs = (
                [kube.get(state, kinds.store_key(kind), ns if kind.namespaced else None, n, t) for n in names]
                if names
                else [
                    o
                    for o in visible(state, kind, t, ns)
                    if p.get("all") or label_matcher(p.get("selector"))(kube.labels_of(o))
                ]
            )
            if names and cond != "delete":
                for n, o in zip(names, objs, strict=True):
                    if o is None:
                        raise KubectlError(not_found(kind, n))
            shown = names or [o["metadata"]["name"] for o in objs if o is not None]
            for name, obj in zip(shown, objs, strict=False):
                label = f"{kind.qualified}/{name}"
                if _condition_met(state, obj, cond, t):
                    met.append(label)
                else:
                    pending.append(f"{kind.plural}/{name}")
        if not pending:
            ctx.out.append("".join(f"{m} condition met\n" for m in met))
            return 0
        if now() >= deadline:
            ctx.out.append("".join(f"{m} condition met\n" for m in met))
            raise KubectlError(f"error: timed out waiting for the condition on {pending[0]}")
        sleep(0.1)


def _condition_met(state: State, obj: Obj | None, cond: str, t: float) -> bool:
    if cond == "delete":
        return obj is None
    if obj is None:
        return False
    rendered = shown.render(state, obj, t)
    if cond.startswith("condition="):
        want = cond.split("=", 1)[1]
        ctype, _, value = want.partition("=")
        value = value or "True"
        for c in rendered.get("status", {}).get("conditions", []):
            if c["type"].lower() == ctype.lower():
                return str(c["status"]).lower() == value.lower()
        return False
    if cond.startswith("jsonpath="):
        expr = cond.split("=", 1)[1]
        path, _, value = expr.rpartition("=") if "}=" in expr else (expr, "", "")
        got = jsonpath.render(path.strip("'"), rendered)
        return got == value if value else bool(got)
    raise KubectlError(f'error: unrecognized condition: "{cond}"')


def cmd_exec(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    if not p.args:
        raise KubectlError(
            "error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\nPOD_NAME and COMMAND "
            "are required arguments for the exec command"
        )
    command = p.rest if p.rest is not None else p.args[1:]
    if not command:
        raise KubectlError("error: you must specify at least one command for the container")
    target = p.args[0]
    state = load(ctx.dir)
    t = now()
    ns = namespace_of(p)
    name = target.split("/", 1)[1] if target.startswith(("pod/", "pods/")) else target
    if target.startswith(("deploy/", "deployment/", "deployments/")):
        # kubectl picks a running pod of the Deployment.
        owned = pods.pods_of(state, "Deployment", ns, target.split("/", 1)[1], t)
        running = [q for q in owned if pods.pod_runtime(state, q, t)["status"] == "Running"]
        if not owned:
            raise KubectlError(
                f'Error from server (NotFound): deployments.apps "{target.split("/", 1)[1]}" not found'
            )
        name = (running or owned)[0]["metadata"]["name"]
    pod = kube.get(state, "Pod", ns, name, t)
    if pod is None:
        raise KubectlError(f'Error from server (NotFound): pods "{name}" not found')
    if p.get("tty"):
        ctx.err.append("Unable to use a TTY - input is not a terminal or the right kind of file\n")
    rt = pods.pod_runtime(state, pod, t)
    if rt["status"] != "Running":
        if rt["phase"] == "Pending":
            container = pod["spec"]["containers"][0]["name"]
            raise KubectlError(f'error: unable to upgrade connection: container not found ("{container}")')
    mounts = {}
    for path, claim in pods.claim_mounts(pod).items():
        pvc = kube.get(state, "PersistentVolumeClaim", ns, claim, t)
        pv = kube.get(state, "PersistentVolume", None, (pvc or {}).get("spec", {}).get("volumeName", ""), t)
        if pv is not None and pv.get("_", {}).get("dir"):
            mounts[path] = ctx.dir / pv["_"]["dir"]
    if command[0] == "curl" and "istio_upstream" in state:
        from . import curl_cli  # the request leaves from this pod: the traffic oracle decides

        rc, raw_out, raw_err = curl_cli.main(list(command), ctx.dir, {"CAIRN_CURL_FROM": f"{ns}/{name}"})
        out, err = raw_out.decode(), raw_err.decode()
    else:
        rc, out, err = podshell.execute(list(command), mounts, ctx.dir / "pods" / name / "tmp")
    ctx.out.append(out)
    ctx.err.append(err)
    if rc != 0:
        ctx.err.append(f"command terminated with exit code {rc}\n")
    return rc


def cmd_logs(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    state = load(ctx.dir)
    t = now()
    ns = namespace_of(p)
    if not p.args:
        raise KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
    name = p.args[0].split("/", 1)[-1]
    pod = kube.get(state, "Pod", ns, name, t)
    if pod is None:
        raise KubectlError(f'Error from server (NotFound): pods "{name}" not found')
    crash = pod.get("_", {}).get("crash")
    if crash:
        ctx.out.append(f"{kube.iso(t)}\terror\tinstall\t{crash}\n")
    return 0
