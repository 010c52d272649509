"""MinIO's S3 API inside the sandbox's cluster: ListBuckets (`GET /`) on the minio Service, port 9000.

What the pod-spec minio charm runs (MinIO's FS backend, one volume at /data) answers:
- the buckets are the top-level directories of the data directory that MinIO accepts as bucket
  names (`.minio.sys`, its own metadata, and names such as `lost+found` are not buckets), read from
  the volume the running minio pod mounts, so a copy that never reached the new volume lists nothing;
- only a request signed with SigV4 (`curl --aws-sigv4 aws:amz:us-east-1:s3 --user KEY:SECRET`) with
  the access and secret key MinIO was started with is served; anything else gets MinIO's own S3
  error document (InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied, ...).

Response bodies follow MinIO's cmd/api-response.go (`ListAllMyBucketsResult`, owner
globalMinioDefaultOwnerID "minio") and cmd/api-errors.go (`<Error>` with Code, Message, Resource,
RequestId, HostId), each after Go's xml.Header.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from . import kube, model, pods
from .lifecycle import MODEL_NS
from .state import State

S3_PORT = 9000
XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
OWNER_ID = "02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4"
HOST_ID = "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8"
META_BUCKET = ".minio.sys"
RESERVED_BUCKET = "minio"

ERRORS = {
    "AccessDenied": (403, "Access Denied."),
    "InvalidAccessKeyId": (403, "The Access Key Id you provided does not exist in our records."),
    "SignatureDoesNotMatch": (
        403,
        "The request signature we calculated does not match the signature you provided. Check your key "
        "and signing method.",
    ),
    "InvalidRequest": (
        400,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
    ),
}


@dataclass(frozen=True)
class Answer:
    code: int
    body: str


class Unreachable(Exception):
    """No ready minio pod behind the Service: the connection is refused."""


def is_bucket_name(name: str) -> bool:
    """MinIO's IsValidBucketName: 3-63 characters, dot-separated pieces of a-z, 0-9 and inner
    hyphens, not an IP address."""
    if not 3 <= len(name) <= 63:
        return False
    pieces = name.split(".")
    all_numbers = True
    for piece in pieces:
        if not piece or piece[0] == "-" or piece[-1] == "-":
            return False
        if not re.fullmatch(r"[a-z0-9-]+", piece):
            return False
        all_numbers = all_numbers and piece.isdigit()
    return not (len(pieces) == 4 and all_numbers)


def resolves_to_minio(state: State, host: str, from_namespace: str, now: float) -> str | None:
    """The minio application whose Service the in-cluster DNS name names, or None.

    `minio` (from a pod in the same namespace), `minio.NS`, `minio.NS.svc`, `minio.NS.svc.cluster.local`.
    """
    parts = host.rstrip(".").split(".")
    name = parts[0]
    namespace = parts[1] if len(parts) > 1 else from_namespace
    if len(parts) > 2 and parts[2:] not in (["svc"], ["svc", "cluster", "local"]):
        return None
    if kube.get(state, "Service", namespace, name, now) is None:
        return None
    app = model.app(state, name, now)
    if app is None or app["charm"] != "minio" or namespace != MODEL_NS:
        return None
    return name


def _error(code: str, request_id: str) -> Answer:
    status, message = ERRORS[code]
    return Answer(
        status,
        f"{XML_HEADER}<Error><Code>{code}</Code><Message>{message}</Message><Resource>/</Resource>"
        f"<RequestId>{request_id}</RequestId><HostId>{HOST_ID}</HostId></Error>",
    )


def _credentials(app: dict) -> tuple[str, str]:
    access = model.config_value(app, "access-key") or "minio"
    secret = model.config_value(app, "secret-key") or app.get("generated_secret", "")
    return str(access), str(secret)


def _data_dir(state: State, sandbox_dir: Path, app_name: str, now: float) -> Path:
    running = [
        p
        for p in pods.pods_of(state, "StatefulSet", MODEL_NS, app_name, now)
        if pods.pod_runtime(state, p, now)["status"] == "Running"
    ]
    if not running:
        raise Unreachable
    pod = running[0]
    claim = pods.claim_mounts(pod).get("/data")
    pvc = kube.get(state, "PersistentVolumeClaim", MODEL_NS, claim or "", now)
    pv = kube.get(state, "PersistentVolume", None, (pvc or {}).get("spec", {}).get("volumeName", ""), now)
    if pv is None or not pv.get("_", {}).get("dir"):
        raise Unreachable
    return Path(sandbox_dir) / pv["_"]["dir"]


def list_buckets(
    state: State, sandbox_dir: Path, app_name: str, sigv4: str | None, user: str | None, now: float
) -> Answer:
    """GET / on MinIO: ListBuckets, or the S3 error MinIO gives that request."""
    app = model.app(state, app_name, now)
    if app is None:
        raise Unreachable
    root = _data_dir(state, sandbox_dir, app_name, now)
    request_id = f"{int(now * 1e9):X}"[-16:]
    if sigv4 is None:
        # No signature: Basic auth from --user is not an S3 mechanism; no auth at all is anonymous.
        return _error("InvalidRequest" if user else "AccessDenied", request_id)
    # MinIO with no region configured (the charm sets none) accepts the request's signing region.
    key, _, secret = (user or "").partition(":")
    want_key, want_secret = _credentials(app)
    if key != want_key:
        return _error("InvalidAccessKeyId", request_id)
    if secret != want_secret:
        return _error("SignatureDoesNotMatch", request_id)
    buckets = []
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        if (
            not entry.is_dir()
            or entry.name in (META_BUCKET, RESERVED_BUCKET)
            or not is_bucket_name(entry.name)
        ):
            continue
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(entry.stat().st_mtime)) + ".000Z"
        buckets.append(f"<Bucket><Name>{entry.name}</Name><CreationDate>{created}</CreationDate></Bucket>")
    return Answer(
        200,
        f'{XML_HEADER}<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Owner><ID>{OWNER_ID}</ID><DisplayName>minio</DisplayName></Owner>"
        f"<Buckets>{''.join(buckets)}</Buckets></ListAllMyBucketsResult>",
    )
