"""Reachability from the internet: what every cloud's evaluation shares.

A cloud decides whether a packet from the internet reaches a port of a machine by passing
it through layers (AWS: the subnet's route table and network ACL, then the security groups
of the interface; Azure: the subnet's network security group, then the interface's; GCP:
the firewall rules of the network). Each layer is a list of rules evaluated in the cloud's
order; :func:`first_match` applies such a list to a set of ports (:class:`Ports`).

Who sends the packet (:class:`Origin`) decides which rules match. A rule speaks for the
whole internet only when its source is every address (``0.0.0.0/0``, ``::/0``, Azure's
``*`` and ``Internet``): a narrower allow is not the whole internet, and a narrower deny
does not stop it. When a rule's match cannot be decided from the inventory (a destination
prefix and an interface whose address was not collected; a private range and a load
balancer's private address, which no API lists) the rule matches :attr:`Match.MAYBE`: it
counts when it allows and not when it denies, so doubt leads to a finding, never to a
silence. docs/exposure.md documents the model per cloud.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from functools import lru_cache
from typing import Any, Final, Protocol

from cloudscope.domain.asset import Asset
from cloudscope.domain.relationship import Relationship

ADMIN_PORTS: Final[Mapping[int, str]] = {
    22: "SSH", 3389: "RDP", 1433: "SQL Server", 1521: "Oracle", 3306: "MySQL",
    5432: "PostgreSQL", 6379: "Redis", 9200: "Elasticsearch", 27017: "MongoDB",
}
"""Remote administration and database ports that must not face the internet."""
MAX_PORT: Final = 65535
TCP: Final = frozenset({"tcp", "6", "-1", "all", "*", "any"})
"""Protocol values (AWS, Azure, GCP; any case) under which a rule covers TCP."""
_PRIVATE: Final = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))


class Ports:
    """A set of TCP ports (0-65535) as sorted, disjoint, inclusive ranges. Immutable."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[tuple[int, int]] = []
        for low, high in sorted(ranges):
            low, high = max(low, 0), min(high, MAX_PORT)
            if low > high:
                continue
            if merged and low <= merged[-1][1] + 1:
                if high > merged[-1][1]:
                    merged[-1] = (merged[-1][0], high)
            else:
                merged.append((low, high))
        self.ranges: tuple[tuple[int, int], ...] = tuple(merged)

    @classmethod
    def _normal(cls, ranges: list[tuple[int, int]]) -> Ports:
        # Intersections and differences of normal sets are normal: skip the merge (hot path).
        found = cls.__new__(cls)
        found.ranges = tuple(ranges)
        return found

    @classmethod
    def of(cls, *ports: int) -> Ports:
        """The given ports."""
        return cls((port, port) for port in ports)

    @classmethod
    def span(cls, low: Any, high: Any) -> Ports:
        """``low``-``high`` inclusive; nothing when either is not a port number."""
        if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
            low, high = max(low, 0), min(high, MAX_PORT)  # one range: nothing to merge
            return cls._normal([(low, high)] if low <= high else [])
        return cls()

    @classmethod
    def parse(cls, texts: Any) -> Ports:
        """Port texts as the clouds write them: ``"22"``, ``"20-30"``, ``"*"`` (every port),
        one text or a list; unreadable texts add nothing."""
        items = texts if isinstance(texts, (list, tuple)) else [texts]
        return _parse_ports(tuple(str(t).strip() for t in items if t is not None))

    def __or__(self, other: Ports) -> Ports:
        return Ports(self.ranges + other.ranges)

    def __and__(self, other: Ports) -> Ports:
        found = []
        for low, high in self.ranges:
            for other_low, other_high in other.ranges:
                if other_low <= high and low <= other_high:
                    found.append((max(low, other_low), min(high, other_high)))
        return Ports._normal(found)

    def __sub__(self, other: Ports) -> Ports:
        remaining = list(self.ranges)
        for cut_low, cut_high in other.ranges:
            kept = []
            for low, high in remaining:
                if cut_high < low or high < cut_low:
                    kept.append((low, high))
                    continue
                if low < cut_low:
                    kept.append((low, cut_low - 1))
                if cut_high < high:
                    kept.append((cut_high + 1, high))
            remaining = kept
        return Ports._normal(remaining)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and any(low <= port <= high for low, high in self.ranges)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ports) and self.ranges == other.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"Ports({self.text()!r})"

    def text(self) -> str:
        """``"22, 8000-8080"``, or ``"none"``."""
        return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ranges) or "none"

    def admin(self) -> list[int]:
        """The administrative ports inside, sorted."""
        return list(_admin_in(self.ranges))


_SORTED_ADMIN: Final = tuple(sorted(ADMIN_PORTS))


@lru_cache(maxsize=1024)
def _admin_in(ranges: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    # Groups of an estate open a few shapes of ranges: each judged once (every group and
    # NSG asks, for each origin).
    return tuple(port for low, high in ranges for port in _SORTED_ADMIN if low <= port <= high)


@lru_cache(maxsize=1024)
def _parse_ports(texts: tuple[str, ...]) -> Ports:
    found: list[tuple[int, int]] = []
    for text in texts:
        if text in ("*", "", "0-65535"):
            found.append((0, MAX_PORT))
            continue
        low, _, high = text.partition("-")
        try:
            found.append((int(low), int(high or low)))
        except ValueError:
            continue
    return Ports(found)


ALL_PORTS: Final = Ports([(0, MAX_PORT)])
NO_PORTS: Final = Ports()
ADMIN: Final = Ports.of(*ADMIN_PORTS)


class Match(IntEnum):
    """How surely a rule covers the traffic: the weaker of its source and destination."""

    NO = 0
    MAYBE = 1
    YES = 2


class Origin(Enum):
    """Who sends the packet."""

    INTERNET_V4 = "the internet (IPv4)"
    INTERNET_V6 = "the internet (IPv6)"
    NETWORK = "a private address of the network (a proxying load balancer)"


def network_of(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR or address as a network; None when it is neither (a tag, a name)."""
    return _parse_network(str(text).strip())


@lru_cache(maxsize=4096)
def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    # Estates repeat the same few ranges (0.0.0.0/0 above all); parsing is the cost.
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def cidr_match(text: Any, origin: Origin) -> Match:
    """Whether a rule's source CIDR covers ``origin`` (module doc: only /0 is the internet)."""
    network = network_of(text)
    if network is None:
        return Match.NO
    if origin is Origin.INTERNET_V4:
        return Match.YES if network.version == 4 and network.prefixlen == 0 else Match.NO
    if origin is Origin.INTERNET_V6:
        return Match.YES if network.version == 6 and network.prefixlen == 0 else Match.NO
    if network.prefixlen == 0:
        return Match.YES
    return Match.MAYBE if any(network.overlaps(p) for p in _PRIVATE
                              if p.version == network.version) else Match.NO


def contains(text: Any, address: str | None) -> Match:
    """Whether the CIDR ``text`` holds ``address`` (MAYBE when the address is unknown)."""
    network = network_of(text)
    if network is None:
        return Match.NO
    if network.prefixlen == 0:
        return Match.YES
    if not address:
        return Match.MAYBE
    try:
        return Match.YES if ipaddress.ip_address(address) in network else Match.NO
    except ValueError:
        return Match.MAYBE


def is_tcp(protocol: Any) -> bool:
    """True when a rule's protocol value covers TCP."""
    return str(protocol).strip().lower() in TCP


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One rule of a layer, reduced to what evaluation needs: does it allow, which ports,
    how surely it covers the traffic, and a label for the evidence."""

    allow: bool
    ports: Ports
    match: Match
    label: str


def first_match(rules: Iterable[AccessRule], wanted: Ports) -> tuple[Ports, list[str]]:
    """The ports of ``wanted`` a layer admits when the first matching rule decides.

    ``rules`` come in the cloud's evaluation order. An allow admits what it matches (YES or
    MAYBE); a deny refuses what it surely matches (YES). Returns the admitted ports and the
    labels of the allow rules that admitted some of them.
    """
    remaining, admitted, labels = wanted, NO_PORTS, []
    for rule in rules:
        if not remaining:
            break
        if rule.match is Match.NO:
            continue
        hit = remaining & rule.ports
        if not hit:
            continue
        if rule.allow:
            admitted, remaining = admitted | hit, remaining - hit
            labels.append(rule.label)
        elif rule.match is Match.YES:
            remaining = remaining - hit
    return admitted, labels


def any_allow(rules: Iterable[AccessRule], wanted: Ports) -> tuple[Ports, list[str]]:
    """The ports of ``wanted`` that some rule allows (allow-only layers: AWS security groups)."""
    admitted, labels = NO_PORTS, []
    for rule in rules:
        hit = wanted & rule.ports if rule.allow and rule.match is not Match.NO else NO_PORTS
        if hit:
            admitted = admitted | hit
            labels.append(rule.label)
    return admitted, labels


class SubnetIndex:
    """Subnets by address range within a network, to find the machine behind a bare IP
    (ELBv2 ``ip`` targets, Application Gateway back-end addresses). Keeps one network
    object per subnet: a few hundred bytes each."""

    def __init__(self) -> None:
        self._by_network: dict[str, list[tuple[Any, str]]] = {}

    def add(self, network: str, cidr: Any, subnet_id: str) -> None:
        """Index ``subnet_id`` (range ``cidr``) inside ``network`` (a VPC or virtual network)."""
        parsed = network_of(cidr)
        if parsed is not None:
            self._by_network.setdefault(network, []).append((parsed, subnet_id))

    def find(self, network: str | None, address: str) -> list[str]:
        """The subnets holding ``address`` (in ``network``, or in any when None)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return []
        lists = [self._by_network.get(network, [])] if network else self._by_network.values()
        return [subnet for subnets in lists for cidr, subnet in subnets
                if cidr.version == ip.version and ip in cidr]


class GraphLookup(Protocol):
    """What the analysis needs from the store (the rule port's RuleGraph provides it)."""

    def relationships_of(self, asset_ids: Sequence[str],
                         types: Iterable[str] | None = None) -> list[Relationship]: ...

    def assets(self, asset_ids: Sequence[str]) -> Iterator[Asset]: ...


def fetch(graph: GraphLookup, ids: Iterable[str | None]) -> dict[str, Asset]:
    """The live assets among ``ids`` by id (one chunked lookup)."""
    wanted = sorted({i for i in ids if i})
    return {asset.id: asset for asset in graph.assets(wanted)} if wanted else {}


CHUNK: Final = 2000
"""Candidates evaluated together: one lookup each for them and for what they share."""


def chunked(ids: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    """Sorted ``ids`` in lists of at most ``size``."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


class Lookups:
    """Shared assets (groups, NSGs, subnets, route tables) looked up by id, each once while
    it stays among the last ``limit`` looked up: paths share them, and the cache stays
    bounded however many candidates there are. Candidates themselves go through
    :func:`fetch`, a chunk at a time."""

    def __init__(self, graph: GraphLookup, limit: int = 20_000) -> None:
        self.graph, self.limit = graph, limit
        self._cache: dict[str, Asset | None] = {}

    def get(self, ids: Iterable[str | None]) -> dict[str, Asset]:
        """The live assets among ``ids`` by id."""
        wanted = [i for i in dict.fromkeys(ids) if i]
        missing = [i for i in wanted if i not in self._cache]
        if missing:
            if len(self._cache) + len(missing) > self.limit:  # forget the older half
                keep = set(wanted)
                for key in [k for k in self._cache if k not in keep][:len(self._cache) // 2]:
                    del self._cache[key]
            found = fetch(self.graph, missing)
            self._cache.update({i: found.get(i) for i in missing})
        return {i: a for i in wanted if (a := self._cache.get(i)) is not None}

    def one(self, asset_id: str | None) -> Asset | None:
        """One asset, or None when it is not in the inventory."""
        return self.get([asset_id]).get(asset_id) if asset_id else None


@dataclass(slots=True)
class Reach:
    """A machine reachable from the internet on administrative ports through one entry."""

    workload: str
    path: list[str]
    """Asset ids from the internet entry point to the machine (the machine last)."""
    entry: str
    ports: list[int]
    protected_by: list[str] = field(default_factory=list)
    """The groups, NSGs and firewall rules that admitted the traffic."""
    layers: list[str] = field(default_factory=list)
    """The other layers evaluated on the path: route tables, ACLs, a balancer's groups."""
    not_evaluated: list[str] = field(default_factory=list)
    """Layers on the path the inventory does not hold (assumed open)."""


class CloudReachability(Protocol):
    """One cloud's evaluation: facts kept while assets stream, then the reachable machines."""

    @property
    def asset_types(self) -> frozenset[str]:
        """The asset types :meth:`observe` wants."""

    @property
    def relationship_types(self) -> frozenset[str]:
        """The relationship types :meth:`observe_relationship` wants."""

    def observe(self, asset: Asset) -> None: ...

    def observe_relationship(self, relationship: Relationship) -> None: ...

    def reaches(self, graph: GraphLookup) -> Iterator[tuple[Reach, Asset]]: ...
