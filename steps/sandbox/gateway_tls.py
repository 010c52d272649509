"""TLS on the sandbox's gateways, as the charms serve it.

istio-ingress-k8s (track/2 src/charm.py, src/utils.py): once its `certificates` relation's provider
has signed the request for `external_hostname` (else the load balancer address), its Gateway gets
an `https-443` listener whose certificate is the Secret `istio-ingress-k8s-tls-certificate`, port 80
redirects to https (301), and the Service exposes 443. With `external_hostname` set, every listener
answers only that name. istio-pilot serves TLS on its gateway from a `certificates` relation or a
`tls-secret-id`, for csr-domain-name.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import kube, model
from .state import State, next_counter


@dataclass(frozen=True)
class GatewayTLS:
    names: tuple[str, ...]  # what the certificate names (SAN)
    issuer: str  # the provider app (or "user" for a tls-secret-id)
    only_name: str = ""  # the listeners answer only this name (SNI and Host) when set


# manual-tls-certificates signs nothing by itself: a person answers each request with
# `juju run manual-tls-certificates/0 provide-certificate`, which the sandbox does not emulate.
SIGNS_ON_ITS_OWN = frozenset({"self-signed-certificates", "lego", "vault-k8s"})


def _provider_up(state: State, app_name: str, now: float) -> str | None:
    for side in model.related(state, app_name, "certificates", now):
        provider = model.app(state, side.app, now)
        if provider is not None and not model.dying(provider, now) and provider["charm"] in SIGNS_ON_ITS_OWN:
            return side.app
    return None


def ingress_tls(state: State, app_name: str, address: str, now: float) -> GatewayTLS | None:
    """What istio-ingress-k8s serves on 443 right now, or None (no listener there)."""
    app = model.app(state, app_name, now)
    if app is None:
        return None
    hostname = str((app.get("config") or {}).get("external_hostname") or "")
    provider = _provider_up(state, app_name, now)
    name = hostname or address
    if provider is None or not name:
        return None
    return GatewayTLS(names=(name,), issuer=provider, only_name=hostname)


def pilot_tls(state: State, app_name: str, address: str, now: float) -> GatewayTLS | None:
    app = model.app(state, app_name, now)
    if app is None:
        return None
    config = app.get("config") or {}
    provider = _provider_up(state, app_name, now)
    issuer = provider or ("user" if config.get("tls-secret-id") else "")
    if not issuer:
        return None
    return GatewayTLS(names=(str(config.get("csr-domain-name") or address),), issuer=issuer)


def sync_ingress_listeners(state: State, gateway: dict, service: dict | None, tls: GatewayTLS | None) -> None:
    """The Gateway's listeners and the Service's ports follow the TLS state (the charm reconciles both)."""
    secret = f"{gateway['metadata']['name']}-tls-certificate"
    host = {"hostname": tls.only_name} if tls and tls.only_name else {}
    everyone = {"namespaces": {"from": "All"}}
    listeners = [{"name": "http", "port": 80, "protocol": "HTTP", **host, "allowedRoutes": everyone}]
    if tls is not None:
        listeners.append(
            {
                "name": "https-443",
                "port": 443,
                "protocol": "HTTPS",
                **host,
                "allowedRoutes": everyone,
                "tls": {
                    "mode": "Terminate",
                    "certificateRefs": [{"kind": "Secret", "group": "", "name": secret}],
                },
            }
        )
    spec = gateway.setdefault("spec", {})
    if spec.get("listeners") != listeners:
        spec["listeners"] = listeners
        kube.touch(state, gateway)
    if service is None:
        return
    ports = service["spec"]["ports"]
    has_443 = any(p["port"] == 443 for p in ports)
    if tls is not None and not has_443:
        template = next((p for p in ports if p["port"] == 80), ports[-1])
        port = {**template, "name": "https-443", "port": 443, "targetPort": 443}
        if "nodePort" in template:
            port["nodePort"] = 30000 + next_counter(state, "node_port", 100) % 2700
        ports.append(port)
        kube.touch(state, service)
    elif tls is None and has_443:
        service["spec"]["ports"] = [p for p in ports if p["port"] != 443]
        kube.touch(state, service)
