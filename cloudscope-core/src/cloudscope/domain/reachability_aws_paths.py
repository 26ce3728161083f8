"""AWS paths from the internet: which instances the layers of reachability_aws let in.

Kept while assets stream (:class:`AwsReachability`): the security groups that admit an
administrative port from the internet, the interfaces guarded by them, the route table and
network ACL of each subnet (ids only), subnets' ranges (for ``ip`` targets) and the
internet-facing load balancers. Then, for the candidates only (:class:`_Evaluation`):
instances with a public address, and the targets of each internet-facing load balancer
(listener -> target group -> instance, or a classic balancer's instances), each looked up
once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.reachability import (
    ADMIN,
    NO_PORTS,
    GraphLookup,
    Lookups,
    Origin,
    Ports,
    Reach,
    SubnetIndex,
    chunked,
    fetch,
)
from cloudscope.domain.reachability_aws import (
    INSTANCE,
    INTERNET,
    LOAD_BALANCER,
    NETWORK_ACL,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    Interface,
    Properties,
    arn_of,
    interfaces,
    internet_gateway,
    network_acl_ports,
    security_group_ports,
)
from cloudscope.domain.relationship import ATTACHED_TO, IN_SUBNET, PROTECTED_BY, ROUTES_TO, Relationship


@dataclass(slots=True)
class _Subnet:
    """What the route and ACL layers of one subnet decided."""

    admitted: Ports
    layers: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class AwsReachability:
    """Streams the few facts AWS reachability needs, then evaluates the candidates.

    Kept while assets stream: the security groups that admit an administrative port from
    the internet, the interfaces guarded by them, the route table and network ACL of each
    subnet (ids only), subnets' ranges (for ``ip`` targets) and internet-facing load
    balancers. Everything else is looked up for the candidates only.
    """

    asset_types: Final = frozenset({SECURITY_GROUP, NETWORK_ACL, ROUTE_TABLE, SUBNET,
                                    LOAD_BALANCER})
    relationship_types: Final = frozenset({PROTECTED_BY})

    def __init__(self) -> None:
        self.open_groups: set[str] = set()
        self.guarded: set[str] = set()
        self.route_table: dict[str, str] = {}
        self.main_route_table: dict[str, str] = {}
        self.network_acl: dict[str, str] = {}
        self.subnets = SubnetIndex()
        self.balancers: set[str] = set()

    def observe(self, asset: Asset) -> None:
        """Index one asset of :attr:`asset_types`."""
        kind, properties = asset.asset_type, asset.properties
        if kind == SECURITY_GROUP:
            if any(security_group_ports([(asset.id, properties)], origin)[0] for origin in INTERNET):
                self.open_groups.add(asset.id)
        elif kind in (ROUTE_TABLE, NETWORK_ACL):
            index = self.route_table if kind == ROUTE_TABLE else self.network_acl
            for association in properties.get("Associations") or ():
                if association.get("SubnetId"):
                    index[_arn(asset, f"subnet/{association['SubnetId']}")] = asset.id
                elif association.get("Main") and kind == ROUTE_TABLE and properties.get("VpcId"):
                    self.main_route_table[_arn(asset, f"vpc/{properties['VpcId']}")] = asset.id
        elif kind == SUBNET:
            if properties.get("VpcId"):
                self.subnets.add(_arn(asset, f"vpc/{properties['VpcId']}"),
                                 properties.get("CidrBlock"), asset.id)
        elif kind == LOAD_BALANCER and properties.get("Scheme") == "internet-facing":
            self.balancers.add(asset.id)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Keep ``PROTECTED_BY`` edges to open groups: the direct candidates."""
        if relationship.type == PROTECTED_BY and relationship.target_id in self.open_groups:
            self.guarded.add(relationship.source_id)

    def reaches(self, graph: GraphLookup) -> Iterator[tuple[Reach, Asset]]:
        """Instances reachable on administrative ports, through a public address or an
        internet-facing load balancer, with the path of each entry."""
        return _Evaluation(self, graph).reaches()


class _Evaluation(Lookups):
    """One assessment's lookups: candidates first, then only what their paths need."""

    def __init__(self, facts: AwsReachability, graph: GraphLookup) -> None:
        super().__init__(graph)
        self.facts = facts

    def reaches(self) -> Iterator[tuple[Reach, Asset]]:
        for chunk in chunked(self._direct_candidates()):
            instances = fetch(self.graph, chunk)
            self._warm(a for a in instances.values() if a.asset_type == INSTANCE)
            for instance in instances.values():
                reach = self._direct(instance) if instance.asset_type == INSTANCE else None
                if reach:
                    yield reach, instance
        yield from self._through_balancers()

    def _warm(self, instances: Iterable[Asset]) -> None:
        """Look up together what the paths of ``instances`` name (the groups their
        interfaces list, their subnets' route tables and network ACLs): one query for a
        chunk instead of one per instance (a round trip each on a server store)."""
        wanted: list[str | None] = []
        for instance in instances:
            for interface in interfaces(instance.properties):
                wanted += [_arn(instance, f"security-group/{g}") for g in interface.groups]
                if interface.subnet:
                    wanted += self._layer_ids(instance, interface.subnet)
        self.get(wanted)

    def _layer_ids(self, holder: Asset, subnet_id: str) -> tuple[str | None, str | None]:
        """The ids of the route table and the network ACL of ``holder``'s subnet."""
        facts = self.facts
        subnet = arn_of(holder.id, holder.region, holder.account, f"subnet/{subnet_id}")
        vpc = holder.properties.get("VpcId") or holder.properties.get("VPCId")
        table_id = facts.route_table.get(subnet) or facts.main_route_table.get(
            arn_of(holder.id, holder.region, holder.account, f"vpc/{vpc}"))
        return table_id, facts.network_acl.get(subnet)

    def group_ids(self, instance: Asset, interface: Interface) -> list[str]:
        """The security groups of an interface; a file listing no groups in the instance's
        properties may still hold its ``PROTECTED_BY`` edges."""
        if interface.groups:
            return [_arn(instance, f"security-group/{g}") for g in interface.groups]
        return sorted(e.target_id for e in self.graph.relationships_of([instance.id], (PROTECTED_BY,))
                      if e.source_id == instance.id and ":security-group/" in e.target_id)

    def groups(self, ids: list[str]) -> list[tuple[str, Properties]]:
        """(id, properties) of the security groups among ``ids`` the inventory holds."""
        found = self.get(ids)
        return [(i, found[i].properties) for i in ids if i in found]

    def subnet(self, holder: Asset, subnet_id: str | None, origin: Origin,
               wanted: Ports) -> _Subnet:
        """What ``subnet_id``'s route table and network ACL let through of ``wanted``."""
        if not wanted:
            return _Subnet(NO_PORTS)
        if not subnet_id:
            return _Subnet(wanted, missing=["subnet (none recorded)"])
        table_id, acl_id = self._layer_ids(holder, subnet_id)
        result = _Subnet(wanted)
        if origin is not Origin.NETWORK:  # inside the VPC the local route always applies
            table = self.one(table_id)
            if table is None:
                result.missing.append(f"route table of {subnet_id}")
            elif internet_gateway(table.properties, origin) is None:
                return _Subnet(NO_PORTS, layers=[table.id])
            else:
                result.layers.append(table.id)
        acl = self.one(acl_id)
        if acl is None:
            result.missing.append(f"network ACL of {subnet_id}")
        else:
            result.admitted = network_acl_ports(acl.id, acl.properties, origin, wanted)
            result.layers.append(acl.id)
        return result

    # Public addresses ---------------------------------------------------------------------
    def _direct_candidates(self) -> set[str]:
        """Instances guarded by an open group, directly or through an interface."""
        guarded = self.facts.guarded
        found = {k for k in guarded if ":instance/" in k}
        enis = sorted(k for k in guarded if ":network-interface/" in k)
        for edge in self.graph.relationships_of(enis, (ATTACHED_TO,)) if enis else ():
            if edge.source_id in guarded and ":instance/" in edge.target_id:
                found.add(edge.target_id)
        return found

    def _direct(self, instance: Asset) -> Reach | None:
        ports, entry = NO_PORTS, ""
        groups: set[str] = set()
        layers: list[str] = []
        missing: list[str] = []
        for interface in interfaces(instance.properties):
            group_ids = self.group_ids(instance, interface)
            for origin in INTERNET:
                for address in interface.public[origin][:1]:
                    admitted, by = security_group_ports(self.groups(group_ids), origin)
                    subnet = self.subnet(instance, interface.subnet, origin, admitted)
                    admitted &= subnet.admitted
                    if admitted:
                        entry = entry or f"public address {address}"
                        ports, groups = ports | admitted, groups | set(by)
                        layers += subnet.layers
                        missing += subnet.missing
        if not ports:
            return None
        return Reach(instance.id, [instance.id], entry, ports.admin(), sorted(groups),
                     sorted(set(layers)), sorted(set(missing)))

    # Load balancers -----------------------------------------------------------------------
    def _through_balancers(self) -> Iterator[tuple[Reach, Asset]]:
        balancers = self.get(self.facts.balancers)
        routes = _Routes(self.graph, sorted(balancers), self.facts.subnets)
        for lb_id in sorted(balancers):
            balancer = balancers[lb_id]
            peers = frozenset(balancer.properties.get("SecurityGroups") or ())
            for path, front_port, targets in routes.forwarding(balancer):
                front, layers, missing = self._front(balancer, front_port)
                if not front:
                    continue
                for target, port in targets:
                    reach = self._backend(target, port, peers, [*path, target.id],
                                          f"internet-facing load balancer {balancer.name or lb_id}"
                                          f" forwards port {front_port} to {port}")
                    if reach:
                        reach.layers = sorted({*reach.layers, *layers})
                        reach.not_evaluated = sorted({*reach.not_evaluated, *missing})
                        yield reach, target

    def _front(self, balancer: Asset, port: Any) -> tuple[bool, list[str], list[str]]:
        """Whether the internet reaches ``port`` of a load balancer: its groups, and the
        route table and network ACL of at least one of its subnets."""
        if not isinstance(port, int):
            return False, [], []
        properties = balancer.properties
        wanted = Ports.of(port)
        group_ids = [_arn(balancer, f"security-group/{g}")
                     for g in properties.get("SecurityGroups") or ()]
        origins = INTERNET if properties.get("IpAddressType", "ipv4") != "ipv4" else INTERNET[:1]
        subnets = [z.get("SubnetId") for z in properties.get("AvailabilityZones") or ()]
        subnets += list(properties.get("Subnets") or ())
        for origin in origins:
            admitted = security_group_ports(self.groups(group_ids), origin, wanted)[0] \
                if group_ids else wanted
            for subnet_id in list(dict.fromkeys(s for s in subnets if s)) or [None]:
                subnet = self.subnet(balancer, subnet_id, origin, admitted)
                if subnet.admitted:
                    return True, [*group_ids, *subnet.layers], subnet.missing
        return False, [], []

    def _backend(self, instance: Asset, port: int, peers: frozenset[str], path: list[str],
                 entry: str) -> Reach | None:
        """The instance's groups and subnet ACL admit ``port`` from the load balancer."""
        wanted = Ports.of(port) & ADMIN
        if not wanted:
            return None
        for interface in interfaces(instance.properties)[:1]:  # targets use the primary one
            group_ids = self.group_ids(instance, interface)
            admitted, by = security_group_ports(self.groups(group_ids), Origin.NETWORK,
                                                wanted, peers)
            subnet = self.subnet(instance, interface.subnet, Origin.NETWORK, admitted)
            if admitted & subnet.admitted:
                return Reach(instance.id, path, entry, (admitted & subnet.admitted).admin(),
                             by, subnet.layers, subnet.missing)
        return None


def _arn(asset: Asset, resource: str) -> str:
    return arn_of(asset.id, asset.region, asset.account, resource)


class _Routes:
    """Load balancer -> listener -> target group -> instance, with the ports forwarded."""

    def __init__(self, graph: GraphLookup, balancers: list[str], subnets: SubnetIndex) -> None:
        self.graph, self.subnets = graph, subnets
        self.edges: dict[str, list[str]] = {}
        for edge in graph.relationships_of(balancers, (ROUTES_TO,)) if balancers else ():
            self.edges.setdefault(edge.source_id, []).append(edge.target_id)

    def forwarding(self, balancer: Asset) -> Iterator[tuple[list[str], Any, list[tuple[Asset, int]]]]:
        """(path to the target group, listener port, [(instance, port forwarded)])."""
        properties = balancer.properties
        if "ListenerDescriptions" in properties:  # classic: instances and ports in one body
            instances = fetch(self.graph, (_arn(balancer, f"instance/{i.get('InstanceId')}")
                                           for i in properties.get("Instances") or ()))
            for description in properties.get("ListenerDescriptions") or ():
                listener = description.get("Listener") or {}
                port = listener.get("InstancePort")
                if is_tcp_listener(listener.get("InstanceProtocol") or listener.get("Protocol")) \
                        and isinstance(port, int):
                    yield ([balancer.id], listener.get("LoadBalancerPort"),
                           [(i, port) for _, i in sorted(instances.items())
                            if i.asset_type == INSTANCE])
            return
        listeners = fetch(self.graph, self.edges.get(balancer.id, ()))
        groups_of: dict[str, list[str]] = {}
        for edge in self.graph.relationships_of(sorted(listeners), (ROUTES_TO,)) if listeners else ():
            if edge.source_id in listeners:
                groups_of.setdefault(edge.source_id, []).append(edge.target_id)
        groups = fetch(self.graph, (g for gs in groups_of.values() for g in gs))
        members = self._members(balancer, groups)
        for listener_id in sorted(listeners):
            port = listeners[listener_id].properties.get("Port")
            for group_id in sorted(set(groups_of.get(listener_id, ())) & set(groups)):
                yield [balancer.id, listener_id, group_id], port, members.get(group_id, [])

    def _members(self, balancer: Asset, groups: Mapping[str, Asset]
                 ) -> dict[str, list[tuple[Asset, int]]]:
        """Each target group's instances with their port: ``instance`` targets by id,
        ``ip`` targets by the private address of an instance in the VPC."""
        wanted: dict[str, list[tuple[str, int]]] = {}
        by_address: dict[str, list[tuple[str, int]]] = {}
        networks: set[str] = set()
        for group_id, group in groups.items():
            properties = group.properties
            for described in properties.get("TargetHealthDescriptions") or ():
                target = described.get("Target") or {}
                port = target.get("Port") or properties.get("Port")
                if not target.get("Id") or not isinstance(port, int):
                    continue
                if properties.get("TargetType", "instance") == "ip":
                    by_address.setdefault(str(target["Id"]), []).append((group_id, port))
                    networks.add(_arn(group, f"vpc/{properties.get('VpcId')}"))
                elif str(target["Id"]).startswith("i-"):
                    wanted.setdefault(group_id, []).append(
                        (_arn(group, f"instance/{target['Id']}"), port))
        for instance, address in self._by_private_address(networks, by_address):
            for group_id, port in by_address[address]:
                wanted.setdefault(group_id, []).append((instance, port))
        assets = fetch(self.graph, (i for pairs in wanted.values() for i, _ in pairs))
        return {g: [(assets[i], p) for i, p in sorted(pairs) if i in assets and
                    assets[i].asset_type == INSTANCE] for g, pairs in wanted.items()}

    def _by_private_address(self, networks: set[str], addresses: Mapping[str, Any]
                            ) -> Iterator[tuple[str, str]]:
        """(instance, address) for instances holding one of ``addresses`` in ``networks``:
        the subnets whose range holds an address, then the instances placed in them."""
        subnets = {s for network in networks for address in addresses
                   for s in self.subnets.find(network, address)}
        placed = [e.source_id for e in self.graph.relationships_of(sorted(subnets), (IN_SUBNET,))
                  if ":instance/" in e.source_id] if subnets else []
        for instance in fetch(self.graph, placed).values():
            for interface in interfaces(instance.properties):
                for address in interface.private:
                    if address in addresses:
                        yield instance.id, address


def is_tcp_listener(protocol: Any) -> bool:
    """Classic listener protocols carried over TCP (all of them: HTTP, HTTPS, TCP, SSL)."""
    return str(protocol or "").upper() in ("HTTP", "HTTPS", "TCP", "SSL")
