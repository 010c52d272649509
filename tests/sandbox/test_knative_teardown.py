"""Issue 11.15: the admission webhook configurations, and Knative's teardown through
knative-operator's finalizers, as a real cluster has them.

Removed before knative-serving/knative-eventing have finished tearing down, the operator leaves
their KnativeServing/KnativeEventing resources with its finalizer, their namespaces Terminating,
its CRDs Terminating and their webhook configurations registered; the runbook's waits (each
component's namespace gone before the operator goes) keep a rehearsal clean.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

import steps.sandbox as sandbox
from steps.checks import run_check
from steps.cluster import read_sandbox
from steps.run.launch import start
from steps.run.request import RunRequest, TargetRequest
from steps.runbook.registry import BUILTIN_DIR

from ..engine_runs import run_aborting_on_questions

RUNBOOK = BUILTIN_DIR / "ckf-1.11-ambient.yaml"
KNATIVE_HOOKS = {
    "MutatingWebhookConfiguration": {
        "sinkbindings.webhook.sources.knative.dev",
        "webhook.eventing.knative.dev",
        "webhook.istio.networking.internal.knative.dev",
        "webhook.serving.knative.dev",
    },
    "ValidatingWebhookConfiguration": {
        "config.webhook.eventing.knative.dev",
        "config.webhook.istio.networking.internal.knative.dev",
        "config.webhook.serving.knative.dev",
        "validation.webhook.eventing.knative.dev",
        "validation.webhook.serving.knative.dev",
    },
}


def remove(sb, app: str) -> None:
    sb.ok(f"juju remove-application --no-prompt {app}")


def webhook_names(sb, kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in sb.json(f"kubectl get {kind.lower()}s -o json")["items"]}


def test_istio_and_knative_register_their_webhook_configurations(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    listing = sb.ok("kubectl get mutatingwebhookconfigurations").splitlines()
    assert listing[0].split() == ["NAME", "WEBHOOKS", "AGE"]
    rows = {line.split()[0]: line.split()[1] for line in listing[1:]}
    # istiod in the kubeflow namespace: the chart suffixes the injector with its namespace.
    assert rows["istio-sidecar-injector-kubeflow"] == "4"
    assert set(rows) == {"istio-sidecar-injector-kubeflow"} | KNATIVE_HOOKS["MutatingWebhookConfiguration"]
    assert (
        webhook_names(sb, "ValidatingWebhookConfiguration")
        == {"istio-validator-kubeflow"} | KNATIVE_HOOKS["ValidatingWebhookConfiguration"]
    )
    injector = sb.json("kubectl get mutatingwebhookconfiguration istio-sidecar-injector-kubeflow -o json")
    assert [w["clientConfig"]["service"] for w in injector["webhooks"]][0] == {
        "name": "istiod",
        "namespace": "kubeflow",
        "path": "/inject",
        "port": 443,
    }
    # istio-pilot's `istioctl uninstall --purge` takes them with istiod; istio-k8s installs its own.
    remove(sb, "istio-pilot")
    assert "istio-sidecar-injector-kubeflow" not in webhook_names(sb, "MutatingWebhookConfiguration")
    sb.ok("juju deploy istio-k8s --channel 2/edge --trust")
    assert "istio-sidecar-injector-kubeflow" in webhook_names(sb, "MutatingWebhookConfiguration")
    assert "istio-validator-kubeflow" in webhook_names(sb, "ValidatingWebhookConfiguration")


def test_components_removed_before_the_operator_leave_nothing(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    for app in ("knative-serving", "knative-eventing", "knative-operator"):
        remove(sb, app)
    names = {n["metadata"]["name"] for n in sb.json("kubectl get ns -o json")["items"]}
    assert not names & {"knative-serving", "knative-eventing"}
    assert ".knative.dev" not in sb.ok("kubectl get crd")
    for kind in KNATIVE_HOOKS:
        assert not webhook_names(sb, kind) & KNATIVE_HOOKS[kind]
    state = read_sandbox(sb.path, scenario="ckf-1.11-microk8s")
    assert run_check("knative-gone", state, {"model": "kubeflow"}).passed


def test_the_operator_removed_first_leaves_finalizers_and_the_leftover_check_names_them(make_sandbox):
    sb = make_sandbox("ckf-1.11-microk8s")
    for app in ("knative-operator", "knative-serving", "knative-eventing"):
        remove(sb, app)
    ns = sb.json("kubectl get ns knative-serving -o json")
    assert ns["metadata"]["deletionTimestamp"] and ns["status"]["phase"] == "Terminating"
    assert {c["type"]: c["message"] for c in ns["status"]["conditions"]}["NamespaceFinalizersRemaining"] == (
        "Some content in the namespace has finalizers remaining: knativeservings.operator.knative.dev in 1 "
        "resource instances"
    )
    assert "knative-eventing   Terminating" in sb.ok("kubectl get ns")
    serving = sb.json("kubectl -n knative-serving get knativeserving knative-serving -o json")
    assert serving["metadata"]["finalizers"] == ["knativeservings.operator.knative.dev"]
    assert serving["metadata"]["deletionTimestamp"]
    crd = sb.json("kubectl get crd knativeservings.operator.knative.dev -o json")
    assert crd["metadata"]["deletionTimestamp"]
    assert "customresourcecleanup.apiextensions.k8s.io" in crd["metadata"]["finalizers"]
    for kind in KNATIVE_HOOKS:
        assert webhook_names(sb, kind) >= KNATIVE_HOOKS[kind]  # left pointing at Services that are gone

    result = run_check(
        "knative-gone", read_sandbox(sb.path, scenario="ckf-1.11-microk8s"), {"model": "kubeflow"}
    )
    assert result.failed
    assert "namespace knative-serving" in result.details and "namespace knative-eventing" in result.details
    assert "CRD knativeservings.operator.knative.dev" in result.details
    assert "MutatingWebhookConfiguration webhook.serving.knative.dev" in result.details
    assert "ValidatingWebhookConfiguration validation.webhook.eventing.knative.dev" in result.details
    assert "kubectl get namespace knative-serving" in result.fix

    # Removing the finalizer by hand (the check's advice) lets the resource, then its namespace, go.
    sb.ok(
        [
            "kubectl", "-n", "knative-serving", "patch", "knativeserving", "knative-serving", "--type", "merge",
            "-p", '{"metadata":{"finalizers":[]}}',
        ]
    )  # fmt: skip
    names = {n["metadata"]["name"] for n in sb.json("kubectl get ns -o json")["items"]}
    assert "knative-serving" not in names and "knative-eventing" in names
    # Nobody deletes the webhook configurations now (that was the finalizer's work): by hand too.
    sb.ok(
        [
            "kubectl", "-n", "knative-eventing", "patch", "knativeeventing", "knative-eventing", "--type", "merge",
            "-p", '{"metadata":{"finalizers":[]}}',
        ]
    )  # fmt: skip
    left = run_check("knative-gone", read_sandbox(sb.path), {"model": "kubeflow"})
    assert {d.split()[0] for d in left.details} == set(KNATIVE_HOOKS)
    assert len(left.details) == sum(len(names) for names in KNATIVE_HOOKS.values())
    for kind, names in KNATIVE_HOOKS.items():
        for name in names:
            sb.ok(f"kubectl delete {kind.lower()} {name}")
    assert run_check("knative-gone", read_sandbox(sb.path), {"model": "kubeflow"}).passed


def test_without_waiting_for_the_teardown_the_operator_goes_too_early(make_sandbox):
    """The guide removes the three at once: at a real pace the components are still tearing down."""
    sb = make_sandbox("ckf-1.11-microk8s", speed=0.05)
    for app in ("knative-serving", "knative-eventing", "knative-operator"):
        remove(sb, app)
    time.sleep(2.0)  # every removal and teardown time has passed
    assert "Terminating" in sb.ok("kubectl get ns knative-serving")
    assert "finalizers" in sb.ok("kubectl -n knative-serving get knativeserving knative-serving -o yaml")


def _ambient_phase(tmp_path: Path, phase: str) -> Path:
    doc = yaml.safe_load(RUNBOOK.read_text())
    doc["phases"] = [p for p in doc["phases"] if p["id"] == phase]
    path = tmp_path / "ckf-1.11-ambient.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_the_runbooks_waits_keep_the_knative_removal_clean_at_a_real_pace(tmp_path):
    """The runbook's remove-knative phase against a sandbox whose removals take time: each
    component's namespace is waited for before the operator goes, and knative-gone passes."""
    launched = start(
        RunRequest(
            runbook="ckf-1.11-ambient",
            runbook_file=str(_ambient_phase(tmp_path, "remove-knative")),
            given={},
            target=TargetRequest(kind="sandbox", scenario="ckf-1.11-microk8s", speed=0.05),
            yes=True,
            settle_timeout=60,
        )
    )
    directory = launched.target.directory
    outcome, decisions = run_aborting_on_questions(launched)
    assert outcome == "succeeded", [(d.step_id, d.prompt, d.detail) for d in decisions]
    rc, out, _ = sandbox.run(["kubectl", "get", "ns", "-o", "json"], directory, {})
    names = {n["metadata"]["name"] for n in json.loads(out)["items"]}
    assert rc == 0 and not names & {"knative-serving", "knative-eventing"}
    rc, out, _ = sandbox.run(["kubectl", "get", "mutatingwebhookconfigurations"], directory, {})
    assert rc == 0 and "knative.dev" not in out.decode()
