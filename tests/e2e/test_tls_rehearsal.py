"""Issue 11.6: `cairn run ckf-1.11-ambient --sandbox ckf-1.11-tls --plain --yes --speed 0` carries
the sidecar gateway's TLS to istio-ingress-k8s, end to end, and HTTPS answers afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys

NAME = "kubeflow.example.com"


def cairn(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=timeout,
    )


def test_tls_survives_the_migration():
    run = cairn("run", "ckf-1.11-ambient", "--sandbox", "ckf-1.11-tls", "--plain", "--yes", "--speed", "0")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    out = run.stdout
    assert "tls discovered from the cluster: carry" in out
    assert "verify gateway-tls: passed" in out
    assert "$ juju config istio-ingress-k8s external_hostname=kubeflow.example.com -m kubeflow" in out
    assert "$ juju integrate istio-ingress-k8s:certificates self-signed-certificates -m kubeflow" in out
    assert "verify ingress-tls: passed" in out and "verify auth-urls: passed" in out
    assert f"https://{NAME}/" in out and "[verify-dashboard-https]" in out

    status = json.loads(
        cairn("sandbox", "exec", "--", "juju", "status", "-m", "kubeflow", "--format=json").stdout
    )
    apps = status["applications"]
    assert "istio-pilot" not in apps
    certificates = apps["istio-ingress-k8s"]["relations"]["certificates"]
    assert [r["related-application"] for r in certificates] == ["self-signed-certificates"]
    config = cairn(
        "sandbox", "exec", "--", "juju", "config", "istio-ingress-k8s", "external_hostname", "-m", "kubeflow"
    )
    assert config.stdout.strip() == NAME

    address = cairn(
        "sandbox", "exec", "--", "kubectl", "-n", "kubeflow", "get", "svc", "istio-ingress-k8s-istio",
        "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}",
    ).stdout.strip()  # fmt: skip
    https = cairn(
        "sandbox", "exec", "--", "curl", "-sSLk", "--resolve", f"{NAME}:443:{address}", f"https://{NAME}/",
        "-w", "\nHTTP %{http_code}\n",
    )  # fmt: skip
    assert https.returncode == 0 and "Log in to Your Account" in https.stdout and "HTTP 200" in https.stdout
    # The plain-http address now redirects to https, as istio-ingress-k8s does with a certificate.
    http = cairn(
        "sandbox", "exec", "--", "curl", "-sS", "-I", "--resolve", f"{NAME}:80:{address}", f"http://{NAME}/"
    )
    assert http.stdout.startswith("HTTP/1.1 301 Moved Permanently")


def test_a_plan_that_would_drop_tls_stops_in_preflight_with_nothing_removed():
    run = cairn(
        "run", "ckf-1.11-ambient", "--sandbox", "ckf-1.11-tls", "--plain", "--yes", "--speed", "0",
        "--set", "tls=off", "--set", "hostname=",
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    assert "verify gateway-tls: FAILED - the sidecar gateway serves TLS" in run.stdout
    assert "juju remove-application" not in run.stdout
    status = json.loads(
        cairn("sandbox", "exec", "--", "juju", "status", "-m", "kubeflow", "--format=json").stdout
    )
    assert "istio-pilot" in status["applications"]


def test_a_skipped_certificates_step_is_caught_by_verification():
    from steps.run.launch import start
    from steps.run.request import RunRequest, TargetRequest

    from ..engine_runs import run_aborting_on_questions

    launched = start(
        RunRequest(
            runbook="ckf-1.11-ambient",
            target=TargetRequest(kind="sandbox", scenario="ckf-1.11-tls", speed=0),
            yes=True,
        )
    )
    launched.engine.skip("ingress-certificates", "skipped wrongly, on purpose")
    outcome, decisions = run_aborting_on_questions(launched)
    assert outcome == "aborted"
    assert "verify-tls" in {d.step_id for d in decisions}, [d.prompt for d in decisions]
