"""Azure twin sides served by the Resource Manager fake: one resource group per side, ARM
bodies in the shapes of the REST API specification examples (``tests/azure/estate.py``
names them), from a mapping of settings.

Every side is a virtual network (subnet ``app``, and ``gw`` for a gateway), network
security groups on the subnet and the interface as the settings say, and a VM (or a scale
set) running as the shared user-assigned identity ``id-admin``, Owner of the subscription,
reached through a public IP, a load balancer or an application gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from arm_fake import FakeAzure
from aws_twins import Side
from estate import OWNER, application_gateway, rid, role_assignment

LOCATION = "westeurope"
PRINCIPAL = "5b2f6a2e-9f0e-4d3c-8b1a-7c6d5e4f3a21"


def rule(port: str | None = "22", priority: int = 100, access: str = "Allow",
         source: str | None = "Internet", **extra: Any) -> dict[str, Any]:
    """An inbound security rule (NetworkSecurityGroupListAll.json shape)."""
    body = {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": port,
            "sourceAddressPrefix": source, "destinationAddressPrefix": "*", "access": access,
            "priority": priority, "direction": "Inbound", "provisioningState": "Succeeded",
            **extra}
    return {"name": f"{access.lower()}-{priority}",
            "properties": {k: v for k, v in body.items() if v is not None}}


AZURE_DEFAULTS: Final[Mapping[str, Any]] = {
    "entry": "public-ip",         # public-ip, lb-rule, lb-nat, appgw or vmss-lb
    "nic_rules": [rule()],        # the interface's NSG (the scale set's); None: no NSG
    "subnet_rules": None,         # the subnet's NSG; None: no NSG
    "gateway_rules": None,        # the gateway subnet's NSG; None: no NSG
    "sku": "Standard",            # of the public IP or the load balancer
    "asgs": (),                   # application security groups of the IP configuration
    "frontend": "public",         # of the load balancer or gateway: public or private
    "ports": (50022, 22),         # (frontend port, backend port) of a balancer or gateway
}

_DEFAULT_RULES: Final = [
    {"name": name, "properties": {"priority": priority, "access": access, "direction": direction,
                                  "protocol": "*", "sourceAddressPrefix": source,
                                  "destinationAddressPrefix": target, "sourcePortRange": "*",
                                  "destinationPortRange": "*"}}
    for name, priority, access, direction, source, target in (
        ("AllowVnetInBound", 65000, "Allow", "Inbound", "VirtualNetwork", "VirtualNetwork"),
        ("AllowAzureLoadBalancerInBound", 65001, "Allow", "Inbound", "AzureLoadBalancer", "*"),
        ("DenyAllInBound", 65500, "Deny", "Inbound", "*", "*"),
        ("AllowVnetOutBound", 65000, "Allow", "Outbound", "VirtualNetwork", "VirtualNetwork"),
        ("AllowInternetOutBound", 65001, "Allow", "Outbound", "*", "Internet"),
        ("DenyAllOutBound", 65500, "Deny", "Outbound", "*", "*"))]
"""What the API lists under ``defaultSecurityRules`` for every NSG."""


def _with_groups(rule_body: dict[str, Any], asg: Any) -> dict[str, Any]:
    """A rule whose application security groups, named by short name in the twin table,
    get the side's own resource ids."""
    body = dict(rule_body["properties"])
    for key in ("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"):
        if key in body:
            body[key] = [{"id": asg(g)} for g in body[key]]
    return {**rule_body, "properties": body}


class AzureBuilder:
    """Builds sides in one subscription of the fake."""

    def __init__(self, fake: FakeAzure, subscription: str) -> None:
        self.fake, self.subscription = fake, subscription
        fake.add_subscription(subscription, "Twins")
        self.identity = rid(subscription, "Microsoft.ManagedIdentity/userAssignedIdentities/id-admin",
                            "rg-shared")
        self.add("Microsoft.ManagedIdentity/userAssignedIdentities", {
            "id": self.identity, "name": "id-admin", "location": LOCATION,
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "properties": {"tenantId": fake.tenant_id, "principalId": PRINCIPAL,
                           "clientId": "0d9e8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b"}})
        self.add("Microsoft.Authorization/roleAssignments", role_assignment(
            subscription, name="6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", principal=PRINCIPAL,
            role=OWNER))

    def add(self, provider_type: str, body: dict[str, Any]) -> None:
        """Serve ``body`` in its type's subscription-wide list."""
        self.fake.add(f"/subscriptions/{self.subscription}/providers/{provider_type}", [body])

    def side(self, key: str, settings: Mapping[str, Any]) -> Side:
        """One side: ``AZURE_DEFAULTS`` with ``settings`` applied."""
        unknown = set(settings) - set(AZURE_DEFAULTS)
        assert not unknown, f"unknown Azure twin settings {unknown}"
        s = {**AZURE_DEFAULTS, **settings}
        group = f"rg-{key}"

        def at(path: str) -> str:
            return rid(self.subscription, path, group)

        def asg(name: str) -> str:
            return at(f"Microsoft.Network/applicationSecurityGroups/{name}")

        controls: dict[str, str] = {}
        nsgs = {}
        for role, rules in (("nic-nsg", s["nic_rules"]), ("subnet-nsg", s["subnet_rules"]),
                            ("gateway-nsg", s["gateway_rules"])):
            if rules is not None:
                rules = [_with_groups(r, asg) for r in rules]
                nsgs[role] = at(f"Microsoft.Network/networkSecurityGroups/{role}")
                controls[role] = nsgs[role].lower()
                self.add("Microsoft.Network/networkSecurityGroups", {
                    "id": nsgs[role], "name": role, "location": LOCATION,
                    "type": "Microsoft.Network/networkSecurityGroups",
                    "properties": {"securityRules": rules, "defaultSecurityRules": _DEFAULT_RULES,
                                   "provisioningState": "Succeeded"}})
        vnet = at("Microsoft.Network/virtualNetworks/vnet")
        subnet, gateway_subnet = f"{vnet}/subnets/app", f"{vnet}/subnets/gw"
        self.add("Microsoft.Network/virtualNetworks", {
            "id": vnet, "name": "vnet", "location": LOCATION,
            "type": "Microsoft.Network/virtualNetworks",
            "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [
                self._subnet(subnet, "10.0.0.0/24", nsgs.get("subnet-nsg")),
                self._subnet(gateway_subnet, "10.0.1.0/24", nsgs.get("gateway-nsg"))]}})
        configuration = at("Microsoft.Network/networkInterfaces/nic/ipConfigurations/ipconfig1")
        if s["entry"] == "vmss-lb":
            machine = self._scale_set(at, s, subnet, nsgs.get("nic-nsg"))
        else:
            machine = self._machine(at, s, subnet, nsgs.get("nic-nsg"), configuration)
        if s["entry"] in ("lb-rule", "lb-nat", "vmss-lb"):
            members = configuration if s["entry"] != "vmss-lb" else \
                machine + "/virtualMachines/0/networkInterfaces/nic/ipConfigurations/ipconfig1"
            self._load_balancer(at, s, subnet, members)
        elif s["entry"] == "appgw":
            front, back = s["ports"]
            self.add("Microsoft.Network/applicationGateways", application_gateway(
                self.subscription, "appgw", group=group, subnet=gateway_subnet,
                listener_port=front, settings_port=back, members=(configuration,), addresses=(),
                public=s["frontend"] == "public"))
        return Side(machine.lower(), controls)

    @staticmethod
    def _subnet(subnet_id: str, prefix: str, nsg: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"addressPrefix": prefix, "provisioningState": "Succeeded"}
        if nsg:
            body["networkSecurityGroup"] = {"id": nsg}
        return {"id": subnet_id, "name": subnet_id.rsplit("/", 1)[-1], "properties": body}

    def _public_ip(self, address_id: str, configuration: str, sku: str) -> None:
        self.add("Microsoft.Network/publicIPAddresses", {
            "id": address_id, "name": address_id.rsplit("/", 1)[-1], "location": LOCATION,
            "type": "Microsoft.Network/publicIPAddresses", "sku": {"name": sku, "tier": "Regional"},
            "properties": {"ipAddress": "20.50.60.70", "publicIPAddressVersion": "IPv4",
                           "publicIPAllocationMethod": "Static",
                           "ipConfiguration": {"id": configuration}}})

    def _machine(self, at: Any, s: Mapping[str, Any], subnet: str, nsg: str | None,
                 configuration: str) -> str:
        """A VM and its interface (with a public IP for the public-ip entry)."""
        vm, nic = at("Microsoft.Compute/virtualMachines/vm"), at("Microsoft.Network/networkInterfaces/nic")
        settings: dict[str, Any] = {
            "privateIPAddress": "10.0.0.4", "privateIPAllocationMethod": "Static",
            "subnet": {"id": subnet}, "primary": True,
            "applicationSecurityGroups": [
                {"id": at(f"Microsoft.Network/applicationSecurityGroups/{g}")} for g in s["asgs"]]}
        if s["entry"] == "public-ip":
            address = at("Microsoft.Network/publicIPAddresses/pip")
            settings["publicIPAddress"] = {"id": address}
            self._public_ip(address, configuration, s["sku"])
        body: dict[str, Any] = {"ipConfigurations": [
            {"name": "ipconfig1", "id": configuration, "properties": settings}],
            "virtualMachine": {"id": vm}, "provisioningState": "Succeeded"}
        if nsg:
            body["networkSecurityGroup"] = {"id": nsg}
        self.add("Microsoft.Network/networkInterfaces", {
            "id": nic, "name": "nic", "location": LOCATION,
            "type": "Microsoft.Network/networkInterfaces", "properties": body})
        self.add("Microsoft.Compute/virtualMachines", {
            "id": vm, "name": "vm", "location": LOCATION, "type": "Microsoft.Compute/virtualMachines",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {
                self.identity: {"principalId": PRINCIPAL, "clientId": "c"}}},
            "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"},
                           "networkProfile": {"networkInterfaces": [{"id": nic}]},
                           "provisioningState": "Succeeded"}})
        return vm

    def _scale_set(self, at: Any, s: Mapping[str, Any], subnet: str, nsg: str | None) -> str:
        """A scale set whose interface configuration joins the load balancer's pool."""
        scale_set = at("Microsoft.Compute/virtualMachineScaleSets/vmss")
        interface: dict[str, Any] = {"primary": True, "ipConfigurations": [{
            "name": "ipconfig1", "properties": {
                "subnet": {"id": subnet},
                "loadBalancerBackendAddressPools": [
                    {"id": at("Microsoft.Network/loadBalancers/lb/backendAddressPools/pool")}]}}]}
        if nsg:
            interface["networkSecurityGroup"] = {"id": nsg}
        self.add("Microsoft.Compute/virtualMachineScaleSets", {
            "id": scale_set, "name": "vmss", "location": LOCATION,
            "type": "Microsoft.Compute/virtualMachineScaleSets",
            "sku": {"name": "Standard_B2s", "tier": "Standard", "capacity": 2},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {
                self.identity: {"principalId": PRINCIPAL, "clientId": "c"}}},
            "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {
                "networkProfile": {"networkInterfaceConfigurations": [
                    {"name": "nic", "properties": interface}]}}}})
        return scale_set

    def _load_balancer(self, at: Any, s: Mapping[str, Any], subnet: str, member: str) -> None:
        """A load balancer (LoadBalancerListAll.json shape): one frontend, one pool holding
        ``member``, and one rule (lb-rule, vmss-lb) or one inbound NAT rule (lb-nat)."""
        lb = at("Microsoft.Network/loadBalancers/lb")
        frontend_id, pool = f"{lb}/frontendIPConfigurations/fe", f"{lb}/backendAddressPools/pool"
        if s["frontend"] == "public":
            address = at("Microsoft.Network/publicIPAddresses/pip-lb")
            self._public_ip(address, frontend_id, s["sku"])
            frontend = {"publicIPAddress": {"id": address}}
        else:
            frontend = {"subnet": {"id": subnet}, "privateIPAddress": "10.0.0.100",
                        "privateIPAllocationMethod": "Static"}
        front, back = s["ports"]
        forwarding = {"frontendIPConfiguration": {"id": frontend_id}, "protocol": "Tcp",
                      "frontendPort": front, "backendPort": back}
        rules, nat = [], []
        if s["entry"] == "lb-nat":
            nat.append({"name": "nat", "id": f"{lb}/inboundNatRules/nat", "properties": {
                **forwarding, "backendIPConfiguration": {"id": member}}})
        else:
            rules.append({"name": "rule", "id": f"{lb}/loadBalancingRules/rule", "properties": {
                **forwarding, "backendAddressPool": {"id": pool}, "enableFloatingIP": False}})
        self.add("Microsoft.Network/loadBalancers", {
            "id": lb, "name": "lb", "location": LOCATION, "type": "Microsoft.Network/loadBalancers",
            "sku": {"name": s["sku"]},
            "properties": {
                "frontendIPConfigurations": [{"name": "fe", "id": frontend_id, "properties": frontend}],
                "backendAddressPools": [{"name": "pool", "id": pool, "properties": {
                    "backendIPConfigurations": [{"id": member}]}}],
                "loadBalancingRules": rules, "inboundNatRules": nat, "probes": []}})
