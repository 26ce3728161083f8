"""Resource bodies for the fake, shaped like the Azure REST API specification examples.

Each builder names the example it follows (``Azure/azure-rest-api-specs``,
``specification/<service>/resource-manager/.../examples/<file>``). Ids keep ARM's mixed
case (``resourceGroups``, ``Microsoft.Network``) so that the tests see them lower-cased.
One small linked estate per subscription: a VM with its NIC, disk, public IP, subnet,
virtual network and NSG; a scale set behind a load balancer; an application gateway in
front of vm1's interface (HTTPS 443 to port 80); storage, vault, SQL, a web
app, an AKS cluster and a user-assigned identity (vm1's) assigned Owner on the
subscription; the role definitions (built-in Owner, Contributor and Reader, and a custom
"VM Operator" role).
"""

from __future__ import annotations

from typing import Any

from arm_fake import FakeAzure

GROUP = "RG-Web"
LOCATION = "westeurope"


def rid(subscription: str, provider_path: str, group: str = GROUP) -> str:
    """An ARM id in ARM's own casing."""
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{provider_path}"


def resource_group(subscription: str, name: str = GROUP) -> dict[str, Any]:
    """ResourceGroups_List element (resources ``ResourceGroups_List``, ``ResourceGroup``)."""
    return {"id": f"/subscriptions/{subscription}/resourceGroups/{name}", "name": name,
            "type": "Microsoft.Resources/resourceGroups", "location": LOCATION,
            "tags": {"env": "prod"}, "properties": {"provisioningState": "Succeeded"}}


def virtual_machine(subscription: str, name: str = "vm1", nic: str = "nic1",
                    disk: str = "vm1_OsDisk_1", identity: str | None = "id-web") -> dict[str, Any]:
    """VirtualMachine_Get.json / VirtualMachine_ListAll_MaximumSet_Gen.json element."""
    body: dict[str, Any] = {
        "id": rid(subscription, f"Microsoft.Compute/virtualMachines/{name}"),
        "name": name, "type": "Microsoft.Compute/virtualMachines", "location": LOCATION,
        "tags": {"myTag1": "tagValue1"},
        "properties": {
            "vmId": "0f47b100-583c-48e3-a4c0-aefc2c9bbcc1",
            "hardwareProfile": {"vmSize": "Standard_DS3_v2"},
            "storageProfile": {
                "imageReference": {"publisher": "MicrosoftWindowsServer",
                                   "offer": "WindowsServer", "sku": "2016-Datacenter",
                                   "version": "latest"},
                "osDisk": {"osType": "Windows", "name": disk, "createOption": "FromImage",
                           "caching": "ReadWrite",
                           "managedDisk": {"storageAccountType": "Premium_LRS",
                                           "id": rid(subscription,
                                                     f"Microsoft.Compute/disks/{disk}")},
                           "diskSizeGB": 30},
                "dataDisks": [],
            },
            "osProfile": {"computerName": name, "adminUsername": "admin",
                          "windowsConfiguration": {"provisionVMAgent": True,
                                                   "enableAutomaticUpdates": True},
                          "secrets": []},
            "networkProfile": {"networkInterfaces": [
                {"id": rid(subscription, f"Microsoft.Network/networkInterfaces/{nic}")}]},
            "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
            "provisioningState": "Succeeded",
        },
    }
    if identity:
        identity_id = rid(subscription,
                          f"Microsoft.ManagedIdentity/userAssignedIdentities/{identity}")
        body["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {
            identity_id: {"principalId": "4d508e5b-374b-4382-9a1c-01fb8b6cb37c",
                          "clientId": "e6d7d8a3-3a07-4e3c-9b9d-0b2a8c9b1f21"}}}
    return body


def scale_set(subscription: str) -> dict[str, Any]:
    """VirtualMachineScaleSet_ListAll_MaximumSet_Gen.json element (trimmed)."""
    pool = rid(subscription, "Microsoft.Network/loadBalancers/lb1/backendAddressPools/pool1")
    return {
        "id": rid(subscription, "Microsoft.Compute/virtualMachineScaleSets/vmss1"),
        "name": "vmss1", "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": LOCATION, "sku": {"tier": "Standard", "capacity": 3, "name": "Standard_D1_v2"},
        "properties": {
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {"computerNamePrefix": "vmss1", "adminUsername": "admin"},
                "networkProfile": {"networkInterfaceConfigurations": [{
                    "name": "vmss1-nic",
                    "properties": {
                        "primary": True,
                        "networkSecurityGroup": {
                            "id": rid(subscription,
                                      "Microsoft.Network/networkSecurityGroups/nsg-web")},
                        "ipConfigurations": [{"name": "ipconfig1", "properties": {
                            "subnet": {"id": rid(subscription, "Microsoft.Network/"
                                                 "virtualNetworks/vnet1/subnets/app")},
                            "loadBalancerBackendAddressPools": [{"id": pool}]}}],
                    },
                }]},
            },
            "provisioningState": "Succeeded", "overprovision": True,
            "uniqueId": "d053ec5a-8da6-495f-ab13-38216503c6d7",
        },
    }


def disk(subscription: str, name: str = "vm1_OsDisk_1", vm: str | None = "vm1") -> dict[str, Any]:
    """ListManagedDisksInASubscription.json element (Disks_List)."""
    body: dict[str, Any] = {
        "id": rid(subscription, f"Microsoft.Compute/disks/{name}"), "name": name,
        "type": "Microsoft.Compute/disks", "location": LOCATION,
        "tags": {"department": "Development", "project": "ManagedDisks"},
        "sku": {"name": "Premium_LRS", "tier": "Premium"},
        "properties": {
            "osType": "Windows", "creationData": {"createOption": "FromImage"},
            "diskSizeGB": 30, "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
            "timeCreated": "2016-12-28T04:41:35.9278721+00:00",
            "provisioningState": "Succeeded", "diskState": "Attached",
        },
    }
    if vm:
        body["managedBy"] = rid(subscription, f"Microsoft.Compute/virtualMachines/{vm}")
    return body


def virtual_network(subscription: str) -> dict[str, Any]:
    """VirtualNetworkListAll.json element, with subnets[] (one NSG-protected)."""
    vnet = rid(subscription, "Microsoft.Network/virtualNetworks/vnet1")
    return {
        "id": vnet, "name": "vnet1", "type": "Microsoft.Network/virtualNetworks",
        "location": LOCATION,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "dhcpOptions": {"dnsServers": []},
            "subnets": [
                {"id": f"{vnet}/subnets/app", "name": "app",
                 "properties": {"addressPrefix": "10.0.0.0/24", "provisioningState": "Succeeded",
                                "networkSecurityGroup": {"id": rid(
                                    subscription,
                                    "Microsoft.Network/networkSecurityGroups/nsg-web")}}},
                {"id": f"{vnet}/subnets/data", "name": "data",
                 "properties": {"addressPrefix": "10.0.1.0/24",
                                "provisioningState": "Succeeded"}},
            ],
            "virtualNetworkPeerings": [], "provisioningState": "Succeeded",
        },
    }


def network_interface(subscription: str, name: str = "nic1",
                      vm: str | None = "vm1") -> dict[str, Any]:
    """NetworkInterfaceListAll.json element."""
    nic = rid(subscription, f"Microsoft.Network/networkInterfaces/{name}")
    body: dict[str, Any] = {
        "name": name, "id": nic, "location": LOCATION,
        "type": "Microsoft.Network/networkInterfaces",
        "properties": {
            "provisioningState": "Succeeded",
            "ipConfigurations": [{
                "name": "ipconfig1", "id": f"{nic}/ipConfigurations/ipconfig1",
                "properties": {
                    "provisioningState": "Succeeded", "privateIPAddress": "10.0.0.4",
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": {"id": rid(subscription,
                                                  "Microsoft.Network/publicIPAddresses/pip1")},
                    "subnet": {"id": rid(subscription,
                                         "Microsoft.Network/virtualNetworks/vnet1/subnets/app")},
                    "primary": True, "privateIPAddressVersion": "IPv4",
                },
            }],
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
            "macAddress": "00-0D-3A-1B-C7-21", "enableAcceleratedNetworking": True,
            "enableIPForwarding": False,
            "networkSecurityGroup": {"id": rid(subscription,
                                               "Microsoft.Network/networkSecurityGroups/nsg-web")},
            "primary": True,
        },
    }
    if vm:
        body["properties"]["virtualMachine"] = {
            "id": rid(subscription, f"Microsoft.Compute/virtualMachines/{vm}")}
    return body


def network_security_group(subscription: str) -> dict[str, Any]:
    """NetworkSecurityGroupListAll.json element, with one inbound rule open to the internet."""
    nsg = rid(subscription, "Microsoft.Network/networkSecurityGroups/nsg-web")
    return {
        "id": nsg, "name": "nsg-web", "type": "Microsoft.Network/networkSecurityGroups",
        "location": LOCATION,
        "properties": {
            "securityRules": [{
                "name": "allow-rdp", "id": f"{nsg}/securityRules/allow-rdp",
                "properties": {
                    "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "3389",
                    "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                    "access": "Allow", "priority": 130, "direction": "Inbound",
                    "provisioningState": "Succeeded",
                },
            }],
            "defaultSecurityRules": [],
            "networkInterfaces": [{"id": rid(subscription,
                                             "Microsoft.Network/networkInterfaces/nic1")}],
            "provisioningState": "Succeeded",
        },
    }


def public_ip(subscription: str, name: str = "pip1",
              configuration: str | None = None) -> dict[str, Any]:
    """PublicIpAddressListAll.json element (PublicIPAddresses_ListAll)."""
    configuration = configuration or rid(
        subscription, "Microsoft.Network/networkInterfaces/nic1/ipConfigurations/ipconfig1")
    return {
        "name": name, "id": rid(subscription, f"Microsoft.Network/publicIPAddresses/{name}"),
        "location": LOCATION, "type": "Microsoft.Network/publicIPAddresses",
        "properties": {
            "provisioningState": "Succeeded", "ipAddress": "40.85.154.247",
            "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Dynamic",
            "idleTimeoutInMinutes": 4,
            "dnsSettings": {"domainNameLabel": "testlbl", "fqdn":
                            "testlbl.westeurope.cloudapp.azure.com"},
            "ipConfiguration": {"id": configuration},
        },
    }


def load_balancer(subscription: str) -> dict[str, Any]:
    """LoadBalancerListAll.json element: a public frontend and a scale set back end."""
    lb = rid(subscription, "Microsoft.Network/loadBalancers/lb1")
    backend = (rid(subscription, "Microsoft.Compute/virtualMachineScaleSets/vmss1")
               + "/virtualMachines/0/networkInterfaces/vmss1-nic/ipConfigurations/ipconfig1")
    return {
        "name": "lb1", "id": lb, "type": "Microsoft.Network/loadBalancers",
        "location": LOCATION, "sku": {"name": "Standard"},
        "properties": {
            "provisioningState": "Succeeded",
            "frontendIPConfigurations": [{
                "name": "fe-lb", "id": f"{lb}/frontendIPConfigurations/fe-lb",
                "properties": {"provisioningState": "Succeeded",
                               "publicIPAddress": {"id": rid(
                                   subscription, "Microsoft.Network/publicIPAddresses/pip-lb")}},
            }],
            "backendAddressPools": [{
                "name": "pool1", "id": f"{lb}/backendAddressPools/pool1",
                "properties": {"provisioningState": "Succeeded",
                               "backendIPConfigurations": [{"id": backend}]},
            }],
            "loadBalancingRules": [], "probes": [], "inboundNatRules": [],
        },
    }


def application_gateway(subscription: str, name: str = "appgw", *, group: str = GROUP,
                        subnet: str | None = None, listener_port: int = 443,
                        settings_port: int = 80, members: tuple[str, ...] = (),
                        addresses: tuple[str, ...] = ("10.0.1.10",),
                        public: bool = True) -> dict[str, Any]:
    """ApplicationGatewayListAll.json element (ApplicationGateways_ListAll): one listener on
    a public (or private) frontend, one basic routing rule to one back-end pool of interface
    IP configurations (``members``) and bare ``addresses``, one HTTP setting."""
    gateway = rid(subscription, f"Microsoft.Network/applicationGateways/{name}", group)
    subnet = subnet or rid(subscription, "Microsoft.Network/virtualNetworks/vnet1/subnets/data")
    frontend = {"privateIPAddress": "10.0.1.250", "privateIPAllocationMethod": "Static",
                "subnet": {"id": subnet}} if not public else {
        "publicIPAddress": {"id": rid(subscription, f"Microsoft.Network/publicIPAddresses/{name}-pip",
                                      group)}}
    return {
        "name": name, "id": gateway, "type": "Microsoft.Network/applicationGateways",
        "location": LOCATION,
        "properties": {
            "provisioningState": "Succeeded", "operationalState": "Running",
            "sku": {"name": "Standard_v2", "tier": "Standard_v2", "capacity": 2},
            "gatewayIPConfigurations": [{
                "name": "appgwipc", "id": f"{gateway}/gatewayIPConfigurations/appgwipc",
                "properties": {"subnet": {"id": subnet}}}],
            "frontendIPConfigurations": [{
                "name": "appgwfip", "id": f"{gateway}/frontendIPConfigurations/appgwfip",
                "properties": frontend}],
            "frontendPorts": [{"name": "appgwfp", "id": f"{gateway}/frontendPorts/appgwfp",
                               "properties": {"port": listener_port}}],
            "backendAddressPools": [{
                "name": "appgwpool", "id": f"{gateway}/backendAddressPools/appgwpool",
                "properties": {"backendAddresses": [{"ipAddress": a} for a in addresses],
                               "backendIPConfigurations": [{"id": m} for m in members]}}],
            "backendHttpSettingsCollection": [{
                "name": "appgwbhs", "id": f"{gateway}/backendHttpSettingsCollection/appgwbhs",
                "properties": {"port": settings_port, "protocol": "Http",
                               "cookieBasedAffinity": "Disabled", "requestTimeout": 30}}],
            "httpListeners": [{
                "name": "appgwhl", "id": f"{gateway}/httpListeners/appgwhl",
                "properties": {"frontendIPConfiguration": {
                    "id": f"{gateway}/frontendIPConfigurations/appgwfip"},
                    "frontendPort": {"id": f"{gateway}/frontendPorts/appgwfp"},
                    "protocol": "Https", "requireServerNameIndication": False}}],
            "requestRoutingRules": [{
                "name": "appgwrule", "id": f"{gateway}/requestRoutingRules/appgwrule",
                "properties": {"ruleType": "Basic", "priority": 10,
                               "httpListener": {"id": f"{gateway}/httpListeners/appgwhl"},
                               "backendAddressPool": {"id": f"{gateway}/backendAddressPools/appgwpool"},
                               "backendHttpSettings": {
                                   "id": f"{gateway}/backendHttpSettingsCollection/appgwbhs"}}}],
        },
    }


def storage_account(subscription: str) -> dict[str, Any]:
    """StorageAccountList.json element."""
    return {
        "id": rid(subscription, "Microsoft.Storage/storageAccounts/sto4445"),
        "kind": "Storage", "location": LOCATION, "name": "sto4445",
        "type": "Microsoft.Storage/storageAccounts", "sku": {"name": "Standard_GRS",
                                                           "tier": "Standard"},
        "tags": {"key1": "value1", "key2": "value2"},
        "properties": {
            "allowBlobPublicAccess": True, "supportsHttpsTrafficOnly": False,
            "minimumTlsVersion": "TLS1_0", "isHnsEnabled": True,
            "creationTime": "2017-05-24T13:24:47.3155493Z",
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow",
                            "ipRules": [], "virtualNetworkRules": []},
            "primaryEndpoints": {"blob": "https://sto4445.blob.core.windows.net/"},
            "primaryLocation": LOCATION, "provisioningState": "Succeeded",
            "encryption": {"keySource": "Microsoft.Storage",
                           "services": {"blob": {"enabled": True}}},
        },
    }


def key_vault(subscription: str) -> dict[str, Any]:
    """listVaultBySubscription.json element (Vaults_ListBySubscription)."""
    return {
        "id": rid(subscription, "Microsoft.KeyVault/vaults/sample-vault"),
        "name": "sample-vault", "type": "Microsoft.KeyVault/vaults", "location": LOCATION,
        "tags": {},
        "systemData": {"createdBy": "keyVaultUser1", "createdByType": "User",
                       "createdAt": "2020-01-01T12:00:00.0000000Z"},
        "properties": {
            "sku": {"family": "A", "name": "standard"}, "tenantId": "00000000-0000-0000-0000-000000000000",
            "enabledForDeployment": True, "enableSoftDelete": True,
            "softDeleteRetentionInDays": 90, "enableRbacAuthorization": False,
            "enablePurgeProtection": False,
            "vaultUri": "https://sample-vault.vault.azure.net", "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled",
        },
    }


def sql_server(subscription: str) -> dict[str, Any]:
    """ServerList.json element (Servers_List)."""
    return {
        "id": rid(subscription, "Microsoft.Sql/servers/sqlcrudtest-4645"),
        "name": "sqlcrudtest-4645", "type": "Microsoft.Sql/servers", "location": "japaneast",
        "kind": "v12.0",
        "properties": {"fullyQualifiedDomainName": "sqlcrudtest-4645.database.windows.net",
                       "administratorLogin": "dummylogin", "version": "12.0", "state": "Ready",
                       "publicNetworkAccess": "Enabled", "minimalTlsVersion": "1.2"},
    }


def sql_database(subscription: str) -> dict[str, Any]:
    """ListDatabasesByServer.json element (Databases_ListByServer)."""
    return {
        "id": rid(subscription, "Microsoft.Sql/servers/sqlcrudtest-4645/databases/testdb"),
        "name": "testdb", "type": "Microsoft.Sql/servers/databases", "location": "japaneast",
        "kind": "v12.0,user", "sku": {"name": "S0", "tier": "Standard"},
        "properties": {"collation": "SQL_Latin1_General_CP1_CI_AS", "status": "Online",
                       "maxSizeBytes": 268435456000,
                       "databaseId": "6c764297-577b-470f-9af4-96d3d41e2ba3",
                       "creationDate": "2017-06-07T04:41:33.937Z",
                       "currentServiceObjectiveName": "S0",
                       "requestedBackupStorageRedundancy": "Geo"},
    }


def web_site(subscription: str) -> dict[str, Any]:
    """ListWebApps.json element (WebApps_List): App Service reports ``West Europe``."""
    return {
        "id": rid(subscription, "Microsoft.Web/sites/sitef6141"), "name": "sitef6141",
        "type": "Microsoft.Web/sites", "kind": "app", "location": "West Europe",
        "properties": {
            "state": "Running", "hostNames": ["sitef6141.azurewebsites.net"],
            "enabled": True, "httpsOnly": False,
            "serverFarmId": rid(subscription, "Microsoft.Web/serverfarms/DefaultAsp"),
            "virtualNetworkSubnetId": rid(subscription,
                                          "Microsoft.Network/virtualNetworks/vnet1/subnets/data"),
            "defaultHostName": "sitef6141.azurewebsites.net",
        },
    }


def managed_cluster(subscription: str) -> dict[str, Any]:
    """ManagedClustersList.json element (ManagedClusters_List)."""
    return {
        "id": rid(subscription, "Microsoft.ContainerService/managedClusters/clustername1"),
        "location": "location1", "name": "clustername1",
        "type": "Microsoft.ContainerService/ManagedClusters",
        "tags": {"archv2": "", "tier": "production"},
        "properties": {
            "provisioningState": "Succeeded", "kubernetesVersion": "1.29.2",
            "dnsPrefix": "dnsprefix1", "fqdn": "dnsprefix1-abcd1234.hcp.eastus.azmk8s.io",
            "agentPoolProfiles": [{
                "name": "nodepool1", "count": 3, "vmSize": "Standard_DS1_v2",
                "maxPods": 110, "osType": "Linux", "mode": "System",
                "vnetSubnetID": rid(subscription,
                                    "Microsoft.Network/virtualNetworks/vnet1/subnets/app"),
            }],
            "apiServerAccessProfile": {"enablePrivateCluster": False},
            "identityProfile": {"kubeletidentity": {
                "resourceId": rid(subscription,
                                  "Microsoft.ManagedIdentity/userAssignedIdentities/id-web"),
                "clientId": "e6d7d8a3-3a07-4e3c-9b9d-0b2a8c9b1f21",
                "objectId": "4d508e5b-374b-4382-9a1c-01fb8b6cb37c"}},
            "enableRBAC": True,
        },
    }


def user_assigned_identity(subscription: str) -> dict[str, Any]:
    """IdentityListBySubscription.json element (UserAssignedIdentities_ListBySubscription)."""
    return {
        "id": rid(subscription, "Microsoft.ManagedIdentity/userAssignedIdentities/id-web"),
        "location": "eastus", "name": "id-web",
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "tags": {"key1": "value1"},
        "properties": {"tenantId": "b6c948ef-f6b5-4384-8354-da3a15eca969",
                       "principalId": "4d508e5b-374b-4382-9a1c-01fb8b6cb37c",
                       "clientId": "e6d7d8a3-3a07-4e3c-9b9d-0b2a8c9b1f21"},
    }


OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
WEB_PRINCIPAL = "4d508e5b-374b-4382-9a1c-01fb8b6cb37c"
"""The principal id of the user-assigned identity ``id-web`` (vm1 runs as it)."""


def role_assignment(subscription: str, name: str = "b0f43c54-e787-4862-89b1-a653fa9cf747",
                    principal: str = WEB_PRINCIPAL, role: str = OWNER,
                    scope: str | None = None) -> dict[str, Any]:
    """RoleAssignments_ListForSubscription.json element (api-version 2022-04-01): ``role``
    granted to ``principal`` at ``scope`` (default the subscription)."""
    scope = scope or f"/subscriptions/{subscription}"
    return {
        "properties": {
            "roleDefinitionId": f"/subscriptions/{subscription}/providers/"
                                f"Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": principal, "principalType": "ServicePrincipal", "scope": scope,
            "condition": None, "conditionVersion": None,
            "createdOn": "2022-01-26T19:21:08.6791758Z",
            "updatedOn": "2022-01-26T19:21:08.6791758Z",
            "createdBy": None, "updatedBy": "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
            "delegatedManagedIdentityResourceId": None, "description": None,
        },
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "type": "Microsoft.Authorization/roleAssignments", "name": name,
    }


BUILT_IN_ROLES = {
    OWNER: ("Owner", "Grants full access to manage all resources, including the ability to "
                     "assign roles in Azure RBAC.", [{"actions": ["*"], "notActions": []}]),
    CONTRIBUTOR: ("Contributor", "Grants full access to manage all resources, but does not "
                                 "allow you to assign roles in Azure RBAC.", [{
        "actions": ["*"], "notActions": [
            "Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/elevateAccess/Action",
            "Microsoft.Blueprint/blueprintAssignments/write",
            "Microsoft.Blueprint/blueprintAssignments/delete",
            "Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write",
            "Microsoft.Purview/consents/delete"]}]),
    READER: ("Reader", "View all resources, but does not allow you to make any changes.",
             [{"actions": ["*/read"], "notActions": []}]),
}
"""Built-in role definitions as Azure lists them (name, description, permissions)."""


def role_definition(subscription: str, guid: str, name: str, permissions: list[dict[str, Any]],
                    *, custom: bool = False, description: str = "") -> dict[str, Any]:
    """RoleDefinitions_List element (GetRoleDefinitionById.json shape, api-version
    2022-04-01): a built-in role (assignable everywhere) or a custom one."""
    return {
        "properties": {
            "roleName": name, "type": "CustomRole" if custom else "BuiltInRole",
            "description": description,
            "assignableScopes": [f"/subscriptions/{subscription}"] if custom else ["/"],
            "permissions": [{"dataActions": [], "notDataActions": [], **block}
                            for block in permissions],
            "createdOn": "2015-02-02T21:55:09.8806423Z", "updatedOn": "2024-03-04T17:31:51.0000000Z",
            "createdBy": None, "updatedBy": None,
        },
        "id": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/"
              f"roleDefinitions/{guid}",
        "type": "Microsoft.Authorization/roleDefinitions", "name": guid,
    }


def built_in_roles(subscription: str) -> list[dict[str, Any]]:
    """The built-in role definitions the fake lists in every subscription."""
    return [role_definition(subscription, guid, name, permissions, description=description)
            for guid, (name, description, permissions) in BUILT_IN_ROLES.items()]


LIST_CALLS = {
    "/resourcegroups": [resource_group],
    "/providers/Microsoft.Compute/virtualMachines": [virtual_machine],
    "/providers/Microsoft.Compute/virtualMachineScaleSets": [scale_set],
    "/providers/Microsoft.Compute/disks": [disk],
    "/providers/Microsoft.Network/virtualNetworks": [virtual_network],
    "/providers/Microsoft.Network/networkInterfaces": [network_interface],
    "/providers/Microsoft.Network/networkSecurityGroups": [network_security_group],
    "/providers/Microsoft.Network/publicIPAddresses": [public_ip],
    "/providers/Microsoft.Network/loadBalancers": [load_balancer],
    "/providers/Microsoft.Network/applicationGateways": [lambda subscription: application_gateway(
        subscription, members=(rid(subscription, "Microsoft.Network/networkInterfaces/nic1/"
                                                 "ipConfigurations/ipconfig1"),))],
    "/providers/Microsoft.Storage/storageAccounts": [storage_account],
    "/providers/Microsoft.KeyVault/vaults": [key_vault],
    "/providers/Microsoft.Sql/servers": [sql_server],
    "/providers/Microsoft.Web/sites": [web_site],
    "/providers/Microsoft.ContainerService/managedClusters": [managed_cluster],
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities": [user_assigned_identity],
    "/providers/Microsoft.Authorization/roleAssignments": [role_assignment],
}


def populate(fake: FakeAzure, subscription: str, name: str = "Production") -> None:
    """The linked estate in ``subscription``: one resource of each type (see module doc)."""
    fake.add_subscription(subscription, name)
    base = f"/subscriptions/{subscription}"
    for path, builders in LIST_CALLS.items():
        fake.add(base + path, (build(subscription) for build in builders))
    fake.add(base + "/providers/Microsoft.Network/publicIPAddresses", [public_ip(
        subscription, "pip-lb",
        rid(subscription, "Microsoft.Network/loadBalancers/lb1/frontendIPConfigurations/fe-lb"))])
    fake.add(rid(subscription, "Microsoft.Sql/servers/sqlcrudtest-4645") + "/databases",
             [sql_database(subscription)])
    fake.add(base + "/providers/Microsoft.Authorization/roleDefinitions", [
        *built_in_roles(subscription),
        role_definition(subscription, "3c4f6a3e-2b8d-4f6e-9d1a-7b5c0e2f1a90", "VM Operator",
                        [{"actions": ["Microsoft.Compute/virtualMachines/*"], "notActions": []}],
                        custom=True, description="Start, stop and resize VMs")])


def populate_bulk(fake: FakeAzure, subscription: str, resources: int) -> None:
    """``resources`` resources spread over the list calls (virtual machines with their NICs
    and disks, the remainder split among the other types), for the benchmark."""
    fake.add_subscription(subscription, f"bench-{subscription[:8]}")
    base = f"/subscriptions/{subscription}"
    triples = resources // 4
    fake.add(base + "/providers/Microsoft.Compute/virtualMachines",
             [virtual_machine(subscription, f"vm{i}", f"nic{i}", f"disk{i}", None)
              for i in range(triples)])
    fake.add(base + "/providers/Microsoft.Network/networkInterfaces",
             [network_interface(subscription, f"nic{i}", f"vm{i}") for i in range(triples)])
    fake.add(base + "/providers/Microsoft.Compute/disks",
             [disk(subscription, f"disk{i}", f"vm{i}") for i in range(triples)])
    rest = resources - 3 * triples
    fake.add(base + "/providers/Microsoft.Network/publicIPAddresses",
             [public_ip(subscription, f"pip{i}") for i in range(rest)])
