"""`juju` against the sandbox: the commands a CKF runbook uses, with Juju 3.6's output and errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import catalogue, charms, juju_print, model
from .flags import UsageError, parse
from .formats import to_json, to_yaml
from .juju_common import (
    CONFIG_SECONDS,
    MODEL_FLAGS,
    Context,
    JujuError,
    Result,
    StdinSource,
    check_model,
    clock,
    finish,
    need_app,
)
from .state import delay, load, transaction


def main(argv: list[str], sandbox_dir: Path, env: dict[str, str], stdin: StdinSource = None) -> Result:
    ctx = Context(sandbox_dir, env, stdin)
    args = list(argv[1:])
    if not args or args[0] in ("help", "--help", "-h"):
        return 0, "Usage: juju [flags] <command> ...\n", ""
    command, rest = args[0], args[1:]
    handler = _handler(ALIASES.get(command, command))
    if handler is None or (command in JUJU3_COMMANDS and _juju2(ctx)):
        return 1, "", f'ERROR juju: "{command}" is not a juju command. See "juju --help".\n'
    refused = _juju2_flag(ctx, command, rest)
    if refused:
        return 2, "", f"ERROR option provided but not defined: {refused}\n"
    try:
        handler(ctx, rest)
    except UsageError as exc:
        text = str(exc)
        if text.startswith("unknown flag"):
            text = f"option provided but not defined: {exc.flag}"
        return 2, "".join(ctx.out), "".join(ctx.err) + f"ERROR {text}\n"
    except JujuError as exc:
        tail = f"ERROR {exc}\n" if str(exc) else ""
        return exc.code, "".join(ctx.out), "".join(ctx.err) + tail
    return 0, "".join(ctx.out), "".join(ctx.err)


# Commands and flags Juju 2.9 does not have (canonical/jubilant PR #193; juju/juju #14919, #14982).
JUJU3_COMMANDS = ("integrate", "remove-integration", "exec", "secrets", "add-secret", "show-secret")
JUJU3_FLAGS = {
    "refresh": ("--trust", "--base"),
    "deploy": ("--base",),
    "status": ("--integrations",),
}
NO_PROMPT_SINCE = (2, 9, 38)  # accepted, as a no-op, from 2.9.38 on


def _juju_version(ctx: Context) -> tuple[int, ...]:
    version = load(ctx.dir)["model"]["version"]
    return tuple(int(p) for p in version.split(".")[:3] if p.isdigit())


def _juju2(ctx: Context) -> bool:
    return _juju_version(ctx)[:1] == (2,)


def _juju2_flag(ctx: Context, command: str, argv: list[str]) -> str:
    """The first flag of `argv` that this 2.9 controller's client would not know ("" if none)."""
    flags = [a.split("=", 1)[0] for a in argv if a.startswith("--")]
    suspects = [f for f in flags if f in JUJU3_FLAGS.get(command, ()) or f == "--no-prompt"]
    if not suspects:
        return ""
    version = _juju_version(ctx)
    if version[:1] != (2,):
        return ""
    for flag in suspects:
        if flag != "--no-prompt" or version < NO_PROMPT_SINCE:
            return flag
    return ""


def cmd_status(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {
            **MODEL_FLAGS,
            "--format": "format",
            "-o": "output",
            "--output": "output",
            "--watch": "watch",
        },
        {
            "--relations": "relations",
            "--color": "color",
            "--no-color": "nocolor",
            "--storage": "storage",
            "--integrations": "relations",
            "--utc": "utc",
        },
    )
    state = load(ctx.dir)
    check_model(state, p)
    now = clock()
    fmt = p.get("format", "tabular")
    filters = p.args or None  # an unmatched filter shows an empty result, not an error
    if fmt == "json":
        text = json.dumps(juju_print.status_dict(state, now, filters), separators=(",", ":")) + "\n"
    elif fmt == "yaml":
        text = to_yaml(juju_print.status_dict(state, now, filters), sort_keys=False)
    elif fmt in ("tabular", "short", "line", "oneline", "summary"):
        text = juju_print.status_tabular(state, now, filters, bool(p.get("relations")))
    else:
        raise UsageError(f'invalid value "{fmt}" for option --format: unknown format "{fmt}"', "--format")
    if p.get("output"):
        Path(p.get("output")).write_text(text)
    else:
        ctx.say(text.rstrip("\n"))


def cmd_config(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {**MODEL_FLAGS, "--reset": "reset", "--format": "format", "--file": "file", "-o": "output"},
        {"--no-color": "nocolor", "--color": "color"},
        multi=["reset"],
    )
    if not p.args:
        raise JujuError("no application name specified", 2)
    name, pairs = p.args[0], p.args[1:]
    sets = [a for a in pairs if "=" in a]
    gets = [a for a in pairs if "=" not in a]
    resets = [k for r in p.get("reset", []) for k in r.split(",") if k]
    if not sets and not resets:
        state = load(ctx.dir)
        check_model(state, p)
        now = clock()
        app = need_app(state, name, now)
        options = (
            catalogue.resolve_in(state, app["charm"], app["channel"]).options
            if catalogue.known_charm(app["charm"])
            else {}
        )
        if len(gets) > 1:
            raise JujuError("can only retrieve a single value, or all values", 2)
        if gets:
            key = gets[0]
            if key == "trust":
                ctx.say("true" if app.get("trust") else "false")
                return
            if key not in options:
                raise JujuError(f'key "{key}" not found in "{name}" application config or charm settings.')
            value = app.get("config", {}).get(key, options[key][1])
            ctx.say(juju_print.config_value_text(value))
            return
        data = juju_print.config_yaml(name, app, options)
        ctx.say((to_json(data) if p.get("format") == "json" else to_yaml(data)).rstrip("\n"))
        return
    if gets:
        raise JujuError("cannot get and set values at the same time", 2)
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        app = need_app(state, name, now)
        options = catalogue.resolve_in(state, app["charm"], app["channel"]).options
        changed = False
        for pair in sets:
            key, _, raw = pair.partition("=")
            if key == "trust":
                app["trust"] = raw.lower() == "true"
                changed = True
                continue
            if key not in options:
                raise JujuError(f'unknown option "{key}"')
            try:
                value = catalogue.coerce_option(options[key][0], raw)
            except ValueError as exc:
                raise JujuError(f'option "{key}" {exc}') from None
            current = app.get("config", {}).get(key, options[key][1])
            if key in app.get("config", {}) and current == value:
                ctx.info(f'WARNING the configuration setting "{key}" already has the value "{raw}"')
                continue
            app.setdefault("config", {})[key] = value
            changed = True
        for key in resets:
            if key not in options and key != "trust":
                raise JujuError(f'unknown option "{key}"')
            if key == "trust":
                app["trust"] = False
            elif app.get("config", {}).pop(key, None) is not None:
                changed = True
        if changed:
            charms.add_activity(app, "config", now, delay(state, CONFIG_SECONDS))
            app["pod_delay"] = delay(state, CONFIG_SECONDS) * 0.6
        finish(state, ctx, now)


def cmd_show_unit(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {
            **MODEL_FLAGS,
            "--format": "format",
            "-o": "output",
            "--endpoint": "endpoint",
            "--related-unit": "related",
            "--app": "app_only",
        },
        {"--app": "app_only"},
    )
    if not p.args:
        raise JujuError("an unit name must be specified", 2)
    state = load(ctx.dir)
    check_model(state, p)
    now = clock()
    result: dict[str, Any] = {}
    for unit in p.args:
        data = juju_print.show_unit(state, unit, now)
        if data is None:
            raise JujuError(f'getting details for unit {unit}: unit "{unit}" not found')
        endpoint = p.get("endpoint")
        if endpoint:
            for body in data.values():
                body["relation-info"] = [r for r in body["relation-info"] if r["endpoint"] == endpoint]
        result.update(data)
    ctx.say(
        (json.dumps(result) if p.get("format") == "json" else to_yaml(result, sort_keys=False)).rstrip("\n")
    )


def cmd_show_application(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS, "--format": "format"})
    state = load(ctx.dir)
    check_model(state, p)
    now = clock()
    out = {}
    for name in p.args:
        app = need_app(state, name, now)
        out[name] = {
            "charm": app["charm"],
            "base": {"name": "ubuntu", "channel": app.get("base", "22.04")},
            "channel": app["channel"],
            "constraints": {"arch": "amd64"},
            "principal": True,
            "exposed": False,
            "remote": False,
            "life": "alive",
            "endpoint-bindings": {"": "alpha", **{e: "alpha" for e in sorted(app.get("endpoint_names", []))}},
        }
    ctx.say((json.dumps(out) if p.get("format") == "json" else to_yaml(out)).rstrip("\n"))


def cmd_export_bundle(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {**MODEL_FLAGS, "--filename": "filename"},
        {"--include-charm-defaults": "defaults", "--include-series": "series"},
    )
    state = load(ctx.dir)
    check_model(state, p)
    text = to_yaml(juju_print.export_bundle(state, clock()), sort_keys=False)
    if p.get("filename"):
        Path(p.get("filename")).write_text(text)
        ctx.say(f"Bundle successfully exported to {p.get('filename')}")
    else:
        ctx.say(text.rstrip("\n"))


def cmd_version(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {"--format": "format", "-o": "output"}, {"--all": "all"})
    state = load(ctx.dir)
    # Juju 2.9 named its builds after the OS ("2.9.34-ubuntu-amd64"); 3.x says genericlinux.
    os_name = "ubuntu" if state["model"]["version"].startswith("2.") else "genericlinux"
    version = f"{state['model']['version']}-{os_name}-amd64"
    ctx.say(json.dumps(version) if p.get("format") == "json" else version)


def cmd_models(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {"--format": "format", "-c": "controller", "--controller": "controller"},
        {"--all": "all", "--uuid": "uuid", "--exact-time": "exact"},
    )
    state = load(ctx.dir)
    m = state["model"]
    units = sum(len(a.get("units", [])) for a in model.apps(state, clock()).values())
    if p.get("format") in ("json", "yaml"):
        data = {
            "models": [
                {
                    "name": "admin/controller",
                    "short-name": "controller",
                    "model-uuid": m["controller_model_uuid"],
                    "model-type": "caas",
                    "controller-name": m["controller"],
                    "is-controller": True,
                    "owner": "admin",
                    "cloud": m["cloud"],
                    "region": m["region"],
                    "type": "kubernetes",
                    "life": "alive",
                    "status": {"current": "available"},
                    "access": "admin",
                    "agent-version": m["version"],
                },
                {
                    "name": f"admin/{m['name']}",
                    "short-name": m["name"],
                    "model-uuid": m["uuid"],
                    "model-type": "caas",
                    "controller-name": m["controller"],
                    "is-controller": False,
                    "owner": "admin",
                    "cloud": m["cloud"],
                    "region": m["region"],
                    "type": "kubernetes",
                    "life": "alive",
                    "status": {"current": "available"},
                    "access": "admin",
                    "agent-version": m["version"],
                },
            ],
            "current-model": m["name"],
        }
        ctx.say(
            (json.dumps(data) if p.get("format") == "json" else to_yaml(data, sort_keys=False)).rstrip("\n")
        )
        return
    from .formats import table

    rows = [
        ["Model", "Cloud/Region", "Type", "Status", "Units", "Access", "Last connection"],
        ["controller", f"{m['cloud']}/{m['region']}", "kubernetes", "available", "1", "admin", "just now"],
        [
            f"{m['name']}*",
            f"{m['cloud']}/{m['region']}",
            "kubernetes",
            "available",
            str(units),
            "admin",
            "just now",
        ],
    ]
    ctx.say(f"Controller: {m['controller']}\n\n" + table(rows, padding=2).rstrip("\n"))


def cmd_show_model(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS, "--format": "format", "-o": "output"})
    state = load(ctx.dir)
    m = state["model"]
    name = p.args[0] if p.args else m["name"]
    if name.split(":")[-1].split("/")[-1] != m["name"]:
        raise JujuError(f"model {m['controller']}:admin/{name} not found")
    from .formats import juju_since

    data = {
        m["name"]: {
            "name": f"admin/{m['name']}",
            "short-name": m["name"],
            "model-uuid": m["uuid"],
            "model-type": "caas",
            "controller-uuid": m["controller_uuid"],
            "controller-name": m["controller"],
            "is-controller": False,
            "owner": "admin",
            "cloud": m["cloud"],
            "region": m["region"],
            "type": "kubernetes",
            "life": "alive",
            "status": {"current": "available", "since": juju_since(m["created"])},
            "users": {"admin": {"display-name": "admin", "access": "admin", "last-connection": "just now"}},
            "sla": "unsupported",
            "agent-version": m["version"],
            "credential": {"name": m["cloud"], "owner": "admin", "cloud": m["cloud"]},
        }
    }
    ctx.say((json.dumps(data) if p.get("format") == "json" else to_yaml(data, sort_keys=False)).rstrip("\n"))


def cmd_info(ctx: Context, argv: list[str]) -> None:
    """`juju info CHARM [--channel C] --format=json`: Charmhub's answer, in the shape of Juju's
    cmd/juju/charmhub InfoResponse (`charm.relations` is provides/requires: endpoint -> interface)."""
    p = parse(
        argv,
        {
            **MODEL_FLAGS,
            "--channel": "channel",
            "--format": "format",
            "-o": "output",
            "--arch": "arch",
            "--series": "series",
            "--base": "base",
            "--revision": "revision",
        },
        {"--config": "config", "--unicode": "unicode"},
    )
    if len(p.args) != 1:
        raise JujuError("expected a charm or bundle name", 2)
    name = p.args[0]
    state = load(ctx.dir)
    if not catalogue.known_charm(name):
        raise JujuError(f'No information found for charm or bundle with the name "{name}"')
    channel = p.get("channel")
    try:
        rev = catalogue.resolve_in(state, name, channel)
    except catalogue.ChannelNotFound as exc:
        raise JujuError(f'charm or bundle "{name}" not found in channel "{exc.channel}"') from None
    relations: dict[str, dict[str, str]] = {}
    for ep in rev.endpoints.values():
        if ep.role != "peer":
            relations.setdefault("provides" if ep.role == "provider" else "requires", {})[ep.name] = (
                ep.interface
            )
    channels: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for track in catalogue.tracks(name):
        for risk in catalogue.RISKS:
            channels.setdefault(track, {})[risk] = [
                {
                    "track": track,
                    "risk": risk,
                    "version": "",
                    "revision": catalogue.revision_number(name, track, risk),
                    "released-at": "",
                    "size": 0,
                    "architectures": ["amd64"],
                    "bases": [{"name": "ubuntu", "channel": "22.04"}],
                }
            ]
    data: dict[str, Any] = {
        "type": "charm",
        "id": f"{zlib_id(name)}",
        "name": name,
        "description": "",
        "publisher": "Canonical Kubeflow",
        "summary": "",
        "store-url": f"https://charmhub.io/{name}",
        "charm": {"relations": relations},
        "channels": channels,
        "tracks": catalogue.tracks(name),
    }
    if p.get("format") == "json":
        ctx.say(json.dumps(data))
    else:
        ctx.say(to_yaml(data, sort_keys=False).rstrip("\n"))


def zlib_id(name: str) -> str:
    import zlib

    return f"{zlib.crc32(name.encode()):08x}" * 4


def cmd_switch(ctx: Context, argv: list[str]) -> None:
    state = load(ctx.dir)
    m = state["model"]
    target = argv[0] if argv else m["name"]
    if target.split(":")[-1].split("/")[-1] not in (m["name"], "controller"):
        raise JujuError(f'"{target}" is not the name of a model or controller')
    ctx.info(f"{m['controller']}:admin/{m['name']} (no change)")


def cmd_unsupported(name: str) -> Callable[[Context, list[str]], None]:
    def handler(ctx: Context, argv: list[str]) -> None:
        raise JujuError(f'"{name}" is not available in this rehearsal sandbox')

    return handler


# Changes live in juju_changes, imported only when one is asked for (one command per process).
CHANGES = (
    "deploy",
    "refresh",
    "integrate",
    "remove-relation",
    "remove-application",
    "trust",
    "scale-application",
)
COMMANDS: dict[str, Callable[[Context, list[str]], None]] = {
    "status": cmd_status,
    "config": cmd_config,
    "export-bundle": cmd_export_bundle,
    "show-unit": cmd_show_unit,
    "show-application": cmd_show_application,
    "version": cmd_version,
    "models": cmd_models,
    "show-model": cmd_show_model,
    "switch": cmd_switch,
    "info": cmd_info,
    "run": cmd_unsupported("run"),
    "ssh": cmd_unsupported("ssh"),
    "debug-log": cmd_unsupported("debug-log"),
}


def _handler(command: str):
    if command in CHANGES:
        from . import juju_changes

        return getattr(
            juju_changes, "cmd_" + {"scale-application": "scale"}.get(command, command).replace("-", "_")
        )
    return COMMANDS.get(command)


ALIASES = {
    "relate": "integrate",
    "add-relation": "integrate",
    "upgrade-charm": "refresh",
    "list-models": "models",
    "remove-integration": "remove-relation",
    "--version": "version",
}
