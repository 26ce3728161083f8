"""CloudTrail trails (regional scope service ``cloudtrail``).

``DescribeTrails`` without shadow trails, so that a multi-region trail is collected once,
in its home region; ``GetTrailStatus`` per trail and ``ListTags`` per 20 trails. ARN:
``TrailARN`` as returned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import chunks
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges, kms_key_arn, tag_map

TRAIL: Final = Kind("aws:cloudtrail:trail", "AWS::CloudTrail::Trail")
_TAGS_PER_CALL: Final = 20


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every trail whose home is this region, with its status and tags."""
    cloudtrail = clients.client("cloudtrail", location.region)
    trails = cloudtrail.describe_trails(includeShadowTrails=False).get("trailList") or []
    tags: dict[str, dict[str, str]] = {}
    for chunk in chunks([trail["TrailARN"] for trail in trails], _TAGS_PER_CALL):
        for resource in cloudtrail.list_tags(ResourceIdList=chunk).get("ResourceTagList") or ():
            tags[resource["ResourceId"]] = tag_map(resource.get("TagsList"))
    for trail in trails:
        status = cloudtrail.get_trail_status(Name=trail["TrailARN"])
        yield from transform_trail(location, trail, status, tags.get(trail["TrailARN"], {}))


def transform_trail(location: Location, trail: Mapping[str, Any], status: Mapping[str, Any],
                    tags: Mapping[str, str]) -> list[Item]:
    """A trail (``DescribeTrails`` element plus ``Status`` from ``GetTrailStatus``):
    ENCRYPTED_BY its KMS key."""
    arn = trail["TrailARN"]
    properties = {**trail, "Status": status}
    return [location.asset(TRAIL, arn, properties, name=trail["Name"], tags=tags),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(location, trail.get("KmsKeyId"))])]
