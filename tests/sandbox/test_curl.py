"""curl at the dashboard: the answer follows from the gateway and the auth wiring."""

from __future__ import annotations

from .conftest import ambient_ingress

SIDECAR_IP = "10.64.140.43"


def test_the_sidecar_gateway_serves_dex_before_the_migration(make_sandbox):
    sb = make_sandbox()
    assert "Log in to Your Account" in sb.ok(f"curl -sSL http://{SIDECAR_IP}/")
    headers = sb.ok(f"curl -sS -I http://{SIDECAR_IP}/")
    assert headers.startswith("HTTP/1.1 302 Found\r\n") and "location: /oauth2/start" in headers


def test_nothing_listens_once_the_gateway_is_removed(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju remove-application --no-prompt istio-ingressgateway")
    rc, out, err = sb.run(f"curl -sS --max-time 5 http://{SIDECAR_IP}/")
    assert (rc, out) == (7, "")
    assert (
        err == f"curl: (7) Failed to connect to {SIDECAR_IP} port 80 after 0 ms: Couldn't connect to server\n"
    )
    rc, out, err = sb.run(f"curl -s --write-out %{{http_code}} http://{SIDECAR_IP}/")
    assert (rc, out, err) == (7, "000", "")


def test_an_ingress_without_its_routes_answers_404(make_sandbox):
    sb = make_sandbox()
    ambient_ingress(sb)
    assert sb.ok(f"curl -s -o /dev/null -w %{{http_code}} http://{SIDECAR_IP}/") == "404"
    rc, _, err = sb.run(f"curl -sSf http://{SIDECAR_IP}/")
    assert rc == 22 and "returned error: 404" in err
    assert sb.run("curl -sS http://dashboard.example.com/")[0] == 6
