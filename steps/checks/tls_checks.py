"""TLS on the sidecar gateway, which the ambient migration would otherwise drop silently.

istio-pilot (canonical/istio-operators track/1.28, charms/istio-pilot) serves HTTPS from a
`tls-secret-id` secret or from a `certificates` (tls-certificates) relation, with `csr-domain-name`
as the certificate's name. istio-ingress-k8s (canonical/istio-ingress-k8s-operator track/2,
charmcraft.yaml) has only a `certificates` relation (limit 1) and an `external_hostname` option
(underscore); it has no secret option, so a user-provided certificate must come through a
tls-certificates provider such as manual-tls-certificates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import config_value, model_name
from .result import CheckResult, fail, ok, warn


def gateway_tls(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    pilot = state.app("istio-pilot")
    model = model_name(params, state)
    if pilot is None:
        return ok("istio-pilot is gone: nothing to carry over")
    providers = sorted({r.related_app for r in pilot.relations if r.endpoint == "certificates"})
    secret = config_value(pilot, "tls-secret-id") or ""
    domain = config_value(pilot, "csr-domain-name") or ""
    found = [f"certificates relation to {p}" for p in providers]
    found += ["tls-secret-id (a user-provided certificate)"] if secret else []
    found += [f"csr-domain-name={domain}"] if domain else []
    if not found:
        if not pilot.config:
            return warn(
                "istio-pilot has no certificates relation; its tls-secret-id and csr-domain-name were not read",
                f"juju config -m {model} istio-pilot tls-secret-id csr-domain-name  # empty: no TLS",
            )
        return ok("the sidecar gateway serves plain HTTP (no TLS to carry over)")
    fixes = [f"juju integrate -m {model} istio-ingress-k8s:certificates {p}" for p in providers]
    if secret:
        fixes.append(
            "# istio-ingress-k8s takes no secret: serve the same certificate through manual-tls-certificates,\n"
            f"juju deploy -m {model} manual-tls-certificates && "
            f"juju integrate -m {model} istio-ingress-k8s:certificates manual-tls-certificates"
        )
    if domain:
        fixes.append(f"juju config -m {model} istio-ingress-k8s external_hostname={domain}")
        fixes.append(
            f"# and check that Dex's issuer and oidc-gatekeeper's public URL still name https://{domain}"
        )
    return fail(
        f"the sidecar gateway serves TLS ({'; '.join(found)}); the runbook does not carry it to "
        "istio-ingress-k8s yet: plan these steps after deploying it",
        "\n".join(fixes),
        found,
    )
