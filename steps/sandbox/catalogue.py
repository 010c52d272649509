"""A small Charmhub: which charms exist, on which channels, with which endpoints and options.

The endpoint and option data in data/charms.json was read from each charm's repository at the
branch behind the channel's track (see its `_source`). Ambient endpoints (service-mesh,
istio-ingress-route, gateway-metadata …) reached the tracks that CKF 1.11/stable uses through
their edge risk first, so on those tracks the stable revisions do not have them: that is what the
guide's note "only available in the 1.11/edge channel" means for an operator.

A scenario may live at an earlier date (its state's `charmhub_era`). The catalogue's `eras` table
then says which code a charm's `latest` channels (of the risks it lists) carried at that date: in
the ckf-1.6 scenario (March 2023, when the 1.6 -> 1.7 guide was drafted) `latest/edge` holds the
CKF 1.7 charms of the time, not today's. The channel still reads `latest/edge`; the app behaves as
the track named under `as` did then.
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
# operator pod, instead of the sidecar layout. Read from each track's metadata.yaml (`series:
# [kubernetes]`); the tracks of CKF 1.6 and those of 1.7 that stayed pod-spec. (metacontroller 2.0
# and training-operator 1.5 were already sidecar charms.)
PODSPEC_TRACKS = {
    ("admission-webhook", "1.6"),
    ("admission-webhook", "1.7"),
    ("argo-controller", "3.3"),
    ("argo-server", "3.3"),
    ("jupyter-controller", "1.6"),
    ("jupyter-controller", "1.7"),
    ("jupyter-ui", "1.6"),
    ("katib-controller", "0.14"),
    ("katib-controller", "0.15"),
    ("katib-db-manager", "0.14"),
    ("katib-ui", "0.14"),
    ("kubeflow-dashboard", "1.6"),
    ("kubeflow-profiles", "1.6"),
    ("kubeflow-volumes", "1.6"),
    ("kubeflow-volumes", "1.7"),
    ("minio", "ckf-1.6"),
    ("minio", "ckf-1.7"),
    ("oidc-gatekeeper", "ckf-1.6"),
    ("oidc-gatekeeper", "ckf-1.7"),
    ("seldon-core", "1.14"),
    ("tensorboard-controller", "1.6"),
    ("tensorboard-controller", "1.7"),
    ("tensorboards-web-app", "1.6"),
    ("tensorboards-web-app", "1.7"),
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
    # The release the code belongs to: the channel's track, or what an era's `latest` stood for.
    code_track: str = ""
    pod_spec: bool | None = None  # from the variant when it says; else PODSPEC_TRACKS

    @property
    def channel(self) -> str:
        return f"{self.track}/{self.risk}"

    @property
    def series(self) -> str:
        return self.code_track or self.track

    @property
    def podspec(self) -> bool:
        if self.pod_spec is not None:
            return self.pod_spec
        return (self.charm, self.series) in PODSPEC_TRACKS


@cache
def _document() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _data() -> dict[str, Any]:
    return _document()["charms"]


def eras() -> list[str]:
    return sorted(_document().get("eras", {}))


def _era_entry(charm: str, track: str, risk: str, era: str | None) -> dict[str, str] | None:
    if not era:
        return None
    table = _document().get("eras", {}).get(era)
    if table is None:
        raise ValueError(f"unknown Charmhub era {era!r}")
    if track != table["track"] or risk not in table["risks"]:
        return None
    return table["charms"].get(charm)


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


def resolve(charm: str, channel: str | None, era: str | None = None) -> CharmRevision:
    """The revision `channel` serves; `era` is the scenario's date (see the module docstring)."""
    if not known_charm(charm):
        raise CharmNotFound(charm)
    track, risk = parse_channel(channel or default_channel(charm))
    entry = _data()[charm]
    if track not in entry["tracks"] or risk not in RISKS:
        raise ChannelNotFound(charm, f"{track}/{risk}", channels(charm))
    dated = _era_entry(charm, track, risk, era)
    if dated is not None:
        variant_key, code_track = dated["variant"], dated["as"]
    else:
        variant_key, code_track = entry["tracks"][track]["stable" if risk == "stable" else "edge"], track
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
        code_track,
        variant.get("podspec"),
    )


def resolve_in(state: dict[str, Any], charm: str, channel: str | None) -> CharmRevision:
    """`resolve` at the date of the sandbox's scenario."""
    return resolve(charm, channel, state.get("charmhub_era"))


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
