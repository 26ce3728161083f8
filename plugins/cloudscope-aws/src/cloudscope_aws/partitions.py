"""AWS partitions from botocore's own endpoint data: which partition a region is in, and
each partition's home region, where its global services (IAM, STS's global endpoint,
Organizations, S3's ListBuckets) sign their requests.

The home region is the credential scope of IAM's partition endpoint (``us-east-1`` in
``aws``, ``cn-north-1`` in ``aws-cn``, ``us-gov-west-1`` in ``aws-us-gov``), else the
partition's ``implicitGlobalRegion``: a partition botocore learns about in a later
release needs no change here.
"""

from __future__ import annotations

from typing import Any, Final

from botocore.exceptions import UnknownRegionError
from botocore.loaders import Loader
from botocore.regions import EndpointResolver

DEFAULT_PARTITION: Final = "aws"
_FALLBACK_REGION: Final = "us-east-1"


def partition_of_region(loader: Loader, region: str) -> str:
    """The partition ``region`` belongs to (``aws`` for a region botocore does not know)."""
    try:
        return str(EndpointResolver(loader.load_data("endpoints"))
                   .get_partition_for_region(region))
    except UnknownRegionError:
        return DEFAULT_PARTITION


def partition_of_arn(arn: str) -> str:
    """The partition field of an ARN (``arn:aws-cn:iam::...`` -> ``aws-cn``)."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "arn" and parts[1] else DEFAULT_PARTITION


def home_region(loader: Loader, partition: str) -> str:
    """The region where ``partition``'s global services are reached."""
    for entry in loader.load_data("endpoints")["partitions"]:
        if entry["partition"] == partition:
            iam: dict[str, Any] = entry.get("services", {}).get("iam", {})
            global_endpoint = iam.get("endpoints", {}).get(iam.get("partitionEndpoint"), {})
            region = (global_endpoint.get("credentialScope") or {}).get("region")
            if region:
                return str(region)
    for entry in loader.load_data("partitions")["partitions"]:
        if entry["id"] == partition:
            return str(entry.get("outputs", {}).get("implicitGlobalRegion") or _FALLBACK_REGION)
    return _FALLBACK_REGION
