"""The ckf-1.6 scenarios are a Juju 2.9.34 controller on Kubernetes 1.22 (issue 11.14): their
`juju` speaks 2.9 and refuses what only 3.x has, with the real 2.9 error text; `ckf-1.6-today`
serves today's Charmhub, where following `latest/edge` breaks a 1.6 deployment."""

from __future__ import annotations

import json

NOT_A_COMMAND = 'ERROR juju: "integrate" is not a juju command. See "juju --help".\n'


def test_the_16_controller_is_juju_29_on_kubernetes_122(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    assert sb.ok("juju version") == "2.9.34-ubuntu-amd64\n"
    assert sb.status()["model"]["version"] == "2.9.34"
    version = sb.json("kubectl version -o json")
    assert version["serverVersion"]["gitVersion"] == "v1.22.17"


def test_juju_29_has_relate_but_no_integrate(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    sb.ok("juju remove-relation istio-pilot istio-ingressgateway")
    rc, out, err = sb.run("juju integrate istio-pilot istio-ingressgateway")
    assert (rc, out, err) == (1, "", NOT_A_COMMAND)
    sb.ok("juju relate istio-pilot istio-ingressgateway")
    sb.ok("juju remove-relation istio-pilot istio-ingressgateway")
    sb.ok("juju add-relation istio-pilot istio-ingressgateway")
    # The same command is fine on the 3.6 controller of the 1.11 scenarios.
    new = make_sandbox("ckf-1.11-microk8s")
    new.ok("juju remove-relation istio-pilot istio-ingressgateway")
    assert new.run("juju integrate istio-pilot istio-ingressgateway")[0] == 0


def test_juju_29_before_2938_refuses_no_prompt_and_never_prompts(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    rc, out, err = sb.run("juju remove-application --no-prompt istio-ingressgateway")
    assert (rc, err) == (2, "ERROR option provided but not defined: --no-prompt\n")
    rc, out, err = sb.run("juju remove-application istio-ingressgateway")  # stdin empty: no prompt
    assert rc == 0 and "Continue [y/N]?" not in err and "removing application istio-ingressgateway" in err
    rc, _, err = sb.run("juju refresh kfp-api --trust --channel 2.0/stable")
    assert (rc, err) == (2, "ERROR option provided but not defined: --trust\n")


def test_juju_29_status_lists_related_applications_by_name_and_a_series(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    app = sb.status()["applications"]["istio-pilot"]
    assert app["relations"]["istio-pilot"] == ["istio-ingressgateway"]
    assert app["series"] == "focal" and app["os"] == "ubuntu" and "base" not in app
    assert "base" in make_sandbox("ckf-1.11-microk8s").status()["applications"]["istio-pilot"]


def test_istio_pilot_waits_for_its_gateway_between_minors_and_fails_a_skipped_minor(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    sb.ok("juju remove-relation istio-pilot istio-ingressgateway")
    sb.ok("juju remove-application istio-ingressgateway")
    sb.ok("juju refresh istio-pilot --channel 1.12/stable")
    unit = sb.status()["applications"]["istio-pilot"]["units"]["istio-pilot/0"]["workload-status"]
    assert (unit["current"], unit["message"]) == (
        "waiting",
        "Missing istio-ingressgateway-workload service, deferring this event",
    )
    skipped = make_sandbox("ckf-1.6")
    skipped.ok("juju refresh istio-pilot --channel 1.16/stable")
    status = skipped.status()["applications"]["istio-pilot"]["application-status"]
    assert (status["current"], status["message"]) == ("error", 'hook failed: "upgrade-charm"')


def test_today_latest_edge_is_the_newest_charm_which_16_cannot_take(make_sandbox):
    guide = make_sandbox("ckf-1.6")
    guide.ok("juju refresh kfp-api --channel latest/edge")
    assert guide.status()["applications"]["kfp-api"]["application-status"]["current"] != "error"
    today = make_sandbox("ckf-1.6-today")
    assert today.ok("juju version").startswith("2.9.34")
    today.ok("juju refresh kfp-api --channel latest/edge")
    status = today.status()["applications"]["kfp-api"]["application-status"]
    assert status["current"] == "error"
    rc, _, err = today.run("juju refresh katib-db-manager --channel latest/edge")
    assert rc == 1 and "would break relation" in err


def test_juju_info_lists_the_channels_relations(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    edge = json.loads(sb.ok("juju info katib-controller --channel 0.19/edge --format=json"))
    stable = json.loads(sb.ok("juju info katib-controller --channel 0.19/stable --format=json"))
    assert edge["charm"]["relations"]["requires"]["service-mesh"] == "service_mesh"
    assert "service-mesh" not in stable["charm"]["relations"].get("requires", {})
    assert "0.19" in edge["channels"] and edge["name"] == "katib-controller"
    rc, _, err = sb.run("juju info katib-controller --channel 9.9/stable --format=json")
    assert rc == 1 and 'not found in channel "9.9/stable"' in err
