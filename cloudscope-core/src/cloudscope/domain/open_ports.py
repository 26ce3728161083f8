"""Administrative ports open to the whole internet, read from each cloud's own rule shapes.

AWS security groups (``IpPermissions``), Azure network security groups (``securityRules``)
and GCP firewalls (``allowed``/``sourceRanges``) say the same thing three ways; the
baseline rules and the exposure analysis both ask it here. The reading is conservative:
an allow rule counts even when a higher-priority deny might shadow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

ADMIN_PORTS: Final[Mapping[int, str]] = {
    22: "SSH", 3389: "RDP", 1433: "SQL Server", 1521: "Oracle", 3306: "MySQL",
    5432: "PostgreSQL", 6379: "Redis", 9200: "Elasticsearch", 27017: "MongoDB",
}
"""Remote administration and database ports that must not face the internet."""
WORLD: Final = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any"})
"""Source ranges meaning everyone (Azure also writes ``*``, ``Internet`` and ``Any``)."""

SECURITY_GROUP: Final = "aws:ec2:security-group"
NETWORK_SECURITY_GROUP: Final = "azure:network:network-security-group"
FIREWALL: Final = "gcp:compute:firewall"
GROUP_TYPES: Final = frozenset({SECURITY_GROUP, NETWORK_SECURITY_GROUP, FIREWALL})


def _ports_in(low: int, high: int, wanted: Iterable[int]) -> set[int]:
    return {port for port in wanted if low <= port <= high}


def _parse_range(text: Any) -> tuple[int, int] | None:
    """``"22"``, ``"20-30"`` or ``"*"`` as an inclusive range; None when unreadable."""
    text = str(text).strip()
    if text in ("*", ""):
        return (0, 65535)
    low, _, high = text.partition("-")
    try:
        return (int(low), int(high or low))
    except ValueError:
        return None


def _aws(properties: Mapping[str, Any], wanted: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for permission in properties.get("IpPermissions") or []:
        ranges = {r.get("CidrIp") for r in permission.get("IpRanges") or []}
        ranges |= {r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or []}
        if not ranges & WORLD:
            continue
        protocol = str(permission.get("IpProtocol", "")).lower()
        if protocol in ("-1", "all"):
            found |= set(wanted)
        elif protocol in ("tcp", "6"):
            low, high = permission.get("FromPort"), permission.get("ToPort")
            if isinstance(low, int) and isinstance(high, int):
                found |= _ports_in(low, high, wanted)
    return found


def _azure(properties: Mapping[str, Any], wanted: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for rule in (properties.get("properties") or {}).get("securityRules") or []:
        body = rule.get("properties") or {}
        if str(body.get("access", "")).lower() != "allow" or \
                str(body.get("direction", "")).lower() != "inbound" or \
                str(body.get("protocol", "*")).lower() not in ("*", "tcp"):
            continue
        sources = [body.get("sourceAddressPrefix"), *(body.get("sourceAddressPrefixes") or [])]
        if not {str(s).lower() for s in sources if s} & WORLD:
            continue
        ranges = [body.get("destinationPortRange"), *(body.get("destinationPortRanges") or [])]
        for text in ranges:
            parsed = _parse_range(text) if text is not None else None
            if parsed:
                found |= _ports_in(*parsed, wanted)
    return found


def _gcp(properties: Mapping[str, Any], wanted: Iterable[int]) -> set[int]:
    if properties.get("disabled") is True or \
            str(properties.get("direction", "INGRESS")).upper() != "INGRESS":
        return set()
    if not set(properties.get("sourceRanges") or []) & WORLD:
        return set()
    found: set[int] = set()
    for allowed in properties.get("allowed") or []:
        protocol = str(allowed.get("IPProtocol", "")).lower()
        if protocol not in ("tcp", "all", "6"):
            continue
        ports = allowed.get("ports") or ["*"]
        for text in ports:
            parsed = _parse_range(text)
            if parsed:
                found |= _ports_in(*parsed, wanted)
    return found


_READERS: Final = {SECURITY_GROUP: _aws, NETWORK_SECURITY_GROUP: _azure, FIREWALL: _gcp}


def world_open_ports(asset_type: str, properties: Mapping[str, Any],
                     ports: Iterable[int] = ADMIN_PORTS) -> list[int]:
    """The ``ports`` that the group, NSG or firewall opens to 0.0.0.0/0 (or ::/0), sorted."""
    reader = _READERS.get(asset_type)
    return sorted(reader(properties, list(ports))) if reader else []
