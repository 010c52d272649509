"""kubectl's human-readable output: the default table columns per kind, and `describe`."""

from __future__ import annotations

from typing import Any

from . import kinds, kube, pods
from .formats import human_duration, table
from .state import State

Obj = dict[str, Any]


def _created(obj: Obj) -> float:
    return obj.get("_", {}).get("created", 0.0)


def _access(modes: list[str]) -> str:
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    return ",".join(short.get(m, m) for m in modes)


def _ports(svc: Obj) -> str:
    parts = []
    for p in svc["spec"].get("ports", []):
        if svc["spec"].get("type") in ("LoadBalancer", "NodePort") and p.get("nodePort"):
            parts.append(f"{p['port']}:{p['nodePort']}/{p.get('protocol', 'TCP')}")
        else:
            parts.append(f"{p['port']}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def columns(state: State, kind: kinds.Kind, wide: bool) -> list[str]:
    k = kind.kind
    if k == "Pod":
        cols = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        return cols + (["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] if wide else [])
    if k == "Service" and kind.group == "":
        return ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"] + (
            ["SELECTOR"] if wide else []
        )
    return {
        "Namespace": ["NAME", "STATUS", "AGE"],
        "ConfigMap": ["NAME", "DATA", "AGE"],
        "Secret": ["NAME", "TYPE", "DATA", "AGE"],
        "ServiceAccount": ["NAME", "SECRETS", "AGE"],
        "PersistentVolume": [
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE",
        ],
        "PersistentVolumeClaim": [
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ],
        "Node": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "Deployment": ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "StatefulSet": ["NAME", "READY", "AGE"],
        "DaemonSet": [
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE",
        ],
        "ReplicaSet": ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        "CustomResourceDefinition": ["NAME", "CREATED AT"],
        "GatewayClass": ["NAME", "CONTROLLER", "ACCEPTED", "AGE"],
        "HTTPRoute": ["NAME", "HOSTNAMES", "AGE"],
        "AuthorizationPolicy": ["NAME", "ACTION", "AGE"],
        # Istio's additionalPrinterColumns (manifests/charts/base/files/crd-all.gen.yaml).
        "PeerAuthentication": ["NAME", "MODE", "AGE"],
        "WorkloadEntry": ["NAME", "AGE", "ADDRESS"],
        "ServiceEntry": ["NAME", "HOSTS", "LOCATION", "RESOLUTION", "AGE"],
        "DestinationRule": ["NAME", "HOST", "AGE"],
        "InferenceService": [
            "NAME",
            "URL",
            "READY",
            "PREV",
            "LATEST",
            "PREVROLLEDOUTREVISION",
            "LATESTREADYREVISION",
            "AGE",
        ],
        "HorizontalPodAutoscaler": ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
        "Event": ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        "VirtualService": ["NAME", "GATEWAYS", "HOSTS", "AGE"],
        # kubernetes pkg/printers/internalversion: mutatingWebhookColumnDefinitions (and validating).
        "MutatingWebhookConfiguration": ["NAME", "WEBHOOKS", "AGE"],
        "ValidatingWebhookConfiguration": ["NAME", "WEBHOOKS", "AGE"],
    }.get(
        k,
        ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
        if (k, kind.group) == ("Gateway", "gateway.networking.k8s.io")
        else ["NAME", "AGE"],
    )


def row(state: State, kind: kinds.Kind, obj: Obj, now: float, wide: bool) -> list[str]:
    """`obj` is the rendered object (status filled in); its private marks are still on `raw`."""
    k = kind.kind
    name = obj["metadata"]["name"]
    age = human_duration(now - _created_of(state, obj))
    spec, status = obj.get("spec", {}), obj.get("status", {})
    if k == "Pod":
        raw = kube.get(state, "Pod", obj["metadata"]["namespace"], name, now) or obj
        rt = pods.pod_runtime(state, raw, now)
        restarts = (
            str(rt["restarts"]) if not rt["restarts"] else f"{rt['restarts']} ({human_duration(20)} ago)"
        )
        cells = [name, f"{rt['ready']}/{rt['total']}", rt["status"], restarts, age]
        if wide:
            ip = status.get("podIP") or "<none>"
            node = spec.get("nodeName", "<none>") if rt["phase"] != "Pending" or rt["started"] else "<none>"
            cells += [ip, node, "<none>", "<none>"]
        return cells
    if k == "Service" and kind.group == "":
        ing = status.get("loadBalancer", {}).get("ingress") or []
        if spec.get("type") == "LoadBalancer":
            external = ing[0]["ip"] if ing else "<pending>"
        else:
            external = "<none>"
        cells = [name, spec.get("type", "ClusterIP"), spec.get("clusterIP", ""), external, _ports(obj), age]
        if wide:
            cells.append(
                ",".join(f"{a}={b}" for a, b in sorted(spec.get("selector", {}).items())) or "<none>"
            )
        return cells
    if k == "Namespace":
        return [name, "Terminating" if obj["metadata"].get("deletionTimestamp") else "Active", age]
    if k == "ConfigMap":
        return [name, str(len(obj.get("data", {})) + len(obj.get("binaryData", {}))), age]
    if k == "Secret":
        return [name, obj.get("type", "Opaque"), str(len(obj.get("data", {}))), age]
    if k == "ServiceAccount":
        return [name, "0", age]
    if k == "PersistentVolume":
        claim = spec.get("claimRef")
        phase = status.get("phase", "Available")
        if obj["metadata"].get("deletionTimestamp"):
            phase = "Terminating"
        return [
            name,
            spec.get("capacity", {}).get("storage", ""),
            _access(spec.get("accessModes", [])),
            spec.get("persistentVolumeReclaimPolicy", "Delete"),
            phase,
            f"{claim['namespace']}/{claim['name']}" if claim else "",
            spec.get("storageClassName", ""),
            "<unset>",
            "",
            age,
        ]
    if k == "PersistentVolumeClaim":
        phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else status.get("phase", "Pending")
        return [
            name,
            phase,
            spec.get("volumeName", ""),
            status.get("capacity", {}).get("storage", ""),
            _access(status.get("accessModes", [])),
            spec.get("storageClassName", ""),
            "<unset>",
            age,
        ]
    if k == "Node":
        roles = (
            ",".join(
                sorted(
                    key.split("/", 1)[1]
                    for key in obj["metadata"].get("labels", {})
                    if key.startswith("node-role.kubernetes.io/")
                )
            )
            or "<none>"
        )
        return [name, "Ready", roles, age, status.get("nodeInfo", {}).get("kubeletVersion", "")]
    if k == "Deployment":
        replicas = spec.get("replicas", 1)
        return [
            name,
            f"{status.get('readyReplicas', 0)}/{replicas}",
            str(status.get("updatedReplicas", 0)),
            str(status.get("availableReplicas", 0)),
            age,
        ]
    if k == "StatefulSet":
        return [name, f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", age]
    if k == "DaemonSet":
        selector = ",".join(
            f"{a}={b}"
            for a, b in spec.get("template", {})
            .get("spec", {})
            .get("nodeSelector", {"kubernetes.io/os": "linux"})
            .items()
        )
        return [
            name,
            str(status.get("desiredNumberScheduled", 1)),
            str(status.get("currentNumberScheduled", 0)),
            str(status.get("numberReady", 0)),
            str(status.get("updatedNumberScheduled", 0)),
            str(status.get("numberAvailable", 0)),
            selector,
            age,
        ]
    if k == "ReplicaSet":
        r = str(spec.get("replicas", 1))
        return [name, r, r, str(status.get("readyReplicas", 0)), age]
    if k == "CustomResourceDefinition":
        return [name, obj["metadata"]["creationTimestamp"]]
    if k == "Gateway" and kind.group == "gateway.networking.k8s.io":
        addresses = status.get("addresses") or []
        programmed = next(
            (c["status"] for c in status.get("conditions", []) if c["type"] == "Programmed"), "Unknown"
        )
        return [
            name,
            spec.get("gatewayClassName", ""),
            addresses[0]["value"] if addresses else "",
            programmed,
            age,
        ]
    if k == "GatewayClass":
        accepted = next(
            (c["status"] for c in status.get("conditions", []) if c["type"] == "Accepted"), "Unknown"
        )
        return [name, spec.get("controllerName", ""), accepted, age]
    if k == "HTTPRoute":
        return [name, ",".join(spec.get("hostnames", [])), age]
    if k == "AuthorizationPolicy":
        return [name, spec.get("action", "ALLOW"), age]
    if k == "PeerAuthentication":
        return [name, (spec.get("mtls") or {}).get("mode", ""), age]
    if k == "WorkloadEntry":
        return [name, age, spec.get("address", "")]
    if k == "DestinationRule":
        return [name, spec.get("host", ""), age]
    if k == "ServiceEntry":
        hosts = '["' + '","'.join(spec.get("hosts", [])) + '"]'
        return [name, hosts, spec.get("location", ""), spec.get("resolution", ""), age]
    if k == "InferenceService":
        ready = next((c["status"] for c in status.get("conditions", []) if c["type"] == "Ready"), "Unknown")
        return [name, status.get("url", ""), ready, "", "", "", "", age]
    if k == "HorizontalPodAutoscaler":
        ref = spec.get("scaleTargetRef", {})
        return [
            name,
            f"{ref.get('kind', '')}/{ref.get('name', '')}",
            "<unknown>",
            str(spec.get("minReplicas", 1)),
            str(spec.get("maxReplicas", 1)),
            str(status.get("currentReplicas", 1)),
            age,
        ]
    if k == "VirtualService":
        return [name, str(spec.get("gateways", [])), str(spec.get("hosts", [])), age]
    if k in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        return [name, str(len(obj.get("webhooks") or [])), age]
    return [name, age]


def _created_of(state: State, obj: Obj) -> float:
    return kube.parse_iso(obj["metadata"].get("creationTimestamp"))


def render_table(
    state: State,
    groups: list[tuple[kinds.Kind, list[Obj]]],
    now: float,
    *,
    wide: bool,
    all_namespaces: bool,
    show_labels: bool,
    no_headers: bool,
    prefix: bool,
    label_columns: list[str] | None = None,
) -> str:
    sections = []
    for kind, objs in groups:
        if not objs:
            continue
        head = columns(state, kind, wide)
        if kind.namespaced and all_namespaces:
            head = ["NAMESPACE"] + head
        extra = [c.upper() for c in (label_columns or [])]
        head = head + extra + (["LABELS"] if show_labels else [])
        rows = [] if no_headers else [head]
        for obj in objs:
            cells = row(state, kind, obj, now, wide)
            if prefix and kind.kind != "Event":
                cells[0] = f"{kind.qualified}/{cells[0]}"
            if kind.namespaced and all_namespaces:
                cells = [obj["metadata"].get("namespace", "")] + cells
            labels = obj["metadata"].get("labels") or {}
            for key in label_columns or []:
                cells.append(labels.get(key, ""))
            if show_labels:
                cells.append(",".join(f"{a}={b}" for a, b in sorted(labels.items())) or "<none>")
            rows.append(cells)
        sections.append(table(rows, padding=3, minwidth=6))
    return "\n".join(sections)


# --- describe ----------------------------------------------------------------------------------


def _kv(label: str, value: str, width: int = 18) -> str:
    return f"{label + ':':<{width}}{value}"


def _map_lines(label: str, mapping: dict[str, str] | None, width: int = 18) -> list[str]:
    if not mapping:
        return [_kv(label, "<none>", width)]
    items = sorted(mapping.items())
    lines = [
        _kv(
            label,
            f"{items[0][0]}={items[0][1]}" if label == "Labels" else f"{items[0][0]}: {items[0][1]}",
            width,
        )
    ]
    for k, v in items[1:]:
        lines.append(" " * width + (f"{k}={v}" if label == "Labels" else f"{k}: {v}"))
    return lines


def describe(state: State, kind: kinds.Kind, obj: Obj, now: float) -> str:
    meta = obj["metadata"]
    lines = [_kv("Name", meta["name"])]
    if kind.namespaced:
        lines.append(_kv("Namespace", meta.get("namespace", "")))
    if kind.kind == "Pod":
        return _describe_pod(state, obj, now, lines)
    lines += _map_lines("Labels", meta.get("labels"))
    lines += _map_lines("Annotations", meta.get("annotations"))
    if kind.kind == "Namespace":
        lines.append(_kv("Status", "Terminating" if meta.get("deletionTimestamp") else "Active"))
        lines += ["", "No resource quota.", "", "No LimitRange resource."]
        return "\n".join(lines) + "\n"
    if kind.kind == "ConfigMap":
        lines += ["", "Data", "===="]
        for key, value in sorted(obj.get("data", {}).items()):
            lines += [f"{key}:", "----", str(value), ""]
        lines += ["", "BinaryData", "====", "", "Events:  <none>"]
        return "\n".join(lines) + "\n"
    lines.append(_kv("API Version", obj["apiVersion"]))
    lines.append(_kv("Kind", obj["kind"]))
    for section in ("spec", "status", "data"):
        if obj.get(section):
            lines.append(f"{section.capitalize()}:")
            lines += _nested(obj[section], 2)
    lines.append("Events:            <none>")
    return "\n".join(lines) + "\n"


def _nested(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = k[:1].upper() + k[1:]
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{key}:")
                out += _nested(v, indent + 2)
            else:
                out.append(f"{pad}{key}:  {v if v not in (None, {}, []) else ''}".rstrip())
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                nested = _nested(item, indent + 2)
                if nested:
                    out.append(f"{pad}  {nested[0].strip()}")
                    out += nested[1:]
            else:
                out.append(f"{pad}{item}")
    else:
        out.append(f"{pad}{value}")
    return out


def _describe_pod(state: State, pod: Obj, now: float, lines: list[str]) -> str:
    meta, spec, status = pod["metadata"], pod.get("spec", {}), pod.get("status", {})
    raw = kube.get(state, "Pod", meta["namespace"], meta["name"], now) or pod
    rt = pods.pod_runtime(state, raw, now)
    lines += [
        _kv("Priority", "0"),
        _kv("Service Account", spec.get("serviceAccountName", "default")),
        _kv("Node", f"{spec.get('nodeName')}/{state['cluster']['node_ip']}"),
        _kv("Start Time", status.get("startTime", meta["creationTimestamp"])),
    ]
    lines += _map_lines("Labels", meta.get("labels"))
    lines += _map_lines("Annotations", meta.get("annotations"))
    lines.append(_kv("Status", rt["status"] if rt["status"] in ("Terminating",) else status.get("phase", "")))
    lines.append(_kv("IP", status.get("podIP", "")))
    lines += ["IPs:", f"  IP:           {status.get('podIP', '')}"]
    owners = meta.get("ownerReferences") or []
    if owners:
        lines.append(_kv("Controlled By", f"{owners[0]['kind']}/{owners[0]['name']}", 16))
    if spec.get("initContainers"):
        lines.append("Init Containers:")
        for c in spec["initContainers"]:
            lines += [
                f"  {c['name']}:",
                f"    Image:         {c.get('image', '')}",
                "    State:         Terminated",
                "      Reason:      Completed",
                "      Exit Code:   0",
                "    Ready:         True",
            ]
    lines.append("Containers:")
    for cs, c in zip(
        status.get("containerStatuses", [{}] * len(spec.get("containers", []))),
        spec.get("containers", []),
        strict=False,
    ):
        state_name = next(iter(cs.get("state", {"waiting": {}})), "waiting").capitalize()
        lines += [
            f"  {c['name']}:",
            f"    Image:          {c.get('image', '')}",
            f"    State:          {state_name}",
            f"    Ready:          {str(cs.get('ready', False))}",
            f"    Restart Count:  {cs.get('restartCount', 0)}",
        ]
    lines.append("Conditions:")
    lines.append("  Type                        Status")
    for cond in status.get("conditions", []):
        lines.append(f"  {cond['type']:<28}{cond['status']}")
    lines.append("Volumes:")
    for vol in spec.get("volumes", []):
        lines.append(f"  {vol['name']}:")
        if "persistentVolumeClaim" in vol:
            lines += [
                "    Type:       PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
                "namespace)",
                f"    ClaimName:  {vol['persistentVolumeClaim']['claimName']}",
                f"    ReadOnly:   {str(vol['persistentVolumeClaim'].get('readOnly', False)).lower()}",
            ]
        else:
            lines.append("    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)")
    lines += [
        "QoS Class:                   BestEffort",
        "Node-Selectors:              <none>",
        "Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s",
        "                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s",
    ]
    if rt.get("pending"):
        lines += [
            "Events:",
            "  Type     Reason            Age   From               Message",
            "  ----     ------            ----  ----               -------",
            f"  Warning  FailedScheduling  {human_duration(now - _created(raw))}   default-scheduler  "
            f"0/1 nodes are available: {rt['pending']}.",
        ]
    else:
        lines.append("Events:                      <none>")
    return "\n".join(lines) + "\n"
