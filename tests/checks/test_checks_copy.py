"""volume-copy-matches: two captured `find … -exec wc -c {} +` listings compared."""

from __future__ import annotations

from steps.checks import run_check
from steps.checks.copy_checks import parse_wc_listing
from tests.checks.ckf_states import PARAMS, sidecar_model

SOURCE = """\
   1024 /data-source/mlpipeline/artifacts/run-1/model.pkl
     17 /data-source/.minio.sys/format.json
   1041 total
    512 /data-source/mlpipeline/pipelines/p1.yaml
    512 total
"""
COPY = SOURCE.replace("/data-source/", "/data-destination/")


def test_listing_parse_skips_totals_and_the_volume_root():
    assert parse_wc_listing(SOURCE) == {
        "mlpipeline/artifacts/run-1/model.pkl": 1024,
        ".minio.sys/format.json": 17,
        "mlpipeline/pipelines/p1.yaml": 512,
    }


def test_identical_copy_passes():
    result = run_check("volume-copy-matches", sidecar_model(), PARAMS, source=SOURCE, destination=COPY)
    assert result.passed and result.message == "all 3 file(s), 1553 bytes, copied with their sizes"


def test_missing_and_short_files_fail_with_the_copy_to_rerun():
    copy = "   1000 /data-destination/mlpipeline/artifacts/run-1/model.pkl\n"
    copy += "     17 /data-destination/.minio.sys/format.json\n"
    result = run_check("volume-copy-matches", sidecar_model(), PARAMS, source=SOURCE, destination=copy)
    assert result.failed
    assert result.message == "1 of 3 file(s) missing, 1 with another size in the copy"
    assert result.details == (
        "missing: mlpipeline/pipelines/p1.yaml",
        "mlpipeline/artifacts/run-1/model.pkl: 1024 bytes, copy has 1000",
    )
    assert (
        result.fix.splitlines()[0]
        == "kubectl -n kubeflow exec minio-migration -- cp -rfpT /data-source/ /data-destination/"
    )


def test_empty_source_refuses():
    # Issue 11.3: was a warning that --yes went past; now a failure.
    result = run_check("volume-copy-matches", sidecar_model(), PARAMS, source="", destination="")
    assert result.status == "failed" and "no file" in result.message


SHA_SOURCE = """\
{a}  /data-source/mlpipeline/artifacts/run-1/model.pkl
{b}  /data-source/.minio.sys/format.json
""".format(a="a" * 64, b="b" * 64)
SHA_COPY = SHA_SOURCE.replace("/data-source/", "/data-destination/")


def test_checksums_identical_copy_passes():
    result = run_check(
        "volume-checksums-match", sidecar_model(), PARAMS, source=SHA_SOURCE, destination=SHA_COPY
    )
    assert result.passed and result.message == "all 2 file(s) have the same SHA-256 in the copy"


def test_checksums_name_the_file_whose_content_differs_and_the_missing_one():
    copy = SHA_COPY.replace("a" * 64, "c" * 64).splitlines()[0] + "\n"
    result = run_check("volume-checksums-match", sidecar_model(), PARAMS, source=SHA_SOURCE, destination=copy)
    assert result.status == "failed"
    assert result.message == "1 of 2 file(s) missing, 1 with other content in the copy"
    assert result.details == (
        "missing: .minio.sys/format.json",
        "mlpipeline/artifacts/run-1/model.pkl: content differs (sha256)",
    )
    assert "cp -rfpT /data-source/ /data-destination/" in result.fix


def test_checksums_empty_source_refuses():
    # Issue 11.3: an empty source listing is the wrong claim far more often than an empty MinIO;
    # it fails (so --yes cannot go past it), where it used to warn.
    result = run_check("volume-checksums-match", sidecar_model(), PARAMS, source="", destination=SHA_COPY)
    assert result.status == "failed" and "holds no file" in result.message and "refusing" in result.message
    assert "skip this step deliberately" in result.fix
