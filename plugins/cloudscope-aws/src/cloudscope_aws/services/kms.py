"""KMS keys (regional scope service ``kms``).

``ListKeys`` and ``ListAliases`` once per region; per key ``DescribeKey``, and for
customer-managed keys ``GetKeyRotationStatus`` and ``ListResourceTags``. The key's name
is its first alias. ARN: ``KeyArn`` as returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import each, fan_out, optional
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, tag_map

KEY: Final = Kind("aws:kms:key", "AWS::KMS::Key")

# GetKeyRotationStatus refuses asymmetric, HMAC, imported and pending-deletion keys.
_NO_ROTATION: Final = ("UnsupportedOperationException", "KMSInvalidStateException")


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every key of the region with its aliases, rotation status and tags."""
    kms = clients.client("kms", location.region)
    aliases: dict[str, list[dict[str, Any]]] = {}
    for alias in each(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId"):
            aliases.setdefault(alias["TargetKeyId"], []).append(alias)
    def describe(key: dict[str, Any]) -> tuple[dict[str, Any], bool | None, list[Any]]:
        client = clients.client("kms", location.region)
        metadata = client.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if metadata.get("KeyManager") != "CUSTOMER":
            return metadata, None, []
        rotation = optional(lambda: client.get_key_rotation_status(KeyId=key["KeyId"]),
                            *_NO_ROTATION)
        tags = list(each(client, "list_resource_tags", "Tags", KeyId=key["KeyId"]))
        return metadata, rotation.get("KeyRotationEnabled") if rotation else None, tags

    for metadata, rotation_enabled, tags in fan_out(describe, each(kms, "list_keys", "Keys")):
        yield from transform_key(location, metadata, aliases.get(metadata["KeyId"], []),
                                 rotation_enabled, tags)


def transform_key(location: Location, metadata: Mapping[str, Any], aliases: list[Any],
                  rotation_enabled: bool | None, tags: list[Any]) -> list[Item]:
    """A key: ``DescribeKey``'s ``KeyMetadata`` plus ``KeyRotationEnabled`` (customer
    keys) and ``Aliases`` (``ListAliases`` elements)."""
    properties = {**metadata, "Aliases": aliases}
    if rotation_enabled is not None:
        properties["KeyRotationEnabled"] = rotation_enabled
    name = aliases[0]["AliasName"].removeprefix("alias/") if aliases else metadata["KeyId"]
    return [location.asset(KEY, metadata["Arn"], properties, name=name, tags=tag_map(tags))]
