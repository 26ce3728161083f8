"""KMS keys (regional scope service ``kms``).

``ListKeys`` and ``ListAliases`` once per region; per key ``DescribeKey``, and for
customer-managed keys ``GetKeyRotationStatus``, ``GetKeyPolicy`` (the ``default`` policy,
the only one a key has) and ``ListResourceTags``. The key's name is its first alias.
ARN: ``KeyArn`` as returned.

A key whose policy leaves the auditor out answers every call with AccessDenied: it is
still collected, from its ``ListKeys`` element, with ``_unavailable`` naming
``KeyMetadata``; its other calls are not tried (without ``DescribeKey`` the collector
cannot tell a customer key from an AWS one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError

from cloudscope_aws.calls import each, fan_out
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.errors import denial, is_denied
from cloudscope_aws.shapes import Item, Kind, Location, tag_map, with_unavailable

KEY: Final = Kind("aws:kms:key", "AWS::KMS::Key")

# GetKeyRotationStatus refuses asymmetric, HMAC, imported and pending-deletion keys.
_NO_ROTATION: Final = ("UnsupportedOperationException", "KMSInvalidStateException")


@dataclass(frozen=True, slots=True)
class Aliases:
    """A region's ``ListAliases`` elements, or the denial that kept them unread."""

    elements: tuple[dict[str, Any], ...]
    denied: str | None = None


def region_aliases(clients: AccountClients, location: Location) -> Aliases:
    """The region's aliases, listed once per account, region and run (the ``kms`` scope
    and the references of other services share the listing)."""
    def list_aliases() -> Aliases:
        kms = clients.client("kms", location.region)
        try:
            return Aliases(tuple(each(kms, "list_aliases", "Aliases")))
        except ClientError as error:
            if not is_denied(error):
                raise
            return Aliases((), denial("kms", error))

    return clients.memo(f"kms:aliases:{location.region}", list_aliases)


def alias_keys(clients: AccountClients, location: Location) -> dict[str, str]:
    """Alias ARN -> the ARN of the key it points to, in this account and region. When
    the aliases cannot be read, references stay alias ARNs (counted as
    ``kms_aliases_unresolved``)."""
    aliases = region_aliases(clients, location)
    if aliases.denied:
        clients.count("kms_aliases_unresolved")
    return {alias["AliasArn"]: location.arn("kms", f"key/{alias['TargetKeyId']}")
            for alias in aliases.elements if alias.get("AliasArn") and alias.get("TargetKeyId")}


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every key of the region with its aliases, rotation status, policy and tags."""
    kms = clients.client("kms", location.region)
    aliases = region_aliases(clients, location)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for alias in aliases.elements:
        if alias.get("TargetKeyId"):
            by_key.setdefault(alias["TargetKeyId"], []).append(alias)

    def describe(key: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        client = clients.client("kms", location.region)
        details = clients.details()
        if aliases.denied:
            details.mark("Aliases", aliases.denied)
        response = details.read("KeyMetadata", client, "describe_key", KeyId=key["KeyId"])
        if response is None:
            return key, {}, details.unavailable
        metadata = response["KeyMetadata"]
        if metadata.get("KeyManager") != "CUSTOMER":
            return metadata, {}, details.unavailable
        values: dict[str, Any] = {}
        rotation = details.read("KeyRotationEnabled", client, "get_key_rotation_status",
                                *_NO_ROTATION, KeyId=key["KeyId"])
        if rotation is not None:
            values["KeyRotationEnabled"] = rotation.get("KeyRotationEnabled")
        policy = details.read("Policy", client, "get_key_policy", KeyId=key["KeyId"],
                              PolicyName="default")
        if policy is not None and policy.get("Policy"):
            values["Policy"] = json.loads(policy["Policy"])
        tags = details.read_all("Tags", client, "list_resource_tags", "Tags", KeyId=key["KeyId"])
        if tags is not None:
            values["Tags"] = tags
        return metadata, values, details.unavailable

    for metadata, values, unavailable in fan_out(describe, each(kms, "list_keys", "Keys")):
        yield from transform_key(location, metadata, by_key.get(metadata["KeyId"], []),
                                 values, unavailable)


def transform_key(location: Location, metadata: Mapping[str, Any], aliases: list[Any],
                  details: Mapping[str, Any],
                  unavailable: Mapping[str, str] | None = None) -> list[Item]:
    """A key: ``DescribeKey``'s ``KeyMetadata`` (or, when denied, the ``ListKeys``
    element) plus ``Aliases`` (``ListAliases`` elements) and, for customer keys,
    ``KeyRotationEnabled`` and ``Policy`` (the decoded key policy); ``_unavailable`` names
    what was denied."""
    properties = {**metadata, "Aliases": aliases}
    properties.update((name, value) for name, value in details.items() if name != "Tags")
    name = aliases[0]["AliasName"].removeprefix("alias/") if aliases else metadata["KeyId"]
    arn = metadata.get("Arn") or metadata["KeyArn"]
    return [location.asset(KEY, arn, with_unavailable(properties, unavailable or {}),
                           name=name, tags=tag_map(details.get("Tags")))]
