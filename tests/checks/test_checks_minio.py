"""minio-serves-buckets: MinIO's S3 ListBuckets answer (as `curl --aws-sigv4` prints it) against
the top-level directories of the old volume."""

from __future__ import annotations

import pytest

from steps.checks import run_check
from steps.checks.minio_checks import expected_buckets, is_bucket_name, parse_bucket_listing
from tests.checks.ckf_states import PARAMS, sidecar_model

# The shape of MinIO's answer: cmd/api-response.go ListBucketsResponse after Go's xml.Header.
LISTING = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner>'
    "<ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName>"
    "</Owner><Buckets><Bucket><Name>mlpipeline</Name><CreationDate>2023-03-01T10:00:00.000Z</CreationDate>"
    "</Bucket><Bucket><Name>models</Name><CreationDate>2023-03-01T10:00:00.000Z</CreationDate></Bucket>"
    "</Buckets></ListAllMyBucketsResult>"
)
# AWS's documentation shows CreationDate first and the document indented: both orders parse.
AWS_ORDER = """<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult>
   <Buckets>
      <Bucket>
         <CreationDate>2023-03-01T10:00:00.000Z</CreationDate>
         <Name>mlpipeline</Name>
      </Bucket>
   </Buckets>
   <Owner><DisplayName>minio</DisplayName><ID>x</ID></Owner>
</ListAllMyBucketsResult>
"""
TOP_DIRS = "/data-source/.minio.sys\n/data-source/mlpipeline\n/data-source/models\n/data-source/lost+found\n"
REFUSED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidAccessKeyId</Code><Message>The Access Key '
    "Id you provided does not exist in our records.</Message><Resource>/</Resource><RequestId>17A2</RequestId>"
    "<HostId>dd90</HostId></Error>"
)


def check(listing: str, source: str = TOP_DIRS):
    return run_check("minio-serves-buckets", sidecar_model(), PARAMS, listing=listing, source=source)


def test_every_bucket_of_the_old_volume_listed_passes():
    result = check(LISTING)
    assert result.passed
    assert result.message == "MinIO serves all 2 bucket(s) of the old volume: mlpipeline, models"


def test_minio_metadata_and_names_that_are_not_buckets_are_not_expected():
    assert expected_buckets(TOP_DIRS) == {"mlpipeline", "models"}
    assert [n for n in ("ab", "Models", "a..b", "-x-", "10.0.0.1", "my.bucket-1") if is_bucket_name(n)] == [
        "my.bucket-1"
    ]


def test_both_element_orders_parse():
    assert parse_bucket_listing(AWS_ORDER) == ({"mlpipeline"}, "")


def test_a_missing_bucket_is_named():
    result = check(LISTING.replace("<Name>models</Name>", "<Name>other</Name>"))
    assert result.failed
    assert result.message == "MinIO does not serve 1 of the 2 bucket(s) on the old volume: models"
    assert result.details == ("missing bucket: models",)


def test_an_empty_minio_fails_naming_every_bucket():
    empty = LISTING.split("<Buckets>")[0] + "<Buckets></Buckets></ListAllMyBucketsResult>"
    result = check(empty)
    assert result.failed and result.message.endswith(
        "2 of the 2 bucket(s) on the old volume: mlpipeline, models"
    )


def test_refused_credentials_say_so_and_how_to_fix():
    result = check(REFUSED)
    assert result.failed
    assert result.message.startswith(
        "MinIO refused the old credentials (InvalidAccessKeyId: The Access Key Id you provided does not exist"
    )
    assert "minio-set-credentials" in result.fix


@pytest.mark.parametrize("answer", ["", "curl: (7) Failed to connect", "<html>502</html>"])
def test_anything_but_a_listing_fails(answer):
    result = check(answer)
    assert result.failed and result.message.startswith(
        "MinIO did not list its buckets: not an S3 bucket listing"
    )


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="check minio-serves-buckets needs source"):
        run_check("minio-serves-buckets", sidecar_model(), PARAMS, listing=LISTING)
    with pytest.raises(ValueError, match="does not take destination"):
        run_check(
            "minio-serves-buckets", sidecar_model(), PARAMS, listing=LISTING, source=TOP_DIRS, destination=""
        )
