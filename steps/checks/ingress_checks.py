"""After the migration: the new gateway serves what the old one did (TLS, hostname), and the login
URLs name it.

Dex (canonical/dex-auth-operator track/2.41 config.yaml) has `issuer-url` and the deprecated
`public-url`; oidc-gatekeeper had `public-url` up to its ckf-1.8 track and, from ckf-1.9 on, takes
Dex's issuer over the dex-oidc-config relation instead. A URL naming the old gateway's address (or
http when the gateway now serves https) sends every login to a dead or refused address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..cluster.state import GATEWAY_API, ClusterState
from . import ckf
from .context import config_value, model_name, model_namespace
from .result import CheckResult, fail, ok, warn
from .tls_checks import TLS_MANUAL, TLS_OFF

INGRESS_SERVICE = f"{ckf.INGRESS}-istio"
SIDECAR_SERVICE = "istio-ingressgateway-workload"  # istio-gateway's LoadBalancer Service
TLS_SECRET = f"{ckf.INGRESS}-tls-certificate"  # the charm's _certificate_secret_name


def _tls_params(params: Mapping[str, Any]) -> tuple[str, str, str]:
    tls = str(params.get("tls") or TLS_OFF)
    provider = TLS_MANUAL if tls == TLS_MANUAL else str(params.get("tls_provider") or "")
    return tls, provider, str(params.get("hostname") or "")


def ingress_address(state: ClusterState, params: Mapping[str, Any]) -> str:
    """The name the new gateway answers to: external_hostname, else its load balancer address."""
    app = state.app(ckf.INGRESS)
    configured = config_value(app, "external_hostname") if app is not None else None
    if configured:
        return configured
    svc = state.find("Service", INGRESS_SERVICE, model_namespace(params, state))
    ingress = ((svc.raw.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [] if svc else []
    return str((ingress[0].get("ip") or ingress[0].get("hostname") or "") if ingress else "")


def ingress_tls(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    tls, provider, hostname = _tls_params(params)
    if tls == TLS_OFF:
        return ok("the sidecar gateway served plain HTTP: no TLS to carry")
    model = model_name(params, state)
    app = state.app(ckf.INGRESS)
    if app is None:
        return fail(f"{ckf.INGRESS} is not deployed", f"juju status -m {model} {ckf.INGRESS}")
    problems, fixes = [], []
    if not app.related_to(provider, "certificates"):
        problems.append(f"no certificates relation to {provider}")
        fixes.append(f"juju integrate -m {model} {ckf.INGRESS}:certificates {provider}")
    if hostname and config_value(app, "external_hostname") != hostname:
        problems.append(
            f"external_hostname is {config_value(app, 'external_hostname') or 'unset'}, not {hostname}"
        )
        fixes.append(f"juju config -m {model} {ckf.INGRESS} external_hostname={hostname}")
    gateway = state.find("Gateway", ckf.INGRESS, model_namespace(params, state), group=GATEWAY_API)
    listeners = (gateway.raw.get("spec") or {}).get("listeners") or [] if gateway else []
    https = [
        lst
        for lst in listeners
        if lst.get("protocol") == "HTTPS"
        and lst.get("port") == 443
        and any(ref.get("name") == TLS_SECRET for ref in (lst.get("tls") or {}).get("certificateRefs") or [])
    ]
    if not https:
        problems.append(
            f"its Gateway has no HTTPS listener on 443 with the certificate {TLS_SECRET}"
            if gateway
            else "its Gateway was not read"
        )
        fixes.append(
            f"juju status -m {model} {ckf.INGRESS} {provider}  # the certificate arrives over the relation\n"
            f"kubectl -n {model_namespace(params, state)} get gateway {ckf.INGRESS} -o yaml"
        )
    elif hostname and not any(lst.get("hostname") == hostname for lst in https):
        served = ", ".join(str(lst.get("hostname") or "any name") for lst in https)
        problems.append(f"its HTTPS listener serves {served}, not {hostname}")
    if problems:
        return fail(f"TLS not carried to {ckf.INGRESS}: {'; '.join(problems)}", "\n".join(fixes), problems)
    return ok(f"HTTPS on port 443 for {hostname or 'the gateway address'}, certificate from {provider}")


# (app, option): the URLs a login goes through; oidc-gatekeeper's only on its tracks up to ckf-1.8.
AUTH_URLS = (("dex-auth", "issuer-url"), ("dex-auth", "public-url"), ("oidc-gatekeeper", "public-url"))


def _in_cluster(host: str) -> bool:
    """dex-auth's default issuer, http://dex-auth.kubeflow.svc:5556/dex, never names a gateway."""
    return host.endswith((".svc", ".svc.cluster.local")) or host in ("localhost", "")


def _login_urls(state: ClusterState) -> list[tuple[str, str, str]]:
    out = []
    for app_name, option in AUTH_URLS:
        app = state.app(app_name)
        url = config_value(app, option) if app is not None else None
        if url:
            out.append((app_name, option, url))
    return out


def _before_migration(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    """Pre-flight: a URL naming the sidecar gateway's load balancer address breaks logins when
    istio-ingress-k8s gets another address; a hostname carried as external_hostname survives."""
    svc = state.find("Service", SIDECAR_SERVICE, model_namespace(params, state))
    ingress = ((svc.raw.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [] if svc else []
    old = str(ingress[0].get("ip") or "") if ingress else ""
    named = [f"{a} {o}={u}" for a, o, u in _login_urls(state) if old and urlsplit(u).hostname == old]
    if named:
        return warn(
            f"{'; '.join(named)} name(s) the sidecar gateway's address {old}; istio-ingress-k8s gets its own "
            "load balancer address, and logins break if it differs",
            f"# after the migration, if {ckf.INGRESS} got another address (verification names it):\n"
            f"juju config -m {model_name(params, state)} dex-auth issuer-url=http://NEW_ADDRESS/dex",
            named,
        )
    return ok(f"{ckf.INGRESS} is not deployed yet; no login URL names the sidecar gateway's address")


def auth_urls(state: ClusterState, params: Mapping[str, Any]) -> CheckResult:
    model = model_name(params, state)
    address = ingress_address(state, params)
    if state.app(ckf.INGRESS) is None:
        return _before_migration(state, params)
    scheme = "http" if _tls_params(params)[0] == TLS_OFF else "https"
    wrong, fixes, seen = [], [], 0
    for app_name, option, url in _login_urls(state):
        seen += 1
        parts = urlsplit(url)
        if _in_cluster(parts.hostname or ""):
            continue
        if parts.hostname == address and parts.scheme == scheme:
            continue
        wrong.append(f"{app_name} {option}={url}")
        if not address:
            continue
        path = "/dex" if app_name == "dex-auth" else ""
        if option == "public-url" and app_name == "dex-auth":
            fixes.append(
                f"juju config -m {model} dex-auth --reset public-url  # deprecated: issuer-url replaces it"
            )
        else:
            fixes.append(f"juju config -m {model} {app_name} {option}={scheme}://{address}{path}")
    if wrong and not address:
        return warn(
            f"the new gateway's address was not read; check these login URLs by hand: {'; '.join(wrong)}",
            f"kubectl -n {model_namespace(params, state)} get service {INGRESS_SERVICE}",
            wrong,
        )
    if wrong:
        return fail(
            f"{len(wrong)} login URL(s) do not name the new gateway ({scheme}://{address}): {'; '.join(wrong)}",
            "\n".join(fixes),
            wrong,
        )
    if not seen:
        return ok("Dex uses its in-cluster issuer (no public URL set): nothing names the old gateway")
    return ok(f"the login URLs name {scheme}://{address or 'an in-cluster address'}")
