"""Generators for relation bookkeeping: remove every relation of the model, and restore them.

The CKF 1.6 → 1.7 guide removes relations with `juju status --relations | grep regular | awk … |
xargs juju remove-relation`; here they come from the model's real relation list instead, and the
list is journaled so the restore step re-creates exactly what was removed.
"""

from __future__ import annotations

from ..model import Command
from .context import GenContext, Generated


def model_relations(ctx: GenContext, only_app: str = "") -> list[tuple[str, str]]:
    """Each non-peer relation once, as ("app:endpoint", "other:endpoint") in a stable order."""
    if ctx.state is None:
        return []
    pairs: set[tuple[str, str]] = set()
    for app in ctx.state.apps.values():
        for rel in app.relations:
            if rel.related_app == app.name:  # a peer relation: not removable, not restored
                continue
            other = ctx.state.apps.get(rel.related_app)
            other_ep = ""
            if other is not None:
                back = [
                    r for r in other.relations if r.related_app == app.name and r.interface == rel.interface
                ]
                other_ep = back[0].endpoint if back else ""
            a = f"{app.name}:{rel.endpoint}"
            b = f"{rel.related_app}:{other_ep}" if other_ep else rel.related_app
            if only_app and only_app not in (app.name, rel.related_app):
                continue
            pairs.add(tuple(sorted((a, b))))  # type: ignore[arg-type]
    return sorted(pairs)


def remove_relations(ctx: GenContext) -> Generated:
    model = str(ctx.params.get("model", ""))
    app = ctx.args.get("app", "")
    pairs = model_relations(ctx, app)
    commands = tuple(("juju", "remove-relation", "-m", model, a, b) for a, b in pairs)
    return Generated(commands=commands, record=[list(p) for p in pairs])


def restore_relations(ctx: GenContext) -> Generated:
    """Re-create what the `remove-relations` steps named in `from` (and `also`) removed.

    Their records come from the journal, so a resumed session restores the same list. A charm may
    rename an endpoint between versions (katib-db-manager's `mysql`): when the recorded endpoints
    are refused, the app-only form lets Juju match the endpoints by interface.
    """
    model = str(ctx.params.get("model", ""))
    # Juju 2.9 has no `integrate`: speak the dialect the runbook's `juju` param names.
    verb = "relate" if str(ctx.params.get("juju") or "") == "2.9" else "integrate"
    pairs: list[tuple[str, str]] = []
    for key in ("from", "also"):
        for pair in ctx.produced.get(ctx.args.get(key, "")) or []:
            item = (str(pair[0]), str(pair[1]))
            if item not in pairs:
                pairs.append(item)
    commands = tuple(
        Command(
            argv=("juju", verb, "-m", model, a, b),
            fallback=(Command(argv=("juju", verb, "-m", model, a.split(":")[0], b.split(":")[0])),),
        )
        for a, b in pairs
    )
    return Generated(commands=commands, record=[list(p) for p in pairs])


# The generators this module offers, by the name a runbook uses (see generators/__init__.py).
GENERATORS = {
    "remove-relations": remove_relations,
    "restore-relations": restore_relations,
}
