"""Issue 11.6: the sandbox's gateways serve TLS as the charms do, and its curl meets it as real curl
does: nothing on 443 without a certificate, the name asked for (SNI), an unknown CA without -k,
and istio-ingress-k8s's http -> https redirect."""

from __future__ import annotations

from .conftest import ambient_ingress

IP = "10.64.140.43"
NAME = "kubeflow.example.com"
CA_HELP = (
    "More details here: https://curl.se/docs/sslcerts.html\n\n"
    "curl failed to verify the legitimacy of the server and therefore could not\n"
    "establish a secure connection to it. To learn more about this situation and\n"
    "how to fix it, please visit the web page mentioned above.\n"
)


def test_the_tls_scenario_serves_https_on_the_sidecar_gateway(make_sandbox):
    sb = make_sandbox("ckf-1.11-tls")
    page = sb.ok(f"curl -sSLk --resolve {NAME}:443:{IP} https://{NAME}/")
    assert "Log in to Your Account" in page
    rc, out, err = sb.run(f"curl -sS --resolve {NAME}:443:{IP} https://{NAME}/")
    assert (rc, out) == (60, "")
    assert err == "curl: (60) SSL certificate problem: unable to get local issuer certificate\n" + CA_HELP
    # istio-pilot's Gateway then has its https server only: nothing answers plain http.
    assert sb.run(f"curl -sS http://{IP}/")[0] == 7
    status = sb.status()["applications"]
    assert (
        "self-signed-certificates"
        in status["istio-pilot"]["relations"]["certificates"][0]["related-application"]
    )


def test_the_plain_scenario_has_nothing_on_443(make_sandbox):
    sb = make_sandbox()
    rc, out, err = sb.run(f"curl -sSk https://{IP}/")
    assert (rc, out) == (7, "")
    assert err == f"curl: (7) Failed to connect to {IP} port 443 after 0 ms: Couldn't connect to server\n"


def test_istio_ingress_k8s_serves_https_only_once_its_certificate_is_related(make_sandbox):
    sb = make_sandbox("ckf-1.11-tls")
    ambient_ingress(sb)
    # The new gateway without a certificate: no 443 on its Service, so nothing answers there.
    rc, _, err = sb.run(f"curl -sSk --resolve {NAME}:443:{IP} https://{NAME}/")
    assert rc == 7 and f"Failed to connect to {NAME} port 443" in err
    assert sb.ok(f"curl -s -o /dev/null -w %{{http_code}} http://{IP}/") == "404"

    sb.ok(f"juju config istio-ingress-k8s external_hostname={NAME}")
    sb.ok("juju integrate istio-ingress-k8s:certificates self-signed-certificates")
    gateway = sb.json("kubectl -n kubeflow get gateway istio-ingress-k8s -o json")
    https = [lst for lst in gateway["spec"]["listeners"] if lst["port"] == 443]
    assert https and https[0]["protocol"] == "HTTPS" and https[0]["hostname"] == NAME
    assert https[0]["tls"]["certificateRefs"][0]["name"] == "istio-ingress-k8s-tls-certificate"
    ports = [
        p["port"]
        for p in sb.json("kubectl -n kubeflow get svc istio-ingress-k8s-istio -o json")["spec"]["ports"]
    ]
    assert 443 in ports

    # By name over https (the route table is still empty: the gateway's own 404, through TLS).
    assert (
        sb.ok(f"curl -sk -o /dev/null -w %{{http_code}} --resolve {NAME}:443:{IP} https://{NAME}/") == "404"
    )
    # http by name redirects to https; by IP nothing matches the listener's hostname.
    headers = sb.ok(f"curl -sS -I --resolve {NAME}:80:{IP} http://{NAME}/")
    assert (
        headers.startswith("HTTP/1.1 301 Moved Permanently\r\n") and f"location: https://{NAME}/" in headers
    )
    assert sb.ok(f"curl -s -o /dev/null -w %{{http_code}} http://{IP}/") == "404"
    # By IP there is no SNI, so no listener's filter chain matches: the handshake is cut.
    rc, _, err = sb.run(f"curl -sSk https://{IP}/")
    assert (
        rc == 35 and err == f"curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {IP}:443 \n"
    )
    # Verified, the certificate's CA is unknown to this machine.
    rc, _, err = sb.run(f"curl -sS --resolve {NAME}:443:{IP} https://{NAME}/")
    assert rc == 60 and "unable to get local issuer certificate" in err


def test_removing_the_provider_takes_https_away(make_sandbox):
    sb = make_sandbox("ckf-1.11-tls")
    ambient_ingress(sb)
    sb.ok("juju integrate istio-ingress-k8s:certificates self-signed-certificates")
    assert sb.ok(f"curl -sk -o /dev/null -w %{{http_code}} https://{IP}/") == "404"
    sb.ok("juju remove-relation istio-ingress-k8s:certificates self-signed-certificates")
    rc, _, _ = sb.run(f"curl -sSk https://{IP}/")
    assert rc == 7


def test_manual_tls_certificates_serves_nothing_until_someone_provides_the_certificate(make_sandbox):
    sb = make_sandbox()
    ambient_ingress(sb)
    sb.ok("juju deploy manual-tls-certificates --channel 1/stable")
    sb.ok("juju integrate istio-ingress-k8s:certificates manual-tls-certificates")
    assert sb.run(f"curl -sSk https://{IP}/")[0] == 7  # the request waits for a person to sign it
