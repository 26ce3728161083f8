"""Azure paths from the internet: which machines the NSG layers of reachability_azure let in.

Entries: a public IP address on a network interface's IP configuration; a scale set whose
instances get public IPs; a public load balancer's rules and inbound NAT rules (the
``backendPort`` is what reaches the machine); an application gateway's listeners on a
public frontend, through its routing rules (and URL path maps) to a back-end pool and the
port of its HTTP settings. A load balancer keeps the client's address, so the back end's
NSGs must admit the internet; a gateway proxies, so they must admit the virtual network
(the default ``AllowVnetInBound`` does) and the gateway's own subnet NSG must admit the
listener port from the internet.

Kept while assets stream: public IPs on interface IP configurations (ids), scale sets with
per-instance public IPs, load balancers and gateways with a public frontend, and subnets'
ranges (a gateway pool may list bare addresses).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.reachability import (
    ADMIN,
    ALL_PORTS,
    GraphLookup,
    Lookups,
    Origin,
    Ports,
    Reach,
    SubnetIndex,
    chunked,
    fetch,
    is_tcp,
)
from cloudscope.domain.reachability_azure import (
    ANYWHERE,
    APPLICATION_GATEWAY,
    LOAD_BALANCER,
    PUBLIC_IP,
    SCALE_SET,
    SUBNET,
    VIRTUAL_MACHINE,
    Binding,
    Properties,
    interface_bindings,
    is_standard,
    nsg_ports,
    public_frontends,
    scale_set_bindings,
    through_layers,
)
from cloudscope.domain.relationship import ATTACHED_TO, IN_SUBNET, Relationship

MACHINES: Final = frozenset({VIRTUAL_MACHINE, SCALE_SET})


def owner_of(configuration_id: str) -> str:
    """The interface or scale set an IP configuration id belongs to (lower case)."""
    resource = configuration_id.lower()
    if "/virtualmachinescalesets/" in resource:
        head, _, rest = resource.partition("/virtualmachinescalesets/")
        return f"{head}/virtualmachinescalesets/{rest.split('/', 1)[0]}"
    return resource.split("/ipconfigurations/", 1)[0]


def _body(asset: Asset) -> Properties:
    body = asset.properties.get("properties")
    return body if isinstance(body, Mapping) else {}


def _id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, Mapping) else None
    return str(found).lower() if found else None


class AzureReachability:
    """Streams the few facts Azure reachability needs, then evaluates the candidates."""

    asset_types: Final = frozenset({PUBLIC_IP, LOAD_BALANCER, APPLICATION_GATEWAY, SCALE_SET,
                                    SUBNET})
    relationship_types: Final = frozenset[str]()

    def __init__(self) -> None:
        self.public_ips: dict[str, str] = {}
        self.scale_sets: set[str] = set()
        self.balancers: set[str] = set()
        self.subnets = SubnetIndex()

    def observe(self, asset: Asset) -> None:
        """Index one asset of :attr:`asset_types`."""
        kind, body = asset.asset_type, _body(asset)
        if kind == PUBLIC_IP:
            configuration = _id(body.get("ipConfiguration"))
            if configuration and "/networkinterfaces/" in configuration:
                self.public_ips[configuration] = asset.id
        elif kind == SCALE_SET:
            if any(b.public_ips for b in scale_set_bindings(asset.id, asset.properties)):
                self.scale_sets.add(asset.id)
        elif kind in (LOAD_BALANCER, APPLICATION_GATEWAY):
            if public_frontends(body):
                self.balancers.add(asset.id)
        elif kind == SUBNET:
            network = asset.id.split("/subnets/", 1)[0]
            for prefix in [body.get("addressPrefix"), *(body.get("addressPrefixes") or ())]:
                if prefix:
                    self.subnets.add(network, prefix, asset.id)

    def observe_relationship(self, relationship: Relationship) -> None:
        """Nothing: Azure's candidates come from properties."""

    def reaches(self, graph: GraphLookup) -> Iterator[tuple[Reach, Asset]]:
        """Machines reachable on administrative ports, with the path of each entry."""
        return _Evaluation(self, graph).reaches()


class _Evaluation(Lookups):
    """One assessment's lookups."""

    def __init__(self, facts: AzureReachability, graph: GraphLookup) -> None:
        super().__init__(graph)
        self.facts = facts

    def reaches(self) -> Iterator[tuple[Reach, Asset]]:
        yield from self._public_ips()
        yield from self._scale_sets()
        for balancer in self.get(sorted(self.facts.balancers)).values():
            if balancer.asset_type == LOAD_BALANCER:
                yield from self._load_balancer(balancer)
            else:
                yield from self._gateway(balancer)

    # Layers -------------------------------------------------------------------------------
    def warm(self, bindings: list[Binding]) -> None:
        """Look up together the layers of ``bindings`` (their subnets and NSGs, then the
        subnets' NSGs): two queries for a chunk instead of one or more per binding in
        :meth:`layers` (a round trip each on a server store)."""
        found = self.get([*(b.subnet for b in bindings), *(b.nsg for b in bindings)])
        self.get(_id(_body(subnet).get("networkSecurityGroup"))
                 for b in bindings if b.subnet and (subnet := found.get(b.subnet)))

    def layers(self, binding: Binding) -> tuple[list[tuple[str, Properties]], list[str]]:
        """The NSGs on the path to ``binding``: the subnet's, then the interface's."""
        missing: list[str] = []
        subnet_nsg = None
        if binding.subnet:
            subnet = self.one(binding.subnet)
            if subnet is None:
                missing.append(f"subnet {binding.subnet}")
            else:
                subnet_nsg = _id(_body(subnet).get("networkSecurityGroup"))
        layers: list[tuple[str, Properties]] = []
        for nsg_id in (subnet_nsg, binding.nsg):
            if nsg_id:
                nsg = self.one(nsg_id)
                if nsg is None:
                    missing.append(f"network security group {nsg_id}")
                else:
                    layers.append((nsg_id, nsg.properties))
        return layers, missing

    def evaluate(self, binding: Binding, origin: Origin, wanted: Ports, *, secure: bool,
                 path: list[str], entry: str, machine: Asset) -> Reach | None:
        """A reach when the layers of ``binding`` let some administrative port through."""
        layers, missing = self.layers(binding)
        admitted, by = through_layers(layers, origin, binding.target, wanted & ADMIN, secure)
        if not admitted:
            return None
        return Reach(machine.id, path, entry, admitted.admin(), by, [], missing)

    def machines(self, bindings: Iterable[Binding]) -> dict[str, Asset]:
        """Interface or scale set -> the machine behind it (the body's own reference, else
        the interface's ``ATTACHED_TO`` edge)."""
        owners = {owner_of(b.configuration): b.machine for b in bindings}
        unnamed = sorted(o for o, m in owners.items() if m is None)
        for edge in self.graph.relationships_of(unnamed, (ATTACHED_TO,)) if unnamed else ():
            if edge.source_id in owners and "/virtualmachines/" in edge.target_id:
                owners[edge.source_id] = edge.target_id
        found = fetch(self.graph, (m for m in owners.values() if m))
        return {o: found[m] for o, m in owners.items()
                if m in found and found[m].asset_type in MACHINES}

    def bindings(self, configurations: Iterable[str]) -> list[Binding]:
        """The bindings of IP configuration ids (interfaces, or scale sets by name)."""
        wanted = {c.lower() for c in configurations}
        owners = fetch(self.graph, {owner_of(c) for c in wanted})
        found = []
        for owner_id, owner in sorted(owners.items()):
            if owner.asset_type == SCALE_SET:
                tails = {c.rsplit("/networkinterfaces/", 1)[-1] for c in wanted
                         if c.startswith(owner_id)}
                found += [b for b in scale_set_bindings(owner_id, owner.properties)
                          if b.configuration.rsplit("/networkinterfaces/", 1)[-1] in tails]
            else:
                found += [b for b in interface_bindings(owner_id, owner.properties)
                          if b.configuration in wanted]
        return found

    # Entries ------------------------------------------------------------------------------
    def _public_ips(self) -> Iterator[tuple[Reach, Asset]]:
        for chunk in chunked(self.facts.public_ips):
            yield from self._public_ip_chunk(chunk)

    def _public_ip_chunk(self, chunk: list[str]) -> Iterator[tuple[Reach, Asset]]:
        configurations = {c: self.facts.public_ips[c] for c in chunk}
        bindings = self.bindings(configurations)
        machines = self.machines(bindings)
        addresses = fetch(self.graph, configurations.values())
        self.warm(bindings)
        for binding in bindings:
            machine = machines.get(owner_of(binding.configuration))
            address_id = configurations[binding.configuration]
            address = addresses.get(address_id)
            if machine is None:
                continue
            body = _body(address) if address else {}
            origin = Origin.INTERNET_V6 if str(body.get("publicIPAddressVersion", "")).lower() \
                == "ipv6" else Origin.INTERNET_V4
            reach = self.evaluate(
                binding, origin, ADMIN, secure=bool(address and is_standard(address.properties)),
                path=[address_id, machine.id],
                entry=f"public IP {body.get('ipAddress') or address_id}", machine=machine)
            if reach:
                if address is None:
                    reach.not_evaluated.append(f"public IP {address_id} (its SKU)")
                yield reach, machine

    def _scale_sets(self) -> Iterator[tuple[Reach, Asset]]:
        for scale_set in fetch(self.graph, self.facts.scale_sets).values():
            for binding in scale_set_bindings(scale_set.id, scale_set.properties):
                if binding.public_ips:
                    reach = self.evaluate(binding, Origin.INTERNET_V4, ADMIN,
                                          secure=bool(binding.standard_public_ip),
                                          path=[scale_set.id], entry="per-instance public IPs",
                                          machine=scale_set)
                    if reach:
                        yield reach, scale_set

    def _load_balancer(self, balancer: Asset) -> Iterator[tuple[Reach, Asset]]:
        body = _body(balancer)
        public = public_frontends(body)
        pools = {str(p.get("id", "")).lower(): [
            *(i for c in (p.get("properties") or {}).get("backendIPConfigurations") or ()
              if (i := _id(c))),
            *(i for a in (p.get("properties") or {}).get("loadBalancerBackendAddresses") or ()
              if (i := _id((a.get("properties") or {}).get("networkInterfaceIPConfiguration"))))]
            for p in body.get("backendAddressPools") or ()}
        forwards: list[tuple[Any, Ports, list[str]]] = []
        for rule in [*(body.get("loadBalancingRules") or ()), *(body.get("inboundNatRules") or ())]:
            settings = rule.get("properties") or {}
            if _id(settings.get("frontendIPConfiguration")) not in public or \
                    not is_tcp(settings.get("protocol", "Tcp")):
                continue
            back = settings.get("backendPort")
            ports = ALL_PORTS if back == 0 else Ports.span(back, back)
            members = [i for i in [_id(settings.get("backendIPConfiguration"))] if i]
            for pool in [settings.get("backendAddressPool"), *(settings.get("backendAddressPools") or ())]:
                members += pools.get(_id(pool) or "", [])
            front = settings.get("frontendPort") or settings.get("frontendPortRangeStart")
            forwards.append((front, ports, members))
        secure = is_standard(balancer.properties)
        for front, ports, members in forwards:
            bindings = self.bindings(members)
            machines = self.machines(bindings)
            for binding in bindings:
                machine = machines.get(owner_of(binding.configuration))
                if machine is not None:
                    reach = self.evaluate(
                        binding, Origin.INTERNET_V4, ports, secure=secure,
                        path=[balancer.id, machine.id], machine=machine,
                        entry=f"internet-facing load balancer {balancer.name or balancer.id} "
                              f"forwards port {front} to "
                              f"{ports.text() if ports != ALL_PORTS else 'every port'}")
                    if reach:
                        yield reach, machine

    def _gateway(self, gateway: Asset) -> Iterator[tuple[Reach, Asset]]:
        body = _body(gateway)
        public = public_frontends(body)

        def by_id(key: str) -> dict[str, Properties]:
            return {str(i.get("id", "")).lower(): i.get("properties") or {}
                    for i in body.get(key) or ()}

        front_ports, settings, pools = by_id("frontendPorts"), by_id(
            "backendHttpSettingsCollection"), by_id("backendAddressPools")
        listeners = {k: front_ports.get(_id(v.get("frontendPort")) or "", {}).get("port")
                     for k, v in by_id("httpListeners").items()
                     if _id(v.get("frontendIPConfiguration")) in public}
        path_maps = by_id("urlPathMaps")
        subnets = [s for c in body.get("gatewayIPConfigurations") or ()
                   if (s := _id((c.get("properties") or {}).get("subnet")))]
        for rule in body.get("requestRoutingRules") or ():
            routing = rule.get("properties") or {}
            listener_port = listeners.get(_id(routing.get("httpListener")) or "")
            if not isinstance(listener_port, int):
                continue
            front = self._gateway_front(subnets, listener_port)
            if front is None:
                continue
            pairs = [(_id(routing.get("backendAddressPool")), _id(routing.get("backendHttpSettings")))]
            path_map = path_maps.get(_id(routing.get("urlPathMap")) or "", {})
            pairs.append((_id(path_map.get("defaultBackendAddressPool")),
                          _id(path_map.get("defaultBackendHttpSettings"))))
            pairs += [(_id((r.get("properties") or {}).get("backendAddressPool")),
                       _id((r.get("properties") or {}).get("backendHttpSettings")))
                      for r in path_map.get("pathRules") or ()]
            for pool_id, settings_id in pairs:
                port = settings.get(settings_id or "", {}).get("port")
                if pool_id in pools and isinstance(port, int):
                    for reach, machine in self._gateway_pool(gateway, subnets, pools[pool_id or ""],
                                                             listener_port, port):
                        reach.layers = front
                        yield reach, machine

    def _gateway_front(self, subnets: list[str], port: int) -> list[str] | None:
        """The NSGs of the gateway's subnet that admit ``port`` from the internet (an empty
        list when the subnet has none: open), or None when none admits it."""
        for subnet_id in subnets or [""]:
            subnet = self.one(subnet_id)
            nsg = self.one(_id(_body(subnet).get("networkSecurityGroup"))) if subnet else None
            if nsg is None:
                return []
            if nsg_ports(nsg.id, nsg.properties, Origin.INTERNET_V4, ANYWHERE, Ports.of(port))[0]:
                return [nsg.id]
        return None

    def _gateway_pool(self, gateway: Asset, subnets: list[str], pool: Properties,
                      listener_port: int, port: int) -> Iterator[tuple[Reach, Asset]]:
        members = [i for c in pool.get("backendIPConfigurations") or () if (i := _id(c))]
        addresses = {str(a["ipAddress"]) for a in pool.get("backendAddresses") or ()
                     if a.get("ipAddress")}
        bindings = self.bindings(members) + self._by_address(subnets, addresses)
        machines = self.machines(bindings)
        for binding in bindings:
            machine = machines.get(owner_of(binding.configuration))
            if machine is not None:
                reach = self.evaluate(binding, Origin.NETWORK, Ports.of(port), secure=False,
                                      path=[gateway.id, machine.id], machine=machine,
                                      entry=f"application gateway {gateway.name or gateway.id} "
                                            f"forwards port {listener_port} to {port}")
                if reach:
                    yield reach, machine

    def _by_address(self, subnets: list[str], addresses: set[str]) -> list[Binding]:
        """Interface IP configurations holding one of ``addresses`` (a pool's bare IPs),
        searched in the subnets of the gateway's virtual network whose range holds them."""
        if not addresses:
            return []
        networks: set[str | None] = {s.split("/subnets/", 1)[0] for s in subnets} or {None}
        candidates = sorted({s for n in networks for a in addresses
                             for s in self.facts.subnets.find(n, a)})
        placed = [e.source_id for e in self.graph.relationships_of(candidates, (IN_SUBNET,))
                  if "/networkinterfaces/" in e.source_id] if candidates else []
        return [b for interface_id, interface in sorted(fetch(self.graph, placed).items())
                for b in interface_bindings(interface_id, interface.properties)
                if b.target.address in addresses]
