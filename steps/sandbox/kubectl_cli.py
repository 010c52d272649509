"""`kubectl` against the sandbox: get/describe/patch/delete/rollout/apply/wait/exec/label/version,
with kubectl 1.32's output shapes, messages and exit codes."""

from __future__ import annotations

from pathlib import Path

from . import jsonpath, kinds, kube, kube_print, shown
from .flags import UsageError
from .formats import to_json, to_yaml
from .kubectl_common import (
    Ctx,
    KubectlError,
    Obj,
    Result,
    namespace_of,
    not_found,
    parse_args,
    resolve_targets,
    subcommand,
    visible,
)
from .selectors import SelectorError, field_matcher, label_matcher
from .state import State, load, now


def main(argv: list[str], sandbox_dir: Path, env: dict[str, str], stdin=None) -> Result:
    ctx = Ctx(sandbox_dir, stdin)
    args = list(argv[1:])
    try:
        sub, rest = subcommand(args)
        handler = _handler(sub)
        if handler is None:
            raise KubectlError(
                f'unknown command "{sub}" for "kubectl"\n\nDid you mean this?\n\tget\n\n'
                "Run 'kubectl --help' for usage."
            )
        code = handler(ctx, rest) or 0
    except UsageError as exc:
        return 1, "".join(ctx.out), "".join(ctx.err) + f"error: {exc}\nSee 'kubectl --help' for usage.\n"
    except SelectorError as exc:
        return 1, "".join(ctx.out), "".join(ctx.err) + f"error: {exc}\n"
    except jsonpath.JsonPathError as exc:
        return 1, "".join(ctx.out), "".join(ctx.err) + f"error: error parsing jsonpath: {exc}\n"
    except KubectlError as exc:
        tail = str(exc)
        return exc.code, "".join(ctx.out), "".join(ctx.err) + (tail + "\n" if tail else "")
    return code, "".join(ctx.out), "".join(ctx.err)


def cmd_get(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    if p.get("watch"):
        raise KubectlError("error: --watch is not supported in the rehearsal sandbox")
    state = load(ctx.dir)
    t = now()
    all_ns = bool(p.get("all_namespaces"))
    ns = None if all_ns else namespace_of(p)
    lmatch = label_matcher(p.get("selector"))
    targets = resolve_targets(state, p.args)
    groups: list[tuple[kinds.Kind, list[Obj]]] = []
    errors: list[str] = []
    single = len(targets) == 1 and len(targets[0][1]) == 1
    for kind, names in targets:
        found = []
        if names:
            for name in names:
                obj = (
                    kube.get(state, kinds.store_key(kind), ns if kind.namespaced else None, name, t)
                    if not all_ns or not kind.namespaced
                    else next(
                        (o for o in visible(state, kind, t, None) if o["metadata"]["name"] == name), None
                    )
                )
                if obj is None:
                    if not p.get("ignore_not_found"):
                        errors.append(not_found(kind, name))
                    continue
                found.append(obj)
        else:
            found = [o for o in visible(state, kind, t, ns) if lmatch(kube.labels_of(o))]
        rendered = [shown.render(state, o, t) for o in found]
        if p.get("fields"):
            fmatch = field_matcher(p.get("fields"))
            rendered = [o for o in rendered if fmatch(o)]
        groups.append((kind, rendered))
    out = p.get("output") or ""
    total = sum(len(objs) for _, objs in groups)
    if total == 0 and not errors and out in ("", "wide", "name"):
        if not p.get("ignore_not_found"):
            # kubectl's wording: with -A no namespace and no full stop; without it the namespace,
            # even for cluster-scoped types (nothing printed told it they were not namespaced).
            ctx.err.append("No resources found\n" if all_ns else f"No resources found in {ns} namespace.\n")
        return 0
    ctx.out.append(_format(state, groups, out, t, single and total == 1, p, all_ns, len(targets) > 1))
    if errors:
        ctx.err.append("\n".join(errors) + "\n")
        return 1
    return 0


def _as_list(items: list[Obj]) -> Obj:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def _format(state: State, groups, out: str, t: float, single: bool, p, all_ns: bool, multi_kind: bool) -> str:
    items = [o for _, objs in groups for o in objs]
    if out.startswith("jsonpath") or out.startswith("go-template") or out.startswith("custom-columns"):
        kind_, _, template = out.partition("=")
        if not template and kind_.endswith("-file"):
            raise KubectlError("error: template files are not supported in the rehearsal sandbox")
        data = items[0] if single else _as_list(items)
        if kind_.startswith("jsonpath"):
            text = jsonpath.render(template.strip("'"), data)
            return text
        if kind_.startswith("custom-columns"):
            return _custom_columns(template, items)
        raise KubectlError("error: go-template output is not supported in the rehearsal sandbox")
    if out == "json":
        return to_json(items[0] if single else _as_list(items))
    if out == "yaml":
        return to_yaml(items[0] if single else _as_list(items))
    if out == "name":
        return "".join(f"{kind.qualified}/{o['metadata']['name']}\n" for kind, objs in groups for o in objs)
    if out not in ("", "wide"):
        raise KubectlError(
            f'error: unable to match a printer suitable for the output format "{out}", allowed '
            "formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,"
            "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml"
        )
    label_columns = [
        c for v in ([p.get("label_columns")] if p.get("label_columns") else []) for c in v.split(",")
    ]
    return kube_print.render_table(
        state,
        groups,
        t,
        wide=out == "wide",
        all_namespaces=all_ns,
        show_labels=bool(p.get("show_labels")),
        no_headers=bool(p.get("no_headers")),
        prefix=multi_kind,
        label_columns=label_columns,
    )


def _custom_columns(spec: str, items: list[Obj]) -> str:
    from .formats import table

    cols = [c.split(":", 1) for c in spec.split(",")]
    rows = [[c[0] for c in cols]]
    for item in items:
        cells = []
        for _, path in cols:
            values = jsonpath.evaluate(path if path.startswith(".") else "." + path, item, item)
            cells.append(",".join(jsonpath._text(v) for v in values) if values else "<none>")
        rows.append(cells)
    return table(rows, padding=3, minwidth=6)


def cmd_describe(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    state = load(ctx.dir)
    t = now()
    ns = namespace_of(p)
    lmatch = label_matcher(p.get("selector"))
    rc = 0
    chunks = []
    for kind, names in resolve_targets(state, p.args):
        if names:
            for name in names:
                objs = [
                    o
                    for o in visible(state, kind, t, None if p.get("all_namespaces") else ns)
                    if o["metadata"]["name"] == name or o["metadata"]["name"].startswith(name)
                ]
                if not objs:
                    ctx.err.append(not_found(kind, name) + "\n")
                    rc = 1
                for obj in objs:
                    chunks.append(kube_print.describe(state, kind, shown.render(state, obj, t), t))
        else:
            for obj in visible(state, kind, t, None if p.get("all_namespaces") else ns):
                if lmatch(kube.labels_of(obj)):
                    chunks.append(kube_print.describe(state, kind, shown.render(state, obj, t), t))
    ctx.out.append("\n\n".join(c.rstrip("\n") for c in chunks) + ("\n" if chunks else ""))
    if not chunks and rc == 0:
        ctx.err.append(f"No resources found in {ns} namespace.\n")
    return rc


def cmd_version(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    state = load(ctx.dir)
    server = state["cluster"]["k8s_version"]
    client = state["cluster"].get("kubectl_version", server)
    if p.get("output") in ("json", "yaml"):

        def info(v: str) -> Obj:
            major, minor = v.lstrip("v").split(".")[:2]
            return {
                "major": major,
                "minor": minor,
                "gitVersion": v,
                "gitCommit": "0" * 40,
                "gitTreeState": "clean",
                "buildDate": "2025-03-12T08:28:59Z",
                "goVersion": "go1.23.6",
                "compiler": "gc",
                "platform": "linux/amd64",
            }

        data: Obj = {"clientVersion": info(client), "kustomizeVersion": "v5.5.0"}
        if not p.get("client"):
            data["serverVersion"] = info(server)
        ctx.out.append(to_json(data) if p.get("output") == "json" else to_yaml(data))
        return 0
    text = f"Client Version: {client}\nKustomize Version: v5.5.0\n"
    if not p.get("client"):
        text += f"Server Version: {server}\n"
    ctx.out.append(text)
    return 0


# Commands by module: only the module a command needs is imported (one command per process).
COMMANDS = {
    "get": "kubectl_cli",
    "describe": "kubectl_cli",
    "version": "kubectl_cli",
    "patch": "kubectl_edit",
    "delete": "kubectl_edit",
    "apply": "kubectl_edit",
    "create": "kubectl_edit",
    "label": "kubectl_edit",
    "annotate": "kubectl_edit",
    "rollout": "kubectl_run",
    "wait": "kubectl_run",
    "exec": "kubectl_run",
    "logs": "kubectl_run",
    "run": "kubectl_run_pod",
}


def _handler(sub: str):
    import importlib

    module = COMMANDS.get(sub)
    if module is None:
        return None
    return getattr(importlib.import_module(f"{__package__}.{module}"), f"cmd_{sub}")
