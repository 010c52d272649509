"""What `juju status`, `juju config`, `juju show-unit`, `juju export-bundle` … print (Juju 3.6)."""

from __future__ import annotations

import re
from typing import Any

from . import charms, kube, model, pods
from .formats import juju_clock, juju_since, table
from .state import State

HOOK_RE = re.compile(r"running (?P<hook>[\w-]+) hook")


def _status(s: charms.Status, version: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"current": s.current}
    if s.message:
        out["message"] = s.message
    out["since"] = juju_since(s.since)
    if version is not None:
        out["version"] = version
    return out


def unit_address(state: State, name: str, app: dict, unit: dict, now: float) -> str:
    found = pods.pods_of(state, "StatefulSet", "kubeflow", name, now) or pods.pods_of(
        state, "Deployment", "kubeflow", name, now
    )
    live = [p for p in found if not kube.terminating(p, now)] or found
    index = unit["n"] if not app.get("podspec") else 0
    for pod in live:
        if pod["metadata"]["name"].endswith(f"-{index}") or app.get("podspec"):
            return pod.get("_", {}).get("ip", "")
    return ""


def provider_id(name: str, app: dict, unit: dict, state: State, now: float) -> str:
    if app.get("podspec"):
        found = pods.pods_of(state, "Deployment", "kubeflow", name, now) or pods.pods_of(
            state, "StatefulSet", "kubeflow", name, now
        )
        return found[-1]["metadata"]["name"] if found else ""
    return f"{name}-{unit['n']}"


def app_relations(state: State, name: str, app: dict, now: float) -> dict[str, list[dict[str, str]]]:
    rels: dict[str, list[dict[str, str]]] = {}
    for local, remote, _ in model.local_endpoints(state, name, now):
        rels.setdefault(local.endpoint, []).append(
            {"related-application": remote.app, "interface": local.interface, "scope": "global"}
        )
    for peer, interface in app.get("peers", {}).items():
        rels.setdefault(peer, []).append(
            {"related-application": name, "interface": interface, "scope": "global"}
        )
    return {k: sorted(v, key=lambda r: r["related-application"]) for k, v in sorted(rels.items())}


def status_dict(state: State, now: float, filters: list[str] | None = None) -> dict[str, Any]:
    m = state["model"]
    out: dict[str, Any] = {
        "model": {
            "name": m["name"],
            "type": m["type"],
            "controller": m["controller"],
            "cloud": m["cloud"],
            "region": m["region"],
            "version": m["version"],
            "model-status": {"current": "available", "since": juju_since(m["created"])},
            "sla": "unsupported",
        },
        "machines": {},
        "applications": {},
    }
    live = model.apps(state, now)
    wanted = set(live)
    if filters:
        wanted = {n for n in live if any(_matches(f, n) for f in filters)}
    for name in sorted(wanted):
        app = live[name]
        st = charms.app_status(state, name, app, now)
        entry: dict[str, Any] = {
            "charm": app["charm"],
            "base": {"name": "ubuntu", "channel": app.get("base", "22.04")},
            "charm-origin": "charmhub",
            "charm-name": app["charm"],
            "charm-rev": app["revision"],
            "charm-channel": app["channel"],
            "scale": app.get("scale", 1),
            "provider-id": app["uuid"],
            "address": app.get("service_ip", ""),
            "exposed": False,
        }
        if model.dying(app, now):
            entry["life"] = "dying"
        entry["application-status"] = _status(st)
        rels = app_relations(state, name, app, now)
        if rels and m["version"].startswith("2."):
            # Juju 2.9 printed each endpoint's related applications as plain names
            # (canonical/jubilant tests/unit/juju29/fake_statuses.py, DATABASE_WEBAPP_JSON29).
            entry["relations"] = {ep: [r["related-application"] for r in v] for ep, v in rels.items()}
        elif rels:
            entry["relations"] = rels
        units = {}
        for unit in app.get("units", []):
            workload, agent = charms.unit_statuses(state, name, app, unit, now)
            u: dict[str, Any] = {
                "workload-status": _status(workload),
                "juju-status": _status(agent, m["version"]),
            }
            if unit.get("leader"):
                u["leader"] = True
            u["address"] = unit_address(state, name, app, unit, now)
            u["provider-id"] = provider_id(name, app, unit, state, now)
            units[f"{name}/{unit['n']}"] = u
        if units:
            entry["units"] = units
        if app.get("workload_version"):
            entry["version"] = app["workload_version"]
        entry["endpoint-bindings"] = {
            "": "alpha",
            **{ep: "alpha" for ep in sorted(app.get("endpoint_names", []))},
        }
        if m["version"].startswith("2."):
            # Juju 2.9 shows a series and OS where 3.x shows a base.
            entry = {
                ("series" if k == "base" else k): ("focal" if k == "base" else v) for k, v in entry.items()
            }
            entry = {
                **{k: v for k, v in entry.items() if k in ("charm", "series")},
                "os": "ubuntu",
                **{k: v for k, v in entry.items() if k not in ("charm", "series")},
            }
        out["applications"][name] = entry
    out["storage"] = {}
    out["controller"] = {"timestamp": juju_clock(now)}
    return out


def _matches(pattern: str, name: str) -> bool:
    base = pattern.split("/")[0]
    if "*" in base:
        return re.fullmatch(base.replace("*", ".*"), name) is not None
    return base == name


def status_tabular(state: State, now: float, filters: list[str] | None, relations: bool) -> str:
    data = status_dict(state, now, filters)
    m = data["model"]
    head = [
        ["Model", "Controller", "Cloud/Region", "Version", "SLA", "Timestamp"],
        [
            m["name"],
            m["controller"],
            f"{m['cloud']}/{m['region']}",
            m["version"],
            m["sla"],
            data["controller"]["timestamp"],
        ],
    ]
    parts = [table(head, padding=2)]
    apps = data["applications"]
    if apps:
        rows = [
            ["App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Address", "Exposed", "Message"]
        ]
        for name, a in apps.items():
            rows.append(
                [
                    name,
                    a.get("version", ""),
                    a["application-status"]["current"],
                    str(a["scale"]),
                    a["charm-name"],
                    a["charm-channel"],
                    str(a["charm-rev"]),
                    a["address"],
                    "no",
                    a["application-status"].get("message", ""),
                ]
            )
        parts.append(table(rows, padding=2, right=frozenset({3, 6})))
        urows = [["Unit", "Workload", "Agent", "Address", "Ports", "Message"]]
        for a in apps.values():
            for uname, u in a.get("units", {}).items():
                message = u["workload-status"].get("message", "")
                agent = u["juju-status"]
                if agent["current"] == "allocating" and not message:
                    message = agent.get("message", "")
                hook = HOOK_RE.search(agent.get("message", "")) if agent["current"] == "executing" else None
                if hook:
                    message = f"({hook.group('hook')}) {message}"
                urows.append(
                    [
                        uname + ("*" if u.get("leader") else ""),
                        u["workload-status"]["current"],
                        agent["current"],
                        u["address"],
                        "",
                        message,
                    ]
                )
        if len(urows) > 1:
            parts.append(table(urows, padding=2))
    if relations:
        rrows = [["Integration provider", "Requirer", "Interface", "Type", "Message"]]
        seen = []
        for rel in model.relations(state, now):
            a, b = model.sides(rel)
            if filters and a.app not in apps and b.app not in apps:
                continue
            provider, requirer = (a, b) if a.role == "provider" else (b, a)
            seen.append((str(provider), str(requirer), provider.interface, "regular"))
        for name in apps:
            for peer, interface in state["apps"][name].get("peers", {}).items():
                seen.append((f"{name}:{peer}", f"{name}:{peer}", interface, "peer"))
        for row in sorted(seen):
            rrows.append([*row, ""])
        if len(rrows) > 1:
            parts.append(table(rrows, padding=2))
    return "\n".join(parts)


def config_yaml(app_name: str, app: dict, options: dict[str, tuple[str, Any, str]]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for key, (kind, default, description) in sorted(options.items()):
        entry: dict[str, Any] = {"default": default, "description": description, "type": kind}
        if default is None:
            entry.pop("default")
        if key in app.get("config", {}):
            entry["source"] = "user"
            entry["value"] = app["config"][key]
        elif default is not None:
            entry["source"] = "default"
            entry["value"] = default
        else:
            entry["source"] = "unset"
        settings[key] = entry
    return {
        "application": app_name,
        "application-config": {
            "trust": {
                "default": False,
                "description": "Does this application have access to trusted credentials",
                "source": "user" if app.get("trust") else "default",
                "type": "bool",
                "value": bool(app.get("trust")),
            }
        },
        "charm": app["charm"],
        "settings": settings,
    }


def config_value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def relation_app_data(state: State, app_name: str, endpoint: str, now: float) -> dict[str, str]:
    """What an application has written into its side of a relation."""
    app = model.app(state, app_name, now)
    if app is None:
        return {}
    if app["charm"] == "minio" and endpoint == "object-storage":
        secret = model.config_value(app, "secret-key") or app.get("generated_secret", "")
        access = model.config_value(app, "access-key") or "minio"
        data = (
            f"access-key: {access}\nnamespace: kubeflow\nport: {model.config_value(app, 'port') or 9000}\n"
            f"secret-key: {secret}\nsecure: false\nservice: {app_name}\n"
        )
        return {"_supported_versions": "- v1\n", "data": data}
    if app["charm"] == "istio-ingress-k8s" and endpoint == "gateway-metadata":
        return {
            "deployment_name": f"{app_name}-istio",
            "gateway_name": app_name,
            "namespace": "kubeflow",
            "service_account": f"{app_name}-istio",
        }
    if app["charm"] == "istio-beacon-k8s" and endpoint == "service-mesh":
        return {
            "labels": '{"istio.io/dataplane-mode": "ambient", "istio.io/use-waypoint": '
            '"kubeflow-istio-beacon-k8s-waypoint", "istio.io/use-waypoint-namespace": "kubeflow"}',
            "mesh_type": "istio",
        }
    if endpoint in ("kfp-api", "kfp-viz", "kubeflow-profiles", "k8s-service-info", "grpc", "kfp-api-grpc"):
        return {
            "_supported_versions": "- v1\n",
            "data": f"service-name: {app_name}\nservice-port: '{8888 if endpoint == 'kfp-api' else 8080}'\n",
        }
    return {}


def show_unit(state: State, unit_name: str, now: float) -> dict[str, Any] | None:
    app_name, _, n = unit_name.partition("/")
    app = model.app(state, app_name, now)
    if app is None or not n.isdigit():
        return None
    unit = next((u for u in app.get("units", []) if str(u["n"]) == n), None)
    if unit is None:
        return None
    info = []
    for local, remote, rel in model.local_endpoints(state, app_name, now):
        remote_app = state["apps"][remote.app]
        related_units = {}
        for ru in remote_app.get("units", []):
            addr = unit_address(state, remote.app, remote_app, ru, now) or remote_app.get("service_ip", "")
            related_units[f"{remote.app}/{ru['n']}"] = {
                "in-scope": True,
                "data": {"egress-subnets": f"{addr}/32", "ingress-address": addr, "private-address": addr},
            }
        info.append(
            {
                "relation-id": rel["id"],
                "endpoint": local.endpoint,
                "related-endpoint": remote.endpoint,
                "application-data": relation_app_data(state, remote.app, remote.endpoint, now),
                "related-units": related_units,
            }
        )
    info.sort(key=lambda r: r["relation-id"])
    addr = unit_address(state, app_name, app, unit, now)
    body: dict[str, Any] = {
        "opened-ports": [],
        "charm": f"ch:amd64/{app['charm']}-{app['revision']}",
        "leader": bool(unit.get("leader")),
        "life": "dying" if model.dying(app, now) else "alive",
        "relation-info": info,
        "provider-id": provider_id(app_name, app, unit, state, now),
        "address": addr,
    }
    return {unit_name: body}


def export_bundle(state: State, now: float) -> dict[str, Any]:
    apps: dict[str, Any] = {}
    for name, app in sorted(model.apps(state, now, include_dying=False).items()):
        entry: dict[str, Any] = {
            "charm": app["charm"],
            "channel": app["channel"],
            "revision": app["revision"],
            "base": f"ubuntu@{app.get('base', '22.04')}/stable",
            "resources": {f"{c}-image": app["revision"] for c in app.get("containers", [])},
            "scale": app.get("scale", 1),
        }
        if not entry["resources"]:
            entry.pop("resources")
        if app.get("config"):
            entry["options"] = dict(sorted(app["config"].items()))
        if app.get("constraints"):
            entry["constraints"] = app["constraints"]
        if app.get("trust"):
            entry["trust"] = True
        apps[name] = entry
    relations = []
    for rel in model.relations(state, now):
        a, b = model.sides(rel)
        if model.dying(state["apps"][a.app], now) or model.dying(state["apps"][b.app], now):
            continue
        relations.append(sorted([str(a), str(b)]))
    return {"bundle": "kubernetes", "applications": apps, "relations": sorted(relations)}
