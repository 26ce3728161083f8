"""S3 buckets (global scope service ``s3``, listed once per account).

``ListBuckets`` is global; each bucket's region comes from ``BucketRegion`` when the API
returns it, else from ``GetBucketLocation`` (an empty constraint means us-east-1, ``EU``
means eu-west-1). Secondary calls go to the bucket's own region and nest under their
response element. ARN: ``arn:PARTITION:s3:::NAME`` (the API returns none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any, Final

from botocore.client import BaseClient

from cloudscope_aws.calls import each, fan_out, optional
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn, tag_map

BUCKET: Final = Kind("aws:s3:bucket", "AWS::S3::Bucket")

# (property name, client method, response element, error codes meaning "not configured").
# Policy comes before PolicyStatus: a bucket without a policy has no policy status either
# (AWS answers NoSuchBucketPolicy to both), so that call is skipped.
_DETAILS: Final = (
    ("Acl", "get_bucket_acl", None, ()),
    ("Policy", "get_bucket_policy", "Policy", ("NoSuchBucketPolicy",)),
    ("PolicyStatus", "get_bucket_policy_status", "PolicyStatus", ("NoSuchBucketPolicy",)),
    ("PublicAccessBlockConfiguration", "get_public_access_block",
     "PublicAccessBlockConfiguration", ("NoSuchPublicAccessBlockConfiguration",)),
    ("ServerSideEncryptionConfiguration", "get_bucket_encryption",
     "ServerSideEncryptionConfiguration", ("ServerSideEncryptionConfigurationNotFoundError",)),
    ("Versioning", "get_bucket_versioning", None, ()),
    ("TagSet", "get_bucket_tagging", "TagSet", ("NoSuchTagSet", "NoSuchTagSetError")),
)
_LEGACY_LOCATIONS: Final = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every bucket of the account, with its region and configuration."""
    def describe(bucket: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        region = bucket.get("BucketRegion") or bucket_region(
            clients.client("s3").get_bucket_location(Bucket=bucket["Name"])
            .get("LocationConstraint"))
        details = bucket_details(clients.client("s3", region), bucket["Name"])
        return {**bucket, "BucketRegion": region}, details

    buckets = each(clients.client("s3"), "list_buckets", "Buckets")
    for bucket, details in fan_out(describe, buckets):
        yield from transform_bucket(location, bucket, details)


def bucket_details(s3: BaseClient, name: str) -> dict[str, Any]:
    """The secondary calls' response elements, by property name; a configuration that is
    not set (no policy, no public access block) is left out."""
    details: dict[str, Any] = {}
    for key, method, element, absent in _DETAILS:
        if key == "PolicyStatus" and "Policy" not in details:
            continue
        response = optional(partial(getattr(s3, method), Bucket=name), *absent)
        if response is not None:
            details[key] = response.get(element) if element else response
    return details


def bucket_region(constraint: str | None) -> str:
    """The region named by a ``GetBucketLocation`` constraint."""
    return _LEGACY_LOCATIONS.get(constraint, constraint or "us-east-1")


def transform_bucket(location: Location, bucket: Mapping[str, Any],
                     details: Mapping[str, Any]) -> list[Item]:
    """A bucket: the ``ListBuckets`` element plus ``BucketRegion`` and the secondary
    calls' elements (``Acl``, ``PolicyStatus``, ``PublicAccessBlockConfiguration``,
    ``ServerSideEncryptionConfiguration``, ``Versioning``, ``Policy`` decoded from JSON);
    ENCRYPTED_BY its default KMS key."""
    here = location.in_region(bucket["BucketRegion"])
    arn = location.arn("s3", bucket["Name"], region="", account="")
    properties = dict(bucket)
    for name, value in details.items():
        if name == "Policy" and isinstance(value, str):
            value = json.loads(value)
        if name != "TagSet":
            properties[name] = value
    keys = (kms_key_arn(here, (rule.get("ApplyServerSideEncryptionByDefault") or {})
                        .get("KMSMasterKeyID"))
            for rule in (details.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or ())
    return [here.asset(BUCKET, arn, properties, name=bucket["Name"],
                       tags=tag_map(details.get("TagSet"))),
            *edges(arn, "ENCRYPTED_BY", keys)]
