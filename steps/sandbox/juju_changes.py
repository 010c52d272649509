"""juju commands that change the model: deploy, refresh, integrate, remove-relation,
remove-application, trust, scale-application — with Juju's endpoint inference and its errors."""

from __future__ import annotations

import re
import secrets
import uuid
from pathlib import Path
from typing import Any

from . import catalogue, charms, kube, model
from .flags import UsageError, parse
from .juju_common import (
    CONFIG_SECONDS,
    DEPLOY_SECONDS,
    MODEL_FLAGS,
    REFRESH_SECONDS,
    RELATION_SECONDS,
    REMOVE_SECONDS,
    Context,
    JujuError,
    SilentError,
    check_model,
    clock,
    finish,
    need_app,
)
from .state import State, delay, next_counter, transaction


def _storage_spec(raw: str) -> tuple[str, str]:
    name, _, spec = raw.partition("=")
    if not name or not spec:
        raise UsageError(
            f'invalid value "{raw}" for option --storage: expected <store>=<constraints>', "--storage"
        )
    size = None
    for part in spec.split(","):
        if re.fullmatch(r"\d+(\.\d+)?[MGTPEZY]?", part):
            size = part if part[-1].isalpha() else f"{part}M"
        elif re.fullmatch(r"[a-zA-Z][\w-]*", part):
            continue  # a pool name
        else:
            raise UsageError(
                f'invalid value "{raw}" for option --storage: cannot parse size: '
                f'invalid multiplier suffix "{part}", expected one of MGTPEZY',
                "--storage",
            )
    if size is None:
        raise UsageError(
            f'invalid value "{raw}" for option --storage: storage constraints require at least '
            "one field to be specified",
            "--storage",
        )
    return name, size.rstrip("B") + ("i" if size[-1] in "MGT" and not size.endswith("i") else "")


def _apply_charm(app: dict, rev: catalogue.CharmRevision) -> None:
    app.update(
        {
            "charm": rev.charm,
            "track": rev.series,  # what the code is: an era's latest/edge may be 1.7's
            "risk": rev.risk,
            "channel": rev.channel,
            "revision": rev.revision,
            "containers": list(rev.containers),
            "podspec": rev.podspec,
            "peers": {e.name: e.interface for e in rev.endpoints.values() if e.role == "peer"},
            "endpoint_names": sorted(rev.endpoints),
            "defaults": {k: v[1] for k, v in rev.options.items()},
            "workload_version": catalogue.WORKLOAD_VERSIONS.get(rev.charm, ""),
            "base": catalogue.BASES.get(rev.charm, "20.04" if rev.podspec else "22.04"),
        }
    )
    app["config"] = {k: v for k, v in app.get("config", {}).items() if k in rev.options}


def _resolve(state: State, charm: str, channel: str | None) -> catalogue.CharmRevision:
    try:
        return catalogue.resolve_in(state, charm, channel)
    except catalogue.CharmNotFound:
        raise JujuError(f'cannot resolve charm or bundle "{charm}": charm or bundle not found') from None
    except catalogue.ChannelNotFound as exc:
        lines = [
            f'selecting releases: charm or bundle not found for channel "{exc.channel}", '
            f'base "amd64/ubuntu/22.04"',
            "available releases are:",
        ]
        base = "ubuntu@24.04" if charm in catalogue.BASES else "ubuntu@22.04"
        lines += [f'  channel "{ch}": available bases are: {base}' for ch in exc.available]
        raise JujuError("\n".join(lines)) from None


def new_app(
    state: State,
    app_name: str,
    rev: catalogue.CharmRevision,
    config: dict[str, Any],
    *,
    trust: bool,
    scale: int,
    storage: dict[str, str],
    created: float,
    constraints: str | None = None,
) -> dict:
    app: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "created": created,
        "trust": trust,
        "deployed_untrusted": not trust,
        "scale": scale,
        "units": [{"n": i, "leader": i == 0} for i in range(scale)],
        "next_unit": scale,
        "modified_version": 0,
        "pod_delay": 0.0,
    }
    if constraints:
        app["constraints"] = constraints
    _apply_charm(app, rev)
    app["config"] = dict(config)
    if rev.storage:
        app["storage"] = {
            s: {
                "size": storage.get(s, "1Gi"),
                "template": f"{s}-{kube.hex8()}" if rev.podspec else f"{app_name}-{s}-{kube.hex8()}",
            }
            for s in rev.storage
        }
    if rev.charm == "minio":
        # An empty secret-key makes the charm generate one and keep it to itself (StoredState).
        app["generated_secret"] = secrets.token_urlsafe(12)
    state.setdefault("apps", {})[app_name] = app
    return app


def cmd_deploy(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {
            **MODEL_FLAGS,
            "--channel": "channel",
            "--config": "config",
            "--storage": "storage",
            "--base": "base",
            "--revision": "revision",
            "-n": "num",
            "--num-units": "num",
            "--constraints": "constraints",
            "--resource": "resource",
            "--series": "series",
        },
        {"--trust": "trust", "--dry-run": "dryrun", "--force": "force"},
        multi=["config", "storage", "resource"],
    )
    if not p.args:
        raise JujuError("no charm name specified", 2)
    charm = p.args[0].removeprefix("ch:")
    app_name = p.args[1] if len(p.args) > 1 else charm
    storage = dict(_storage_spec(s) for s in p.get("storage", []))
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        if model.app(state, app_name, now) is not None:
            raise JujuError(f'cannot add application "{app_name}": application already exists')
        rev = _resolve(state, charm, p.get("channel"))
        config: dict[str, Any] = {}
        for item in p.get("config", []):
            if "=" not in item:
                raise JujuError(
                    f'cannot read config file "{item}": no such file or directory'
                    if not Path(item).exists()
                    else "config files are not supported in the sandbox"
                )
            key, _, raw = item.partition("=")
            if key not in rev.options:
                raise JujuError(f'unknown option "{key}"')
            try:
                config[key] = catalogue.coerce_option(rev.options[key][0], raw)
            except ValueError as exc:
                raise JujuError(f'option "{key}" {exc}') from None
        for store in storage:
            if store not in rev.storage:
                raise JujuError(f'charm "{charm}" has no store called "{store}"')
        seconds = DEPLOY_SECONDS.get(charm, 15)
        app = new_app(
            state,
            app_name,
            rev,
            config,
            trust=bool(p.get("trust")),
            scale=int(p.get("num", 1)),
            storage=storage,
            created=now,
            constraints=p.get("constraints"),
        )
        app["pod_delay"] = delay(state, seconds) * 0.6
        charms.add_activity(app, "deploy", now, delay(state, seconds))
        finish(state, ctx, now)
        base = app["base"]
        ctx.info(
            f'Deployed "{app_name}" from charm-hub charm "{charm}", revision {rev.revision} in channel '
            f"{rev.channel} on ubuntu@{base}/stable"
        )


def cmd_refresh(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {
            **MODEL_FLAGS,
            "--channel": "channel",
            "--revision": "revision",
            "--switch": "switch",
            "--base": "base",
            "--resource": "resource",
            "--config": "config",
        },
        {"--trust": "trust", "--force": "force", "--force-units": "force_units", "--force-base": "fb"},
        multi=["resource", "config"],
    )
    if len(p.args) != 1:
        raise JujuError("no application specified" if not p.args else f"unrecognized args: {p.args[1:]}", 2)
    name = p.args[0]
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        app = need_app(state, name, now)
        channel = p.get("channel") or app["channel"]
        rev = _resolve(state, app["charm"], channel)
        if rev.revision == app["revision"] and rev.channel == app["channel"] and not p.get("trust"):
            ctx.info(f'charm "{name}": already up-to-date')
            return
        # Juju refuses a charm that lacks an endpoint a current relation uses.
        for local, remote, _ in model.local_endpoints(state, name, now):
            if local.endpoint not in rev.endpoints:
                raise JujuError(
                    f'cannot upgrade application "{name}" to charm "ch:amd64/{rev.charm}-{rev.revision}": '
                    f'would break relation "{local} {remote}"'
                )
        if app["charm"] == "istio-pilot":
            app["istio_skipped"] = _minor_jump(app.get("track", ""), rev.series) > 1
        _apply_charm(app, rev)
        app["modified_version"] = app.get("modified_version", 0) + 1
        app["inject"] = False  # the migrated revisions no longer ask for a sidecar
        if p.get("trust"):
            app["trust"] = True
        charms.add_activity(app, "refresh", now, delay(state, REFRESH_SECONDS))
        app["pod_delay"] = delay(state, REFRESH_SECONDS) * 0.6
        finish(state, ctx, now)
        ctx.info(
            f'Added charm-hub charm "{rev.charm}", revision {rev.revision} '
            f"in channel {rev.channel}, to the model"
        )


def _minor_jump(old: str, new: str) -> int:
    """Minor versions between two `1.N` tracks (0 when either is not one)."""
    try:
        return int(new.split(".")[1]) - int(old.split(".")[1])
    except (IndexError, ValueError):
        return 0


def _endpoint_candidates(state: State, name: str, now: float) -> tuple[str, str | None, dict]:
    app_name, _, ep = name.partition(":")
    if ":" in name and (not ep or not app_name):
        raise JujuError(f'invalid endpoint "{name}"', 2)
    app = need_app(state, app_name, now)
    return app_name, ep or None, app


def plan_relation(
    state: State, names: list[str], now: float
) -> tuple[str, catalogue.Endpoint, str, catalogue.Endpoint]:
    """Juju's endpoint inference: named endpoints must exist; unnamed ones match by interface."""
    ends = []
    for name in names:
        app_name, ep, app = _endpoint_candidates(state, name, now)
        eps = catalogue.resolve_in(state, app["charm"], app["channel"]).endpoints
        if ep is not None:
            if ep not in eps:
                raise JujuError(f'application "{app_name}" has no "{ep}" relation')
            chosen = [eps[ep]]
        else:
            chosen = [e for e in eps.values() if e.role != "peer"]
        ends.append((app_name, chosen))
    (a_name, a_eps), (b_name, b_eps) = ends
    candidates = [
        (a, b)
        for a in a_eps
        for b in b_eps
        if a.interface == b.interface and {a.role, b.role} == {"provider", "requirer"}
    ]
    if not candidates:
        raise JujuError("no relations found")
    if len(candidates) > 1:
        keys = sorted(f'"{_key(a_name, a, b_name, b)}"' for a, b in candidates)
        raise JujuError(f'ambiguous relation: "{" ".join(names)}" could refer to {"; ".join(keys)}')
    a, b = candidates[0]
    key = _key(a_name, a, b_name, b)
    for rel in model.relations(state, now):
        x, y = model.sides(rel)
        if {(x.app, x.endpoint), (y.app, y.endpoint)} == {(a_name, a.name), (b_name, b.name)}:
            raise JujuError(
                f'cannot add relation "{key}"\nrelation {key} already exists: \n\n'
                "Use 'juju status --relations' to view the current relations."
            )
    for app_name, end in ((a_name, a), (b_name, b)):
        if end.limit:
            used = len(model.related(state, app_name, end.name, now))
            if used >= end.limit:
                raise JujuError(
                    f'cannot add relation "{key}": establishing a new relation for '
                    f"{app_name}:{end.name} would exceed its maximum relation limit of {end.limit}"
                )
    return a_name, a, b_name, b


def add_relation(
    state: State,
    a_name: str,
    a: catalogue.Endpoint,
    b_name: str,
    b: catalogue.Endpoint,
    now: float,
    settle: bool = True,
) -> dict:
    rel_id = next_counter(state, "relation_id", 0)
    rel = {
        "id": rel_id,
        "created": now,
        "eps": [[a_name, a.name, a.role, a.interface], [b_name, b.name, b.role, b.interface]],
    }
    state.setdefault("relations", []).append(rel)
    if settle:
        for app_name, ep in ((a_name, a), (b_name, b)):
            app = state["apps"][app_name]
            charms.add_activity(app, "relation-joined", now, delay(state, RELATION_SECONDS), endpoint=ep.name)
            app["pod_delay"] = delay(state, RELATION_SECONDS) * 0.6
    return rel


def cmd_integrate(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS, "--via": "via"})
    if len(p.args) != 2:
        raise JujuError("an integration must involve two applications", 2)
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        a_name, a, b_name, b = plan_relation(state, p.args, now)
        add_relation(state, a_name, a, b_name, b, now)
        finish(state, ctx, now)


def _key(a_name: str, a: catalogue.Endpoint, b_name: str, b: catalogue.Endpoint) -> str:
    """Juju's relation key: the requirer first, then the provider."""
    ends = sorted(
        [(a.role, f"{a_name}:{a.name}"), (b.role, f"{b_name}:{b.name}")],
        key=lambda e: ({"requirer": 0, "provider": 1, "peer": 2}[e[0]], e[1]),
    )
    return " ".join(e[1] for e in ends)


def cmd_remove_relation(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS}, {"--force": "force", "--no-prompt": "noprompt"})
    if len(p.args) not in (1, 2):
        raise JujuError("a relation must involve two applications", 2)
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        live = model.relations(state, now)
        if len(p.args) == 1 and p.args[0].isdigit():
            matches = [r for r in live if r["id"] == int(p.args[0])]
            if not matches:
                raise JujuError(f"relation {p.args[0]} not found")
        else:
            for name in p.args:
                _endpoint_candidates(state, name, now)
            matches = [r for r in live if _rel_matches(r, p.args)]
            if not matches:
                raise JujuError(f'relation matching "{" ".join(p.args)}" not found')
            if len(matches) > 1:
                keys = "; ".join(f'"{_rel_key(r)}"' for r in matches)
                raise JujuError(f'ambiguous relation: "{" ".join(p.args)}" could refer to {keys}')
        rel = matches[0]
        if rel.get("gone_at") is not None:
            return
        d = delay(state, RELATION_SECONDS)
        rel["gone_at"] = now + d
        for side in model.sides(rel):
            app = state["apps"][side.app]
            charms.add_activity(app, "relation-broken", now, d, endpoint=side.endpoint)
        finish(state, ctx, now)


def _rel_matches(rel: dict, names: list[str]) -> bool:
    a, b = model.sides(rel)

    def fits(side: model.Side, name: str) -> bool:
        app_name, _, ep = name.partition(":")
        return side.app == app_name and (not ep or side.endpoint == ep)

    if len(names) == 1:
        return fits(a, names[0]) or fits(b, names[0])
    return (fits(a, names[0]) and fits(b, names[1])) or (fits(b, names[0]) and fits(a, names[1]))


def _rel_key(rel: dict) -> str:
    a, b = model.sides(rel)
    ends = sorted([a, b], key=lambda s: ({"requirer": 0, "provider": 1, "peer": 2}[s.role], str(s)))
    return " ".join(str(s) for s in ends)


def cmd_remove_application(ctx: Context, argv: list[str]) -> None:
    p = parse(
        argv,
        {**MODEL_FLAGS},
        {
            "--no-prompt": "noprompt",
            "--force": "force",
            "--no-wait": "nowait",
            "--destroy-storage": "destroy",
            "--dry-run": "dryrun",
        },
    )
    if not p.args:
        raise JujuError("no application specified", 2)
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        plan = []
        failed = []
        for name in p.args:
            app = model.app(state, name, now)
            if app is None:
                failed.append(name)
                continue
            lines = [f"will remove application {name}"]
            lines += [f"- will remove unit {u}" for u in model.unit_names(name, app)]
            for i, store in enumerate(app.get("storage", {})):
                verb = "destroy" if p.get("destroy") else "detach"
                lines.append(f"- will {verb} storage {store}/{i}")
            plan.append((name, app, lines))
        text = "\n".join(line for _, _, lines in plan for line in lines)
        if p.get("dryrun"):
            ctx.info(text)
            return
        if plan and str(state["model"]["version"]).startswith("2."):
            # Juju 2.9 never asks: it says what it removes and goes on.
            ctx.info(
                "\n".join(
                    line if i else f"removing application {name}"
                    for name, _, lines in plan
                    for i, line in enumerate(lines)
                    if not line.startswith("- will remove unit")
                )
            )
        elif plan and not p.get("noprompt"):
            ctx.info("WARNING This command will perform the following actions:\n" + text + "\n")
            ctx.err.append("Continue [y/N]? ")
            answer = ctx.stdin.decode(errors="replace").strip().lower()
            if answer not in ("y", "yes"):
                ctx.err.append("\n")
                raise JujuError("application removal: aborted")
        elif plan:
            ctx.info(text)
        for name, app, _ in plan:
            if app.get("gone_at") is not None:
                continue
            d = delay(state, REMOVE_SECONDS)
            app["gone_at"] = now + d
            app["removing_since"] = now
            app["life"] = "dying"
            if p.get("destroy"):
                app["destroy_storage"] = True
            for _local, remote, _ in model.local_endpoints(state, name, now):
                other = state["apps"][remote.app]
                if other.get("gone_at") is None:
                    charms.add_activity(
                        other,
                        "relation-broken",
                        now + d,
                        delay(state, RELATION_SECONDS),
                        endpoint=remote.endpoint,
                    )
        finish(state, ctx, now)
    # Outside the transaction: the removals that did succeed must be written.
    if failed:
        for name in failed:
            ctx.err.append(f'ERROR removing application {name} failed: application "{name}" not found\n')
        raise SilentError()


def cmd_trust(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS, "--scope": "scope"}, {"--remove": "remove"})
    if len(p.args) != 1:
        raise JujuError("no application name specified", 2)
    if p.get("scope") not in (None, "cluster"):
        raise JujuError(f'scope "{p.get("scope")}" not valid', 2)
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        app = need_app(state, p.args[0], now)
        app["trust"] = not p.get("remove")
        charms.add_activity(app, "trust", now, delay(state, CONFIG_SECONDS))
        finish(state, ctx, now)


def cmd_scale(ctx: Context, argv: list[str]) -> None:
    p = parse(argv, {**MODEL_FLAGS})
    if len(p.args) != 2 or not p.args[1].isdigit():
        raise JujuError("no application name and scale specified", 2)
    name, scale = p.args[0], int(p.args[1])
    with transaction(ctx.dir) as state:
        check_model(state, p)
        now = clock()
        app = need_app(state, name, now)
        units = app.get("units", [])
        while len(units) > scale:
            units.pop()
        while len(units) < scale:
            n = app.get("next_unit", len(units))
            app["next_unit"] = n + 1
            units.append({"n": n, "leader": not units})
        app["units"] = units
        app["scale"] = scale
        charms.add_activity(app, "config", now, delay(state, CONFIG_SECONDS))
        finish(state, ctx, now)
        ctx.say(f"{name} scaled to {scale} units")
