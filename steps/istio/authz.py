"""How ztunnel and waypoints read an AuthorizationPolicy (istio pilot/pkg/serviceregistry/ambient/
authorization.go `handleRule`, as summarised in reference/istio-ambient-migration.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .state import ConfigObject

HTTP_OPERATION = ("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths")
# trustDomains/notTrustDomains count as HTTP at HEAD (reference, correction 2).
HTTP_SOURCE = (
    "remoteIpBlocks",
    "notRemoteIpBlocks",
    "requestPrincipals",
    "notRequestPrincipals",
    "trustDomains",
    "notTrustDomains",
)
L4_WHEN_KEYS = frozenset(
    {"source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port"}
)
DRY_RUN = "istio.io/dry-run"

SELECTOR, TARGET_REFS, NAMESPACE_WIDE, MESH_WIDE = "selector", "targetRefs", "namespace", "mesh"


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def rule_http_attributes(rule: Mapping[str, Any]) -> list[str]:
    """The HTTP (L7) attributes one rule uses, by name."""
    found: list[str] = []
    for to in _items(rule.get("to")):
        op = _map(_map(to).get("operation"))
        found += [a for a in HTTP_OPERATION if op.get(a)]
    for fr in _items(rule.get("from")):
        src = _map(_map(fr).get("source"))
        found += [a for a in HTTP_SOURCE if src.get(a)]
    for cond in _items(rule.get("when")):
        key = str(_map(cond).get("key") or "")
        if key and key not in L4_WHEN_KEYS:
            found.append(f"when {key}")
    return list(dict.fromkeys(found))


def rule_has_l4(rule: Mapping[str, Any]) -> bool:
    """Whether anything remains of the rule once its HTTP attributes are taken out."""
    for to in _items(rule.get("to")):
        op = _map(_map(to).get("operation"))
        if any(op.get(k) for k in op if k not in HTTP_OPERATION):
            return True
    for fr in _items(rule.get("from")):
        src = _map(_map(fr).get("source"))
        if any(src.get(k) for k in src if k not in HTTP_SOURCE):
            return True
    return any(str(_map(c).get("key") or "") in L4_WHEN_KEYS for c in _items(rule.get("when")))


@dataclass(frozen=True)
class Policy:
    """An AuthorizationPolicy as the migration sees it."""

    obj: ConfigObject
    root_namespace: str

    @property
    def spec(self) -> Mapping[str, Any]:
        return self.obj.spec

    @property
    def action(self) -> str:
        return str(self.spec.get("action") or "ALLOW").upper()

    @cached_property
    def rules(self) -> list[Mapping[str, Any]]:
        return [_map(r) for r in _items(self.spec.get("rules"))]

    @cached_property
    def match_labels(self) -> Mapping[str, str]:
        selector = _map(self.spec.get("selector"))
        return {str(k): str(v) for k, v in _map(selector.get("matchLabels")).items()}

    @cached_property
    def scope(self) -> str:
        if self.spec.get("targetRefs") or self.spec.get("targetRef"):
            return TARGET_REFS
        if self.spec.get("selector") is not None and self.match_labels:
            return SELECTOR
        return MESH_WIDE if self.obj.namespace == self.root_namespace else NAMESPACE_WIDE

    @cached_property
    def http_attributes(self) -> list[str]:
        out: list[str] = []
        for rule in self.rules:
            out += rule_http_attributes(rule)
        return list(dict.fromkeys(out))

    @property
    def is_l7(self) -> bool:
        """ztunnel cannot enforce it as written: HTTP attributes, or CUSTOM/AUDIT."""
        return bool(self.http_attributes) or self.action in ("CUSTOM", "AUDIT")

    @property
    def dry_run(self) -> bool:
        return self.obj.annotations.get(DRY_RUN, "").lower() == "true"

    @property
    def names_sources(self) -> bool:
        return any(_items(r.get("from")) for r in self.rules)

    def selects(self, labels: Mapping[str, str]) -> bool:
        wanted = self.match_labels
        return all(labels.get(k) == v for k, v in wanted.items())

    def caller_namespaces(self) -> set[str]:
        """Namespaces this policy names as sources (principals, namespaces, source.* conditions):
        who calls the pods it protects. Negations name who does not, so they are left out."""
        found: set[str] = set()
        for rule in self.rules:
            for fr in _items(rule.get("from")):
                src = _map(_map(fr).get("source"))
                for principal in _items(src.get("principals")):
                    found |= set(principal_namespace(str(principal)))
                for ns in _items(src.get("namespaces")):
                    if isinstance(ns, str) and "*" not in ns:
                        found.add(ns)
            for cond in _items(rule.get("when")):
                c = _map(cond)
                for value in _items(c.get("values")):
                    if c.get("key") == "source.namespace" and isinstance(value, str) and "*" not in value:
                        found.add(value)
                    elif c.get("key") == "source.principal":
                        found |= set(principal_namespace(str(value)))
        return found


_PRINCIPAL = re.compile(r"(?:^|/)ns/([^/*]+)/sa/")


def principal_namespace(principal: str) -> Iterator[str]:
    """`cluster.local/ns/frontend/sa/x` -> frontend; nothing for a wildcard namespace."""
    match = _PRINCIPAL.search(principal)
    if match:
        yield match.group(1)
