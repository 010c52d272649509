"""MinIO serves the copied data: its S3 bucket listing, taken with the old credentials, names every
bucket the old volume held.

The listing is MinIO's answer to ListBuckets (`GET /`, SigV4-signed, as `curl --aws-sigv4` prints
it); the buckets expected are the top-level directories of the old volume (`find DIR -mindepth 1
-maxdepth 1 -type d`). MinIO's FS backend lists as buckets exactly those directories whose names
are valid bucket names, leaving out its own `.minio.sys` (and e.g. ext4's `lost+found`); the same
rule is applied here, so that only what MinIO would have served is required.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..cluster.state import ClusterState
from .context import model_namespace
from .result import CheckResult, fail, ok

META_BUCKET = ".minio.sys"
RESERVED_BUCKET = "minio"
_BUCKET = re.compile(r"<Bucket>(.*?)</Bucket>", re.DOTALL)
_XML_FIELD = "<{0}>([^<]*)</{0}>"


def is_bucket_name(name: str) -> bool:
    """As MinIO's IsValidBucketName: 3-63 characters, dot-separated pieces of a-z, 0-9 and inner
    hyphens, not shaped like an IP address."""
    if not 3 <= len(name) <= 63:
        return False
    pieces = name.split(".")
    for piece in pieces:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", piece):
            return False
    return not (len(pieces) == 4 and all(p.isdigit() for p in pieces))


def expected_buckets(top_dirs: str) -> set[str]:
    """`find DIR -mindepth 1 -maxdepth 1 -type d` -> the bucket names MinIO would list."""
    names = {line.strip().rstrip("/").rsplit("/", 1)[-1] for line in top_dirs.splitlines() if line.strip()}
    return {n for n in names if n not in (META_BUCKET, RESERVED_BUCKET) and is_bucket_name(n)}


def _field(xml: str, name: str) -> str:
    match = re.search(_XML_FIELD.format(name), xml)
    return match.group(1).strip() if match else ""


def parse_bucket_listing(answer: str) -> tuple[set[str] | None, str]:
    """MinIO's ListBuckets answer -> (bucket names, "") or (None, what was answered instead)."""
    text = answer.strip()
    if "<ListAllMyBucketsResult" in text:
        return {_field(bucket, "Name") for bucket in _BUCKET.findall(text)}, ""
    if "<Error>" in text:
        code, message = _field(text, "Code"), _field(text, "Message")
        return None, f"{code}: {message}" if message else code
    first = text.splitlines()[0] if text else "nothing"
    return None, f"not an S3 bucket listing ({first[:120]})"


def minio_serves_buckets(
    state: ClusterState, params: Mapping[str, Any], listing: str, source: str
) -> CheckResult:
    namespace = model_namespace(params, state)
    expected = expected_buckets(source)
    served, problem = parse_bucket_listing(listing)
    retry = (
        f"kubectl -n {namespace} get pod minio-0   # Running and Ready?\n"
        f"kubectl -n {namespace} logs minio-0\n"
        "# then retry this step (r)"
    )
    if served is None:
        if problem.startswith(("InvalidAccessKeyId", "SignatureDoesNotMatch")):
            return fail(
                f"MinIO refused the old credentials ({problem}); pipelines would lose their artifact store",
                f"juju config minio access-key secret-key -m {namespace}   # what the new MinIO was given\n"
                "# re-run the step minio-set-credentials with the keys read in minio-credentials, then retry",
            )
        return fail(f"MinIO did not list its buckets: {problem}", retry)
    if not expected:
        # The copy checks refuse an empty source; a person skipped them deliberately.
        return ok(f"the old volume held no bucket; MinIO lists {len(served)}")
    missing = sorted(expected - served)
    if missing:
        return fail(
            f"MinIO does not serve {len(missing)} of the {len(expected)} bucket(s) on the old volume: "
            f"{', '.join(missing)}",
            f"kubectl -n {namespace} get pvc   # does minio-0 mount the new claim, holding the copy?\n"
            f"{retry}",
            [f"missing bucket: {name}" for name in missing],
        )
    return ok(f"MinIO serves all {len(expected)} bucket(s) of the old volume: {', '.join(sorted(expected))}")
