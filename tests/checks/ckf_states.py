"""Crafted cluster states for the check tests: a healthy CKF 1.11 sidecar model, a fully
migrated ambient one, and small builders to break them one way at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from steps.checks import ckf
from steps.cluster.state import (
    App,
    ClusterState,
    Container,
    KubeObject,
    ModelInfo,
    Namespace,
    Pod,
    Relation,
    Status,
    Unit,
)

PARAMS = {"platform": "microk8s", "model": "kubeflow", "risk": "edge", "user_namespaces": []}


def unit(
    name: str, workload: str = "active", agent: str = "idle", message: str = "", agent_message: str = ""
) -> Unit:
    return Unit(name, Status(workload, message), Status(agent, agent_message), leader=name.endswith("/0"))


def app(
    name: str,
    channel: str = "",
    status: str = "active",
    message: str = "",
    units: Iterable[Unit] | None = None,
    relations: Iterable[str] = (),
    config: Mapping[str, Any] | None = None,
    scale: int | None = 1,
) -> App:
    """`relations` as "endpoint:other_app" strings."""
    rels = tuple(Relation(r.split(":")[0], r.split(":")[1]) for r in relations)
    return App(
        name=name,
        charm=name,
        channel=channel,
        status=Status(status, message),
        units=tuple(units) if units is not None else (unit(f"{name}/0", status, message=message),),
        relations=rels,
        scale=scale,
        config=dict(config or {}),
    )


def pod(
    ns: str,
    name: str,
    app_container: str | None = "app",
    sidecar: bool = False,
    native: bool = False,
    phase: str = "Running",
    owner: tuple[str, str] = ("Deployment", "app"),
    labels: Mapping[str, str] | None = None,
) -> Pod:
    containers = [Container(app_container)] if app_container else []
    if sidecar and not native:
        containers.append(Container("istio-proxy", "docker.io/istio/proxyv2:1.28.1"))
    if native:
        containers.append(
            Container("istio-proxy", "docker.io/istio/proxyv2:1.28.1", init=True, restart_policy="Always")
        )
    return Pod(ns, name, dict(labels or {}), {}, tuple(containers), phase, phase == "Running", *owner)


# The apiVersion each kind has on a real cluster (a kind name alone does not say its group).
API_VERSIONS = {
    "CiliumNetworkPolicy": "cilium.io/v2",
    "CustomResourceDefinition": "apiextensions.k8s.io/v1",
    "DaemonSet": "apps/v1",
    "Gateway": "gateway.networking.k8s.io/v1",
    "InferenceService": "serving.kserve.io/v1beta1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "Notebook": "kubeflow.org/v1",
    "Profile": "kubeflow.org/v1",
    "Workflow": "argoproj.io/v1alpha1",
}


def obj(
    kind: str,
    name: str,
    namespace: str = "",
    labels: Mapping[str, str] | None = None,
    api_version: str = "",
    **raw: Any,
) -> KubeObject:
    body = {"metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})}, **raw}
    version = api_version or API_VERSIONS.get(kind, "v1")
    return KubeObject(
        kind, name, namespace, version, dict(labels or {}), {"apiVersion": version, "kind": kind, **body}
    )


def state(
    apps: Iterable[App] = (),
    pods: Iterable[Pod] = (),
    objects: Iterable[KubeObject] = (),
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    model: str | None = "kubeflow",
    cloud: str = "microk8s",
    agent_version: str = "3.6.8",
    kubernetes: str = "v1.32.3",
    juju: str = "3.6.8",
    tools: Mapping[str, str] | None = None,
    source: str = "live",
    errors: Iterable[str] = (),
) -> ClusterState:
    by_kind: dict[str, list[KubeObject]] = {}
    for o in objects:
        by_kind.setdefault(o.kind, []).append(o)
    return ClusterState(
        source=source,
        read_at=0.0,
        model=ModelInfo(model, "caas", "uk8s", cloud, agent_version, "available") if model else None,
        apps={a.name: a for a in apps},
        namespaces={n: Namespace(n, dict(labels)) for n, labels in (namespaces or {}).items()},
        pods=tuple(pods),
        objects={k: tuple(v) for k, v in by_kind.items()},
        kubernetes_version=kubernetes,
        juju_version=juju,
        errors=tuple(errors),
        tools=dict({"juju": juju, "kubectl": "v1.32.3"} if tools is None else tools),
    )


PROFILE_NS = {"app.kubernetes.io/part-of": "kubeflow-profile", "istio-injection": "enabled"}
AMBIENT_NS = {
    "app.kubernetes.io/part-of": "kubeflow-profile",
    "istio-injection": "disabled",
    "istio.io/dataplane-mode": "ambient",
    "istio.io/use-waypoint": "waypoint",
}
MICROK8S_NODE = obj("Node", "node-1", labels={"microk8s.io/cluster": "true"})
ISTIO_CRDS = [obj("CustomResourceDefinition", name) for name in (*ckf.ISTIO_CRDS, *ckf.GATEWAY_API_CRDS)]


def sidecar_model() -> ClusterState:
    """A healthy CKF 1.11/stable model with sidecar Istio on MicroK8s, users admin and alice."""
    apps = [app(name, f"{track}/stable") for name, track in ckf.BUNDLE_1_11.items()]
    apps = [replace(a, config={"deployment-mode": "serverless"}) if a.name == ckf.KSERVE else a for a in apps]
    return state(
        apps=apps,
        pods=[
            pod(
                "admin",
                "ml-pipeline-ui-artifact-7c5d9f8b6d-x2k4q",
                sidecar=True,
                owner=("Deployment", "ml-pipeline-ui-artifact"),
            ),
            pod("kubeflow", "kfp-api-0", owner=("StatefulSet", "kfp-api")),
        ],
        objects=[
            MICROK8S_NODE,
            obj("Profile", "admin"),
            obj("Profile", "alice"),
            *[obj("CustomResourceDefinition", n) for n in ckf.ISTIO_CRDS],
        ],
        namespaces={"kubeflow": {}, "admin": PROFILE_NS, "alice": PROFILE_NS, "kube-system": {}},
    )


def migrated_model() -> ClusterState:
    """The same model after the whole migration: every expected relation, config and waypoint."""
    relations: dict[str, list[str]] = {}
    for rel in ckf.EXPECTED_RELATIONS:
        relations.setdefault(rel.app, []).append(f"{rel.endpoint}:{rel.other_app}")
        relations.setdefault(rel.other_app, []).append(f"{rel.other_endpoint}:{rel.app}")
    names = [n for n in ckf.BUNDLE_1_11 if n not in ckf.LEGACY_APPS] + [ckf.ISTIO, ckf.BEACON, ckf.INGRESS]
    config = {
        ckf.PROFILES: {
            "service-mesh-mode": "istio-ambient",
            "istio-gateway-service-account": "istio-ingress-k8s-istio",
        },
        ckf.KSERVE: {"deployment-mode": "rawdeployment"},
    }
    apps = [
        app(
            n,
            f"{ckf.AMBIENT_TRACKS.get(n, ckf.BUNDLE_1_11.get(n))}/edge",
            relations=relations.get(n, ()),
            config=config.get(n),
        )
        for n in names
    ]
    waypoint_spec = {"spec": {"gatewayClassName": "istio-waypoint"}}
    return state(
        apps=apps,
        pods=[
            replace(
                pod(
                    "admin",
                    "ml-pipeline-ui-artifact-5f7d9c8b4-abcde",
                    owner=("Deployment", "ml-pipeline-ui-artifact"),
                ),
                annotations={"ambient.istio.io/redirection": "enabled"},  # istio-cni enrolled it
            ),
            pod(
                "admin",
                "waypoint-6d8c9b7f5-qwert",
                app_container=None,
                sidecar=True,
                owner=("Deployment", "waypoint"),
            ),
            pod("kubeflow", "kfp-api-0", owner=("StatefulSet", "kfp-api")),
        ],
        objects=[
            MICROK8S_NODE,
            obj("Profile", "admin"),
            obj("Profile", "alice"),
            *ISTIO_CRDS,
            obj("Gateway", "waypoint", "admin", **waypoint_spec),
            obj("Gateway", "waypoint", "alice", **waypoint_spec),
            obj("Gateway", "istio-ingress-k8s", "kubeflow", spec={"gatewayClassName": "istio"}),
        ],
        namespaces={"kubeflow": {}, "admin": AMBIENT_NS, "alice": AMBIENT_NS, "kube-system": {}},
    )


def with_apps(base: ClusterState, *apps: App, drop: Iterable[str] = ()) -> ClusterState:
    merged = {n: a for n, a in base.apps.items() if n not in set(drop)}
    merged.update({a.name: a for a in apps})
    return replace(base, apps=merged)


def with_objects(base: ClusterState, *objects: KubeObject, drop_kinds: Iterable[str] = ()) -> ClusterState:
    merged = {k: list(v) for k, v in base.objects.items() if k not in set(drop_kinds)}
    for o in objects:
        merged.setdefault(o.kind, []).append(o)
    return replace(base, objects={k: tuple(v) for k, v in merged.items()})


def cilium_config(**data: str) -> KubeObject:
    values = {"cni-exclusive": "false", "bpf-lb-sock-hostns-only": "true", "enable-bpf-masquerade": "false"}
    values.update({k.replace("_", "-"): v for k, v in data.items()})
    return obj("ConfigMap", "cilium-config", "kube-system", data=values)
