"""GCP reachability: VPC firewall rules as Compute Engine applies them, and the external
forwarding rules in front of instances.

Ingress to an instance's interface is decided by the firewall rules of the interface's
network that apply to the instance (``targetTags`` holding one of its network tags,
``targetServiceAccounts`` holding its service account, or no target: every instance),
enabled (``disabled`` false) and of direction ``INGRESS``. They are taken by ``priority``
(default 1000, lowest first; at equal priority a deny wins over an allow) and the first
one matching protocol, port, source and destination decides; when none matches, the
implied rule denies all ingress. A rule matches the internet when its ``sourceRanges``
hold ``0.0.0.0/0`` (``::/0`` for IPv6); ``sourceTags`` and ``sourceServiceAccounts`` name
instances, never the internet; ``destinationRanges``, when present, must hold the
address the packet is sent to. ``allowed``/``denied`` entries: ``IPProtocol`` ``tcp``,
``6`` or ``all``, ``ports`` absent meaning every port.

Only rules with a whole-internet source can decide for internet traffic, so those are the
rules kept while assets stream (few), indexed by network.

Entries: an access config's external address (``natIP``), an IPv6 access config
(``externalIpv6``), and external passthrough forwarding rules (``loadBalancingScheme``
``EXTERNAL``) whose target pool lists the instance, or whose backend service's instance
groups hold it (a managed group's instances name it in their ``created-by`` metadata; the
collector draws ``instance group ROUTES_TO instance``). A passthrough balancer keeps the
client's address, so the firewall must admit the internet on the forwarded ports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.detection import gcp_resource_name
from cloudscope.domain.reachability import (
    ADMIN,
    ALL_PORTS,
    NO_PORTS,
    AccessRule,
    GraphLookup,
    Lookups,
    Match,
    Origin,
    Ports,
    Reach,
    chunked,
    cidr_match,
    contains,
    fetch,
    first_match,
    is_tcp,
)
from cloudscope.domain.relationship import PROTECTED_BY, ROUTES_TO, Relationship

FIREWALL: Final = "gcp:compute:firewall"
INSTANCE: Final = "gcp:compute:instance"
FORWARDING_RULES: Final = frozenset({"gcp:compute:forwarding-rule",
                                     "gcp:compute:global-forwarding-rule"})
INTERNET: Final = (Origin.INTERNET_V4, Origin.INTERNET_V6)
DEFAULT_PRIORITY: Final = 1000

Properties = Mapping[str, Any]


def is_ingress(firewall: Properties) -> bool:
    """Enabled and of direction INGRESS (the API's default)."""
    return firewall.get("disabled") is not True and \
        str(firewall.get("direction") or "INGRESS").upper() == "INGRESS"


def network_of(value: Any) -> str | None:
    """A network reference (URL or full resource name) as a full resource name."""
    return gcp_resource_name(value)


def priority_of(firewall: Properties) -> int:
    """The rule's priority (1000 when the body omits it)."""
    value = firewall.get("priority")
    if isinstance(value, int):
        return value
    return int(str(value)) if str(value).isdigit() else DEFAULT_PRIORITY


def applies_to(firewall: Properties, tags: Iterable[str], accounts: Iterable[str]) -> bool:
    """Whether the rule's targets hold the instance (no target: every instance)."""
    target_tags = set(firewall.get("targetTags") or ())
    target_accounts = set(firewall.get("targetServiceAccounts") or ())
    if target_tags:
        return bool(target_tags & set(tags))
    if target_accounts:
        return bool(target_accounts & set(accounts))
    return True


def is_world_sourced(firewall: Properties) -> bool:
    """True when the rule's source ranges hold the whole internet of either family."""
    return any(cidr_match(r, origin) is Match.YES for r in firewall.get("sourceRanges") or ()
               for origin in INTERNET)


def firewall_rules(label: str, firewall: Properties, origin: Origin,
                   addresses: Iterable[str | None] = ()) -> Iterator[tuple[tuple[int, int], AccessRule]]:
    """One rule per ``allowed``/``denied`` entry, keyed for sorting (priority, deny first)."""
    source = max((cidr_match(r, origin) for r in firewall.get("sourceRanges") or ()),
                 default=Match.NO)
    destinations = firewall.get("destinationRanges") or ()
    known: list[str | None] = [a for a in addresses if a] or [None]
    if destinations:
        source = min(source, max((contains(d, a) for d in destinations for a in known),
                                 default=Match.NO))
    priority = priority_of(firewall)
    for key, allow in (("denied", False), ("allowed", True)):
        for entry in firewall.get(key) or ():
            if is_tcp(entry.get("IPProtocol", "")):
                ports = Ports.parse(entry["ports"]) if entry.get("ports") else ALL_PORTS
                yield (priority, int(allow)), AccessRule(allow, ports, source, label)


def firewall_ports(firewalls: Iterable[tuple[str, Properties]], origin: Origin,
                   wanted: Ports = ADMIN, addresses: Iterable[str | None] = (),
                   ) -> tuple[Ports, list[str]]:
    """The ports of ``wanted`` the firewall rules (already those applying to the instance)
    let in from ``origin``; the implied deny closes the list."""
    ordered = sorted((item for label, firewall in firewalls if is_ingress(firewall)
                      for item in firewall_rules(label, firewall, origin, list(addresses))),
                     key=lambda item: item[0])
    admitted, labels = first_match((rule for _, rule in ordered), wanted)
    return admitted, sorted(set(labels))


def world_open_ports(firewall: Properties) -> list[int]:
    """Administrative ports one rule, on its own, allows from the whole internet."""
    found = NO_PORTS
    for origin in INTERNET:
        found = found | firewall_ports([("rule", firewall)], origin)[0]
    return found.admin()


@dataclass(frozen=True, slots=True)
class WorldRule:
    """A firewall rule whose source is the whole internet, reduced to what judging it
    against the other rules of its network needs (a few hundred bytes, not its body)."""

    asset_id: str
    network: str
    priority: int
    tags: frozenset[str]
    accounts: frozenset[str]
    allowed: tuple[Ports, Ports]
    """Administrative ports it allows from 0.0.0.0/0 and from ::/0."""
    denied: tuple[Ports, Ports]
    """Administrative ports it denies from 0.0.0.0/0 and from ::/0 to every address."""

    @property
    def opens(self) -> bool:
        """True when it allows some administrative port from the internet."""
        return any(self.allowed)

    def covers(self, other: WorldRule) -> bool:
        """Whether this rule targets every instance ``other`` targets."""
        if not self.tags and not self.accounts:
            return True
        return bool(other.tags and other.tags <= self.tags) or \
            bool(other.accounts and other.accounts <= self.accounts)


def world_rule(asset_id: str, firewall: Properties) -> WorldRule | None:
    """The rule's summary, or None when it is disabled, egress, or not internet-sourced."""
    network = network_of(firewall.get("network"))
    if not network or not is_ingress(firewall) or not is_world_sourced(firewall):
        return None
    allowed, denied = [], []
    for origin in INTERNET:
        rules = [rule for _, rule in firewall_rules(asset_id, firewall, origin)]
        allowed.append(any_match(rules, allow=True))
        # A deny limited to destination ranges takes back only part of what it targets.
        denied.append(NO_PORTS if firewall.get("destinationRanges") else any_match(rules, allow=False))
    return WorldRule(asset_id, network, priority_of(firewall),
                     frozenset(firewall.get("targetTags") or ()),
                     frozenset(firewall.get("targetServiceAccounts") or ()),
                     (allowed[0], allowed[1]), (denied[0], denied[1]))


def any_match(rules: Iterable[AccessRule], *, allow: bool) -> Ports:
    """The administrative ports the allow (or deny) entries of one rule surely match."""
    found = NO_PORTS
    for rule in rules:
        if rule.allow is allow and rule.match is Match.YES:
            found = found | (rule.ports & ADMIN)
    return found


def effective_world_ports(allow: WorldRule, network_rules: Iterable[WorldRule]) -> list[int]:
    """Administrative ports ``allow`` opens to the internet that no deny of its network at a
    higher (or equal) priority, targeting at least the same instances, takes back
    (``network_rules``: the network's rules, or only its denies, which is all it reads)."""
    denies = [d for d in network_rules if d is not allow and any(d.denied)
              and d.priority <= allow.priority and d.covers(allow)]
    found = NO_PORTS
    for family in (0, 1):
        opened = allow.allowed[family]
        for deny in denies:
            opened = opened - deny.denied[family]
        found = found | opened
    return found.admin()


def instance_facts(instance: Properties) -> tuple[list[str], list[str]]:
    """An instance's network tags and service account emails."""
    tags = [str(t) for t in (instance.get("tags") or {}).get("items") or ()]
    accounts = [str(a["email"]) for a in instance.get("serviceAccounts") or () if a.get("email")]
    return tags, accounts


def forwarded_ports(rule: Properties) -> Ports:
    """The ports a forwarding rule forwards (``allPorts``, ``ports`` or ``portRange``)."""
    if rule.get("allPorts") is True:
        return ALL_PORTS
    if rule.get("ports"):
        return Ports.parse(rule["ports"])
    return Ports.parse(rule.get("portRange")) if rule.get("portRange") else ALL_PORTS


class GcpReachability:
    """Streams the few facts GCP reachability needs, then evaluates the candidates."""

    asset_types: Final = frozenset({FIREWALL, *FORWARDING_RULES})
    relationship_types: Final = frozenset({PROTECTED_BY})

    def __init__(self) -> None:
        self.firewalls: dict[str, list[str]] = {}
        self.open_firewalls: set[str] = set()
        self.guarded: set[str] = set()
        self.forwarding_rules: set[str] = set()

    def observe(self, asset: Asset) -> None:
        """Index one firewall rule or forwarding rule."""
        properties = asset.properties
        if asset.asset_type == FIREWALL:
            summary = world_rule(asset.id, properties)
            if summary is not None:  # only these can decide for internet traffic
                self.firewalls.setdefault(summary.network, []).append(asset.id)
                if summary.opens:
                    self.open_firewalls.add(asset.id)
        elif str(properties.get("loadBalancingScheme", "EXTERNAL")).upper() == "EXTERNAL":
            self.forwarding_rules.add(asset.id)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Keep the instances an open rule protects: the direct candidates."""
        if relationship.type == PROTECTED_BY and relationship.target_id in self.open_firewalls:
            self.guarded.add(relationship.source_id)

    def reaches(self, graph: GraphLookup) -> Iterator[tuple[Reach, Asset]]:
        """Instances reachable on administrative ports, with the path of each entry."""
        lookups = Lookups(graph)
        for chunk in chunked(self.guarded):
            for instance in fetch(graph, chunk).values():
                reach = self._direct(lookups, instance) if instance.asset_type == INSTANCE else None
                if reach:
                    yield reach, instance
        yield from self._forwarded(lookups)

    def evaluate(self, lookups: Lookups, instance: Asset, origin: Origin, wanted: Ports, *,
                 addresses: list[str | None], interface: Properties) -> tuple[Ports, list[str]]:
        """What the firewall rules of ``interface``'s network let through to ``instance``."""
        tags, accounts = instance_facts(instance.properties)
        found = lookups.get(self.firewalls.get(network_of(interface.get("network")) or "", ()))
        rules = [(i, f.properties) for i, f in found.items()
                 if applies_to(f.properties, tags, accounts)]
        return firewall_ports(rules, origin, wanted, [*addresses, interface.get("networkIP")])

    def _direct(self, lookups: Lookups, instance: Asset) -> Reach | None:
        ports, entry = NO_PORTS, ""
        by: set[str] = set()
        for interface in instance.properties.get("networkInterfaces") or ():
            external = {
                Origin.INTERNET_V4: [c.get("natIP") for c in interface.get("accessConfigs") or ()],
                Origin.INTERNET_V6: [c.get("externalIpv6")
                                     for c in interface.get("ipv6AccessConfigs") or ()]}
            for origin, addresses in external.items():
                for address in [a for a in addresses if a][:1]:
                    admitted, labels = self.evaluate(lookups, instance, origin, ADMIN,
                                                     addresses=[address], interface=interface)
                    if admitted:
                        entry = entry or f"external address {address}"
                        ports, by = ports | admitted, by | set(labels)
        if not ports:
            return None
        return Reach(instance.id, [instance.id], entry, ports.admin(), sorted(by))

    def _forwarded(self, lookups: Lookups) -> Iterator[tuple[Reach, Asset]]:
        graph = lookups.graph
        rules = lookups.get(sorted(self.forwarding_rules))
        backends = lookups.get(gcp_resource_name(r.properties.get("target") or
                                                 r.properties.get("backendService"))
                               for r in rules.values())
        groups = {g for b in backends.values() for g in self._groups(b)}
        members: dict[str, list[str]] = {}
        for edge in graph.relationships_of(sorted(groups), (ROUTES_TO,)) if groups else ():
            if edge.source_id in groups:
                members.setdefault(edge.source_id, []).append(edge.target_id)
        for rule_id, rule in sorted(rules.items()):
            properties = rule.properties
            if not is_tcp(properties.get("IPProtocol") or "TCP") and \
                    str(properties.get("IPProtocol")).upper() != "L3_DEFAULT":
                continue
            backend = backends.get(gcp_resource_name(properties.get("target") or
                                                     properties.get("backendService")) or "")
            if backend is None:
                continue
            paths = [[rule_id, backend.id, i] for i in self._pool(backend)]
            paths += [[rule_id, backend.id, g, i] for g in self._groups(backend)
                      for i in members.get(g, ())]
            origin = Origin.INTERNET_V6 if str(properties.get("ipVersion", "")).upper() == "IPV6" \
                else Origin.INTERNET_V4
            wanted = forwarded_ports(properties) & ADMIN
            instances = lookups.get(path[-1] for path in paths)
            for path in paths:
                instance = instances.get(path[-1])
                interface = next(iter(instance.properties.get("networkInterfaces") or ()), None) \
                    if instance and instance.asset_type == INSTANCE else None
                if instance is None or interface is None or not wanted:
                    continue
                admitted, labels = self.evaluate(lookups, instance, origin, wanted,
                                                 addresses=[properties.get("IPAddress")],
                                                 interface=interface)
                if admitted:
                    yield Reach(instance.id, path, f"external forwarding rule {rule.name or rule_id}"
                                f" ({properties.get('IPAddress')}) forwards ports "
                                f"{forwarded_ports(properties).text()}", admitted.admin(),
                                labels), instance

    @staticmethod
    def _pool(backend: Asset) -> list[str]:
        """A target pool's instances."""
        return [n for i in backend.properties.get("instances") or () if (n := gcp_resource_name(i))]

    @staticmethod
    def _groups(backend: Asset) -> list[str]:
        """A passthrough backend service's instance groups."""
        properties = backend.properties
        if str(properties.get("loadBalancingScheme", "EXTERNAL")).upper() != "EXTERNAL" or \
                str(properties.get("protocol", "TCP")).upper() not in ("TCP", "UNSPECIFIED"):
            return []
        return [n for b in properties.get("backends") or ()
                if "/instanceGroups/" in str(b.get("group")) and (n := gcp_resource_name(b["group"]))]
