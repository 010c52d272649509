"""The real tools' errors, wording and exit codes, for the mistakes a runbook can make."""

from __future__ import annotations


def test_integrating_an_existing_relation_is_refused(make_sandbox):
    sb = make_sandbox()
    rc, out, err = sb.run("juju integrate kfp-api:kfp-api kfp-ui:kfp-api")
    assert rc == 1 and out == ""
    assert err.startswith('ERROR cannot add relation "kfp-ui:kfp-api kfp-api:kfp-api"\n')
    assert "relation kfp-ui:kfp-api kfp-api:kfp-api already exists" in err
    assert "Use 'juju status --relations' to view the current relations." in err


def test_unknown_application(make_sandbox):
    sb = make_sandbox()
    for command in (
        "juju integrate nope istio-pilot",
        "juju config nope",
        "juju refresh nope --channel 2/edge",
        "juju trust nope --scope=cluster",
        "juju scale-application nope 2",
    ):
        rc, _, err = sb.run(command)
        assert (rc, err) == (1, 'ERROR application "nope" not found\n'), command
    rc, _, err = sb.run("juju remove-application --no-prompt nope")
    assert rc == 1 and 'ERROR removing application nope failed: application "nope" not found' in err


def test_no_such_endpoint(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju integrate kfp-api:bogus kfp-db:database")
    assert (rc, err) == (1, 'ERROR application "kfp-api" has no "bogus" relation\n')


def test_ambient_endpoints_are_only_on_edge_for_the_1_11_tracks(make_sandbox):
    sb = make_sandbox()
    sb.ok("juju deploy istio-beacon-k8s --trust --channel 2/edge")
    rc, _, err = sb.run("juju integrate kfp-api:service-mesh istio-beacon-k8s:service-mesh")
    assert (rc, err) == (1, 'ERROR application "kfp-api" has no "service-mesh" relation\n')
    sb.ok("juju refresh kfp-api --channel 2.15/edge")
    sb.ok("juju integrate kfp-api:service-mesh istio-beacon-k8s:service-mesh")


def test_unrelatable_and_ambiguous_endpoints(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju integrate kfp-api kubeflow-roles")
    assert (rc, err) == (1, "ERROR no relations found\n")
    sb.ok("juju refresh kfp-api --channel 2.15/edge")
    sb.ok("juju refresh kfp-ui --channel 2.15/edge")
    rc, _, err = sb.run("juju integrate kfp-api kfp-ui")
    assert rc == 1 and err.startswith('ERROR ambiguous relation: "kfp-api kfp-ui" could refer to ')


def test_channels_that_do_not_exist(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju refresh kfp-api --channel 9.99/stable")
    assert rc == 1
    assert err.startswith('ERROR selecting releases: charm or bundle not found for channel "9.99/stable"')
    assert 'channel "2.15/edge": available bases are' in err
    rc, _, err = sb.run("juju deploy istio-k8s --trust --channel 3/edge")
    assert rc == 1 and 'not found for channel "3/edge"' in err
    rc, _, err = sb.run("juju deploy no-such-charm")
    assert (rc, err) == (
        1,
        'ERROR cannot resolve charm or bundle "no-such-charm": charm or bundle not found\n',
    )


def test_every_channel_the_guides_use_exists(make_sandbox):
    from steps.sandbox import catalogue

    for charm, channel in [
        ("istio-k8s", "2/edge"),
        ("istio-k8s", "2/stable"),
        ("admission-webhook", "2.0/edge"),
        ("oidc-gatekeeper", "ckf-1.10/edge"),
        ("minio", "ckf-1.7/stable"),
        ("minio", "latest/edge"),
        ("istio-pilot", "1.16/stable"),
        ("kfp-api", "2.0-alpha.7/stable"),
        ("kserve-controller", "0.10/stable"),
        ("knative-serving", "1.8/stable"),
        ("katib-ui", "0.18/stable"),
        ("metacontroller-operator", "4.11/edge"),
    ]:
        assert catalogue.resolve(charm, channel).channel == channel


def test_usage_errors_exit_2(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju status --bogus")
    assert (rc, err) == (2, "ERROR option provided but not defined: --bogus\n")
    rc, _, err = sb.run("juju integrate kfp-api")
    assert rc == 2 and "an integration must involve two applications" in err
    rc, _, err = sb.run(["juju", "no-such-command"])
    assert rc == 1 and 'ERROR juju: "no-such-command" is not a juju command' in err


def test_wrong_model(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run(["juju", "status", "-m", "other"])
    assert (rc, err) == (1, "ERROR model microk8s-localhost:admin/other not found\n")


def test_config_errors(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju config kubeflow-profiles service-mesh-mode=istio-ambient")
    assert (rc, err) == (1, 'ERROR unknown option "service-mesh-mode"\n')  # not on the 1.10 track
    rc, _, err = sb.run("juju config minio port=abc")
    assert rc == 1 and 'option "port" expected int' in err


def test_remove_application_asks_first(make_sandbox):
    sb = make_sandbox()
    rc, _, err = sb.run("juju remove-application istio-pilot")
    assert rc == 1 and "Continue [y/N]? " in err and "ERROR application removal: aborted" in err
    assert "istio-pilot" in sb.status()["applications"]
    rc, _, _ = sb.run("juju remove-application istio-pilot", stdin=b"y\n")
    assert rc == 0 and "istio-pilot" not in sb.status()["applications"]


def test_kubectl_errors(make_sandbox):
    sb = make_sandbox()
    assert sb.run("kubectl get pods nope -n admin") == (
        1,
        "",
        'Error from server (NotFound): pods "nope" not found\n',
    )
    rc, _, err = sb.run("kubectl get frobnicators")
    assert (rc, err) == (1, 'error: the server doesn\'t have a resource type "frobnicators"\n')
    assert sb.run("kubectl get pods -n empty") == (0, "", "No resources found in empty namespace.\n")
    # Before istio-k8s, the Gateway API is not served.
    rc, _, err = sb.run("kubectl get httproutes -A")
    assert rc == 1 and 'resource type "httproutes"' in err
    rc, _, err = sb.run("kubectl -n kube-system patch configmap nope --type merge -p {}")
    assert rc == 1 and 'configmaps "nope" not found' in err


def test_istio_objects_vanish_with_istio_pilot(make_sandbox):
    sb = make_sandbox()
    assert "ns-owner-access-istio" in sb.ok("kubectl get authorizationpolicy -n admin")
    sb.ok("juju remove-application --no-prompt istio-pilot")
    rc, _, err = sb.run("kubectl get authorizationpolicy -A")
    assert rc == 1 and 'resource type "authorizationpolicy"' in err
