"""Recognise tool output by its content and assemble one `ClusterState` from all the pieces.

Every source ends here: the files source hands it saved files, the sandbox and dump hand it
command output, the live source hands it the same document shapes built from the client
libraries. What a piece is comes from its content, never from a file name.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from . import juju_parse, kube_parse
from .documents import load_documents
from .state import ClusterState

_KUBECTL_PLAIN_VERSION = re.compile(r"^(Client|Server) Version:\s*(v\S+)", re.MULTILINE)

JUJU_STATUS = "juju status"
JUJU_CONFIG = "juju config"
JUJU_VERSION = "juju version"
KUBECTL_VERSION = "kubectl version"
KUBE_OBJECTS = "Kubernetes objects"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is decoded and converted.

    Decoding builds millions of small acyclic objects; the collector would otherwise run over
    the growing heap again and again (it took 3/4 of the time on a 20,000-pod list).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class StateBuilder:
    """Collects parsed pieces; `build()` makes the frozen state. Not thread-safe; one per read."""

    def __init__(self) -> None:
        self.status: juju_parse.JujuStatus | None = None
        self.configs: dict[str, dict[str, Any]] = {}
        self.kube = kube_parse.KubeObjects()
        self.kubernetes_version = ""
        self.juju_version = ""
        self.tools: dict[str, str] = {}
        self.errors: list[str] = []

    def add_text(self, text: str, where: str) -> str | None:
        """Parse and add tool output; returns what it was, or None when it is none of the known formats.

        Malformed JSON or YAML, or a known format with a wrong field, raises `StateParseError`.
        """
        stripped = text.strip()
        if not stripped:
            return None
        # The two plain-text formats are short; never scan a large document for them.
        if len(stripped) < 200 and "\n" not in stripped:
            version = juju_parse.parse_version(stripped)
            if version:
                self.set_juju_version(version)
                return JUJU_VERSION
        if len(stripped) < 2000 and stripped[0] not in "{[":
            plain = dict(_KUBECTL_PLAIN_VERSION.findall(stripped))
            if plain:
                self.set_kubectl_versions(plain.get("Client", ""), plain.get("Server", ""))
                return KUBECTL_VERSION
        with gc_paused():
            found = [self.add_document(doc, where) for doc in load_documents(text, where)]
        known = [kind for kind in found if kind]
        if not known:
            return None
        return known[0] if len(set(known)) == 1 else ", ".join(sorted(set(known)))

    def add_document(self, doc: Any, where: str) -> str | None:
        if juju_parse.looks_like_status(doc):
            self.add_juju_status(juju_parse.parse_status(doc, where))
            return JUJU_STATUS
        if juju_parse.looks_like_config(doc):
            app, values = juju_parse.parse_config(doc, where)
            self.configs[app] = values
            return JUJU_CONFIG
        if kube_parse.looks_like_version(doc):
            self.set_kubectl_versions(*kube_parse.parse_version(doc, where))
            return KUBECTL_VERSION
        if kube_parse.looks_like_objects(doc):
            kube_parse.add_objects(doc, where, self.kube)
            return KUBE_OBJECTS
        if isinstance(doc, list) and doc and all(kube_parse.looks_like_objects(d) for d in doc):
            for i, item in enumerate(doc):
                kube_parse.add_objects(item, f"{where}[{i}]", self.kube)
            return KUBE_OBJECTS
        return None

    def add_juju_status(self, status: juju_parse.JujuStatus) -> None:
        self.status = status
        self.errors.extend(status.errors)

    def set_juju_version(self, version: str) -> None:
        self.juju_version = version
        self.tools["juju"] = version

    def set_kubectl_versions(self, client: str, server: str) -> None:
        if client:
            self.tools["kubectl"] = client
        if server:
            self.kubernetes_version = server

    def build(self, source: str, read_at: float | None = None) -> ClusterState:
        apps: Mapping[str, Any] = {}
        model = None
        if self.status is not None:
            model = self.status.model
            apps = {
                name: replace(app, config=self.configs[name]) if name in self.configs else app
                for name, app in sorted(self.status.apps.items())
            }
        return ClusterState(
            source=source,
            read_at=time.time() if read_at is None else read_at,
            model=model,
            apps=apps,
            namespaces=dict(sorted(self.kube.namespaces.items())),
            pods=tuple(self.kube.pods.values()),
            objects={kind: tuple(found.values()) for kind, found in sorted(self.kube.objects.items())},
            kubernetes_version=self.kubernetes_version,
            juju_version=self.juju_version,
            errors=tuple(self.errors),
            tools=dict(self.tools),
        )
