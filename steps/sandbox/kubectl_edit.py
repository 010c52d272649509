"""kubectl commands that change the cluster: patch, label/annotate, delete, apply/create."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from . import kinds, kube, lifecycle, pods, workloads
from .kubectl_common import (
    ROLLABLE,
    Ctx,
    KubectlError,
    Obj,
    namespace_of,
    not_found,
    parse_args,
    resolve_kind,
    resolve_targets,
    visible,
)
from .selectors import label_matcher
from .state import State, delay, now, transaction


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def _json_patch(target: Any, ops: list[Obj]) -> Any:
    doc = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1] if parts else ""
        kind = op["op"]
        if kind in ("add", "replace"):
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                if kind == "add":
                    parent.insert(index, op["value"])
                else:
                    parent[index] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise KubectlError(
                        f"The request is invalid: the server rejected our request due to an error in "
                        f"our request: replace operation does not apply: doc is missing key: /{last}"
                    )
                parent[last] = op["value"]
        elif kind == "remove":
            if isinstance(parent, list):
                parent.pop(int(last))
            else:
                parent.pop(last, None)
    return doc


def cmd_patch(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv)
    raw = p.get("patch")
    if raw is None:
        raise KubectlError("error: must specify --patch or --patch-file containing the contents of the patch")
    ptype = p.get("type", "strategic")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        try:
            from .formats import load_yaml_documents

            docs = load_yaml_documents(raw)
            body = docs[0] if docs else None
        except Exception:
            body = None
        if body is None or isinstance(body, str):
            raise KubectlError(
                f'error: unable to parse "{raw}": yaml: did not find expected node content'
            ) from None
    with transaction(ctx.dir) as state:
        t = now()
        ns = namespace_of(p)
        messages = []
        for kind, names in resolve_targets(state, p.args):
            if not names:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            for name in names:
                obj = kube.get(state, kinds.store_key(kind), ns if kind.namespaced else None, name, t)
                if obj is None:
                    raise KubectlError(not_found(kind, name))
                if ptype == "strategic" and not kind.builtin:
                    raise KubectlError(
                        f"error: application/strategic-merge-patch+json is not supported by "
                        f"{kind.group}/{kind.version}, Kind={kind.kind}: the body of the request "
                        "was in an unknown format - accepted media types include: "
                        "application/json-patch+json, application/merge-patch+json, "
                        "application/apply-patch+yaml"
                    )
                public = kube.public(obj)
                patched = _json_patch(public, body) if ptype == "json" else _merge_patch(public, body)
                if patched == public:
                    messages.append(f"{kind.qualified}/{name} patched (no change)")
                    continue
                private = obj.get("_", {})
                obj.clear()
                obj.update(patched)
                obj["_"] = private
                kube.touch(state, obj)
                after_change(state, obj, public, t)
                messages.append(f"{kind.qualified}/{name} patched")
        workloads.after_change(state, t, ctx.dir)
    ctx.out.append("\n".join(messages) + "\n")
    return 0


def after_change(state: State, obj: Obj, before: Obj, t: float) -> None:
    """Controllers reacting to an edit: a changed pod template rolls the workload's pods."""
    if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
        if obj["spec"].get("template") != before.get("spec", {}).get("template"):
            obj["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
            pods.roll_pods(state, obj, t, delay(state, 4))
            cilium_restarted(state, obj)


def cilium_restarted(state: State, obj: Obj) -> None:
    """Cilium agents read cilium-config when they start: a new pod generation picks up edits."""
    if (
        obj["kind"] == "DaemonSet"
        and obj["metadata"]["name"] == "cilium"
        and obj["metadata"].get("namespace") == "kube-system"
    ):
        cm = kube.get(state, "ConfigMap", "kube-system", "cilium-config", now())
        state["cluster"]["cilium_effective"] = dict(cm.get("data", {})) if cm else {}


def cmd_label(ctx: Ctx, argv: list[str], field: str = "labels", verb: str = "labeled") -> int:
    p = parse_args(argv)
    with transaction(ctx.dir) as state:
        t = now()
        ns = namespace_of(p)
        args = list(p.args)
        changes = [a for a in args[1:] if "=" in a or a.endswith("-")]
        names_args = [args[0]] + [a for a in args[1:] if a not in changes]
        messages = []
        for kind, names in resolve_targets(state, names_args):
            objs = (
                [kube.get(state, kinds.store_key(kind), ns if kind.namespaced else None, n, t) for n in names]
                if names
                else [
                    o
                    for o in visible(state, kind, t, ns)
                    if p.get("all") or label_matcher(p.get("selector"))(kube.labels_of(o))
                ]
            )
            shown = names or [o["metadata"]["name"] for o in objs if o is not None]
            for name, obj in zip(shown, objs, strict=False):
                if obj is None:
                    raise KubectlError(not_found(kind, name))
                current = obj["metadata"].setdefault(field, {})
                before = dict(current)
                for change in changes:
                    if change.endswith("-") and "=" not in change:
                        if field == "labels" and change[:-1] not in current:
                            messages.append(f'label "{change[:-1]}" not found.')
                        current.pop(change[:-1], None)
                        continue
                    key, _, value = change.partition("=")
                    if key in current and current[key] != value and not p.get("overwrite"):
                        raise KubectlError(
                            f"error: '{key}' already has a value ({current[key]}), and --overwrite is false"
                        )
                    current[key] = value
                if current != before:
                    kube.touch(state, obj)
                word = _change_word(verb, before, current)
                messages.append(f"{kind.qualified}/{obj['metadata']['name']} {word}")
        workloads.after_change(state, t, ctx.dir)
    ctx.out.append("\n".join(messages) + "\n")
    return 0


def _change_word(verb: str, before: dict[str, str], after: dict[str, str]) -> str:
    """kubectl label says what changed (updateDataChangeMsg); kubectl annotate always "annotated"."""
    if verb != "labeled":
        return verb
    removed = any(k not in after for k in before)
    changed = any(k not in before or before[k] != v for k, v in after.items())
    if removed and changed:
        return "label(s) changed"
    return "labeled" if changed else "unlabeled" if removed else "not labeled"


def cmd_annotate(ctx: Ctx, argv: list[str]) -> int:
    return cmd_label(ctx, argv, "annotations", "annotated")


def cmd_delete(ctx: Ctx, argv: list[str]) -> int:
    p = parse_args(argv, file_flag=True)
    with transaction(ctx.dir) as state:
        t = now()
        ns = namespace_of(p)
        lines: list[str] = []
        errors: list[str] = []
        if p.get("filename"):
            targets = []
            for doc in read_manifests(ctx, p.get("filename")):
                kind = resolve_kind(state, doc.get("kind", ""))
                targets.append((kind, [doc["metadata"]["name"]]))
                ns = doc["metadata"].get("namespace", ns)
        else:
            targets = resolve_targets(state, p.args)
        for kind, names in targets:
            if names:
                objs = []
                for name in names:
                    obj = kube.get(state, kinds.store_key(kind), ns if kind.namespaced else None, name, t)
                    if obj is None:
                        if not p.get("ignore_not_found"):
                            errors.append(not_found(kind, name))
                        continue
                    objs.append(obj)
            elif p.get("selector") or p.get("all"):
                match = label_matcher(p.get("selector"))
                objs = [
                    o
                    for o in visible(state, kind, t, None if p.get("all_namespaces") else ns)
                    if match(kube.labels_of(o)) and not kube.terminating(o, t)
                ]
            else:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            for obj in objs:
                _delete(state, kind, obj, t, p)
                label = kind.singular if not kind.group else f"{kind.singular}.{kind.group}"
                lines.append(f'{label} "{obj["metadata"]["name"]}" deleted')
        _finalize_pending(state, t, ctx.dir)
        workloads.after_change(state, t, ctx.dir)
    if not lines and not errors:
        ctx.err.append("No resources found\n")
    ctx.out.append("".join(line + "\n" for line in lines))
    if errors:
        raise KubectlError("\n".join(errors))
    return 0


def _delete(state: State, kind: kinds.Kind, obj: Obj, t: float, p) -> None:
    grace = 0.0 if p.get("now") or p.get("force") or p.get("grace") == "0" else delay(state, 3)
    if kind.kind == "Pod":
        kube.delete(state, obj, t, grace)
        pods.replace_pod(state, obj, t, delay(state, 4))
        return
    if kind.kind == "PersistentVolume":
        claim = obj["spec"].get("claimRef")
        if claim and kube.get(state, "PersistentVolumeClaim", claim["namespace"], claim["name"], t):
            # pv-protection: the volume stays Terminating while its claim exists.
            obj["metadata"]["deletionTimestamp"] = kube.iso(t)
            kube.private(obj)["pending_delete"] = True
            kube.touch(state, obj)
            return
        kube.delete(state, obj, t, 0.0)
        return
    if kind.kind == "PersistentVolumeClaim":
        ns, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
        users = [
            pod
            for pod in kube.listing(state, "Pod", t, ns)
            if name in pod.get("_", {}).get("claims", []) and not kube.terminating(pod, t)
        ]
        if users:
            obj["metadata"]["deletionTimestamp"] = kube.iso(t)
            kube.private(obj)["pending_delete"] = True
            kube.touch(state, obj)
            return
        kube.delete(state, obj, t, 0.0)
        lifecycle.release_claim(state, obj, t)
        return
    lifecycle.retire(state, obj, t, grace if kind.kind in ("Namespace",) else 0.0)


def _finalize_pending(state: State, t: float, sandbox_dir: Path) -> None:
    """Finish deletions that finalizers held back once what held them is gone."""
    for pvc in kube.listing(state, "PersistentVolumeClaim", t):
        if pvc.get("_", {}).get("pending_delete"):
            ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
            users = [
                pod
                for pod in kube.listing(state, "Pod", t, ns)
                if name in pod.get("_", {}).get("claims", []) and not kube.terminating(pod, t)
            ]
            if not users:
                kube.delete(state, pvc, t, 0.0)
                lifecycle.release_claim(state, pvc, t)
    for pv in kube.listing(state, "PersistentVolume", t):
        if pv.get("_", {}).get("pending_delete"):
            claim = pv["spec"].get("claimRef")
            if (
                not claim
                or kube.get(state, "PersistentVolumeClaim", claim["namespace"], claim["name"], t) is None
            ):
                kube.delete(state, pv, t, 0.0)


def read_manifests(ctx: Ctx, files: list[str]) -> list[Obj]:
    from .formats import load_yaml_documents

    docs = []
    for f in files:
        if f == "-":
            text = ctx.stdin.decode()
        else:
            path = Path(f)
            if not path.exists():
                raise KubectlError(f'error: the path "{f}" does not exist')
            text = path.read_text()
        try:
            loaded = load_yaml_documents(text)
        except Exception as exc:
            raise KubectlError(f"error: error parsing {f}: {exc}") from None
        for doc in loaded:
            if doc.get("kind") == "List":
                docs.extend(doc.get("items", []))
            else:
                docs.append(doc)
    if not docs:
        raise KubectlError("error: no objects passed to apply")
    return docs


# kubectl's `--dry-run` values, and what it adds to each line: nothing is stored.
_DRY_RUN = {"none": "", "client": " (dry run)", "server": " (server dry run)"}


class _NothingStored(Exception):
    """Raised inside the transaction of a dry run, so its changes are never written."""


def cmd_apply(ctx: Ctx, argv: list[str], create: bool = False) -> int:
    p = parse_args(argv, file_flag=True)
    dry = p.get("dryrun") or "none"
    if dry not in _DRY_RUN:
        raise KubectlError(f'error: Invalid dry-run value ({dry}). Must be "none", "server", or "client".')
    if not p.get("filename"):
        raise KubectlError("error: must specify one of -f and -k")
    docs = read_manifests(ctx, p.get("filename"))
    lines: list[str] = []
    try:
        _apply(ctx, p, docs, create, lines, dry_run=dry != "none")
    except _NothingStored:
        pass
    ctx.out.append("".join(f"{line}{_DRY_RUN[dry]}\n" for line in lines))
    return 0


def _apply(ctx: Ctx, p, docs: list[Obj], create: bool, lines: list[str], *, dry_run: bool) -> None:
    with transaction(ctx.dir) as state:
        t = now()
        for doc in docs:
            api_version = doc.get("apiVersion", "")
            kind = kinds.resolve(
                state,
                doc.get("kind", "") + ("." + api_version.split("/")[0] if "/" in api_version else ""),
            )
            meta = doc.setdefault("metadata", {})
            if kind is None:
                source = "STDIN" if p.get("filename")[0] == "-" else p.get("filename")[0]
                where = f' namespace: "{meta["namespace"]}"' if meta.get("namespace") else ""
                raise KubectlError(
                    f'error: resource mapping not found for name: "{meta.get("name", "")}"{where} '
                    f'from "{source}": no matches for kind "{doc.get("kind", "")}" in version '
                    f'"{api_version}"\nensure CRDs are installed first'
                )
            ns = (meta.get("namespace") or namespace_of(p)) if kind.namespaced else None
            if ns is not None and kube.get(state, "Namespace", None, ns, t) is None:
                raise KubectlError(
                    f'Error from server (NotFound): error when creating "{p.get("filename")[0]}": '
                    f'namespaces "{ns}" not found'
                )
            existing = kube.get(state, kinds.store_key(kind), ns, meta["name"], t)
            label = f"{kind.qualified}/{meta['name']}"
            if existing is not None:
                if create:
                    raise KubectlError(
                        f"Error from server (AlreadyExists): error when creating "
                        f'"{p.get("filename")[0]}": {kind.plural} "{meta["name"]}" already exists'
                    )
                if kind.kind == "Pod":
                    lines.append(f"{label} unchanged")
                    continue
                before = kube.public(existing)
                for key in ("spec", "data", "stringData"):
                    if key in doc:
                        existing[key] = copy.deepcopy(doc[key])
                if meta.get("labels"):
                    existing["metadata"]["labels"] = dict(meta["labels"])
                if kube.public(existing) == before:
                    lines.append(f"{label} unchanged")
                    continue
                kube.touch(state, existing)
                after_change(state, existing, before, t)
                lines.append(f"{label} configured")
                continue
            _create(state, kind, doc, ns, t, ctx.dir)
            lines.append(f"{label} created")
        if dry_run:
            raise _NothingStored()
        workloads.after_change(state, t, ctx.dir)


def _create(state: State, kind: kinds.Kind, doc: Obj, ns: str | None, t: float, sandbox_dir: Path) -> None:
    meta = doc["metadata"]
    if kind.kind == "Pod":
        assert ns is not None  # pods are namespaced: the caller gave one
        spec = doc.get("spec", {})
        mounts: dict[str, str] = {}
        claims = []
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for c in spec.get("containers", []):
            for vm in c.get("volumeMounts", []):
                vol = volumes.get(vm["name"], {})
                if "persistentVolumeClaim" in vol:
                    mounts[vm["mountPath"]] = vol["persistentVolumeClaim"]["claimName"]
        claims = [
            v["persistentVolumeClaim"]["claimName"]
            for v in spec.get("volumes", [])
            if "persistentVolumeClaim" in v
        ]
        pod = pods.spawn_pod(
            state,
            t,
            namespace=ns,
            name=meta["name"],
            labels=meta.get("labels", {}),
            annotations=meta.get("annotations"),
            containers=spec.get("containers", []),
            owner=None,
            ready_delay=delay(state, 4),
            volumes=spec.get("volumes"),
            service_account=spec.get("serviceAccountName", "default"),
            extra={"claims": claims, "claim_mounts": mounts},
        )
        pod["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = (
            json.dumps(doc, separators=(",", ":")) + "\n"
        )
        return
    if kind.kind in ROLLABLE:
        assert ns is not None  # so are workloads
        spec = doc.get("spec", {})
        template = spec.get("template", {})
        pods.make_workload(
            state,
            t,
            kind.kind,
            ns,
            meta["name"],
            pod_labels=template.get("metadata", {}).get("labels", {}),
            containers=template.get("spec", {}).get("containers", []),
            replicas=spec.get("replicas", 1),
            labels=meta.get("labels"),
            volumes=template.get("spec", {}).get("volumes"),
            ready_delay=delay(state, 4),
        )
        return
    if kind.kind == "Namespace":
        kube.ensure_namespace(state, meta["name"], t, labels=meta.get("labels"))
        return
    body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind", "metadata")}
    kube.make_simple(
        state,
        t,
        kinds.store_key(kind),
        meta["name"],
        ns,
        labels=meta.get("labels"),
        annotations=meta.get("annotations"),
        body=body,
    )


def cmd_create(ctx: Ctx, argv: list[str]) -> int:
    if argv and argv[0] in ("namespace", "ns"):
        p = parse_args(argv[1:])
        if not p.args:
            raise KubectlError("error: exactly one NAME is required, got 0")
        with transaction(ctx.dir) as state:
            t = now()
            if kube.get(state, "Namespace", None, p.args[0], t) is not None:
                raise KubectlError(
                    f'Error from server (AlreadyExists): namespaces "{p.args[0]}" already exists'
                )
            kube.ensure_namespace(state, p.args[0], t)
        ctx.out.append(f"namespace/{p.args[0]} created\n")
        return 0
    return cmd_apply(ctx, argv, create=True)
