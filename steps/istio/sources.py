"""Where the analyzer's objects come from: saved files (`--from-files DIR`), the live cluster (the
kubernetes client, `--context`), or a sandbox scenario (its `kubectl get … -A -o json` emulator).
Every source ends in `IstioState`'s parsers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cluster.errors import StateParseError
from ..cluster.sources.capture import Ran
from ..cluster.sources.capture import _run as run_one
from ..cluster.sources.commands import ReadCommand, missing_resource_type
from ..errors import BadInput
from .state import IstioState

DEFAULT_SCENARIO = "istio-bookinfo"
COMMANDS_HEADER = "# cairn dump:"  # a dump's record of what ran (steps.cluster.sources.dump)


@dataclass(frozen=True)
class Resource:
    plural: str
    group: str
    version: str
    namespaced: bool = True
    custom: bool = True  # defined by a CRD a cluster may not have
    selector: str = ""  # a label selector the read is limited to

    @property
    def kubectl(self) -> str:
        return f"{self.plural}.{self.group}" if self.custom else self.plural


# Read in one `kubectl get a,b,c -A -o json`, as `cairn dump` already does for the CKF checks.
CORE_BATCH = ("namespaces", "pods", "deployments", "statefulsets", "daemonsets", "services", "configmaps")
CUSTOM = (
    Resource("authorizationpolicies", "security.istio.io", "v1"),
    Resource("peerauthentications", "security.istio.io", "v1"),
    Resource("requestauthentications", "security.istio.io", "v1"),
    Resource("virtualservices", "networking.istio.io", "v1"),
    Resource("destinationrules", "networking.istio.io", "v1"),
    Resource("envoyfilters", "networking.istio.io", "v1alpha3"),
    Resource("sidecars", "networking.istio.io", "v1"),
    Resource("serviceentries", "networking.istio.io", "v1"),
    Resource("workloadentries", "networking.istio.io", "v1"),
    Resource("gateways", "networking.istio.io", "v1"),
    Resource("wasmplugins", "extensions.istio.io", "v1alpha1"),
    Resource("telemetries", "telemetry.istio.io", "v1"),
    Resource("gateways", "gateway.networking.k8s.io", "v1"),
    Resource("httproutes", "gateway.networking.k8s.io", "v1"),
    Resource("gatewayclasses", "gateway.networking.k8s.io", "v1", namespaced=False),
)
MULTICLUSTER_SECRETS = Resource("secrets", "", "v1", custom=False, selector="istio/multiCluster=true")


def _kubectl(context: str | None, *args: str) -> tuple[str, ...]:
    return ("kubectl", *(("--context", context) if context else ()), *args)


def read_commands(context: str | None = None) -> list[ReadCommand]:
    """The kubectl reads behind an analysis, in order (a dump runs the ones it lacks)."""
    commands = [
        ReadCommand(
            "kubectl-get-workloads", _kubectl(context, "get", ",".join(CORE_BATCH), "-A", "-o", "json")
        ),
        ReadCommand("kubectl-get-customresourcedefinitions", _kubectl(context, "get", "crd", "-o", "json")),
        ReadCommand(
            "kubectl-get-secrets-multicluster",
            # Only the metadata is ever read; a dump redacts the data before it is written.
            _kubectl(context, "get", "secrets", "-A", "-l", MULTICLUSTER_SECRETS.selector, "-o", "json"),
        ),
    ]
    for r in CUSTOM:
        scope = ("-A",) if r.namespaced else ()
        commands.append(
            ReadCommand(
                f"kubectl-get-{r.kubectl}",
                _kubectl(context, "get", r.kubectl, *scope, "-o", "json"),
                custom=True,
            )
        )
    return commands


# argv -> (exit code, stdout, stderr)
Runner = Callable[[Sequence[str]], tuple[int, bytes, bytes]]


def with_istio_reads(reads: Iterable[Ran], runner: Runner, context: str | None = None) -> Iterator[Ran]:
    """`reads`, then the analyzer's reads that were not among them (for `cairn dump`)."""
    done: set[tuple[str, ...]] = set()
    for ran in reads:
        done.add(tuple(ran.command.argv))
        yield ran
    for command in read_commands(context):
        if tuple(command.argv) not in done:
            yield run_one(runner, command)


def read_with(runner: Runner, source: str, context: str | None = None) -> IstioState:
    """Run every read through `runner` and parse what it printed. A CRD that is not installed is
    no error; any other failed read is BadInput (an analysis on half the cluster would mislead)."""
    state = IstioState()
    for command in read_commands(context):
        rc, out, err = runner(command.argv)
        text = err.decode("utf-8", "replace")
        if rc != 0:
            if command.custom and missing_resource_type(text):
                continue
            first = text.strip().splitlines()[0] if text.strip() else "no message"
            raise BadInput(f"{source}: `{' '.join(command.argv)}` exited {rc}: {first}")
        state.add_text(out.decode("utf-8", "replace"), f"`{' '.join(command.argv)}`")
    return state


def read_files(directory: str | Path) -> IstioState:
    """Every file under `directory` (hidden ones aside): any `kubectl get … -o json|yaml` output.
    Files that are not Kubernetes objects (a dump's juju output) are noted and skipped."""
    root = Path(directory)
    if not root.is_dir():
        raise BadInput(f"--from-files {root}: not a directory")
    state = IstioState()
    usable = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        try:
            body = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            state.notes.append(f"{rel}: not text; skipped")
            continue
        if body.startswith(COMMANDS_HEADER):
            continue
        try:
            usable += 1 if state.add_text(body, str(rel)) else 0
        except StateParseError as exc:
            state.notes.append(f"{exc}; skipped")
    if not usable:
        raise BadInput(
            f"--from-files {root}: no Kubernetes objects in any file; save `kubectl get … -A -o json` output there"
        )
    return state


def read_sandbox(scenario: str = "") -> tuple[IstioState, str]:
    """Build a fresh sandbox of `scenario` and read it with its own kubectl emulator."""
    from .. import sandbox

    scenario = scenario or DEFAULT_SCENARIO
    if scenario not in sandbox.SCENARIOS:
        raise BadInput(f"no sandbox scenario {scenario!r}; choose one of: {', '.join(sandbox.SCENARIOS)}")
    directory = Path(tempfile.mkdtemp(prefix="cairn-analyze-")) / "sandbox"
    try:
        sandbox.create(directory, scenario, speed=0)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return read_sandbox_dir(directory, f"sandbox:{scenario}"), scenario


def read_sandbox_dir(directory: Path, source: str = "sandbox") -> IstioState:
    """Read an existing sandbox (a session's) with its kubectl emulator, in-process."""
    from .. import sandbox

    def runner(argv: Sequence[str]) -> tuple[int, bytes, bytes]:
        return sandbox.run(list(argv), directory)

    return read_with(runner, source)


def read_live(context: str | None = None, kubeconfig: str | None = None, timeout: float = 60.0) -> IstioState:
    """The live cluster through the kubernetes client (kubeconfig and context as kubectl uses them)."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    from ..cluster.sources.live_kube import (
        PAGE,
        _api_error,
        _crd_versions,
        _get,
        _Unreachable,
        client_for,
        default_kubeconfig,
    )

    try:
        api = client_for(kubeconfig, context)
    except Exception as exc:  # noqa: BLE001 - the kubeconfig loader raises many types
        where = kubeconfig or default_kubeconfig()
        raise BadInput(
            f"kubernetes: cannot use kubeconfig {where}{' context ' + context if context else ''}: {exc}"
        ) from None

    def listed(path: str, selector: str = "") -> dict:
        extra = [("labelSelector", selector)] if selector else []
        doc = _get(api, path, timeout, [("limit", PAGE), *extra])
        items = list(doc.get("items") or [])
        token = (doc.get("metadata") or {}).get("continue")
        while token:
            page = _get(api, path, timeout, [("limit", PAGE), ("continue", token), *extra])
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
        doc["items"] = items
        return doc

    docs: list[dict] = []
    path = ""
    with api:
        try:
            for path in (
                "/api/v1/namespaces",
                "/api/v1/pods",
                "/api/v1/services",
                "/api/v1/configmaps",
                "/apis/apps/v1/deployments",
                "/apis/apps/v1/statefulsets",
                "/apis/apps/v1/daemonsets",
            ):
                docs.append(listed(path))
            path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
            crds = listed(path)
            docs.append(crds)
            path = "/api/v1/secrets"
            secrets = listed(path, MULTICLUSTER_SECRETS.selector)
            for item in secrets.get("items") or []:
                if isinstance(item, dict):  # the data is never kept, not even in memory
                    item.pop("data", None)
                    item.pop("stringData", None)
            docs.append(secrets)
            versions = _crd_versions(crds)
            for r in CUSTOM:
                version = versions.get((r.group, r.plural))
                if not version:
                    continue  # the CRD is not installed
                path = f"/apis/{r.group}/{version}/{r.plural}"
                try:
                    docs.append(listed(path))
                except ApiException as exc:
                    if exc.status != 404:  # 404: the CRD went away since it was listed
                        raise
        except ApiException as exc:
            raise BadInput(_api_error(path, exc)) from None
        except _Unreachable as exc:
            raise BadInput(str(exc)) from None
        except HTTPError as exc:
            raise BadInput(
                f"kubernetes: cannot reach the API server at {api.configuration.host}: {exc}"
            ) from None
    return IstioState.from_objects(docs, where="live")
