"""AuthorizationPolicy evaluation as each enforcement point does it.

- A sidecar (and a waypoint) evaluates every attribute: DENY first, then the ALLOW policies.
- ztunnel only sees L4. Following istio/istio pilot/pkg/serviceregistry/ambient/authorization.go
  (handleRule): an ALLOW rule with HTTP attributes is dropped (a policy left with no rule allows
  nothing); a DENY rule loses its HTTP parts, and is dropped when nothing else remains (an L7-only
  DENY is a no-op, #61126); CUSTOM and AUDIT never reach ztunnel.
- `istio.io/dry-run` policies enforce nothing anywhere (they only log).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

L7_OPERATION = ("methods", "notMethods", "paths", "notPaths", "hosts", "notHosts")
L7_SOURCE = ("requestPrincipals", "notRequestPrincipals")
L4_WHEN = (
    "source.ip",
    "source.namespace",
    "source.principal",
    "destination.ip",
    "destination.port",
    "remote.ip",
    "connection.sni",
)


@dataclass(frozen=True)
class Request:
    principal: str  # "cluster.local/ns/frontend/sa/curl", "" for plain text
    namespace: str  # the source's namespace, "" for plain text
    port: int
    method: str
    path: str
    host: str


def _match(value: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _source_ok(src: Obj, req: Request) -> bool:
    checks = (
        ("principals", req.principal, True),
        ("notPrincipals", req.principal, False),
        ("namespaces", req.namespace, True),
        ("notNamespaces", req.namespace, False),
    )
    for key, value, positive in checks:
        if key in src and _match(value, [str(v) for v in src[key]]) != positive:
            return False
    if "requestPrincipals" in src:  # no JWT in the rehearsal's requests
        return False
    return True


def _operation_ok(op: Obj, req: Request) -> bool:
    checks = (
        ("methods", req.method, True),
        ("notMethods", req.method, False),
        ("paths", req.path, True),
        ("notPaths", req.path, False),
        ("hosts", req.host, True),
        ("notHosts", req.host, False),
        ("ports", str(req.port), True),
        ("notPorts", str(req.port), False),
    )
    for key, value, positive in checks:
        if key in op and _match(value, [str(v) for v in op[key]]) != positive:
            return False
    return True


def _when_ok(cond: Obj, req: Request) -> bool:
    key = cond.get("key", "")
    value = {
        "source.principal": req.principal,
        "source.namespace": req.namespace,
        "destination.port": str(req.port),
        "request.method": req.method,
    }.get(key, "")
    if "values" in cond and not _match(value, [str(v) for v in cond["values"]]):
        return False
    return not ("notValues" in cond and _match(value, [str(v) for v in cond["notValues"]]))


def rule_matches(rule: Obj, req: Request) -> bool:
    froms = rule.get("from") or []
    tos = rule.get("to") or []
    if froms and not any(_source_ok(f.get("source") or {}, req) for f in froms):
        return False
    if tos and not any(_operation_ok(t.get("operation") or {}, req) for t in tos):
        return False
    return all(_when_ok(c, req) for c in rule.get("when") or [])


def has_l7(rule: Obj) -> bool:
    if any(k in (t.get("operation") or {}) for t in rule.get("to") or [] for k in L7_OPERATION):
        return True
    if any(k in (f.get("source") or {}) for f in rule.get("from") or [] for k in L7_SOURCE):
        return True
    return any(c.get("key", "") not in L4_WHEN for c in rule.get("when") or [])


def _strip_l7(rule: Obj) -> Obj | None:
    """A DENY rule without its HTTP parts; None when nothing is left to match on."""
    froms = []
    for f in rule.get("from") or []:
        src = {k: v for k, v in (f.get("source") or {}).items() if k not in L7_SOURCE}
        if src:
            froms.append({"source": src})
    tos = []
    for t in rule.get("to") or []:
        op = {k: v for k, v in (t.get("operation") or {}).items() if k not in L7_OPERATION}
        if op:
            tos.append({"operation": op})
    whens = [c for c in rule.get("when") or [] if c.get("key", "") in L4_WHEN]
    if not (froms or tos or whens) and (rule.get("from") or rule.get("to") or rule.get("when")):
        return None
    out: Obj = {}
    if froms:
        out["from"] = froms
    if tos:
        out["to"] = tos
    if whens:
        out["when"] = whens
    return out


def dry_run(policy: Obj) -> bool:
    ann = policy.get("metadata", {}).get("annotations") or {}
    return str(ann.get("istio.io/dry-run", "")).lower() == "true"


def allowed(policies: list[Obj], req: Request, *, ztunnel: bool) -> tuple[bool, str]:
    """(allowed, the policy that decided or "") for the policies that apply at one point."""
    allows: list[tuple[Obj, list[Obj]]] = []
    for pol in policies:
        if dry_run(pol):
            continue
        spec = pol.get("spec") or {}
        action = spec.get("action", "ALLOW")
        rules = list(spec.get("rules") or [])
        if action in ("CUSTOM", "AUDIT"):
            continue  # no ext-authz provider in the rehearsal; ztunnel never sees them
        if ztunnel:
            if action == "ALLOW":
                rules = [r for r in rules if not has_l7(r)]
            else:
                rules = [s for s in (_strip_l7(r) for r in rules) if s is not None]
        if action == "DENY":
            if any(rule_matches(r, req) for r in rules):
                return False, _name(pol)
        else:
            allows.append((pol, rules))
    if not allows:
        return True, ""
    for pol, rules in allows:
        if any(rule_matches(r, req) for r in rules):
            return True, _name(pol)
    return False, ", ".join(_name(p) for p, _ in allows)


def _name(pol: Obj) -> str:
    return f"{pol['metadata'].get('namespace', '')}/{pol['metadata']['name']}"
