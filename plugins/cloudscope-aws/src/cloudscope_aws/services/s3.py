"""S3 buckets (global scope service ``s3``, listed once per account).

``ListBuckets`` is paged with ``MaxBuckets``: AWS then returns each bucket's
``BucketRegion`` and pages beyond 10,000 buckets. A bucket listed without a region gets
it from ``GetBucketLocation`` (an empty constraint means us-east-1, ``EU`` eu-west-1).
Secondary calls go to the bucket's own region and nest under their response element.
The account's public access block (S3 Control ``GetPublicAccessBlock``) is read once and
nested in every bucket as ``AccountPublicAccessBlockConfiguration``: S3 applies the
bucket's and the account's settings together, so rules need both on the bucket.
ARN: ``arn:PARTITION:s3:::NAME`` (the API returns none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from cloudscope_aws.calls import Details, error_code, fan_out
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.services.kms import alias_keys
from cloudscope_aws.shapes import (
    Item,
    Kind,
    Location,
    edges,
    is_kms_alias,
    kms_key_arn,
    tag_map,
    with_unavailable,
)

BUCKET: Final = Kind("aws:s3:bucket", "AWS::S3::Bucket")
BUCKETS_PER_PAGE: Final = 1000
ACCOUNT_BLOCK: Final = "AccountPublicAccessBlockConfiguration"

# (property name, client method, response element, error codes meaning "not configured").
# Policy comes before PolicyStatus: a bucket without a policy has no policy status either
# (AWS answers NoSuchBucketPolicy to both), so that call is skipped; a policy that could
# not be read (denied) still has its status asked, a permission of its own.
_DETAILS: Final = (
    ("Acl", "get_bucket_acl", None, ()),
    ("Policy", "get_bucket_policy", "Policy", ("NoSuchBucketPolicy",)),
    ("PolicyStatus", "get_bucket_policy_status", "PolicyStatus", ("NoSuchBucketPolicy",)),
    ("PublicAccessBlockConfiguration", "get_public_access_block",
     "PublicAccessBlockConfiguration", ("NoSuchPublicAccessBlockConfiguration",)),
    ("OwnershipControls", "get_bucket_ownership_controls", "OwnershipControls",
     ("OwnershipControlsNotFoundError",)),
    ("ServerSideEncryptionConfiguration", "get_bucket_encryption",
     "ServerSideEncryptionConfiguration", ("ServerSideEncryptionConfigurationNotFoundError",)),
    ("Versioning", "get_bucket_versioning", None, ()),
    ("TagSet", "get_bucket_tagging", "TagSet", ("NoSuchTagSet", "NoSuchTagSetError")),
)
_LEGACY_LOCATIONS: Final = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}

Described = tuple[dict[str, Any], dict[str, Any], dict[str, str], Mapping[str, str]]
"""A bucket: its listing element, its details, what was unavailable, KMS aliases."""


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every bucket of the account, with its region and configuration."""
    account_block, account_denied = account_public_access_block(clients, location)

    def describe(bucket: dict[str, Any]) -> Described | None:
        details = clients.details()
        try:
            region = bucket.get("BucketRegion") or _located(clients, details, bucket["Name"])
            values = bucket_details(clients.client("s3", region), bucket["Name"], details)
        except ClientError as error:
            if error_code(error) == "NoSuchBucket":  # deleted since it was listed
                return None
            raise
        if account_block is not None:
            values[ACCOUNT_BLOCK] = account_block
        elif account_denied:
            details.mark(ACCOUNT_BLOCK, account_denied)
        aliases: Mapping[str, str] = {}
        if region and any(is_kms_alias(key) for key in _encryption_keys(values)):
            aliases = alias_keys(clients, location.in_region(region))
        return {**bucket, "BucketRegion": region}, values, details.unavailable, aliases

    buckets = list_buckets(clients.client("s3"))
    for described in fan_out(describe, buckets):
        if described is not None:
            yield from transform_bucket(location, *described)


def list_buckets(s3: BaseClient, page_size: int = BUCKETS_PER_PAGE) -> Iterator[dict[str, Any]]:
    """Every bucket, in pages of ``page_size`` (``MaxBuckets``) following
    ``ContinuationToken``.

    A last page that is full yet carries no token is checked with one unpaged call: AWS
    sends a token whenever more buckets remain, but some S3-compatible servers (moto
    among them) truncate the page silently; the unpaged answer fills in what is missing.
    """
    seen: set[str] = set()
    last: list[dict[str, Any]] = []
    pages = s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": page_size})
    for page in pages:
        last = page.get("Buckets") or []
        for bucket in last:
            seen.add(bucket["Name"])
            yield bucket
    if len(last) >= page_size:
        for bucket in s3.list_buckets().get("Buckets") or ():
            if bucket["Name"] not in seen:
                seen.add(bucket["Name"])
                yield bucket


def account_public_access_block(clients: AccountClients,
                                location: Location) -> tuple[dict[str, Any] | None, str | None]:
    """The account's public access block (None when it has none) and, when AWS denied
    the call, the denial (each bucket then records it under ``_unavailable``)."""
    probe = Details(lambda reason: None)
    response = probe.read(ACCOUNT_BLOCK, clients.client("s3control"), "get_public_access_block",
                          "NoSuchPublicAccessBlockConfiguration", AccountId=location.account)
    block = (response or {}).get("PublicAccessBlockConfiguration")
    return block, probe.unavailable.get(ACCOUNT_BLOCK)


def _located(clients: AccountClients, details: Details, name: str) -> str | None:
    response = details.read("BucketRegion", clients.client("s3"), "get_bucket_location",
                            Bucket=name)
    return None if response is None else bucket_region(response.get("LocationConstraint"))


def bucket_details(s3: BaseClient, name: str, details: Details) -> dict[str, Any]:
    """The secondary calls' response elements, by property name; a configuration that is
    not set (no policy, no public access block) is left out, a denied one is recorded in
    ``details``."""
    values: dict[str, Any] = {}
    for key, method, element, absent in _DETAILS:
        if key == "PolicyStatus" and "Policy" not in values and \
                "Policy" not in details.unavailable:
            continue
        response = details.read(key, s3, method, *absent, Bucket=name)
        if response is not None:
            values[key] = response.get(element) if element else response
    return values


def bucket_region(constraint: str | None) -> str:
    """The region named by a ``GetBucketLocation`` constraint."""
    return _LEGACY_LOCATIONS.get(constraint, constraint or "us-east-1")


def _encryption_keys(details: Mapping[str, Any]) -> list[str | None]:
    return [(rule.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
            for rule in (details.get("ServerSideEncryptionConfiguration") or {}).get("Rules")
            or ()]


def transform_bucket(location: Location, bucket: Mapping[str, Any], details: Mapping[str, Any],
                     unavailable: Mapping[str, str] | None = None,
                     aliases: Mapping[str, str] | None = None) -> list[Item]:
    """A bucket: the ``ListBuckets`` element plus ``BucketRegion`` and the secondary
    calls' elements (``Acl``, ``PolicyStatus``, ``PublicAccessBlockConfiguration``,
    ``AccountPublicAccessBlockConfiguration``, ``OwnershipControls``,
    ``ServerSideEncryptionConfiguration``, ``Versioning``, ``Policy`` decoded from JSON),
    ``_unavailable`` naming the denied ones; ENCRYPTED_BY its default KMS key (an alias
    resolved to its key through ``aliases``)."""
    here = location.in_region(bucket["BucketRegion"])
    arn = location.arn("s3", bucket["Name"], region="", account="")
    properties = dict(bucket)
    for name, value in details.items():
        if name == "Policy" and isinstance(value, str):
            value = json.loads(value)
        if name != "TagSet":
            properties[name] = value
    keys = (kms_key_arn(here, key, aliases) for key in _encryption_keys(details))
    return [here.asset(BUCKET, arn, with_unavailable(properties, unavailable or {}),
                       name=bucket["Name"], tags=tag_map(details.get("TagSet"))),
            *edges(arn, "ENCRYPTED_BY", keys)]
