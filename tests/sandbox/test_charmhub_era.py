"""The ckf-1.6 scenario lives in March 2023: its `latest/edge` carries the CKF 1.7 charms as they
were then (pod-spec charms with the MariaDB `mysql` endpoint), while the 1.11 scenarios keep
today's Charmhub. And what a 1.6 -> 1.7 refresh does besides: pod-spec layouts replaced, the
pod-spec resources Juju created deleted, sidecar charms that need `juju trust` blocked without it.
"""

from __future__ import annotations

import json

from steps.sandbox import catalogue


def app_status(sb, app: str) -> tuple[str, str]:
    st = sb.status()["applications"][app]["application-status"]
    return st["current"], st.get("message", "")


def test_latest_edge_is_the_17_charm_in_march_2023_and_todays_charm_in_the_111_scenarios(make_sandbox):
    dated = catalogue.resolve("katib-db-manager", "latest/edge", "2023-03")
    today = catalogue.resolve("katib-db-manager", "latest/edge")
    assert (dated.channel, dated.series, dated.podspec) == ("latest/edge", "0.15", True)
    assert dated.endpoints["mysql"].interface == "mysql" and "relational-db" not in dated.endpoints
    assert set(today.endpoints) >= {"relational-db"} and "mysql" not in today.endpoints
    assert catalogue.resolve("minio", "edge", "2023-03").options["secret-key"][1] == ""

    old = make_sandbox("ckf-1.6")
    old.ok("juju remove-relation katib-db-manager katib-db")
    old.ok("juju refresh katib-db-manager --channel latest/edge")
    assert app_status(old, "katib-db-manager") == ("waiting", "Waiting for mysql connection information")
    app = old.status()["applications"]["katib-db-manager"]
    assert app["charm-channel"] == "latest/edge"
    assert old.ok("juju config katib-db-manager port").strip() == "6789"
    # By interface (mysql), as the 1.7 bundle does; Juju 2.9 has `relate`, not `integrate`.
    old.ok("juju relate katib-db-manager katib-db")
    relations = old.status()["applications"]["katib-db-manager"]["relations"]
    assert relations["mysql"] == ["katib-db"]  # Juju 2.9 lists related applications by name
    assert app_status(old, "katib-db-manager") == ("active", "")

    new = make_sandbox("ckf-1.11-microk8s")
    new.ok("juju refresh katib-db-manager --channel latest/edge")
    rc, _, err = new.run("juju config katib-db-manager port")
    assert rc == 1 and 'key "port" not found' in err


def test_the_new_minio_from_edge_is_the_pod_spec_17_charm(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    for rel in ("argo-controller", "kfp-api", "kfp-profile-controller", "kfp-ui"):
        sb.ok(f"juju remove-relation minio:object-storage {rel}:object-storage")
    sb.ok("juju remove-application minio")  # Juju 2.9.34: no --no-prompt
    sb.ok("juju deploy minio --channel edge --storage minio-data=10G")
    assert sb.status()["applications"]["minio"]["charm-channel"] == "latest/edge"
    sts = sb.json("kubectl -n kubeflow get statefulset minio -o json")
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"].startswith("minio-data-")
    assert "minio-operator-0" in sb.ok("kubectl -n kubeflow get pods")
    sb.ok("juju config minio access-key=ops-user secret-key=s3cr3t-k3y")
    assert sb.ok("juju config minio secret-key").strip() == "s3cr3t-k3y"
    secret = sb.json("kubectl -n kubeflow get secret minio-secret -o json")
    assert secret["data"]["MINIO_ACCESS_KEY"] == "b3BzLXVzZXI="  # ops-user
    # Only object-storage in common with the 1.7 kfp charms: the app-only form is not ambiguous.
    sb.ok("juju relate minio kfp-api")


def test_relating_minio_is_ambiguous_with_todays_latest_charms(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    sb.ok("juju remove-relation minio:object-storage kfp-api:object-storage")
    sb.ok("juju refresh kfp-api --channel latest/edge")
    sb.ok("juju remove-application --no-prompt minio")
    sb.ok("juju deploy minio --channel edge")
    rc, _, err = sb.run("juju relate minio kfp-api")
    assert rc == 1 and "ambiguous relation" in err
    sb.ok("juju relate minio:object-storage kfp-api:object-storage")


def test_a_pod_spec_charm_refreshed_to_a_sidecar_one_needs_trust(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    assert "jupyter-ui-operator" in sb.ok("kubectl -n kubeflow get statefulsets")
    sb.ok("juju refresh jupyter-ui --channel latest/edge")
    assert app_status(sb, "jupyter-ui") == ("blocked", "K8S resources creation failed")
    # Juju replaced the pod-spec layout: no workload Deployment nor operator pod left behind.
    rc, _, err = sb.run("kubectl -n kubeflow get deployment jupyter-ui")
    assert rc == 1 and "not found" in err
    assert "jupyter-ui-operator" not in sb.ok("kubectl -n kubeflow get statefulsets")
    assert "jupyter-ui-0" in sb.ok("kubectl -n kubeflow get pods")
    sb.ok("juju trust jupyter-ui --scope=cluster")
    assert app_status(sb, "jupyter-ui") == ("active", "")
    # A pod-spec revision gets its RBAC from the pod spec: trust or not, it runs.
    sb.ok("juju refresh jupyter-controller --channel latest/edge")
    assert app_status(sb, "jupyter-controller") == ("active", "")


def test_the_dashboard_refresh_takes_the_admin_profile_unless_juju_marks_are_stripped(make_sandbox):
    wiped = make_sandbox("ckf-1.6")
    profile = wiped.json("kubectl get profile admin -o json")
    assert profile["metadata"]["labels"]["app.juju.is/created-by"] == "kubeflow-dashboard"
    assert profile["spec"]["owner"] == {"kind": "User", "name": "admin"}
    wiped.ok("juju refresh kubeflow-dashboard --channel latest/edge")
    rc, _, err = wiped.run("kubectl get profile admin")
    assert rc == 1 and 'profiles.kubeflow.org "admin" not found' in err
    assert "admin" not in wiped.ok("kubectl get ns")

    kept = make_sandbox("ckf-1.6")
    assert kept.ok("kubectl annotate profile admin controller.juju.is/id-") == (
        "profile.kubeflow.org/admin annotated\n"
    )
    kept.ok("kubectl annotate profile admin model.juju.is/id-")
    for label in (
        "app.juju.is/created-by",
        "app.kubernetes.io/managed-by",
        "app.kubernetes.io/name",
        "model.juju.is/name",
    ):
        assert kept.ok(f"kubectl label profile admin {label}-") == "profile.kubeflow.org/admin unlabeled\n"
    assert kept.ok("kubectl label profile admin model.juju.is/name-") == (
        'label "model.juju.is/name" not found.\nprofile.kubeflow.org/admin not labeled\n'
    )
    kept.ok("juju trust kubeflow-dashboard --scope=cluster")
    kept.ok("juju refresh kubeflow-dashboard --channel latest/edge")
    assert json.loads(kept.ok("kubectl get profile admin -o json"))["metadata"].get("labels", {}) == {}
    assert "Active" in kept.ok("kubectl get ns admin")
