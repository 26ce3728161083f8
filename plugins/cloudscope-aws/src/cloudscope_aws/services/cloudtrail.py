"""CloudTrail trails (regional scope service ``cloudtrail``).

``DescribeTrails`` with shadow trails, so that the organization's trails show in member
accounts; each trail is collected once, in its home region (a multi-region trail's
copies elsewhere are skipped). ``GetTrailStatus`` per trail; ``ListTags`` (paginated, 20
trails a call) for the account's own trails. ARN: ``TrailARN`` as returned.

An organization trail belongs to the management account: it is stored with that account
and region. Seen from a member account it is collected only when its own account is not
part of the run (that account's scope stores it, with its tags, which members cannot
read), so that one run never writes the same trail twice.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any, Final

from cloudscope_aws.calls import Details, chunks
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import (
    Item,
    Kind,
    Location,
    account_of,
    edges,
    kms_key_arn,
    tag_map,
    with_unavailable,
)

TRAIL: Final = Kind("aws:cloudtrail:trail", "AWS::CloudTrail::Trail")
_TAGS_PER_CALL: Final = 20


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every trail whose home is this region, with its status and tags."""
    cloudtrail = clients.client("cloudtrail", location.region)
    trails = [trail for trail in cloudtrail.describe_trails(includeShadowTrails=True)
              .get("trailList") or ()
              if is_collected_here(location, trail, clients.run_accounts)]
    details = {trail["TrailARN"]: clients.details() for trail in trails}
    own = [arn for arn in details if account_of(arn) == location.account]
    tags: dict[str, dict[str, str]] = {}
    for chunk in chunks(own, _TAGS_PER_CALL):
        # One call for up to 20 trails: a denial is counted against each trail it leaves
        # without tags, hence the silent reader.
        reader = Details(lambda reason: None)
        listed = reader.read_all("TagsList", cloudtrail, "list_tags", "ResourceTagList",
                                 ResourceIdList=chunk)
        for resource in listed or ():
            tags[resource["ResourceId"]] = tag_map(resource.get("TagsList"))
        for arn in chunk if listed is None else ():
            details[arn].mark("TagsList", reader.unavailable["TagsList"])
    for trail in trails:
        arn = trail["TrailARN"]
        status = details[arn].read("Status", cloudtrail, "get_trail_status", Name=arn)
        yield from transform_trail(location, trail, status, tags.get(arn, {}),
                                   details[arn].unavailable)


def is_collected_here(location: Location, trail: Mapping[str, Any],
                      run_accounts: Collection[str]) -> bool:
    """Whether this (account, region) scope stores ``trail``: its home region is this
    one, and it is this account's, or another account's that the run does not collect."""
    if trail.get("HomeRegion", location.region) != location.region:
        return False
    owner = account_of(trail["TrailARN"])
    return owner == location.account or owner not in run_accounts


def transform_trail(location: Location, trail: Mapping[str, Any],
                    status: Mapping[str, Any] | None, tags: Mapping[str, str],
                    unavailable: Mapping[str, str] | None = None) -> list[Item]:
    """A trail (``DescribeTrails`` element plus ``Status`` from ``GetTrailStatus``,
    ``_unavailable`` naming what was denied), in its own account: ENCRYPTED_BY its KMS
    key."""
    arn = trail["TrailARN"]
    here = Location(location.partition, account_of(arn) or location.account,
                    trail.get("HomeRegion") or location.region)
    properties = dict(trail)
    if status is not None:
        properties["Status"] = status
    return [here.asset(TRAIL, arn, with_unavailable(properties, unavailable or {}),
                       name=trail["Name"], tags=tags),
            *edges(arn, "ENCRYPTED_BY", [kms_key_arn(here, trail.get("KmsKeyId"))])]
