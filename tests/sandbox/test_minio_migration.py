"""CKF 1.6 -> 1.7: MinIO's redeploy with its data copied between two claims (seed 003).

The volume holds real files; the copy runs through `kubectl exec` in a busybox pod and is checked
byte for byte, by the pod's own tools and on the host.
"""

from __future__ import annotations

import base64
import filecmp
import json
from pathlib import Path

import yaml

POD = """apiVersion: v1
kind: Pod
metadata:
  name: minio-migration
  namespace: kubeflow
spec:
  containers:
  - name: minio-migration
    image: busybox
    args:
    - sleep
    - "1000000"
    volumeMounts:
      - name: source
        mountPath: /data-source
      - name: destination
        mountPath: /data-destination
  volumes:
    - name: source
      persistentVolumeClaim:
        claimName: SOURCE_PVC-minio-0
        readOnly: false
    - name: destination
      persistentVolumeClaim:
        claimName: DESTINATION_PVC-minio-0
        readOnly: false
"""


def volume_dir(sb, claim: str) -> Path:
    pvc = sb.json(f"kubectl -n kubeflow get pvc {claim} -o json")
    state = json.loads((sb.path / "state.json").read_text())
    return sb.path / state["k8s"]["PersistentVolume"][pvc["spec"]["volumeName"]]["_"]["dir"]


def minio_pv(sb) -> str:
    return [line.split()[0] for line in sb.ok("kubectl -n kubeflow get pv").splitlines() if "minio" in line][
        0
    ]


def claim_template(sb) -> str:
    sts = sb.json("kubectl -n kubeflow get statefulset minio -o=json")
    return sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]


def test_the_credentials_are_in_the_secret_and_the_relation_not_in_config(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    assert sb.ok("juju config minio access-key").strip() == "minio"
    assert sb.ok("juju config minio secret-key").strip() == ""
    secret = sb.json("kubectl -n kubeflow get secret minio-secret -o json")["data"]
    key = base64.b64decode(secret["MINIO_SECRET_KEY"]).decode()
    assert base64.b64decode(secret["MINIO_ACCESS_KEY"]).decode() == "minio" and len(key) >= 8
    unit = yaml.safe_load(sb.ok("juju show-unit kfp-api/0"))["kfp-api/0"]
    data = next(r for r in unit["relation-info"] if r["endpoint"] == "object-storage")["application-data"]
    assert yaml.safe_load(data["data"])["secret-key"] == key


def test_redeploy_with_a_retained_volume_and_a_verified_copy(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    status = sb.status()["applications"]["minio"]
    assert status["charm-channel"] == "ckf-1.6/stable"
    for rel in ("argo-controller", "kfp-api", "kfp-profile-controller", "kfp-ui"):
        sb.ok(f"juju remove-relation minio:object-storage {rel}:object-storage")
    pv = minio_pv(sb)
    sb.ok(["kubectl", "patch", "pv", pv, "-p", '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'])
    source = claim_template(sb)
    source_dir = volume_dir(sb, f"{source}-minio-0")
    before = {p.relative_to(source_dir): p.read_bytes() for p in source_dir.rglob("*") if p.is_file()}
    assert len(before) >= 10 and max(len(b) for b in before.values()) > 1_000_000
    sb.ok("juju remove-application minio")  # Juju 2.9.34: no --no-prompt
    assert "Bound" in sb.ok(f"kubectl -n kubeflow get pvc {source}-minio-0")
    sb.ok("juju deploy minio --channel edge --storage minio-data=10G")
    destination = claim_template(sb)
    assert destination != source
    assert (
        sb.json(f"kubectl -n kubeflow get pvc {destination}-minio-0 -o json")["spec"]["resources"][
            "requests"
        ]["storage"]
        == "10Gi"
    )
    dest_dir = volume_dir(sb, f"{destination}-minio-0")
    assert not any(dest_dir.iterdir())
    manifest = POD.replace("SOURCE_PVC", source).replace("DESTINATION_PVC", destination)
    assert sb.ok("kubectl apply -f -", stdin=manifest.encode()) == "pod/minio-migration created\n"
    assert (
        sb.ok("kubectl -n kubeflow wait --for=condition=Ready pod/minio-migration --timeout=60s")
        == "pod/minio-migration condition met\n"
    )
    rc, out, err = sb.run(
        [
            "kubectl",
            "-n",
            "kubeflow",
            "exec",
            "-ti",
            "minio-migration",
            "--",
            "/bin/sh",
            "-c",
            "cp -rfpT /data-source/ /data-destination/ && sync && exit",
        ]
    )
    assert rc == 0 and out == ""
    sizes_src = sb.ok(
        [
            "kubectl",
            "-n",
            "kubeflow",
            "exec",
            "minio-migration",
            "--",
            "find",
            "/data-source",
            "-type",
            "f",
            "-exec",
            "wc",
            "-c",
            "{}",
            "+",
        ]
    )
    sizes_dst = sb.ok(
        [
            "kubectl",
            "-n",
            "kubeflow",
            "exec",
            "minio-migration",
            "--",
            "find",
            "/data-destination",
            "-type",
            "f",
            "-exec",
            "wc",
            "-c",
            "{}",
            "+",
        ]
    )
    assert sizes_src.splitlines()[-1].endswith(" total")
    assert sizes_src.replace("/data-source", "") == sizes_dst.replace("/data-destination", "")
    sums = [
        sb.ok(
            [
                "kubectl",
                "-n",
                "kubeflow",
                "exec",
                "minio-migration",
                "--",
                "sh",
                "-c",
                f"cd {d} && find {d} -type f -exec sha256sum {{}} +",
            ]
        )
        for d in ("/data-source", "/data-destination")
    ]
    assert sums[0].replace("/data-source", "") == sums[1].replace("/data-destination", "")
    assert (
        sb.run(
            [
                "kubectl",
                "-n",
                "kubeflow",
                "exec",
                "minio-migration",
                "--",
                "diff",
                "-r",
                "/data-source",
                "/data-destination",
            ]
        )[0]
        == 0
    )
    after = {p.relative_to(dest_dir): p.read_bytes() for p in dest_dir.rglob("*") if p.is_file()}
    assert after == before
    comparison = filecmp.dircmp(source_dir, dest_dir)
    assert not comparison.left_only and not comparison.right_only and not comparison.diff_files
    sb.ok("kubectl -n kubeflow delete pod minio-migration")
    sb.ok("juju relate minio argo-controller")
    # The old claim name in the guide lacks the pod suffix: the API says so.
    rc, _, err = sb.run(f"kubectl -n kubeflow delete pvc {source}")
    assert rc == 1 and f'persistentvolumeclaims "{source}" not found' in err
    sb.ok(f"kubectl -n kubeflow delete pvc {source}-minio-0")
    assert pv in sb.ok("kubectl get pv")  # Retain: the volume survives its claim, Released
    assert "Released" in sb.ok(f"kubectl get pv {pv}")
    assert source_dir.exists()


def test_without_retain_the_data_goes_with_the_application(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    pv = minio_pv(sb)
    source = claim_template(sb)
    source_dir = volume_dir(sb, f"{source}-minio-0")
    assert any(source_dir.rglob("*"))
    sb.ok("juju remove-application minio")  # Juju 2.9.34: no --no-prompt
    assert pv not in sb.ok("kubectl get pv")
    rc, _, err = sb.run(f"kubectl -n kubeflow get pvc {source}-minio-0")
    assert rc == 1 and "not found" in err
    assert not source_dir.exists()
    sb.ok("juju deploy minio --channel edge --storage minio-data=10G")
    manifest = POD.replace("SOURCE_PVC", source).replace("DESTINATION_PVC", claim_template(sb))
    sb.ok("kubectl apply -f -", stdin=manifest.encode())
    rc, _, err = sb.run("kubectl -n kubeflow wait --for=condition=Ready pod/minio-migration --timeout=1s")
    assert rc == 1 and "timed out waiting for the condition on pods/minio-migration" in err
    assert "Pending" in sb.ok("kubectl -n kubeflow get pod minio-migration")
    assert f'persistentvolumeclaim "{source}-minio-0" not found' in sb.ok(
        "kubectl -n kubeflow describe pod minio-migration"
    )


def _list_buckets(sb, user: str, host: str = "minio.kubeflow.svc") -> tuple[int, str, str]:
    """What the runbook's minio-list-buckets step runs: a one-off curl pod, signed with SigV4."""
    return sb.run(
        [
            "kubectl", "-n", "kubeflow", "run", "minio-list-buckets", "--image=curlimages/curl:8.5.0",
            "--restart=Never", "--rm", "-i", "-q", "--pod-running-timeout=5m", "--command", "--",
            "curl", "-sS", "--max-time", "30", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", user,
            f"http://{host}:9000/",
        ]
    )  # fmt: skip


def _keys(sb) -> tuple[str, str]:
    secret = sb.json("kubectl -n kubeflow get secret minio-secret -o json")["data"]
    return (
        base64.b64decode(secret["MINIO_ACCESS_KEY"]).decode(),
        base64.b64decode(secret["MINIO_SECRET_KEY"]).decode(),
    )


def test_minio_lists_the_buckets_on_its_volume_through_the_s3_api(make_sandbox):
    """Issue 11.3: MinIO's ListBuckets from a pod, as MinIO's FS backend answers it."""
    sb = make_sandbox("ckf-1.6")
    access, secret = _keys(sb)
    rc, out, err = _list_buckets(sb, f"{access}:{secret}")
    assert (rc, err) == (0, "")
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns=')
    names = [n.split("</Name>")[0] for n in out.split("<Name>")[1:]]
    assert names == ["mlpipeline", "models"]  # .minio.sys is MinIO's own, not a bucket
    assert "<Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID>" in out
    # No pod is left behind (--rm), and -q kept kubectl's `pod "..." deleted` out of the output.
    assert "minio-list-buckets" not in sb.ok("kubectl -n kubeflow get pods")
    # A directory that is not a valid bucket name (ext4's lost+found) is not listed.
    claim = f"{claim_template(sb)}-minio-0"
    (volume_dir(sb, claim) / "lost+found").mkdir()
    assert "lost+found" not in _list_buckets(sb, f"{access}:{secret}")[1]


def test_minio_refuses_other_credentials_with_its_own_s3_errors(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    access, secret = _keys(sb)
    rc, out, _ = _list_buckets(sb, f"someone:{secret}")
    assert rc == 0 and "<Code>InvalidAccessKeyId</Code>" in out
    assert "<Message>The Access Key Id you provided does not exist in our records.</Message>" in out
    rc, out, _ = _list_buckets(sb, f"{access}:not-the-secret")
    assert rc == 0 and "<Code>SignatureDoesNotMatch</Code>" in out
    assert "<ListAllMyBucketsResult" not in out


def test_the_s3_api_is_unreachable_without_a_running_minio_and_from_outside(make_sandbox):
    sb = make_sandbox("ckf-1.6")
    access, secret = _keys(sb)
    rc, _, err = _list_buckets(sb, f"{access}:{secret}", host="minio.kubeflow.svc")
    assert rc == 0
    # From the operator's machine the cluster DNS name does not resolve.
    rc, _, err = sb.run(["curl", "-sS", "http://minio.kubeflow.svc:9000/"])
    assert rc == 6 and err == "curl: (6) Could not resolve host: minio.kubeflow.svc\n"
    # --rm needs an attached container, as kubectl says.
    rc, _, err = sb.run(
        "kubectl -n kubeflow run x --image=curlimages/curl:8.5.0 --rm -- curl -sS http://minio:9000/"
    )
    assert rc == 1 and err == "error: --rm should only be used for attached containers\n"
    # While MinIO restarts nothing listens behind the Service: curl's connection is refused.
    slow = make_sandbox("ckf-1.6", speed=1.0)
    slow.ok("kubectl -n kubeflow delete pod minio-0")
    rc, _, err = _list_buckets(slow, "{}:{}".format(*_keys(slow)))
    assert rc == 7 and "curl: (7) Failed to connect to minio.kubeflow.svc port 9000" in err
    assert err.endswith("pod kubeflow/minio-list-buckets terminated (Error)\n")


def test_a_one_off_pod_with_a_sidecar_never_completes(make_sandbox):
    """kubectl run waits for the pod to complete; an injected istio-proxy never exits."""
    sb = make_sandbox("ckf-1.6")
    access, secret = _keys(sb)
    sb.ok("kubectl label namespace kubeflow istio-injection=enabled")
    rc, out, err = _list_buckets(sb, f"{access}:{secret}")
    assert rc == 1 and err.endswith("error: timed out waiting for the condition\n")
    assert "<ListAllMyBucketsResult" in out  # curl itself ran; kubectl is left waiting
    argv = [
        "kubectl", "-n", "kubeflow", "run", "minio-list-buckets", "--image=curlimages/curl:8.5.0",
        "--restart=Never", "--rm", "-i", "-q", "--labels=sidecar.istio.io/inject=false", "--command", "--",
        "curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{access}:{secret}",
        "http://minio.kubeflow.svc:9000/",
    ]  # fmt: skip
    rc, out, err = sb.run(argv)
    assert (rc, err) == (0, "") and "<Name>mlpipeline</Name>" in out
    # Only ListBuckets is modelled inside the cluster.
    rc, _, err = sb.run(argv[:-1] + ["http://minio.kubeflow.svc:9000/mlpipeline"])
    assert rc == 1 and "serves only MinIO's ListBuckets" in err
