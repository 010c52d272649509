"""The live Kubernetes read, through the `kubernetes` client library.

Lists come back as the API prints them (a `<Kind>List` whose items carry no kind) and go into the
same parsers as kubectl's output. The raw JSON is read rather than the client's model objects:
it is the exact wire format, and it is many times faster on clusters with thousands of pods.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import kubernetes.config
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from urllib3.exceptions import HTTPError

from ..builder import StateBuilder
from ..errors import StateParseError
from .commands import CORE_BATCH, CRDS, SINGLE, WEBHOOKS, KubeResource

PAGE = 500  # items per request, as kubectl pages its lists
TIMEOUT = 60.0


def default_kubeconfig() -> str:
    """$KUBECONFIG (may list several files, `:`-separated) or ~/.kube/config, as kubectl uses."""
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


def client_for(kubeconfig: str | None = None, context: str | None = None) -> ApiClient:
    # An explicit file, so nothing here depends on (or changes) the library's global default.
    return kubernetes.config.new_client_from_config(
        config_file=kubeconfig or default_kubeconfig(), context=context, persist_config=False
    )


class _Unreachable(Exception):
    """The API server cannot be reached at all: stop, one error is enough."""


def _get(
    api: ApiClient, path: str, timeout: float, query: list[tuple[str, Any]] | None = None
) -> dict[str, Any]:
    try:
        response = api.call_api(
            path,
            "GET",
            query_params=query or [],
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _return_http_data_only=True,
            _request_timeout=timeout,
        )
    except HTTPError as exc:
        raise _Unreachable(
            f"kubernetes: cannot reach the API server at {api.configuration.host}: {exc}"
        ) from None
    try:
        doc = json.loads(response.data)
    except ValueError:
        raise StateParseError(
            f"GET {path}", "the API server answered with something that is not JSON"
        ) from None
    if not isinstance(doc, dict):
        raise StateParseError(f"GET {path}", "expected a JSON object")
    return doc


def _list(api: ApiClient, path: str, timeout: float) -> dict[str, Any]:
    """A whole list, following `continue` tokens; the first page's envelope with every item."""
    doc = _get(api, path, timeout, [("limit", PAGE)])
    items = list(doc.get("items") or [])
    token = (doc.get("metadata") or {}).get("continue")
    while token:
        page = _get(api, path, timeout, [("limit", PAGE), ("continue", token)])
        items.extend(page.get("items") or [])
        token = (page.get("metadata") or {}).get("continue")
    doc["items"] = items
    return doc


def _api_error(path: str, exc: ApiException) -> str:
    reason = exc.reason or ""
    try:
        message = json.loads(exc.body or "{}").get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return f"kubernetes: GET {path}: {exc.status} {reason}{': ' + message if message else ''}"


def _crd_versions(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(group, plural) -> the storage version (else the first served one) of each CRD."""
    out: dict[tuple[str, str], str] = {}
    for item in doc.get("items") or []:
        spec = item.get("spec") if isinstance(item, dict) else None
        if not isinstance(spec, dict):
            continue
        versions = [v for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("served", True)]
        chosen = next((v for v in versions if v.get("storage")), versions[0] if versions else None)
        plural = (spec.get("names") or {}).get("plural")
        if chosen and plural:
            out[(spec.get("group", ""), plural)] = chosen.get("name", "")
    return out


def read_kubernetes(
    builder: StateBuilder, kubeconfig: str | None, context: str | None, timeout: float = TIMEOUT
) -> None:
    """Read the cluster into `builder`; every failure becomes one line in `builder.errors`."""
    try:
        api = client_for(kubeconfig, context)
    except (ConfigException, OSError, TypeError, ValueError) as exc:
        where = kubeconfig or default_kubeconfig()
        builder.errors.append(
            f"kubernetes: cannot use kubeconfig {where}{' context ' + context if context else ''}: {exc}"
        )
        return
    with api:
        try:
            _read_all(api, builder, timeout)
        except _Unreachable as exc:
            builder.errors.append(str(exc))


def _read_all(api: ApiClient, builder: StateBuilder, timeout: float) -> None:
    try:
        server = _get(api, "/version", timeout)
        builder.set_kubectl_versions("", str(server.get("gitVersion") or ""))
    except ApiException as exc:
        builder.errors.append(_api_error("/version", exc))
    crd_versions: dict[tuple[str, str], str] | None = None
    for resource in (*CORE_BATCH, *SINGLE, *WEBHOOKS):
        version = resource.version
        if resource.custom:
            if crd_versions is None:
                continue  # the CRD list could not be read: nothing to go on
            version = crd_versions.get((resource.group, resource.plural), "")
            if not version:
                continue  # not installed on this cluster
        path = resource.api_path(version)
        try:
            doc = _list(api, path, timeout)
        except ApiException as exc:
            if not _ignorable(resource, exc):
                builder.errors.append(_api_error(path, exc))
            continue
        except StateParseError as exc:
            builder.errors.append(str(exc))
            continue
        if resource is CRDS:
            crd_versions = _crd_versions(doc)
        try:
            builder.add_document(doc, f"GET {path}")
        except StateParseError as exc:
            builder.errors.append(str(exc))


def _ignorable(resource: KubeResource, exc: ApiException) -> bool:
    return resource.extra or (resource.custom and exc.status == 404)
