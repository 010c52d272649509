"""How long one read of a big cluster takes to parse and summarise.

Builds, in the real formats, a `kubectl get namespaces,pods -A -o json` List of 20,000 pods in
2,000 namespaces (half with an istio-proxy sidecar, some native sidecars) and a
`juju status --format=json` of 60 applications, then times: text -> ClusterState (the same
parsers every source uses) -> a summary (sidecar pods per namespace, apps per status).

    PYTHONPATH=. python bench/bench_state.py [--pods N] [--namespaces N] [--apps N] [--repeat N]

Target: <= 300 ms for the default size, and within 3x `msgspec.json.decode` of the same text
(the floor, measured in the same run). The figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter

import msgspec

from steps.cluster.builder import StateBuilder, gc_paused


def _pod(ns: str, i: int) -> dict:
    deploy = f"app-{i % 7}"
    template_hash = f"{i % 7:x}c5d9f8b6d"
    containers = [
        {
            "image": f"docker.io/example/{deploy}:1.0.{i % 7}",
            "imagePullPolicy": "IfNotPresent",
            "name": deploy,
            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "volumeMounts": [
                {
                    "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    "name": "kube-api-access",
                    "readOnly": True,
                }
            ],
        }
    ]
    init: list[dict] = []
    annotations = {"kubectl.kubernetes.io/default-container": deploy}
    if i % 2 == 0:  # half the pods are injected: a classic sidecar, or a native one (every 6th)
        proxy = {
            "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
            "image": "docker.io/istio/proxyv2:1.28.1",
            "name": "istio-proxy",
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
            "resources": {
                "limits": {"cpu": "2", "memory": "1Gi"},
                "requests": {"cpu": "10m", "memory": "40Mi"},
            },
        }
        init.append(
            {
                "args": ["istio-iptables", "-p", "15001"],
                "image": "docker.io/istio/proxyv2:1.28.1",
                "name": "istio-init",
            }
        )
        if i % 6 == 0:
            init.append({**proxy, "restartPolicy": "Always"})
        else:
            containers.append(proxy)
        annotations["sidecar.istio.io/status"] = (
            '{"initContainers":["istio-init"],"containers":["istio-proxy"]}'
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": "2026-05-12T09:05:42Z",
            "generateName": f"{deploy}-{template_hash}-",
            "labels": {
                "app": deploy,
                "pod-template-hash": template_hash,
                "security.istio.io/tlsMode": "istio",
            },
            "name": f"{deploy}-{template_hash}-{i:05x}",
            "namespace": ns,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "ReplicaSet",
                    "name": f"{deploy}-{template_hash}",
                    "uid": f"0716d970-8d32-4ffb-a000-{i:012x}",
                }
            ],
            "resourceVersion": str(100000 + i),
            "uid": f"1574bddb-75c7-4a6f-9225-{i:012x}",
        },
        "spec": {
            "containers": containers,
            "initContainers": init,
            "nodeName": f"node-{i % 50}",
            "restartPolicy": "Always",
            "serviceAccountName": "default-editor",
        },
        "status": {
            "conditions": [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-05-12T09:06:00Z",
                    "status": "True",
                    "type": "Initialized",
                },
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": "2026-05-12T09:06:10Z",
                    "status": "True",
                    "type": "Ready",
                },
            ],
            "containerStatuses": [{"name": c["name"], "ready": True, "restartCount": 0} for c in containers],
            "hostIP": "10.0.0.11",
            "phase": "Running",
            "podIP": f"10.1.{i // 250 % 250}.{i % 250}",
            "qosClass": "Burstable",
        },
    }


def kubectl_json(pods: int, namespaces: int) -> str:
    items: list[dict] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "labels": {"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled"},
                "name": f"user-{n:04d}",
            },
            "status": {"phase": "Active"},
        }
        for n in range(namespaces)
    ]
    items += [_pod(f"user-{i % namespaces:04d}", i) for i in range(pods)]
    return json.dumps(
        {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}, indent=4
    )


def juju_json(apps: int) -> str:
    applications = {}
    for a in range(apps):
        name = f"app-{a:02d}"
        status = {"current": "active" if a % 10 else "blocked", "since": "12 May 2026 09:10:00Z"}
        applications[name] = {
            "charm": name,
            "base": {"name": "ubuntu", "channel": "22.04"},
            "charm-origin": "charmhub",
            "charm-name": name,
            "charm-rev": 100 + a,
            "charm-channel": "1.11/stable",
            "scale": 1,
            "provider-id": f"uuid-{a}",
            "address": f"10.152.183.{a}",
            "exposed": False,
            "application-status": status,
            "relations": {
                "service-mesh": [
                    {
                        "related-application": "istio-beacon-k8s",
                        "interface": "service_mesh",
                        "scope": "global",
                    }
                ]
            },
            "units": {
                f"{name}/0": {
                    "workload-status": status,
                    "juju-status": {"current": "idle", "since": "12 May 2026 09:10:03Z", "version": "3.6.8"},
                    "leader": True,
                    "address": f"10.1.81.{a}",
                    "provider-id": f"{name}-0",
                }
            },
            "endpoint-bindings": {"": "alpha", "service-mesh": "alpha"},
        }
    return json.dumps(
        {
            "model": {
                "name": "kubeflow",
                "type": "caas",
                "controller": "uk8s",
                "cloud": "microk8s",
                "region": "localhost",
                "version": "3.6.8",
                "model-status": {"current": "available", "since": "12 May 2026 09:02:11Z"},
                "sla": "unsupported",
            },
            "machines": {},
            "applications": applications,
            "controller": {"timestamp": "09:31:02Z"},
        },
        separators=(",", ":"),
    )


def parse_and_summarise(kube: str, juju: str) -> tuple[dict[str, int], Counter]:
    builder = StateBuilder()
    builder.add_text(juju, "juju status")
    builder.add_text(kube, "kubectl get")
    state = builder.build("bench")
    sidecars: Counter = Counter(p.namespace for p in state.pods if p.has_sidecar)
    statuses = Counter(app.status.current for app in state.apps.values())
    return dict(sidecars), statuses


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _stdlib_decode(text: str) -> None:
    with gc_paused():  # as the parsers decode
        json.loads(text)


def _msgspec_decode(text: str) -> None:
    with gc_paused():
        msgspec.json.decode(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--namespaces", type=int, default=2_000)
    parser.add_argument("--apps", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    kubectl = kubectl_json(args.pods, args.namespaces)
    # The same list as the API server sends it to the live source: compact JSON.
    api = json.dumps(json.loads(kubectl), separators=(",", ":"))
    juju = juju_json(args.apps)
    sidecars, statuses = parse_and_summarise(api, juju)
    print(
        f"input: {args.pods} pods in {args.namespaces} namespaces, {args.apps} apps "
        f"({len(juju) / 1e3:.0f} kB juju status JSON)"
    )
    print(
        f"summary: {sum(sidecars.values())} sidecar pods in {len(sidecars)} namespaces; apps {dict(statuses)}"
    )
    for label, text in (
        ("API list JSON, compact (live source)", api),
        ("kubectl get -o json, indented (files, sandbox)", kubectl),
    ):
        # Interleaved, so a change in the machine's load hits Cairn and its floor alike.
        cairn, floor, stdlib = [], [], []
        for _ in range(args.repeat):
            cairn.append(_median_ms(lambda t=text: parse_and_summarise(t, juju), 1))
            floor.append(_median_ms(lambda t=text: _msgspec_decode(t), 1))
            stdlib.append(_median_ms(lambda t=text: _stdlib_decode(t), 1))
        c, f = statistics.median(cairn), statistics.median(floor)
        print(
            f"{label}, {len(text) / 1e6:.0f} MB: cairn {c:.0f} ms (parse + summary) | floor {f:.0f} ms "
            f"(msgspec.json.decode of the same text) | ratio {c / f:.2f} — goal <= 300 ms and ratio <= 3; "
            f"stdlib json.loads alone {statistics.median(stdlib):.0f} ms; medians of {args.repeat}"
        )


if __name__ == "__main__":
    main()
