"""TLS on the sidecar gateway, which the ambient migration would otherwise drop silently.

istio-pilot (canonical/istio-operators track/1.28, charms/istio-pilot) serves HTTPS from a
`tls-secret-id` secret or from a `certificates` (tls-certificates) relation, with `csr-domain-name`
as the certificate's name. istio-ingress-k8s (canonical/istio-ingress-k8s-operator track/2,
charmcraft.yaml) has only a `certificates` relation (limit 1) and an `external_hostname` option
(underscore); it asks its certificate for external_hostname (else its load balancer address) and
has no secret option, so a user-provided certificate must come through a tls-certificates provider
such as manual-tls-certificates.

The runbook carries TLS with three params, discovered from istio-pilot when the run starts:
`tls` (off | carry | manual-tls-certificates), `tls_provider` (the app istio-pilot's certificates
relation uses) and `hostname` (csr-domain-name). This pre-flight check stops the run, before
anything is removed, whenever the plan would not carry what istio-pilot serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..cluster.state import App, ClusterState
from .context import config_value, model_name
from .result import CheckResult, fail, ok, warn

TLS_OFF, TLS_CARRY, TLS_MANUAL = "off", "carry", "manual-tls-certificates"


def _pilot_tls(pilot: App) -> tuple[list[str], str, str]:
    """(certificates providers, tls-secret-id, csr-domain-name) of istio-pilot."""
    providers = sorted({r.related_app for r in pilot.relations if r.endpoint == "certificates"})
    return providers, config_value(pilot, "tls-secret-id") or "", config_value(pilot, "csr-domain-name") or ""


def discover_tls(state: ClusterState) -> str:
    """`carry` when istio-pilot takes its certificate from a provider. A user-provided certificate
    (tls-secret-id) is not discovered: carrying it means HTTPS stays down until someone signs the
    new gateway's request, which only the operator can agree to (`--set tls=manual-tls-certificates`)."""
    pilot = state.app("istio-pilot")
    return TLS_CARRY if pilot is not None and _pilot_tls(pilot)[0] else ""


def discover_tls_provider(state: ClusterState) -> str:
    pilot = state.app("istio-pilot")
    providers = _pilot_tls(pilot)[0] if pilot is not None else []
    return providers[0] if providers else ""


def discover_hostname(state: ClusterState) -> str:
    pilot = state.app("istio-pilot")
    return _pilot_tls(pilot)[2] if pilot is not None else ""


def gateway_tls(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    pilot = state.app("istio-pilot")
    model = model_name(params, state)
    if pilot is None:
        return ok("istio-pilot is gone: nothing to carry over")
    providers, secret, domain = _pilot_tls(pilot)
    chosen = str(params.get("tls") or TLS_OFF)
    if not providers and not secret:
        if not pilot.config:
            return warn(
                "istio-pilot has no certificates relation; its tls-secret-id and csr-domain-name were not read",
                f"juju config -m {model} istio-pilot tls-secret-id csr-domain-name  # empty: no TLS",
            )
        if chosen != TLS_OFF:
            return fail(
                f"the plan carries TLS (tls={chosen}) but the sidecar gateway serves plain HTTP",
                "--set tls=off",
            )
        return ok("the sidecar gateway serves plain HTTP (no TLS to carry over)")
    found = [f"certificates relation to {p}" for p in providers]
    found += ["tls-secret-id (a user-provided certificate)"] if secret else []
    found += [f"csr-domain-name={domain}"] if domain else []
    # What the plan runs once istio-ingress-k8s is deployed (or what to run by hand).
    commands = [f"juju integrate -m {model} istio-ingress-k8s:certificates {p}" for p in providers]
    if secret and not providers:
        commands.append(
            f"juju deploy -m {model} manual-tls-certificates --channel 1/stable && "
            f"juju integrate -m {model} istio-ingress-k8s:certificates manual-tls-certificates"
        )
    if domain:
        commands.insert(0, f"juju config -m {model} istio-ingress-k8s external_hostname={domain}")
        commands.append(f"# and check that Dex's issuer-url still names https://{domain}")
    if providers and secret:
        return fail(
            f"istio-pilot has both a certificates relation ({providers[0]}) and a tls-secret-id; "
            "istio-ingress-k8s takes exactly one certificate source",
            f"# keep one: the provider (juju config -m {model} istio-pilot --reset tls-secret-id) or the secret "
            f"(juju remove-relation -m {model} istio-pilot:certificates {providers[0]}), then re-run",
            found,
        )
    if secret and chosen != TLS_MANUAL:
        # The operator decides: the ingress makes its own key, so the user's certificate cannot be
        # reused; somebody must sign the new request with their CA, and HTTPS is down until then.
        return fail(
            f"the sidecar gateway serves a user-provided certificate ({'; '.join(found)}); istio-ingress-k8s "
            "takes no secret, so HTTPS would be lost",
            "\n".join(
                [
                    "# either, before the window: relate istio-pilot to a tls-certificates provider instead of the",
                    "# secret (self-signed-certificates, lego, or manual-tls-certificates signed by your CA); the",
                    "# run then carries that relation over:",
                    f"juju config -m {model} istio-pilot --reset tls-secret-id && "
                    f"juju deploy -m {model} manual-tls-certificates --channel 1/stable && "
                    f"juju integrate -m {model} istio-pilot:certificates manual-tls-certificates",
                    "# or accept HTTPS down from istio-pilot's removal until you sign istio-ingress-k8s's",
                    "# certificate request with your CA (the run deploys manual-tls-certificates and asks):",
                    "--set tls=manual-tls-certificates",
                ]
            ),
            found,
        )
    want = {"tls": TLS_CARRY if providers else TLS_MANUAL, "hostname": domain}
    if providers:
        want["tls_provider"] = providers[0]
    wrong = [f"--set {key}={value}" for key, value in want.items() if str(params.get(key) or "") != value]
    if wrong:
        return fail(
            f"the sidecar gateway serves TLS ({'; '.join(found)}); the plan does not carry it to "
            f"istio-ingress-k8s ({', '.join(w.removeprefix('--set ') for w in wrong)} needed)",
            "\n".join([*wrong, "# the plan then runs, once istio-ingress-k8s is deployed:", *commands]),
            found,
        )
    return ok(f"TLS carried to istio-ingress-k8s after it is deployed: {'; '.join(found)}", commands)
