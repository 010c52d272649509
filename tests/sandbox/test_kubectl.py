"""kubectl's verbs against the sandbox: patches, deletes that controllers undo, rollouts, exec."""

from __future__ import annotations

import json


def test_patch_merge_and_no_change(make_sandbox):
    sb = make_sandbox("ckf-1.11-canonical-k8s")
    patch = [
        "kubectl",
        "-n",
        "kube-system",
        "patch",
        "configmap",
        "cilium-config",
        "--type",
        "merge",
        "--patch",
        '{"data":{"cni-exclusive":"false"}}',
    ]
    assert sb.ok(patch) == "configmap/cilium-config patched\n"
    assert sb.ok(patch) == "configmap/cilium-config patched (no change)\n"
    assert sb.json("kubectl -n kube-system get cm cilium-config -o json")["data"]["cni-exclusive"] == "false"
    rc, _, err = sb.run(["kubectl", "patch", "profile", "admin", "-p", '{"spec":{}}'])
    assert rc == 1 and "strategic-merge-patch" in err


def test_deleted_pods_come_back_under_a_new_name(make_sandbox):
    sb = make_sandbox()
    old = sb.ok("kubectl get pods -n admin -l app=ml-pipeline-ui-artifact -o name").strip()
    out = sb.ok("kubectl delete pod -l app=ml-pipeline-ui-artifact -n admin")
    assert out == f'pod "{old.split("/")[1]}" deleted\n'
    new = sb.ok("kubectl get pods -n admin -l app=ml-pipeline-ui-artifact -o name").strip()
    assert new.startswith("pod/ml-pipeline-ui-artifact-") and new != old
    assert sb.run("kubectl delete pod -l app=nothing -n admin") == (0, "", "No resources found\n")
    # A StatefulSet's pod keeps its name.
    sb.ok("kubectl delete pod my-notebook-0 -n admin")
    assert sb.ok("kubectl get pods -n admin my-notebook-0 -o name") == "pod/my-notebook-0\n"


def test_rollout_restart_all_of_a_kind_and_status(make_sandbox):
    sb = make_sandbox()
    out = sb.ok("kubectl rollout restart deployment -n alice")
    assert out.splitlines() == [
        "deployment.apps/ml-pipeline-ui-artifact restarted",
        "deployment.apps/ml-pipeline-visualizationserver restarted",
    ]
    template = sb.json("kubectl get deploy ml-pipeline-ui-artifact -n alice -o json")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert (
        sb.ok("kubectl rollout status deployment/ml-pipeline-ui-artifact -n alice")
        == 'deployment "ml-pipeline-ui-artifact" successfully rolled out\n'
    )
    assert "restarted" in sb.ok("kubectl rollout restart statefulset my-notebook -n admin")


def test_cilium_restart_makes_new_agent_pods(make_sandbox):
    sb = make_sandbox("ckf-1.11-canonical-k8s")
    before = sb.ok("kubectl -n kube-system get pods -l k8s-app=cilium -o name")
    assert (
        sb.ok("kubectl -n kube-system rollout restart daemonset cilium")
        == "daemonset.apps/cilium restarted\n"
    )
    assert sb.ok("kubectl -n kube-system get pods -l k8s-app=cilium -o name") != before
    assert (
        sb.ok("kubectl -n kube-system rollout status daemonset/cilium")
        == 'daemon set "cilium" successfully rolled out\n'
    )


def test_label_apply_and_delete(make_sandbox):
    sb = make_sandbox()
    assert sb.ok("kubectl label ns admin team=ml") == "namespace/admin labeled\n"
    rc, _, err = sb.run("kubectl label ns admin team=ops")
    assert rc == 1 and "already has a value (ml), and --overwrite is false" in err
    sb.ok("kubectl label ns admin team=ops --overwrite")
    sb.ok("kubectl label ns admin team-")
    assert "team" not in sb.json("kubectl get ns admin -o json")["metadata"]["labels"]
    cm = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n  namespace: admin\ndata:\n  a: '1'\n"
    assert sb.ok("kubectl apply -f -", stdin=cm) == "configmap/demo created\n"
    assert sb.ok("kubectl apply -f -", stdin=cm) == "configmap/demo unchanged\n"
    assert sb.ok("kubectl apply -f -", stdin=cm.replace(b"'1'", b"'2'")) == "configmap/demo configured\n"
    assert sb.ok("kubectl delete cm demo -n admin") == 'configmap "demo" deleted\n'


def test_exec(make_sandbox):
    sb = make_sandbox()
    rc, out, err = sb.run("kubectl exec -n kubeflow minio-0 -c minio -- ls /data")
    assert rc == 0 and err == ""
    rc, _, err = sb.run("kubectl exec -n kubeflow minio-0 -- frobnicate")
    assert rc == 126 and 'exec: "frobnicate": executable file not found in $PATH' in err
    rc, _, err = sb.run("kubectl exec -n kubeflow minio-0 -- ls /nowhere")
    assert rc == 1 and "ls: /nowhere: No such file or directory" in err
    assert "command terminated with exit code 1" in err
    rc, _, err = sb.run("kubectl exec -n kubeflow no-such-pod -- ls")
    assert rc == 1 and 'pods "no-such-pod" not found' in err


def test_wait_for_delete_and_ready(make_sandbox):
    sb = make_sandbox()
    assert (
        sb.ok("kubectl wait --for=condition=Ready pod/my-notebook-0 -n admin")
        == "pod/my-notebook-0 condition met\n"
    )
    sb.ok("kubectl delete pod my-notebook-0 -n admin")
    assert json.loads(sb.ok("kubectl get pod my-notebook-0 -n admin -o json"))["status"]["phase"] == "Running"


def test_apply_with_dry_run_stores_nothing_and_says_so(make_sandbox):
    """kubectl's --dry-run=client|server prints what would happen, marked, and changes nothing."""
    sb = make_sandbox()
    manifest = (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: admin\ndata: {a: b}\n"
    )
    for mode, mark in (("client", " (dry run)"), ("server", " (server dry run)")):
        rc, out, err = sb.run(["kubectl", "apply", f"--dry-run={mode}", "-f", "-"], stdin=manifest)
        assert (rc, out, err) == (0, f"configmap/probe created{mark}\n", "")
    assert sb.run("kubectl get configmap probe -n admin")[0] == 1, "a dry run stored the object"
    rc, _, err = sb.run(["kubectl", "apply", "--dry-run=maybe", "-f", "-"], stdin=manifest)
    assert rc == 1 and 'Invalid dry-run value (maybe). Must be "none", "server", or "client".' in err
    assert (
        sb.ok(["kubectl", "apply", "--dry-run=none", "-f", "-"], stdin=manifest)
        == "configmap/probe created\n"
    )
