"""What the kubectl commands share: flags, errors, resource resolution, targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import kinds, kube
from .flags import parse
from .state import State

Result = tuple[int, str, str]


Obj = dict[str, Any]

VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "-o": "output",
    "--output": "output",
    "-l": "selector",
    "--selector": "selector",
    "--field-selector": "fields",
    "-f": "filename",
    "--filename": "filename",
    "--type": "type",
    "-p": "patch",
    "--patch": "patch",
    "--for": "for",
    "--timeout": "timeout",
    "-c": "container",
    "--container": "container",
    "--context": "context",
    "--kubeconfig": "kubeconfig",
    "--grace-period": "grace",
    "--cascade": "cascade",
    "-L": "label_columns",
    "--label-columns": "label_columns",
    "--sort-by": "sort_by",
    "--field-manager": "manager",
    "--dry-run": "dryrun",
    "--revision": "revision",
    "--server-side": "serverside",
    "--show-kind": "showkind",
    "--request-timeout": "reqtimeout",
    "--tail": "tail",
    "--since": "since",
    "--wait": "waitflag",
    "--watch": "watchflag",
}


BOOL_FLAGS = {
    "-A": "all_namespaces",
    "--all-namespaces": "all_namespaces",
    "--show-labels": "show_labels",
    "--no-headers": "no_headers",
    "--ignore-not-found": "ignore_not_found",
    "--all": "all",
    "--force": "force",
    "--now": "now",
    "-i": "stdin",
    "--stdin": "stdin",
    "-t": "tty",
    "--tty": "tty",
    "--overwrite": "overwrite",
    "-w": "watch",
    "-q": "quiet",
    "--quiet": "quiet",
    "--local": "local",
    "--client": "client",
    "--recursive": "recursive",
    "-R": "recursive",
    "-f": "follow_logs",
}


ROLLABLE = ("Deployment", "StatefulSet", "DaemonSet")


class KubectlError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class Ctx:
    def __init__(self, sandbox_dir: Path, stdin):
        self.dir = Path(sandbox_dir)
        self._stdin = stdin
        self.out: list[str] = []
        self.err: list[str] = []

    @property
    def stdin(self) -> bytes:
        """Read only for `-f -`: a command that does not need stdin must not block on it."""
        if callable(self._stdin):
            self._stdin = self._stdin()
        return self._stdin or b""


def subcommand(args: list[str]) -> tuple[str, list[str]]:
    """The first word that is not a flag (or a flag's value) is the command, as with cobra."""
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-"):
            name = a.split("=")[0]
            if "=" not in a and (name in VALUE_FLAGS and name not in ("-f",)):
                i += 2
                continue
            i += 1
            continue
        return a, args[:i] + args[i + 1 :]
    if not args:
        raise KubectlError(
            "kubectl controls the Kubernetes cluster manager.\n\nUsage:\n  kubectl [flags] [options]", 0
        )
    raise KubectlError("error: unknown command", 1)


def parse_args(argv: list[str], file_flag: bool = False):
    values = dict(VALUE_FLAGS)
    bools = dict(BOOL_FLAGS)
    if file_flag:
        bools.pop("-f")
    else:
        values.pop("-f")
        values.pop("--filename")
    return parse(argv, values, bools, multi=["filename"])


def namespace_of(p) -> str:
    return p.get("namespace") or "default"


def resolve_kind(state: State, name: str) -> kinds.Kind:
    kind = kinds.resolve(state, name)
    if kind is None:
        # kubectl names the resource part of `<resource>.<group>` only (ParseResourceArg).
        resource = name.split("/")[0].split(".")[0]
        raise KubectlError(f'error: the server doesn\'t have a resource type "{resource}"')
    return kind


def not_found(kind: kinds.Kind, name: str) -> str:
    resource = kind.plural if not kind.group else f"{kind.plural}.{kind.group}"
    return f'Error from server (NotFound): {resource} "{name}" not found'


def resolve_targets(state: State, args: list[str]) -> list[tuple[kinds.Kind, list[str]]]:
    """`pods`, `pods,svc`, `pod NAME NAME`, `pod/NAME deploy/NAME` -> [(kind, [names])]."""
    if not args:
        raise KubectlError(
            'You must specify the type of resource to get. Use "kubectl api-resources" for a '
            "complete list of supported resources."
        )
    if "/" in args[0]:
        out: list[tuple[kinds.Kind, list[str]]] = []
        for a in args:
            if "/" not in a:
                raise KubectlError(
                    "error: there is no need to specify a resource type as a separate argument "
                    "when passing arguments in resource/name form (e.g. 'kubectl get "
                    "resource/<resource_name>' instead of 'kubectl get resource resource/"
                    "<resource_name>'"
                )
            kind_name, _, name = a.partition("/")
            out.append((resolve_kind(state, kind_name), [name]))
        return out
    kinds_ = [resolve_kind(state, k) for k in args[0].split(",") if k]
    names = args[1:]
    if names and len(kinds_) > 1:
        return [(k, names) for k in kinds_]
    return [(k, names) for k in kinds_]


def visible(state: State, kind: kinds.Kind, t: float, namespace: str | None) -> list[Obj]:
    return kube.listing(state, kinds.store_key(kind), t, namespace if kind.namespaced else None)


def duration(text: str | None, default: float) -> float:
    if not text:
        return default
    total, num = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    for ch in text:
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in units and num:
            total += float(num) * units[ch]
            num = ""
    if num:
        total += float(num)
    return total
