"""S3 as AWS answers it: ListBuckets paged with MaxBuckets (regions from the listing,
pages followed to the end, a silently truncated page completed), the account's public
access block and the bucket's ownership controls on every bucket, keys named by alias
resolved."""

from __future__ import annotations

from typing import Any

import pytest
from aws_proxy import Fault, throttling_proxy
from cloudscope_aws.services.s3 import list_buckets

ACCOUNT = "123456789012"
BUCKETS = {"page-a": "us-east-1", "page-b": "eu-west-1", "page-c": "us-east-1",
           "page-d": "eu-west-1", "page-e": "ap-southeast-2"}


@pytest.fixture
def buckets(aws: Any) -> dict[str, str]:
    """Five buckets in three regions."""
    for name, region in BUCKETS.items():
        configuration = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        aws.session.client("s3", region_name=region).create_bucket(Bucket=name, **configuration)
    return BUCKETS


def through(monkeypatch: pytest.MonkeyPatch, proxy: Any) -> None:
    """Send this process's AWS requests through ``proxy``."""
    for name, value in proxy.environment.items():
        monkeypatch.setenv(name, value)


def test_a_page_truncated_without_a_token_is_completed(aws: Any, buckets: dict[str, str]) -> None:
    """moto answers MaxBuckets=2 with two buckets and no continuation token; the listing
    still yields every bucket once."""
    s3 = aws.session.client("s3")
    page = s3.list_buckets(MaxBuckets=2)
    assert len(page["Buckets"]) == 2 and "ContinuationToken" not in page  # moto's quirk
    assert sorted(bucket["Name"] for bucket in list_buckets(s3, page_size=2)) == sorted(buckets)


def test_pages_are_followed_and_regions_come_from_the_listing(
        aws: Any, buckets: dict[str, str], collect_aws: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Against AWS's paging (two buckets a page, a continuation token, BucketRegion), every
    bucket is collected in its region in three ListBuckets calls and no GetBucketLocation."""
    with throttling_proxy(aws.endpoint, bucket_page=2) as proxy:
        through(monkeypatch, proxy)
        inventory = collect_aws(service=["s3"], region=["us-east-1"])
    assert inventory.errors == {}
    assert {a.name: a.region for a in inventory.of_type("aws:s3:bucket")} == buckets
    listings = [action for action in proxy.log.actions if action.startswith("/?")]
    assert len(listings) == 3 and all("max-buckets=1000" in action for action in listings)
    assert not [action for action in proxy.log.actions if action.endswith("?location")]


def test_account_block_and_ownership_controls_are_on_each_bucket(
        aws: Any, buckets: dict[str, str], collect_aws: Any) -> None:
    """The account's public access block (S3 Control) and the bucket's ownership controls
    are nested in the bucket's properties, where the rules read them."""
    block = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
             "RestrictPublicBuckets": False}
    aws.session.client("s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=block)
    aws.session.client("s3").put_bucket_ownership_controls(
        Bucket="page-a", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    inventory = collect_aws(service=["s3"], region=["us-east-1"])
    properties = {a.name: a.properties for a in inventory.of_type("aws:s3:bucket")}
    assert {name: p["AccountPublicAccessBlockConfiguration"] for name, p in properties.items()} \
        == dict.fromkeys(buckets, block)
    assert properties["page-a"]["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "OwnershipControls" not in properties["page-b"]


def test_an_account_without_a_block_leaves_it_absent(aws: Any, buckets: dict[str, str],
                                                     collect_aws: Any) -> None:
    """No account-level block configured: the property is absent, nothing is unavailable."""
    inventory = collect_aws(service=["s3"], region=["us-east-1"])
    for bucket in inventory.of_type("aws:s3:bucket"):
        assert "AccountPublicAccessBlockConfiguration" not in bucket.properties
        assert "_unavailable" not in bucket.properties


def test_a_denied_account_block_is_unavailable_on_each_bucket(
        aws: Any, buckets: dict[str, str], collect_aws: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 Control's GetPublicAccessBlock denied: the scope completes and every bucket
    names the account's block as unavailable (counted once per bucket)."""
    denied = Fault("AccessDenied", service="s3", method="GET",
                   path=r"^/v20180820/configuration/publicAccessBlock")
    with throttling_proxy(aws.endpoint, faults=(denied,)) as proxy:
        through(monkeypatch, proxy)
        inventory = collect_aws(service=["s3"], region=["us-east-1"])
    assert inventory.errors == {}
    denied = {"AccountPublicAccessBlockConfiguration": "s3control GetPublicAccessBlock: AccessDenied"}
    assert {a.name: a.properties["_unavailable"] for a in inventory.of_type("aws:s3:bucket")} \
        == {name: denied for name in buckets}
    assert inventory.counters["details_unavailable"] == len(buckets)


def test_a_default_key_named_by_alias_resolves_to_the_key(aws: Any, collect_aws: Any) -> None:
    """A bucket encrypted by default with ``alias/NAME`` is ENCRYPTED_BY the key the
    alias points to, not by the alias."""
    kms = aws.session.client("kms", region_name="eu-west-1")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/logs", TargetKeyId=key["KeyId"])
    s3 = aws.session.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="aliased-logs",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_encryption(Bucket="aliased-logs", ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                               "KMSMasterKeyID": "alias/logs"}}]})
    inventory = collect_aws(service=["s3"], region=["us-east-1"])
    assert ("arn:aws:s3:::aliased-logs", "ENCRYPTED_BY", key["Arn"]) in inventory.relationships
