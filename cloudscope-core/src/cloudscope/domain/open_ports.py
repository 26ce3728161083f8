"""Administrative ports one security group, NSG or firewall rule opens to the internet.

The baseline admin-port rules judge one control at a time; the evaluation is each cloud's
own (reachability_aws, reachability_azure, reachability_gcp), so that a rule and the
exposure analysis never disagree about what a control says: an AWS security group's
allows from ``0.0.0.0/0`` or ``::/0``; an Azure NSG's rules in priority order with its
default rules (a ``Deny`` at a higher priority takes the port back); a GCP firewall rule
that is enabled, of direction ``INGRESS`` and allows from the whole internet (denies of
other rules in the same network are weighed by the rule itself, which sees them all).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from cloudscope.domain import reachability_azure, reachability_gcp
from cloudscope.domain.reachability import ADMIN_PORTS, Origin
from cloudscope.domain.reachability_aws import SECURITY_GROUP, security_group_ports

NETWORK_SECURITY_GROUP: Final = reachability_azure.NETWORK_SECURITY_GROUP
FIREWALL: Final = reachability_gcp.FIREWALL
GROUP_TYPES: Final = frozenset({SECURITY_GROUP, NETWORK_SECURITY_GROUP, FIREWALL})

__all__ = ["ADMIN_PORTS", "FIREWALL", "GROUP_TYPES", "NETWORK_SECURITY_GROUP", "SECURITY_GROUP",
           "world_open_ports"]


def _security_group(properties: Mapping[str, Any]) -> list[int]:
    found = set()
    for origin in (Origin.INTERNET_V4, Origin.INTERNET_V6):
        found.update(security_group_ports([("group", properties)], origin)[0].admin())
    return sorted(found)


_READERS: Final[Mapping[str, Callable[[Mapping[str, Any]], list[int]]]] = {
    SECURITY_GROUP: _security_group,
    NETWORK_SECURITY_GROUP: reachability_azure.world_open_ports,
    FIREWALL: reachability_gcp.world_open_ports,
}


def world_open_ports(asset_type: str, properties: Mapping[str, Any]) -> list[int]:
    """The administrative ports the control opens to the whole internet, sorted."""
    reader = _READERS.get(asset_type)
    return reader(properties) if reader else []
