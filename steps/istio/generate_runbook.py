"""The `istio-ambient` runbook's generators: the analysis and everything made from it.

The analysis reads what the session itself recorded: every `snapshot-*` step runs the same
`kubectl get … -A -o json` reads (the whole Istio configuration, and the workloads), and the
generators parse the outputs of the latest complete snapshot from `commands/NNN.out`. So the
files Cairn applies follow from exactly what the record shows, on the sandbox and on a live
cluster alike.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

from ..runbook.generators.context import GenContext, Generated
from ..runbook.model import BenignRule, Command

# The configuration as it was before the migration: the waypoints, policies, order and deletions
# all come from it (a later read would hold Cairn's own copies and copy them again).
DEFAULT_SNAPSHOT = "snapshot-config"
INJECTION_LABELS = ("istio-injection", "istio.io/rev")
KIND_PLURALS = {
    "AuthorizationPolicy": "authorizationpolicies.security.istio.io",
    "PeerAuthentication": "peerauthentications.security.istio.io",
    "RequestAuthentication": "requestauthentications.security.istio.io",
    "Sidecar": "sidecars.networking.istio.io",
    "VirtualService": "virtualservices.networking.istio.io",
    "DestinationRule": "destinationrules.networking.istio.io",
    "EnvoyFilter": "envoyfilters.networking.istio.io",
    "WasmPlugin": "wasmplugins.extensions.istio.io",
    "Telemetry": "telemetries.telemetry.istio.io",
}


def snapshot_texts(session_dir: Path, step_id: str) -> list[tuple[str, str]]:
    """(command, output) of the latest run of the snapshot step `step_id`, when its reads all
    succeeded; [] otherwise."""
    journal = Path(session_dir) / "journal.jsonl"
    try:
        lines = journal.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    shown: dict[int, str] = {}
    done: dict[int, tuple[int, bool]] = {}
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line
        if event.get("step_id") != step_id:
            continue
        kind = event.get("type")
        if kind == "step.started":
            done = {}  # a re-run replaces the earlier reads
        elif kind == "command.started":
            shown[int(event["number"])] = str(event.get("display", ""))
        elif kind == "command.finished":
            done[int(event["index"])] = (int(event["number"]), bool(event.get("ok")))
    if not done or not all(ok for _, ok in done.values()):
        return []
    out = []
    for index in sorted(done):
        number = done[index][0]
        path = Path(session_dir) / "commands" / f"{number:03d}.out"
        if path.exists():
            out.append((shown.get(number, path.name), path.read_text(encoding="utf-8", errors="replace")))
    return out


def _json_only(text: str) -> str:
    """kubectl's output file holds stderr too: keep the JSON document (from its first brace)."""
    start = text.find("{")
    return text[start:] if start >= 0 else ""


def analysis(ctx: GenContext) -> Any:
    from .analyze import analyze
    from .state import IstioState

    step_id = ctx.args.get("snapshot", DEFAULT_SNAPSHOT)
    texts = [(where, _json_only(text)) for where, text in snapshot_texts(ctx.session_dir, step_id)]
    texts = [(w, t) for w, t in texts if t.strip()]
    if not texts:
        raise ValueError(f"no complete snapshot from step {step_id} in this session (run it first)")
    state = IstioState.from_texts(texts)
    namespaces = _namespaces(ctx)
    return analyze(state, namespaces or None)


def _namespaces(ctx: GenContext) -> list[str]:
    value = ctx.params.get("namespaces") or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return [str(v) for v in value if str(v)]


def _findings(a: Any, phase: str, severity: str = "blocker") -> list[Any]:
    return [f for f in a.findings if f.phase == phase and f.severity == severity]


def _blocker_text(found: list[Any]) -> str:
    parts = []
    for f in found:
        fix = f" (fix: {f.command})" if getattr(f, "command", "") else ""
        parts.append(f"{f.code} {f.subject}: {f.message}{fix}")
    return "; ".join(parts)


def _record(a: Any, phase: str) -> list[dict[str, str]]:
    return [
        {"code": f.code, "severity": f.severity, "subject": f.subject, "message": f.message}
        for f in a.findings
        if f.phase == phase
    ]


def prereqs(ctx: GenContext) -> Generated:
    """Stops the run on the pre-reqs blockers only (the cluster-setup ones are that phase's job)."""
    a = analysis(ctx)
    blockers = _findings(a, "pre-reqs")
    if blockers:
        raise ValueError(
            f"{len(blockers)} pre-reqs blocker(s): {_blocker_text(blockers)}. Fix them, then start a new "
            "run (this step analyses the configuration this session saved)"
        )
    return Generated(commands=(), record=_record(a, "pre-reqs"))


def cluster_setup_recheck(ctx: GenContext) -> Generated:
    a = analysis(ctx)
    blockers = _findings(a, "cluster-setup")
    if blockers:
        raise ValueError(f"cluster-setup blocker(s) remain: {_blocker_text(blockers)}")
    return Generated(commands=(), record=_record(a, "cluster-setup"))


def analysis_json(ctx: GenContext) -> str:
    return json.dumps(analysis(ctx).to_json(), indent=2, sort_keys=True) + "\n"


def waypoints_yaml(ctx: GenContext) -> str:
    from .analyze import render_waypoints_yaml

    return render_waypoints_yaml(analysis(ctx)) or "# no waypoint needed\n"


def policies_yaml(ctx: GenContext) -> str:
    from .analyze import render_policies_yaml

    return render_policies_yaml(analysis(ctx)) or "# no policy to add\n"


def _argv(command: str) -> tuple[str, ...]:
    return tuple(shlex.split(command))


def wait_waypoints(ctx: GenContext) -> Generated:
    a = analysis(ctx)
    cmds = []
    for wp in a.waypoints:
        meta = wp["metadata"]
        cmds.append(
            (
                "kubectl",
                "wait",
                "--for=condition=Programmed",
                f"gateway/{meta['name']}",
                "-n",
                meta["namespace"],
                "--timeout=300s",
            )
        )
    return Generated(commands=tuple(cmds), record=[list(c) for c in cmds])


def use_waypoints(ctx: GenContext) -> Generated:
    """Label namespaces/Services to use their waypoint (and ingress-use-waypoint where ingress
    would bypass it), then wait until every generated targetRefs policy is WaypointAccepted."""
    a = analysis(ctx)
    cmds: list[tuple[str, ...]] = [_argv(c) for c in a.commands.get("use_waypoint", [])]
    cmds += [_argv(c) for c in a.commands.get("ingress", [])]
    for pol in a.policies:
        if pol.get("kind") == "AuthorizationPolicy" and (pol.get("spec") or {}).get("targetRefs"):
            meta = pol["metadata"]
            cmds.append(
                (
                    "kubectl",
                    "wait",
                    "--for=condition=WaypointAccepted",
                    f"authorizationpolicies.security.istio.io/{meta['name']}",
                    "-n",
                    meta["namespace"],
                    "--timeout=120s",
                )
            )
    return Generated(commands=tuple(cmds), record=[list(c) for c in cmds])


def remove_sidecars(ctx: GenContext) -> Generated:
    """Namespace by namespace in the generated order (callers first): ambient label on, injection
    labels off, every workload restarted and rolled out. A namespace not selected is left alone."""
    a = analysis(ctx)
    wanted = set(_namespaces(ctx))
    order = [ns for ns in a.order if not wanted or ns in wanted]
    cmds: list[Command] = []
    for ns in order:
        cmds.append(
            Command(
                argv=(
                    "kubectl",
                    "label",
                    "namespace",
                    ns,
                    "istio.io/dataplane-mode=ambient",
                    "istio-injection-",
                    "istio.io/rev-",
                    "--overwrite",
                )
            )
        )
        for kind in ("deployment", "statefulset", "daemonset"):
            cmds.append(
                Command(
                    argv=("kubectl", "rollout", "restart", kind, "-n", ns),
                    benign=(
                        BenignRule(
                            pattern="no objects passed to restart|No resources found",
                            why="the namespace has no workloads of that kind",
                        ),
                    ),
                )
            )
        cmds.append(
            Command(
                argv=("kubectl", "rollout", "status", "deployment", "-n", ns, "--timeout=300s"),
                benign=(BenignRule(pattern="No resources found", why="no Deployment here"),),
            )
        )
        cmds.append(
            Command(
                argv=(
                    "kubectl",
                    "wait",
                    "--for=delete",
                    "pod",
                    "-n",
                    ns,
                    "-l",
                    "security.istio.io/tlsMode=istio",
                    "--timeout=300s",
                ),
                benign=(BenignRule(pattern="no matching resources found", why="no sidecar pod is left"),),
            )
        )
        cmds += probe_commands(ctx.params)  # after each namespace: nothing may change
    return Generated(commands=tuple(cmds), record={"order": order})


def probe_commands(params) -> list[Command]:
    """`probes` items `NS/DEPLOYMENT=URL=CODE`: curl from that workload must get CODE (000: a reset;
    `deny`: 403 or a reset)."""
    items = params.get("probes") or []
    if isinstance(items, str):
        items = [i for i in items.split(",") if i]
    cmds = []
    for item in items:
        source, url, code = str(item).split("=", 2)
        ns, _, deploy = source.partition("/")
        argv = (
            "kubectl", "exec", f"deploy/{deploy}", "-n", ns, "--", "curl", "-s", "-o", "/dev/null",
            "-w", "%{{http_code}}", url,
        )  # fmt: skip
        # A denial is a 403 from a sidecar or waypoint, or a reset (000, curl exit 56) from ztunnel:
        # which one depends on where the namespace is in the migration, so `deny` accepts both.
        expect = "^(403|000)" if code == "deny" else f"^{code}"
        benign = (
            (BenignRule(pattern="^000", why="a reset by ztunnel is the expected denial"),)
            if code in ("000", "deny")
            else ()
        )
        cmds.append(Command(argv=argv, expect=(expect,), benign=benign))
    return cmds


def traffic_probes(ctx: GenContext) -> Generated:
    cmds = probe_commands(ctx.params)
    return Generated(commands=tuple(cmds), record=[" ".join(c.argv) for c in cmds])


def simplify_policies(ctx: GenContext) -> Generated:
    """Delete the originals the waypoints now enforce, and the Sidecar objects, last."""
    a = analysis(ctx)
    cmds = []
    for d in a.deletions:
        plural = KIND_PLURALS.get(d["kind"], d["kind"].lower())
        cmds.append(
            Command(
                argv=("kubectl", "delete", plural, "-n", d["namespace"], d["name"]),
                benign=(BenignRule(pattern="NotFound", why="already deleted"),),
            )
        )
    return Generated(commands=tuple(cmds), record=list(a.deletions))


# The generators this module offers, by the name a runbook uses (see generators/__init__.py).
GENERATORS = {
    "istio-prereqs": prereqs,
    "istio-cluster-setup-recheck": cluster_setup_recheck,
    "istio-analysis-json": analysis_json,
    "istio-waypoints-yaml": waypoints_yaml,
    "istio-policies-yaml": policies_yaml,
    "istio-wait-waypoints": wait_waypoints,
    "istio-use-waypoints": use_waypoints,
    "istio-remove-sidecars": remove_sidecars,
    "istio-traffic-probes": traffic_probes,
    "istio-simplify-policies": simplify_policies,
}
