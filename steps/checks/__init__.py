"""Named checks: pure functions from a `ClusterState` (+ params + args) to a `CheckResult` with a
one-line message and, when not passed, the exact fix; plus settle evaluation and reports."""

from .context import discover_user_namespaces
from .istio_upstream import discover_istio_namespaces
from .juju_dialect import discover_juju_dialect
from .platform import PlatformGuess, detect_platform, platform_guess
from .registry import CHECKS, get_check, run_check
from .report import (
    Report,
    ReportGroup,
    format_report,
    preflight,
    preflight_groups,
    preflight_of,
    verify,
    wants_ascii,
)
from .result import Check, CheckResult
from .settle import SettleReport, evaluate_settle
from .tls_checks import discover_hostname, discover_tls, discover_tls_provider

# Param discoverers a runbook names in `discover:`: state -> the param's value.
DISCOVERERS = {
    "user-namespaces": discover_user_namespaces,
    "istio-namespaces": discover_istio_namespaces,
    "juju-dialect": discover_juju_dialect,
    # TLS on the sidecar gateway, carried to istio-ingress-k8s (tls_checks says how).
    "gateway-tls": discover_tls,
    "gateway-tls-provider": discover_tls_provider,
    "gateway-hostname": discover_hostname,
}

__all__ = [
    "CHECKS",
    "DISCOVERERS",
    "Check",
    "CheckResult",
    "PlatformGuess",
    "Report",
    "ReportGroup",
    "SettleReport",
    "detect_platform",
    "discover_user_namespaces",
    "evaluate_settle",
    "format_report",
    "get_check",
    "platform_guess",
    "preflight",
    "preflight_groups",
    "preflight_of",
    "run_check",
    "verify",
    "wants_ascii",
]
