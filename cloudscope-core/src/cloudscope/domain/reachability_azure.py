"""Azure reachability layers: network security groups, evaluated as Azure evaluates them.

Inbound traffic to a network interface passes the subnet's NSG, then the interface's NSG;
both must allow it (an NSG missing at one layer lets everything through that layer). In
each NSG the rules are taken in ``priority`` order, lowest first, the first rule matching
protocol, source, destination and port decides (``Allow`` or ``Deny``), and the default
rules Azure adds to every NSG close the list: ``AllowVnetInBound`` (65000),
``AllowAzureLoadBalancerInBound`` (65001), ``DenyAllInBound`` (65500).

Sources: ``*`` and the ``Internet`` service tag hold every internet address; ``0.0.0.0/0``
(``::/0``) too; other service tags (``VirtualNetwork``, ``AzureLoadBalancer``...) and
application security groups are never the internet. Destinations are matched after Azure
has translated the public address to the interface's private one: ``*``, the
``VirtualNetwork`` tag, a prefix holding the private address, or an application security
group the IP configuration belongs to. Ports: ``destinationPortRange`` and the
``destinationPortRanges`` list (``*``, ``22``, ``20-30``); protocols ``*`` and ``Tcp``.

A Standard SKU public IP address or load balancer is closed to inbound traffic until an
NSG allows it ("secure by default"): with no NSG on either layer, nothing gets in through
one; a Basic SKU lets everything in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from cloudscope.domain.reachability import (
    ADMIN,
    NO_PORTS,
    AccessRule,
    Match,
    Origin,
    Ports,
    cidr_match,
    contains,
    first_match,
    is_tcp,
)

NETWORK_SECURITY_GROUP: Final = "azure:network:network-security-group"
VIRTUAL_MACHINE: Final = "azure:compute:virtual-machine"
SCALE_SET: Final = "azure:compute:virtual-machine-scale-set"
NETWORK_INTERFACE: Final = "azure:network:network-interface"
PUBLIC_IP: Final = "azure:network:public-ip-address"
SUBNET: Final = "azure:network:subnet"
LOAD_BALANCER: Final = "azure:network:load-balancer"
APPLICATION_GATEWAY: Final = "azure:network:application-gateway"

DEFAULT_INBOUND: Final = (
    {"name": "AllowVnetInBound", "properties": {
        "priority": 65000, "access": "Allow", "direction": "Inbound", "protocol": "*",
        "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRange": "*"}},
    {"name": "AllowAzureLoadBalancerInBound", "properties": {
        "priority": 65001, "access": "Allow", "direction": "Inbound", "protocol": "*",
        "sourceAddressPrefix": "AzureLoadBalancer", "destinationAddressPrefix": "*",
        "destinationPortRange": "*"}},
    {"name": "DenyAllInBound", "properties": {
        "priority": 65500, "access": "Deny", "direction": "Inbound", "protocol": "*",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "*"}},
)
"""The default inbound rules of every NSG (they cannot be removed; the API lists them
under ``defaultSecurityRules``, which files may omit)."""
_LAST_CUSTOM: Final = 4096

Properties = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Target:
    """The destination of the traffic: an IP configuration's private address and the
    application security groups it belongs to (None when unknown: a scale set's
    instances, or an NSG assessed on its own)."""

    address: str | None = None
    groups: frozenset[str] | None = None


ANYWHERE: Final = Target()


def _source(prefix: str, origin: Origin) -> Match:
    tag = prefix.strip().lower()
    if origin is Origin.NETWORK:
        return Match.YES if tag in ("*", "virtualnetwork") else cidr_match(prefix, origin)
    if tag in ("*", "internet"):
        return Match.YES
    return cidr_match(prefix, origin)


def _destination(prefix: str, target: Target) -> Match:
    tag = prefix.strip().lower()
    if tag in ("*", "virtualnetwork"):
        return Match.YES
    return contains(prefix, target.address)


def _listed(body: Properties, one: str, many: str) -> list[str]:
    values = [body.get(one), *(body.get(many) or ())]
    return [str(v) for v in values if v not in (None, "")]


def rule_match(body: Properties, origin: Origin, target: Target) -> Match:
    """How surely an inbound rule's source and destination cover the traffic."""
    source = max((_source(p, origin) for p in _listed(body, "sourceAddressPrefix",
                                                       "sourceAddressPrefixes")),
                 default=Match.NO)
    groups = {str(g.get("id", "")).lower() for g in body.get("destinationApplicationSecurityGroups") or ()}
    prefixes = _listed(body, "destinationAddressPrefix", "destinationAddressPrefixes")
    # The API always writes a destination; a file that leaves it out means any ("*").
    destinations = [_destination(p, target) for p in prefixes or ([] if groups else ["*"])]
    if groups:
        destinations.append(Match.MAYBE if target.groups is None else
                            Match.YES if groups & target.groups else Match.NO)
    return min(source, max(destinations, default=Match.NO))


def _rules(label: str, rules: Iterable[Any], origin: Origin, target: Target,
           start: int = 0) -> Iterator[tuple[int, int, AccessRule]]:
    """(priority, position, rule) of the inbound rules among ``rules``."""
    for position, rule in enumerate(rules, start):
        properties = rule.get("properties") or {}
        if str(properties.get("direction", "")).lower() != "inbound":
            continue
        priority = properties.get("priority")
        priority = priority if isinstance(priority, int) else _LAST_CUSTOM
        match = rule_match(properties, origin, target) if is_tcp(properties.get("protocol", "*")) \
            else Match.NO
        ports = Ports.parse(_listed(properties, "destinationPortRange", "destinationPortRanges"))
        allow = str(properties.get("access", "")).lower() == "allow"
        yield priority, position, AccessRule(allow, ports, match,
                                             f"{label}/{rule.get('name') or priority}")


@lru_cache(maxsize=256)
def _defaults(origin: Origin, target: Target) -> tuple[tuple[int, int, AccessRule], ...]:
    # The same three rules close every NSG: evaluated once per origin and destination.
    return tuple(_rules("default", DEFAULT_INBOUND, origin, target, start=1 << 20))


def nsg_rules(label: str, nsg: Properties, origin: Origin, target: Target) -> list[AccessRule]:
    """The NSG's inbound rules, default rules included, in evaluation order."""
    body = nsg.get("properties") or {}
    found = [*_rules(label, body.get("securityRules") or (), origin, target),
             *_defaults(origin, target)]
    return [rule for _, _, rule in sorted(found, key=lambda r: (r[0], r[1]))]


def nsg_ports(label: str, nsg: Properties, origin: Origin, target: Target = ANYWHERE,
              wanted: Ports = ADMIN) -> tuple[Ports, list[str]]:
    """The ports of ``wanted`` one NSG lets in from ``origin`` to ``target``."""
    return first_match(nsg_rules(label, nsg, origin, target), wanted)


def world_open_ports(properties: Properties) -> list[int]:
    """Administrative ports an NSG, on its own, lets in from the internet (either family)."""
    found = NO_PORTS
    for origin in (Origin.INTERNET_V4, Origin.INTERNET_V6):
        found = found | nsg_ports("nsg", properties, origin)[0]
    return found.admin()


def through_layers(layers: list[tuple[str, Properties]], origin: Origin, target: Target,
                   wanted: Ports, secure_by_default: bool) -> tuple[Ports, list[str]]:
    """What passes every NSG of ``layers`` (the subnet's, then the interface's, those
    present). Without any NSG, everything passes unless the entry is secure by default."""
    if not layers:
        return (NO_PORTS if secure_by_default else wanted), []
    admitted, labels = wanted, []
    for nsg_id, nsg in layers:
        admitted, _ = nsg_ports(nsg_id, nsg, origin, target, admitted)
        if not admitted:
            return NO_PORTS, []
        labels.append(nsg_id)
    return admitted, labels


@dataclass(frozen=True, slots=True)
class Binding:
    """Where traffic lands on a machine: one IP configuration of a network interface, or
    of a scale set's interface configuration (the same for every instance)."""

    machine: str | None
    """The VM or scale set id (lower case), when the body names it."""
    configuration: str
    """The IP configuration's id, lower case."""
    nsg: str | None
    subnet: str | None
    target: Target
    public_ips: tuple[str, ...]
    standard_public_ip: bool | None
    """For a scale set's per-instance public IPs: their SKU (None: see the public IP)."""


def _id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, Mapping) else None
    return str(found).lower() if found else None


def _ids(values: Any) -> frozenset[str]:
    return frozenset(i for v in values or () if (i := _id(v)))


def interface_bindings(interface_id: str, interface: Properties) -> Iterator[Binding]:
    """The IP configurations of a network interface body."""
    body = interface.get("properties") or {}
    machine = _id(body.get("virtualMachine"))
    for configuration in body.get("ipConfigurations") or ():
        settings = configuration.get("properties") or {}
        name = configuration.get("name") or ""
        yield Binding(
            machine, str(configuration.get("id") or f"{interface_id}/ipconfigurations/{name}").lower(),
            _id(body.get("networkSecurityGroup")), _id(settings.get("subnet")),
            Target(settings.get("privateIPAddress"), _ids(settings.get("applicationSecurityGroups"))),
            tuple(i for i in [_id(settings.get("publicIPAddress"))] if i), None)


def scale_set_bindings(scale_set_id: str, scale_set: Properties) -> Iterator[Binding]:
    """The IP configurations of a scale set's network profile (every instance has them)."""
    profile = ((scale_set.get("properties") or {}).get("virtualMachineProfile") or {})
    for interface in (profile.get("networkProfile") or {}).get("networkInterfaceConfigurations") or ():
        body = interface.get("properties") or {}
        for configuration in body.get("ipConfigurations") or ():
            settings = configuration.get("properties") or {}
            public = settings.get("publicIPAddressConfiguration")
            sku = str(((public or {}).get("sku") or {}).get("name", "")).lower()
            yield Binding(
                scale_set_id,
                f"{scale_set_id}/networkinterfaces/{interface.get('name', '')}/ipconfigurations/"
                f"{configuration.get('name', '')}".lower(),
                _id(body.get("networkSecurityGroup")), _id(settings.get("subnet")),
                Target(None, _ids(settings.get("applicationSecurityGroups"))),
                ("per-instance public IP",) if public else (), sku == "standard" if public else None)


def is_standard(sku_holder: Properties) -> bool:
    """True for a Standard SKU public IP or load balancer (secure by default)."""
    return str((sku_holder.get("sku") or {}).get("name", "")).lower() == "standard"


def public_frontends(body: Properties) -> frozenset[str]:
    """Ids (lower case) of a load balancer's or gateway's frontends holding a public IP."""
    return frozenset(str(f.get("id", "")).lower() for f in body.get("frontendIPConfigurations") or ()
                     if (f.get("properties") or {}).get("publicIPAddress")
                     or (f.get("properties") or {}).get("publicIPPrefix"))
