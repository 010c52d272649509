"""`istioctl` against the sandbox: version, upgrade/install (profile and values), waypoint
apply/list/status/delete, ztunnel-config workloads/service, and analyze — with istioctl 1.26's
output (tabwriter padding 5 for the waypoint tables, as istioctl/pkg/waypoint/waypoint.go)."""

from __future__ import annotations

from pathlib import Path

from .. import kube, pods
from ..flags import UsageError, parse
from ..state import State, load, now, transaction
from ..workloads import after_change
from . import control

Result = tuple[int, str, str]

VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "--set": "set",
    "-f": "file",
    "--filename": "file",
    "--name": "name",
    "--for": "for",
    "-r": "revision",
    "--revision": "revision",
    "--context": "context",
    "-o": "output",
    "--output": "output",
    "--waypoint-timeout": "timeout",
    "--workload-namespace": "wns",
    "--service-namespace": "sns",
}
BOOL_FLAGS = {
    "-A": "all",
    "--all-namespaces": "all",
    "-y": "yes",
    "--skip-confirmation": "yes",
    "-w": "wait",
    "--wait": "wait",
    "--enroll-namespace": "enroll",
    "--overwrite": "overwrite",
    "--all": "delete_all",
    "--remote": "remote",
    "--short": "short",
}


def main(argv: list[str], sandbox_dir: Path, env: dict[str, str], stdin=None) -> Result:
    args = argv[1:]
    if not args:
        return 1, "", "Error: requires a command\n"
    try:
        if args[0] == "x":
            args = args[1:]
        sub, rest = args[0], args[1:]
        if sub == "version":
            return _version(load(sandbox_dir), parse(rest, VALUE_FLAGS, BOOL_FLAGS))
        if sub in ("upgrade", "install"):
            return _upgrade(sandbox_dir, parse(rest, VALUE_FLAGS, BOOL_FLAGS, multi=["set"]))
        if sub == "waypoint" and rest:
            return _waypoint(sandbox_dir, rest[0], parse(rest[1:], VALUE_FLAGS, BOOL_FLAGS))
        if sub in ("ztunnel-config", "zc") and rest:
            return _ztunnel_config(load(sandbox_dir), rest[0], parse(rest[1:], VALUE_FLAGS, BOOL_FLAGS))
        if sub == "analyze":
            return _analyze(load(sandbox_dir), parse(rest, VALUE_FLAGS, BOOL_FLAGS))
    except UsageError as exc:
        return 1, "", f"Error: {exc}\n"
    return 1, "", f'Error: unknown command "{args[0]}" for "istioctl"\nRun \'istioctl --help\' for usage.\n'


def _tab(rows: list[list[str]], padding: int) -> str:
    """Go's text/tabwriter with minwidth 0 and this padding (the last cell is not padded)."""
    widths = [
        max(len(r[i]) for r in rows if i < len(r) - 1) if any(i < len(r) - 1 for r in rows) else 0
        for i in range(max(len(r) for r in rows))
    ]
    out = []
    for r in rows:
        cells = [c.ljust(widths[i] + padding) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("".join(cells) + "\n")
    return "".join(out)


def _proxies(state: State, t: float) -> list[dict]:
    found = []
    for pod in kube.listing(state, "Pod", t):
        names = [c["name"] for c in pod["spec"].get("containers", [])]
        if "istio-proxy" in names and not kube.terminating(pod, t):
            found.append(pod)
    return found


def _version(state: State, p) -> Result:
    t = now()
    istiod = pods.injector(state, t)
    version = kube.private(istiod).get("istio_version", "") if istiod else ""
    client = control.mesh(state).get("version", "1.26.1")
    if p.get("remote") is False or istiod is None:
        return 0, f'client version: {client}\nno running Istio pods in "istio-system"\n', ""
    proxies = _proxies(state, t)
    by_version: dict[str, int] = {}
    for pod in proxies:
        img = next(c["image"] for c in pod["spec"]["containers"] if c["name"] == "istio-proxy")
        v = img.rsplit(":", 1)[-1]
        by_version[v] = by_version.get(v, 0) + 1
    plane = ", ".join(f"{v} ({n} proxies)" for v, n in sorted(by_version.items())) or "none"
    return 0, f"client version: {client}\ncontrol plane version: {version}\ndata plane version: {plane}\n", ""


def _set_values(p) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in p.get("set") or []:
        key, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"--set {item}: expected key=value")
        values[key.removeprefix("values.")] = value
    return values


def _upgrade(sandbox_dir: Path, p) -> Result:
    """`istioctl upgrade|install --set profile=ambient [--set values.global.platform=P] -y`."""
    values = _set_values(p)
    profile = values.pop("profile", "default")
    if not p.get("yes"):
        return (
            1,
            "",
            "Error: refusing to proceed without --skip-confirmation (-y) when not attached to a terminal\n",
        )
    with transaction(sandbox_dir) as state:
        t = now()
        version = control.mesh(state).get("version", "1.26.1")
        chart_values = {
            "profile": profile,
            **({"global.platform": values["global.platform"]} if "global.platform" in values else {}),
        }
        control.install_base(state, t)
        control.install_istiod(state, t, version, chart_values)
        components = ["✔ Istio core installed ⛵️", "✔ Istiod installed 🧠"]
        if profile == "ambient":
            control.install_cni(state, t, version, chart_values)
            control.install_ztunnel(state, t, version, chart_values)
            components += ["✔ CNI installed 🪢", "✔ Ztunnel installed 🔒"]
        after_change(state, t, sandbox_dir)
    tail = (
        "The ambient profile has been installed successfully, enjoy Istio without sidecars!\n"
        if profile == "ambient"
        else ""
    )
    return 0, "\n".join(components) + "\n✔ Installation complete\n" + tail, ""


def _waypoint(sandbox_dir: Path, verb: str, p) -> Result:
    ns = p.get("namespace") or "default"
    name = p.get("name") or "waypoint"
    if verb == "apply":
        with transaction(sandbox_dir) as state:
            t = now()
            if (
                kube.get(state, "CustomResourceDefinition", None, "gateways.gateway.networking.k8s.io", t)
                is None
            ):
                return (
                    1,
                    "",
                    (
                        "Error: missing Kubernetes Gateway CRDs need to be installed before applying a "
                        "waypoint: the server could not find the requested resource\n"
                    ),
                )
            if kube.get(state, "Namespace", None, ns, t) is None:
                return 1, "", f"Error: namespace: {ns} not found\n"
            labels = {}
            if p.get("for"):
                labels["istio.io/waypoint-for"] = p.get("for")
            gw = kube.get(state, "Gateway", ns, name, t)
            spec = {
                "gatewayClassName": control.WAYPOINT_CLASS,
                "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
            }
            if gw is None:
                kube.make_simple(state, t, "Gateway", name, ns, labels=labels or None, body={"spec": spec})
            else:
                gw["spec"] = spec
                kube.touch(state, gw)
            if p.get("enroll"):
                nso = kube.get(state, "Namespace", None, ns, t)
                if nso is not None:  # checked above; it cannot have gone since
                    nso["metadata"].setdefault("labels", {})["istio.io/use-waypoint"] = name
            after_change(state, t, sandbox_dir)
        out = f"✅ waypoint {ns}/{name} applied\n"
        if p.get("wait"):
            if not control.waypoint_ready(load(sandbox_dir), ns, name, now()):
                return 1, out, f"Error: timed out while waiting for waypoint\t{ns}/{name}\n"
            out += f"✅ waypoint {ns}/{name} is ready!\n"
        if p.get("enroll"):
            out += f'✅ namespace {ns} labeled with "istio.io/use-waypoint: {name}"\n'
        return 0, out, ""
    if verb == "delete":
        with transaction(sandbox_dir) as state:
            t = now()
            gw = kube.get(state, "Gateway", ns, name, t)
            if gw is None:
                return 0, f"waypoint {ns}/{name} not found\n", ""
            kube.delete(state, gw, t, 0.0)
            after_change(state, t, sandbox_dir)
        return 0, f"waypoint {ns}/{name} deleted\n", ""
    state = load(sandbox_dir)
    t = now()
    gws = sorted(
        (
            g
            for g in kube.listing(state, "Gateway", t, None if p.get("all") else ns)
            if g.get("spec", {}).get("gatewayClassName") == control.WAYPOINT_CLASS
            and not kube.terminating(g, t)
        ),
        key=lambda g: (g["metadata"]["namespace"], g["metadata"]["name"]),
    )
    if not gws:
        return 0, "No waypoints found.\n", ""
    if verb == "list":
        # TRAFFIC TYPE came with istioctl 1.27 (istio/istio#56521); 1.26 prints NAME REVISION PROGRAMMED.
        traffic = _minor(control.mesh(state).get("version", "")) >= 27
        everywhere = bool(p.get("all"))
        rows = [
            ["NAMESPACE"] * everywhere + ["NAME", "REVISION"] + ["TRAFFIC TYPE"] * traffic + ["PROGRAMMED"]
        ]
        for g in gws:
            labels = kube.labels_of(g)
            ready = control.waypoint_ready(state, g["metadata"]["namespace"], g["metadata"]["name"], t)
            rows.append(
                [g["metadata"]["namespace"]] * everywhere
                + [g["metadata"]["name"], labels.get("istio.io/rev", "default")]
                + [labels.get("istio.io/waypoint-for", "none")] * traffic
                + ["True" if ready else "False"]
            )
        return 0, _tab(rows, 5), ""
    if verb == "status":
        rows = [["NAME", "STATUS", "TYPE", "REASON", "MESSAGE"]]
        for g in gws:
            cond = control.status(state, g, "istio-waypoint", t)["conditions"][1]
            rows.append(
                [g["metadata"]["name"], cond["status"], cond["type"], cond["reason"], cond["message"]]
            )
        return 0, _tab(rows, 5), ""
    return 1, "", f'Error: unknown subcommand "{verb}"\n'


def _ztunnel_config(state: State, what: str, p) -> Result:
    t = now()
    if not control.mesh(state).get("ztunnel"):
        return 1, "", 'Error: no ztunnel pods found in namespace "istio-system"\n'
    node = state["cluster"]["node"]
    if what in ("workload", "workloads"):
        rows = [["NAMESPACE", "POD NAME", "ADDRESS", "NODE", "WAYPOINT", "PROTOCOL"]]
        for pod in sorted(
            kube.listing(state, "Pod", t), key=lambda q: (q["metadata"]["namespace"], q["metadata"]["name"])
        ):
            if kube.terminating(pod, t) or pod["metadata"]["namespace"] in (control.NS, "kube-system"):
                continue
            if p.get("namespace") and pod["metadata"]["namespace"] != p.get("namespace"):
                continue
            proto = "HBONE" if control.captured(state, pod, t) or _hbone_sidecar(pod) else "TCP"
            rows.append(
                [
                    pod["metadata"]["namespace"],
                    pod["metadata"]["name"],
                    kube.private(pod).get("ip", ""),
                    node,
                    "None",
                    proto,
                ]
            )
        return 0, _tab(rows, 1), ""
    if what in ("service", "services"):
        rows = [["NAMESPACE", "SERVICE NAME", "SERVICE VIP", "WAYPOINT", "ENDPOINTS"]]
        for svc in sorted(
            kube.listing(state, "Service", t),
            key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"]),
        ):
            if (
                kube.terminating(svc, t)
                or svc["metadata"]["namespace"] in ("default", "kube-system")
                or svc["spec"].get("clusterIP") == "None"
            ):
                continue
            if p.get("namespace") and svc["metadata"]["namespace"] != p.get("namespace"):
                continue
            wp = control.waypoint_of_service(state, svc, t)
            from .traffic import _ready_pods

            ready = len(_ready_pods(state, svc, t))
            total = ready
            rows.append(
                [
                    svc["metadata"]["namespace"],
                    svc["metadata"]["name"],
                    svc["spec"].get("clusterIP", ""),
                    wp[1] if wp and control.waypoint_ready(state, wp[0], wp[1], t) else "None",
                    f"{ready}/{total}",
                ]
            )
        return 0, _tab(rows, 1), ""
    return 1, "", f'Error: unknown command "{what}" for "istioctl ztunnel-config"\n'


def _minor(version: str) -> int:
    parts = version.split(".")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _hbone_sidecar(pod: dict) -> bool:
    for c in pod["spec"].get("containers", []):
        if c["name"] == "istio-proxy" and any(
            e.get("name") == "ISTIO_META_ENABLE_HBONE" for e in c.get("env", [])
        ):
            return True
    return False


def _analyze(state: State, p) -> Result:
    """The analyzer the migration meets: IST0167 (a Sidecar resource, ignored by ambient)."""
    t = now()
    ns = None if p.get("all") else (p.get("namespace") or "default")
    lines = []
    for sc in kube.listing(state, "Sidecar", t, ns):
        if control.mesh(state).get("ambient"):
            lines.append(
                f"Info [IST0167] (Sidecar {sc['metadata']['namespace']}/{sc['metadata']['name']}) "
                "Sidecar resources are ignored by ambient workloads."
            )
    if not lines:
        where = "all namespaces" if ns is None else f"namespace: {ns}"
        return 0, "", f"✔ No validation issues found when analyzing {where}.\n"
    code = 79 if any(line.startswith(("Warning", "Error")) for line in lines) else 0
    return code, "\n".join(lines) + "\n", ""
