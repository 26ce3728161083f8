"""Pure helpers the transforms share: plain JSON from API responses, tags, names, ARNs, edges.

Nothing here calls AWS or imports botocore, so every transform built on it is a pure
function from an API response element to assets and relationships, tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cloudscope.api import Asset, Relationship

Item = Asset | Relationship
"""What a collect function yields."""

_DROPPED_KEYS: Final = frozenset({"ResponseMetadata"})
UNAVAILABLE: Final = "_unavailable"
"""The property naming what could not be read: each property a denied secondary call
would have filled -> ``service Operation: ErrorCode`` (docs/properties.md)."""


@dataclass(frozen=True, slots=True)
class Kind:
    """An asset type and the cloud's own name for it (the CloudFormation type)."""

    asset_type: str
    native_type: str


@dataclass(frozen=True, slots=True)
class Location:
    """Where a scope's resources live: the partition, the account and the region (None
    for a global service)."""

    partition: str
    account: str
    region: str | None

    def arn(self, service: str, resource: str, *, region: str | None = None,
            account: str | None = None) -> str:
        """``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` in this location, or with the
        given region and account (``""`` for none, as in S3 and IAM ARNs)."""
        region = (self.region or "") if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def ec2_arn(self, resource_type: str, resource_id: str) -> str:
        """An EC2 resource's ARN, ``arn:PARTITION:ec2:REGION:ACCOUNT:TYPE/ID`` (EC2 returns
        ARNs for subnets and security groups only; the format is AWS's documented one)."""
        return self.arn("ec2", f"{resource_type}/{resource_id}")

    def in_region(self, region: str | None) -> Location:
        """The same account in ``region`` (an S3 bucket's own region, for example)."""
        return Location(self.partition, self.account, region)

    def asset(self, kind: Kind, arn: str, element: Mapping[str, Any], *,
              name: str | None = None, tags: Mapping[str, str] | None = None) -> Asset:
        """An asset of ``kind`` whose properties are ``element`` made plain JSON.

        ``name`` defaults to the ``Name`` tag; ``tags`` to the element's own tag list.
        """
        tags = dict(tags) if tags is not None else tag_map(
            element.get("Tags") or element.get("TagSet") or element.get("TagList"))
        return Asset(
            id=arn, provider="aws", asset_type=kind.asset_type, native_type=kind.native_type,
            name=tags.get("Name") or name, account=self.account, region=self.region,
            tags=tags, properties=plain(element),
        )


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a trailing ``Z`` (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def plain(value: Any) -> Any:
    """``value`` as JSON data: datetimes as ISO 8601 UTC strings, ``ResponseMetadata``
    dropped, bytes decoded, tuples and sets as lists."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items() if key not in _DROPPED_KEYS}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def tag_map(tags: Any) -> dict[str, str]:
    """Tags as a mapping, from any of AWS's shapes: ``[{Key, Value}]`` (EC2, IAM, RDS,
    ELB), ``[{TagKey, TagValue}]`` (KMS) or a plain mapping (Lambda, EKS)."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(key): "" if value is None else str(value) for key, value in tags.items()}
    result: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key", tag.get("TagKey"))
        if key is not None:
            value = tag.get("Value", tag.get("TagValue"))
            result[str(key)] = "" if value is None else str(value)
    return result


def edges(source: str, type_: str, targets: Iterable[str | None]) -> Iterator[Relationship]:
    """One relationship ``source -type_-> target`` per distinct non-empty target."""
    seen: set[str] = set()
    for target in targets:
        if target and target not in seen and target != source:
            seen.add(target)
            yield Relationship(source_id=source, type=type_, target_id=target)


def kms_key_arn(location: Location, reference: str | None,
                aliases: Mapping[str, str] | None = None) -> str | None:
    """A KMS key reference (key id, key ARN, alias name or alias ARN) as a key's ARN.

    EC2, RDS and CloudTrail report key ARNs; S3 and EKS may report a bare key id or an
    alias. A key id becomes ``arn:PARTITION:kms:REGION:ACCOUNT:key/ID``; an alias becomes
    the ARN of the key it points to when ``aliases`` (alias ARN -> key ARN) knows it,
    else the alias's own ARN.
    """
    if not reference:
        return None
    if not reference.startswith("arn:"):
        resource = reference if reference.startswith("alias/") else f"key/{reference}"
        reference = location.arn("kms", resource)
    return (aliases or {}).get(reference, reference)


def is_kms_alias(reference: str | None) -> bool:
    """Whether a KMS key reference names an alias (``alias/NAME`` or an alias ARN)."""
    return bool(reference) and (str(reference).startswith("alias/") or ":alias/" in str(reference))


def with_unavailable(properties: dict[str, Any], unavailable: Mapping[str, str]) -> dict[str, Any]:
    """``properties`` with ``_unavailable`` set when some secondary call was denied."""
    if unavailable:
        properties[UNAVAILABLE] = dict(sorted(unavailable.items()))
    return properties


def account_of(arn: str) -> str:
    """The account field of an ARN (empty for S3 buckets and AWS-managed policies' ``aws``)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""
