"""The cluster pane: applications (status, channel, mesh and ingress relations), sidecars left per
namespace, platform and Cilium facts, and, while the engine waits, what it waits for.

On the ambient runbook it also shows what ambient health is made of: the ztunnel and istio-cni
DaemonSets' readiness, and per namespace the sidecars left and whether it has its waypoint (every
namespace, in rows: the pane scrolls). Other runbooks get no mesh columns, legend or platform.

It reads the cluster itself, in a thread worker, and re-arms a one-shot timer only after a read
has finished, so a slow read never overlaps the next one and never blocks a key. What changed
since the previous read is marked (`*`, reversed) for a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from steps.checks import detect_platform
from steps.cluster.mesh_view import namespace_mesh
from steps.cluster.state import App, ClusterState
from steps.record.export import human_duration
from steps.run import events as ev

from ..look import Look, css
from ..messages import ClusterStateRead

BEACON, INGRESS = "istio-beacon-k8s", "istio-ingress-k8s"
# istio-k8s configures the ingress through this relation; it is not traffic the ingress routes.
NOT_ROUTES = ("istio-ingress-config",)
AMBIENT_DAEMONSETS = ("ztunnel", "istio-cni-node")
WAYPOINT_CLASS = "istio-waypoint"
CHANNEL_WIDTH_MAX = 24  # "ckf-1.10/stable", "latest/edge/…" fit whole
CILIUM_KEYS = ("bpf-lb-sock-hostns-only", "cni-exclusive")
HIGHLIGHT_SECONDS = 4.0
STATUS_ORDER = {"error": 0, "blocked": 1, "waiting": 2, "maintenance": 3, "unknown": 4, "active": 9}
STATUS_STYLE = {
    "error": "bold red",
    "blocked": "bold red",
    "waiting": "yellow",
    "maintenance": "yellow",
    "active": "green",
}


class ClusterPane(VerticalScroll):
    DEFAULT_CSS = css(__file__, "cluster_pane.tcss")

    def __init__(
        self,
        look: Look,
        clock: Callable[[], float],
        *,
        reader: Callable[[], ClusterState] | None,
        interval: float = 3.0,
        platform: str = "",
        source: str = "",
        ambient: bool = True,
        user_namespaces: Sequence[str] = (),
        id: str | None = None,
    ):
        super().__init__(id=id)
        self.look = look
        self.clock = clock
        self.reader = reader
        self.interval = interval
        self.platform = platform
        self.source = source
        self.ambient = ambient
        self.user_namespaces = tuple(user_namespaces)
        self.state: ClusterState | None = None
        self.error = ""
        self.wait: ev.WaitProgress | None = None
        self.reads = 0
        self._signatures: dict[str, object] = {}
        self._changed_at: dict[str, float] = {}
        self.border_title = "Cluster"

    def compose(self):
        yield Static(Text("reading the cluster…" if self.reader else "no cluster to read"), id="cluster-body")

    def on_mount(self) -> None:
        if self.reader is not None:
            self.set_timer(0.05, self._start_read, name="cluster-read")

    # --- reading (never overlapping) -----------------------------------------------------------

    def _start_read(self) -> None:
        self.run_worker(
            self._read,
            thread=True,
            exclusive=True,
            group="cluster-read",
            exit_on_error=False,
            description="reading the cluster",
        )

    def _read(self) -> None:
        assert self.reader is not None
        began = time.monotonic()
        try:
            state = self.reader()
            message = ClusterStateRead(state, took=time.monotonic() - began)
        except Exception as exc:  # noqa: BLE001 - an unreadable cluster is shown, not fatal
            message = ClusterStateRead(
                None, error=f"{type(exc).__name__}: {exc}".splitlines()[0], took=time.monotonic() - began
            )
        self.post_message(message)

    def on_cluster_state_read(self, message: ClusterStateRead) -> None:
        message.stop()
        self.reads += 1
        if message.state is not None:
            self._note_changes(message.state)
            self.state, self.error = message.state, ""
        else:
            self.error = message.error
        self.render_body()
        if self.reader is not None:
            self.set_timer(self.interval, self._start_read, name="cluster-read")

    # --- showing ------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.render_body()  # the columns are sized to the width

    def show_wait(self, wait: ev.WaitProgress | None) -> None:
        self.wait = wait
        self.render_body()

    def tick(self) -> None:
        state = self.state
        age = (
            f"read {human_duration(max(0.0, self.clock() - state.read_at))} ago" if state else "not read yet"
        )
        title = (
            f"Cluster {self.look.dot} {self.source or (state.source if state else '')} {self.look.dot} {age}"
        )
        self.border_title = title
        if self._changed_at and min(self._changed_at.values()) < time.monotonic() - HIGHLIGHT_SECONDS:
            self.render_body()

    def _note_changes(self, state: ClusterState) -> None:
        now = time.monotonic()
        current = signatures(state)
        if self._signatures:
            for key, sig in current.items():
                if self._signatures.get(key) != sig:
                    self._changed_at[key] = now
        self._signatures = current
        self._changed_at = {k: t for k, t in self._changed_at.items() if now - t < HIGHLIGHT_SECONDS}

    def render_body(self) -> None:
        now = time.monotonic()
        recent = {k for k, t in self._changed_at.items() if now - t < HIGHLIGHT_SECONDS}
        if len(recent) != len(self._changed_at):
            self._changed_at = {k: self._changed_at[k] for k in recent}
        text = render_cluster(
            self.state,
            self.look,
            platform=self.platform,
            changed=recent,
            wait=self.wait,
            error=self.error,
            width=self.size.width or 60,
            ambient=self.ambient,
            user_namespaces=self.user_namespaces,
        )
        self.query_one("#cluster-body", Static).update(text)
        self.tick()


def signatures(state: ClusterState) -> dict[str, object]:
    out: dict[str, object] = {}
    for app in state.apps.values():
        out[f"app:{app.name}"] = (app.status.current, app.status.message, app.channel, mesh(app), route(app))
    for ns, count in sidecars_by_namespace(state).items():
        out[f"sidecars:{ns}"] = count
    if state.model is None and not state.apps:  # upstream Istio: the per-namespace mesh view
        for row in namespace_mesh(state):
            out[f"mesh:{row.name}"] = row
    out["cilium"] = tuple(cilium_values(state).items())
    out["ambient"] = tuple(daemonset_readiness(state).items())
    for ns in waypoint_namespaces(state):
        out[f"waypoint:{ns}"] = True
    return out


def mesh(app: App) -> bool:
    return app.related_to(BEACON, "service-mesh") or app.related_to(BEACON)


def route(app: App) -> bool:
    return any(r.related_app == INGRESS and r.endpoint not in NOT_ROUTES for r in app.relations)


def daemonset_readiness(state: ClusterState) -> dict[str, tuple[int, int] | None]:
    """ztunnel and istio-cni: (ready, desired) each, None when not deployed."""
    out: dict[str, tuple[int, int] | None] = {}
    for name in AMBIENT_DAEMONSETS:
        found = [o for o in state.objects_of("DaemonSet") if o.name == name]
        if not found:
            out[name] = None
            continue
        status = found[0].raw.get("status") or {}
        out[name] = (int(status.get("numberReady") or 0), int(status.get("desiredNumberScheduled") or 0))
    return out


def waypoint_namespaces(state: ClusterState) -> set[str]:
    return {
        gw.namespace
        for gw in state.objects_of("Gateway")
        if (gw.raw.get("spec") or {}).get("gatewayClassName") == WAYPOINT_CLASS
    }


def discovered_user_namespaces(state: ClusterState) -> list[str]:
    try:
        from steps.checks.context import discover_user_namespaces
    except ImportError:  # pragma: no cover - the checks package is always there
        return []
    try:
        return discover_user_namespaces(state)
    except Exception:  # noqa: BLE001 - a discovery bug must not break the pane
        return []


def sidecars_by_namespace(state: ClusterState) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pod in state.sidecar_pods():
        counts[pod.namespace] = counts.get(pod.namespace, 0) + 1
    return dict(sorted(counts.items()))


def cilium_values(state: ClusterState) -> dict[str, str]:
    config = state.find("ConfigMap", "cilium-config", "kube-system")
    if config is None:
        return {}
    data = config.raw.get("data") or {}
    return {key: str(data.get(key, "(unset)")) for key in CILIUM_KEYS}


def detected_platform(state: ClusterState) -> str:
    try:
        return detect_platform(state)
    except Exception:  # noqa: BLE001 - a detection bug must not break the pane
        return ""


def render_cluster(
    state: ClusterState | None,
    look: Look,
    *,
    platform: str = "",
    changed: set[str] | None = None,
    wait: ev.WaitProgress | None = None,
    error: str = "",
    width: int = 60,
    ambient: bool = True,
    user_namespaces: Sequence[str] = (),
) -> Text:
    changed = changed or set()
    out = Text(no_wrap=True, overflow="ellipsis")

    def line(text: str | Text = "", style: str = "") -> None:
        if out.plain:
            out.append("\n")
        out.append(text if isinstance(text, Text) else Text(text, style=style))

    if wait is not None:
        stable = f", settled for {human_duration(wait.stable_for)}" if wait.stable_for else ""
        took = f"{human_duration(wait.elapsed)} of {human_duration(wait.timeout)}"
        line(
            f"Waiting ({wait.what}): {took}{stable}",
            "bold",
        )
        for text in wait.lines[:6]:
            line(f"  {text}")
        if len(wait.lines) > 6:
            line(f"  {look.ellipsis} {len(wait.lines) - 6} more")
    if error:
        line(f"! cluster not read: {error}", "bold")
    if state is None:
        if not error:
            line("reading the cluster…" if not look.ascii else "reading the cluster...")
        return out

    juju = state.model is not None or bool(state.apps)  # upstream Istio has no Juju model
    apps = sorted(state.apps.values(), key=lambda a: (STATUS_ORDER.get(a.status.current, 5), a.name))
    counts: dict[str, int] = {}
    for app in apps:
        counts[app.status.current] = counts.get(app.status.current, 0) + 1
    summary = ", ".join(
        f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: STATUS_ORDER.get(kv[0], 5))
    )
    if juju:
        line(f"Apps {len(apps)}: {summary or 'none'}", "bold")

    sidecars = sidecars_by_namespace(state)
    if not ambient:
        side = ", ".join(f"{ns} {n}" for ns, n in sidecars.items()) or "none"
        mark = "*" if any(k.startswith("sidecars:") for k in changed) else " "
        line(Text(f"{mark}Sidecars (pods with istio-proxy): {side}", style="reverse" if mark == "*" else ""))
    rows = namespace_mesh(state) if not juju else []  # the istio-ambient view; CKF keeps its app table
    if rows:
        name_width = max(9, *(len(r.name) for r in rows))
        line(Text(f" {'namespace':<{name_width}}  {'mode':<8} sidecars waypoint", style="dim"))
    for row in rows:
        hot = f"mesh:{row.name}" in changed
        named = "" if row.waypoint == "waypoint" else f"{row.waypoint}: "
        waypoint = f"{named}{'ready' if row.waypoint_ready else 'not ready'}" if row.waypoint else "-"
        line(
            Text(
                f"{'*' if hot else ' '}{row.name:<{name_width}}  {row.mode:<8} "
                f"{f'{row.sidecars}/{row.pods}':<8} {waypoint}",
                style="reverse" if hot else "",
            )
        )

    facts = [f"Platform {platform}"] if platform else []
    found = detected_platform(state)
    if found:
        facts.append(f"detected {found}")
    if state.kubernetes_version:
        facts.append(f"Kubernetes {state.kubernetes_version}")
    if state.model is not None and state.model.version:
        facts.append(f"Juju {state.model.version}")
    if facts:
        line(" " + f" {look.dot} ".join(facts))
    cilium = cilium_values(state)
    if cilium:
        mark = "*" if "cilium" in changed else " "
        line(
            Text(
                f"{mark}Cilium: " + ", ".join(f"{k}={v}" for k, v in cilium.items()),
                style="reverse" if mark == "*" else "",
            )
        )
    errors = [e for e in state.errors if juju or "`juju " not in e]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        line(f"! part of the read failed{more}: {errors[0]}")

    if not juju:
        return out
    if ambient:
        _ambient_rows(state, look, line, changed, user_namespaces or discovered_user_namespaces(state))
        line(Text(" m: on the mesh  r: routed by the ingress", style="dim"))
    channel_width = min(CHANNEL_WIDTH_MAX, max((len(a.channel or "-") for a in apps), default=8))
    status_width = 8 if width < 64 else 12
    flags = 3 if ambient else 0
    fixed = 1 + flags + 1 + status_width + 1 + channel_width + 2  # + the vertical scrollbar
    names = max((len(a.name) for a in apps), default=10)
    name_width = max(10, min(names, width - fixed))
    for app in apps:
        hot = f"app:{app.name}" in changed
        app_row = Text(style="reverse" if hot else "")
        app_row.append("*" if hot else " ")
        if ambient:
            app_row.append(("m" if mesh(app) else "-") + ("r" if route(app) else "-") + " ", "cyan")
        app_row.append(f"{look.fit(app.name, name_width):<{name_width}} ")
        status = look.fit(app.status.current, status_width - 1)
        app_row.append(f"{status:<{status_width}} ", STATUS_STYLE.get(app.status.current, ""))
        app_row.append(f"{look.fit(app.channel or '-', channel_width):<{channel_width}}")
        if app.status.message and app.status.current != "active":
            app_row.append(" " + app.status.message, "dim")
        line(app_row)
    return out


def _ambient_rows(
    state: ClusterState,
    look: Look,
    line: Callable[..., None],
    changed: set[str],
    user_namespaces: Sequence[str],
) -> None:
    """ztunnel and istio-cni readiness; per namespace, the sidecars left and its waypoint."""
    parts = []
    for name, ready in daemonset_readiness(state).items():
        if ready is None:
            parts.append((f"{name} not deployed", "dim"))
        else:
            ok = ready[0] >= ready[1] > 0
            parts.append((f"{name} {ready[0]}/{ready[1]} ready", "green" if ok else "bold yellow"))
    hot = "ambient" in changed
    row = Text("*" if hot else " ", style="reverse" if hot else "")
    row.append("Ambient: ", "bold")
    for i, (text, style) in enumerate(parts):
        if i:
            row.append(f" {look.dot} ")
        row.append(text, style)
    line(row)
    sidecars = sidecars_by_namespace(state)
    waypoints = waypoint_namespaces(state)
    users = set(user_namespaces)
    names = sorted(users | set(sidecars))
    if not names:
        line("  no user namespace and no sidecar left", "dim")
        return
    width = max(9, *(len(ns) for ns in names))
    line(Text(f"  {'namespace':<{width}}  sidecars  waypoint", style="dim"))
    for ns in names:
        hot = f"sidecars:{ns}" in changed or f"waypoint:{ns}" in changed
        count = sidecars.get(ns, 0)
        waypoint = ("yes" if ns in waypoints else "none") if ns in users else ""
        row = Text("*" if hot else " ", style="reverse" if hot else "")
        row.append(f" {ns:<{width}}  ")
        row.append(f"{count:>8}", "bold yellow" if count else "green")
        row.append(f"  {waypoint}", "green" if waypoint == "yes" else ("yellow" if waypoint else ""))
        line(row)
