"""`helm` against the sandbox: repo add/update, ls, install, upgrade [--install], rollback,
history and get values, for the Istio charts (base, istiod, cni, ztunnel), with Helm 3's output."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..flags import UsageError, parse
from ..state import State, load, now, transaction
from ..workloads import after_change
from . import control
from .scenario import helm_release

Result = tuple[int, str, str]
CHARTS = {"istio/base": "base", "istio/istiod": "istiod", "istio/cni": "cni", "istio/ztunnel": "ztunnel"}
NOTES = {
    "istiod": '"istiod" successfully installed!\n\nTo learn more about the release, try:\n'
    "  $ helm status istiod -n istio-system\n  $ helm get all istiod -n istio-system\n\n"
    "Next steps:\n  * Deploy a Gateway: https://istio.io/latest/docs/setup/additional-setup/gateway/\n"
    "  * Try out our tasks to get started on common configurations:\n"
    "    * https://istio.io/latest/docs/tasks/traffic-management\n",
    "ztunnel": "ztunnel successfully installed!\n\nTo learn more about the release, try:\n"
    "  $ helm status ztunnel -n istio-system\n  $ helm get all ztunnel -n istio-system\n",
    "cni": '"istio-cni" successfully installed!\n\nTo learn more about the release, try:\n'
    "  $ helm status istio-cni -n istio-system\n  $ helm get all istio-cni -n istio-system\n",
    "base": "Istio base successfully installed!\n\nTo learn more about the release, try:\n"
    "  $ helm status istio-base -n istio-system\n  $ helm get all istio-base -n istio-system\n",
}

VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "--set": "set",
    "--version": "version",
    "-o": "output",
    "--output": "output",
    "--timeout": "timeout",
    "-f": "values",
    "--values": "values",
    "--kube-context": "context",
}
BOOL_FLAGS = {
    "-A": "all",
    "--all-namespaces": "all",
    "--install": "install",
    "--wait": "wait",
    "--reuse-values": "reuse",
    "--reset-values": "reset",
    "--create-namespace": "create_ns",
    "--atomic": "atomic",
    "--force-update": "force",
}


def main(argv: list[str], sandbox_dir: Path, env: dict[str, str], stdin=None) -> Result:
    args = argv[1:]
    if not args:
        return 1, "", "Error: requires a command\n"
    sub, rest = args[0], args[1:]
    try:
        p = parse(rest, VALUE_FLAGS, BOOL_FLAGS, multi=["set", "values"])
    except UsageError as exc:
        return 1, "", f"Error: {exc}\n"
    if sub == "repo":
        return _repo(p.args)
    if sub in ("ls", "list"):
        return _list(load(sandbox_dir), p)
    if sub in ("upgrade", "install"):
        return _upgrade(sandbox_dir, p, install_only=sub == "install")
    if sub == "rollback":
        return _rollback(sandbox_dir, p)
    if sub == "history":
        return _history(load(sandbox_dir), p)
    if sub == "get" and p.args[:1] == ["values"]:
        return _get_values(load(sandbox_dir), p)
    if sub == "version":
        return (
            0,
            'version.BuildInfo{Version:"v3.17.3", GitCommit:"e4da49785aa6e6ee2b86efd5dd9e43400318262b", '
            'GitTreeState:"clean", GoVersion:"go1.23.7"}\n',
            "",
        )
    return 1, "", f'Error: unknown command "{sub}" for "helm"\nRun \'helm --help\' for usage.\n'


def _repo(args: list[str]) -> Result:
    if args[:1] == ["add"] and len(args) >= 3:
        return 0, f'"{args[1]}" has been added to your repositories\n', ""
    if args[:1] == ["update"]:
        return (
            0,
            (
                "Hang tight while we grab the latest from your chart repositories...\n"
                '...Successfully got an update from the "istio" chart repository\n'
                "Update Complete. ⎈Happy Helming!⎈\n"
            ),
            "",
        )
    return 1, "", "Error: unknown repo command\n"


def _go_time(t: float) -> str:
    """Go's time.String(), as `helm ls` prints UPDATED."""
    lt = time.localtime(t)
    micro = int((t % 1) * 1_000_000)
    off = time.strftime("%z", lt)
    return time.strftime("%Y-%m-%d %H:%M:%S", lt) + f".{micro:06d} {off} {time.strftime('%Z', lt)}"


def _current(state: State) -> list[dict]:
    rels = state.get("helm", {}).get("releases", [])
    return [r for r in rels if r["status"] == "deployed"]


def _table(rows: list[list[str]]) -> str:
    """Helm's uitable: cells padded to the column width, joined by a tab."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("\t".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() + "\n" for r in rows)


def _list(state: State, p) -> Result:
    ns = None if p.get("all") else (p.get("namespace") or "default")
    rels = sorted((r for r in _current(state) if ns is None or r["namespace"] == ns), key=lambda r: r["name"])
    if p.get("output") == "json":
        return (
            0,
            json.dumps(
                [
                    {
                        "name": r["name"],
                        "namespace": r["namespace"],
                        "revision": str(r["revision"]),
                        "updated": _go_time(r["updated"]),
                        "status": r["status"],
                        "chart": f"{r['chart']}-{r['version']}",
                        "app_version": r["version"],
                    }
                    for r in rels
                ]
            )
            + "\n",
            "",
        )
    rows = [["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"]]
    rows += [
        [
            r["name"],
            r["namespace"],
            str(r["revision"]),
            _go_time(r["updated"]),
            r["status"],
            f"{r['chart']}-{r['version']}",
            r["version"],
        ]
        for r in rels
    ]
    return 0, _table(rows), ""


def _values(p, base: dict[str, str]) -> dict[str, str]:
    values = dict(base)
    for item in p.get("set") or []:
        for pair in item.split(","):
            key, eq, value = pair.partition("=")
            if not eq:
                raise UsageError(f'failed parsing --set data: key "{key}" has no value')
            values[key] = value
    return values


def _upgrade(sandbox_dir: Path, p, install_only: bool) -> Result:
    if len(p.args) < 2:
        return 1, "", f'Error: "helm {"install" if install_only else "upgrade"}" requires 2 arguments\n'
    name, chart_ref = p.args[0], p.args[1]
    ns = p.get("namespace") or "default"
    chart = CHARTS.get(chart_ref)
    if chart is None:
        return 1, "", f"Error: repo {chart_ref.split('/')[0]} not found\n"
    with transaction(sandbox_dir) as state:
        t = now()
        if not any(n["metadata"]["name"] == ns for n in state["k8s"].get("Namespace", {}).values()):
            return 1, "", f'Error: create: failed to create: namespaces "{ns}" not found\n'
        existing = [r for r in _current(state) if r["name"] == name and r["namespace"] == ns]
        if install_only and existing:
            return 1, "", "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n"
        if not install_only and not existing and not p.get("install"):
            return 1, "", f'Error: UPGRADE FAILED: "{name}" has no deployed releases\n'
        version = p.get("version") or (
            existing[0]["version"] if existing else control.mesh(state).get("version", "1.26.1")
        )
        try:
            base = existing[0]["values"] if existing and p.get("reuse") else {}
            values = _values(p, base)
        except UsageError as exc:
            return 1, "", f"Error: {exc}\n"
        helm_release(state, t, name, ns, chart, version, values)
        control.apply_chart(state, t, chart, version, values)
        after_change(state, t, sandbox_dir)
        rev = [r for r in _current(state) if r["name"] == name and r["namespace"] == ns][0]["revision"]
    head = ""
    if not install_only:
        head = (
            f'Release "{name}" has been upgraded. Happy Helming!\n'
            if existing
            else f'Release "{name}" does not exist. Installing it now.\n'
        )
    body = (
        f"NAME: {name}\nLAST DEPLOYED: {time.strftime('%a %b %e %H:%M:%S %Y', time.localtime(t))}\n"
        f"NAMESPACE: {ns}\nSTATUS: deployed\nREVISION: {rev}\nTEST SUITE: None\nNOTES:\n{NOTES[chart]}"
    )
    return 0, head + body, ""


def _rollback(sandbox_dir: Path, p) -> Result:
    if not p.args:
        return 1, "", 'Error: "helm rollback" requires at least 1 argument\n'
    name = p.args[0]
    ns = p.get("namespace") or "default"
    with transaction(sandbox_dir) as state:
        t = now()
        rels = [
            r for r in state.get("helm", {}).get("releases", []) if r["name"] == name and r["namespace"] == ns
        ]
        if not rels:
            return 1, "", "Error: release: not found\n"
        current = max(rels, key=lambda r: r["revision"])
        target_rev = int(p.args[1]) if len(p.args) > 1 else current["revision"] - 1
        target = [r for r in rels if r["revision"] == target_rev]
        if target_rev < 1 or not target:
            return 1, "", f"Error: release has no {target_rev} version\n"
        helm_release(state, t, name, ns, target[0]["chart"], target[0]["version"], target[0]["values"])
        rels[-1]["description"] = f"Rollback to {target_rev}"
        state["helm"]["releases"][-1]["description"] = f"Rollback to {target_rev}"
        control.apply_chart(state, t, target[0]["chart"], target[0]["version"], target[0]["values"])
        after_change(state, t, sandbox_dir)
    return 0, "Rollback was a success! Happy Helming!\n", ""


def _history(state: State, p) -> Result:
    name, ns = (p.args or [""])[0], p.get("namespace") or "default"
    rels = [
        r for r in state.get("helm", {}).get("releases", []) if r["name"] == name and r["namespace"] == ns
    ]
    if not rels:
        return 1, "", "Error: release: not found\n"
    rows = [["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"]]
    rows += [
        [
            str(r["revision"]),
            time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(r["updated"])),
            r["status"],
            f"{r['chart']}-{r['version']}",
            r["version"],
            r.get("description", ""),
        ]
        for r in rels
    ]
    return 0, _table(rows), ""


def _get_values(state: State, p) -> Result:
    name, ns = (p.args[1:] or [""])[0], p.get("namespace") or "default"
    rels = [r for r in _current(state) if r["name"] == name and r["namespace"] == ns]
    if not rels:
        return 1, "", "Error: release: not found\n"
    values = rels[0]["values"]
    if p.get("output") == "json":
        return 0, json.dumps(values) + "\n", ""
    if not values:
        return 0, "USER-SUPPLIED VALUES:\nnull\n", ""
    return 0, "USER-SUPPLIED VALUES:\n" + "".join(f"{k}: {v}\n" for k, v in sorted(values.items())), ""
