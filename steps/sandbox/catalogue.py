"""A small Charmhub: which charms exist, on which channels, with which endpoints and options.

The endpoint and option data in data/charms.json was read from each charm's repository at the
branch behind the channel's track (see its `_source`). Ambient endpoints (service-mesh,
istio-ingress-route, gateway-metadata …) reached the tracks that CKF 1.11/stable uses through
their edge risk first, so on those tracks the stable revisions do not have them: that is what the
guide's note "only available in the 1.11/edge channel" means for an operator.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RISKS = ("stable", "candidate", "beta", "edge")
DATA = Path(__file__).with_name("data") / "charms.json"

# Charms (track) that were pod-spec ("v1") charms: a workload Deployment/StatefulSet beside an
# operator pod, instead of the sidecar layout. Everything CKF 1.6 shipped except dex-auth.
PODSPEC_TRACKS = {
    ("admission-webhook", "1.6"),
    ("argo-controller", "3.3"),
    ("argo-server", "3.3"),
    ("jupyter-controller", "1.6"),
    ("jupyter-ui", "1.6"),
    ("katib-controller", "0.14"),
    ("katib-db-manager", "0.14"),
    ("katib-ui", "0.14"),
    ("kubeflow-dashboard", "1.6"),
    ("kubeflow-profiles", "1.6"),
    ("kubeflow-volumes", "1.6"),
    ("metacontroller-operator", "2.0"),
    ("minio", "ckf-1.6"),
    ("oidc-gatekeeper", "ckf-1.6"),
    ("seldon-core", "1.14"),
    ("tensorboard-controller", "1.6"),
    ("tensorboards-web-app", "1.6"),
    ("training-operator", "1.5"),
    ("charmed-osm-mariadb-k8s", "latest"),
}

# Charmhub's default track when `juju deploy` gets no --channel.
DEFAULT_TRACKS = {"mysql-k8s": "8.0"}

WORKLOAD_VERSIONS = {
    "istio-k8s": "1.26.1",
    "mysql-k8s": "8.0.41-0ubuntu0.22.04.1",
    "charmed-osm-mariadb-k8s": "10.3",
}

BASES = {"istio-k8s": "24.04", "istio-beacon-k8s": "24.04", "istio-ingress-k8s": "24.04"}


class CharmNotFound(Exception):
    pass


class ChannelNotFound(Exception):
    def __init__(self, charm: str, channel: str, available: list[str]):
        super().__init__(channel)
        self.charm, self.channel, self.available = charm, channel, available


@dataclass(frozen=True)
class Endpoint:
    name: str
    role: str  # provider | requirer | peer
    interface: str
    limit: int | None = None


@dataclass(frozen=True)
class CharmRevision:
    charm: str
    track: str
    risk: str
    revision: int
    endpoints: dict[str, Endpoint]
    options: dict[str, tuple[str, Any, str]]  # name -> (type, default, description)
    containers: tuple[str, ...]
    storage: tuple[str, ...]

    @property
    def channel(self) -> str:
        return f"{self.track}/{self.risk}"

    @property
    def podspec(self) -> bool:
        return (self.charm, self.track) in PODSPEC_TRACKS


@cache
def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))["charms"]


def known_charm(charm: str) -> bool:
    return charm in _data()


def _version_key(track: str) -> tuple:
    if track == "latest":
        return (1, ())
    parts = track.removeprefix("ckf-").replace("-alpha", ".").split(".")
    return (0, tuple(int(p) if p.isdigit() else 0 for p in parts))


def tracks(charm: str) -> list[str]:
    return sorted(_data()[charm]["tracks"], key=_version_key)


def channels(charm: str) -> list[str]:
    return [f"{t}/{r}" for t in tracks(charm) for r in RISKS]


def parse_channel(channel: str) -> tuple[str, str]:
    """`edge` -> latest/edge, `2.15` -> 2.15/stable, `2.15/edge/fix` -> 2.15/edge (branch dropped)."""
    parts = [p for p in channel.strip().split("/") if p]
    if not parts:
        return "latest", "stable"
    if len(parts) == 1:
        return ("latest", parts[0]) if parts[0] in RISKS else (parts[0], "stable")
    return parts[0], parts[1]


def normalise_channel(channel: str) -> str:
    track, risk = parse_channel(channel)
    return f"{track}/{risk}"


def default_channel(charm: str) -> str:
    if charm in DEFAULT_TRACKS:
        return f"{DEFAULT_TRACKS[charm]}/stable"
    known = tracks(charm)
    return "latest/stable" if "latest" in known else f"{known[-1]}/stable"


def revision_number(charm: str, track: str, risk: str) -> int:
    """Stable, plausible revision numbers: later tracks and riskier channels get higher ones."""
    base = 100 + zlib.crc32(charm.encode()) % 700
    order = tracks(charm) if known_charm(charm) else [track]
    index = order.index(track) if track in order else 0
    return base + index * 12 + {"stable": 0, "candidate": 2, "beta": 3, "edge": 5}.get(risk, 0)


def resolve(charm: str, channel: str | None) -> CharmRevision:
    if not known_charm(charm):
        raise CharmNotFound(charm)
    track, risk = parse_channel(channel or default_channel(charm))
    entry = _data()[charm]
    if track not in entry["tracks"] or risk not in RISKS:
        raise ChannelNotFound(charm, f"{track}/{risk}", channels(charm))
    variant_key = entry["tracks"][track]["stable" if risk == "stable" else "edge"]
    variant = entry["variants"][variant_key]
    endpoints = {
        name: Endpoint(name, spec[0], spec[1], spec[2] if len(spec) > 2 else None)
        for name, spec in variant["endpoints"].items()
    }
    options = {name: (spec[0], spec[1], spec[2]) for name, spec in variant["options"].items()}
    return CharmRevision(
        charm,
        track,
        risk,
        revision_number(charm, track, risk),
        endpoints,
        options,
        tuple(variant["containers"]),
        tuple(variant["storage"]),
    )


def coerce_option(kind: str, raw: str) -> Any:
    """Juju's typing of `juju config app key=value`; raises ValueError with juju's wording."""
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"expected int, got {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"expected float, got {raw!r}") from None
    if kind == "boolean":
        low = raw.lower()
        if low in ("true", "yes", "y", "on", "1"):
            return True
        if low in ("false", "no", "n", "off", "0"):
            return False
        raise ValueError(f"expected boolean, got {raw!r}")
    return raw
