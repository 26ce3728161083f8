"""The seeding list: resources of types without a hand mapping, for the fake.

Each seed is (ARM type as its provider registers it, the api-version the fake registers,
the name path, the type's ``properties`` and top-level fields), shaped like the ``_Get``
example of the type in the Azure REST API specifications (``Azure/azure-rest-api-specs``,
``specification/<service>/resource-manager/.../examples``): id, name, type, location, tags,
properties, and sku, kind or identity where the type has them. The generic list serves
their short form; a GET by id at the registered api-version serves the body. A child type's
name path is ``parent/child`` and its parent is seeded too.
"""

from __future__ import annotations

from typing import Any

from arm_fake import FakeAzure
from estate import LOCATION, populate, rid

_OK = {"provisioningState": "Succeeded"}
_SYSTEM = {"type": "SystemAssigned", "principalId": "9d2c0cb4-5e0b-4d43-a8f5-3c9c4d9e1a10",
           "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}

SEEDS: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    ("Microsoft.Compute/availabilitySets", "2024-07-01", "avset1",
     {"platformUpdateDomainCount": 20, "platformFaultDomainCount": 2}, {"sku": {"name": "Aligned"}}),
    ("Microsoft.Compute/snapshots", "2024-03-02", "snap1",
     {"creationData": {"createOption": "Copy"}, "diskSizeGB": 30, **_OK}, {}),
    ("Microsoft.Compute/images", "2024-07-01", "image1",
     {"storageProfile": {"osDisk": {"osType": "Linux", "osState": "Generalized"}}, **_OK}, {}),
    ("Microsoft.Compute/sshPublicKeys", "2024-07-01", "key1",
     {"publicKey": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== generated"}, {}),
    ("Microsoft.Compute/proximityPlacementGroups", "2024-07-01", "ppg1",
     {"proximityPlacementGroupType": "Standard"}, {}),
    ("Microsoft.Compute/diskEncryptionSets", "2024-03-02", "des1",
     {"encryptionType": "EncryptionAtRestWithCustomerKey",
      "activeKey": {"keyUrl": "https://myvmvault.vault-int.azure-int.net/keys/key1/abc"}},
     {"identity": {"type": "SystemAssigned"}}),
    ("Microsoft.Compute/galleries", "2023-07-03", "gal1",
     {"description": "images", "identifier": {"uniqueName": "gal1-unique"}, **_OK}, {}),
    ("Microsoft.Compute/galleries/images", "2023-07-03", "gal1/ubuntu",
     {"osType": "Linux", "osState": "Generalized", "hyperVGeneration": "V2",
      "identifier": {"publisher": "contoso", "offer": "ubuntu", "sku": "22_04"}}, {}),
    ("Microsoft.Compute/virtualMachines/extensions", "2024-07-01", "vm1/AzureMonitorAgent",
     {"publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorWindowsAgent",
      "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": True, **_OK}, {}),
    ("Microsoft.Compute/hostGroups", "2024-07-01", "hostgroup1",
     {"platformFaultDomainCount": 3, "supportAutomaticPlacement": True}, {"zones": ["1"]}),
    ("Microsoft.Network/routeTables", "2024-05-01", "rt1",
     {"disableBgpRoutePropagation": False, "routes": [{"name": "default", "properties": {
         "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
         "nextHopIpAddress": "10.0.2.4"}}], **_OK}, {}),
    ("Microsoft.Network/natGateways", "2024-05-01", "nat1",
     {"idleTimeoutInMinutes": 4, **_OK}, {"sku": {"name": "Standard"}}),
    ("Microsoft.Network/privateEndpoints", "2024-05-01", "pe-sql",
     {"subnet": {"id": "/subscriptions/{s}/resourceGroups/RG-Web/providers/Microsoft.Network/"
                       "virtualNetworks/vnet1/subnets/data"},
      "privateLinkServiceConnections": [{"name": "sql", "properties": {"groupIds": ["sqlServer"]}}],
      **_OK}, {}),
    ("Microsoft.Network/bastionHosts", "2024-05-01", "bastion1",
     {"dnsName": "bst-1.bastion.azure.com", "scaleUnits": 2, **_OK}, {"sku": {"name": "Standard"}}),
    ("Microsoft.Network/azureFirewalls", "2024-05-01", "fw1",
     {"threatIntelMode": "Alert", "sku": {"name": "AZFW_VNet", "tier": "Standard"}, **_OK},
     {"zones": []}),
    ("Microsoft.Network/firewallPolicies", "2024-05-01", "fwpolicy1",
     {"threatIntelMode": "Alert", "sku": {"tier": "Premium"}, **_OK}, {}),
    ("Microsoft.Network/dnszones", "2018-05-01", "contoso.com",
     {"maxNumberOfRecordSets": 5000, "numberOfRecordSets": 2, "zoneType": "Public",
      "nameServers": ["ns1-01.azure-dns.com."]}, {"location": "global"}),
    ("Microsoft.Network/privateDnsZones", "2024-06-01", "privatelink.database.windows.net",
     {"maxNumberOfRecordSets": 25000, "numberOfRecordSets": 1, **_OK}, {"location": "global"}),
    ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "2024-06-01",
     "privatelink.database.windows.net/link-vnet1",
     {"registrationEnabled": False, "virtualNetworkLinkState": "Completed", **_OK},
     {"location": "global"}),
    ("Microsoft.Network/networkWatchers", "2024-05-01", "NetworkWatcher_westeurope", _OK, {}),
    ("Microsoft.Network/applicationSecurityGroups", "2024-05-01", "asg-web",
     {"resourceGuid": "00000000-0000-0000-0000-00000000a5a5", **_OK}, {}),
    ("Microsoft.Network/ddosProtectionPlans", "2024-05-01", "ddos1", _OK, {}),
    ("Microsoft.Network/virtualNetworkGateways", "2024-05-01", "vpngw1",
     {"gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": False,
      "sku": {"name": "VpnGw1", "tier": "VpnGw1"}, **_OK}, {}),
    ("Microsoft.Network/localNetworkGateways", "2024-05-01", "onprem",
     {"gatewayIpAddress": "203.0.113.10",
      "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}, **_OK}, {}),
    ("Microsoft.Network/connections", "2024-05-01", "conn-onprem",
     {"connectionType": "IPsec", "connectionProtocol": "IKEv2", "routingWeight": 0, **_OK}, {}),
    ("Microsoft.Network/trafficManagerProfiles", "2022-04-01", "tm1",
     {"profileStatus": "Enabled", "trafficRoutingMethod": "Performance",
      "dnsConfig": {"relativeName": "tm1", "ttl": 35}}, {"location": "global"}),
    ("Microsoft.Network/frontDoors", "2021-06-01", "fd1",
     {"enabledState": "Enabled", "frontendEndpoints": [], **_OK}, {"location": "global"}),
    ("Microsoft.DocumentDB/databaseAccounts", "2024-11-15", "cosmos1",
     {"databaseAccountOfferType": "Standard", "publicNetworkAccess": "Enabled",
      "documentEndpoint": "https://cosmos1.documents.azure.com:443/", **_OK},
     {"kind": "GlobalDocumentDB"}),
    ("Microsoft.DBforPostgreSQL/flexibleServers", "2024-08-01", "pg1",
     {"version": "16", "state": "Ready", "storage": {"storageSizeGB": 128},
      "network": {"publicNetworkAccess": "Enabled"}},
     {"sku": {"name": "Standard_D4s_v3", "tier": "GeneralPurpose"}}),
    ("Microsoft.DBforMySQL/flexibleServers", "2023-12-30", "mysql1",
     {"version": "8.0.21", "state": "Ready", "network": {"publicNetworkAccess": "Disabled"}},
     {"sku": {"name": "Standard_D2ds_v4", "tier": "GeneralPurpose"}}),
    ("Microsoft.Cache/Redis", "2024-11-01", "cache1",
     {"enableNonSslPort": False, "minimumTlsVersion": "1.2", "port": 6379, "sslPort": 6380,
      "sku": {"name": "Premium", "family": "P", "capacity": 1}, **_OK}, {}),
    ("Microsoft.Sql/servers/elasticPools", "2021-11-01", "sqlcrudtest-4645/pool1",
     {"state": "Ready", "maxSizeBytes": 5242880000},
     {"sku": {"name": "GP_Gen5_2", "tier": "GeneralPurpose"}, "kind": "vcore,pool"}),
    ("Microsoft.Sql/managedInstances", "2021-11-01", "mi1",
     {"administratorLogin": "dummylogin", "licenseType": "LicenseIncluded", "vCores": 8,
      "publicDataEndpointEnabled": False, **_OK}, {"sku": {"name": "GP_Gen5"}}),
    ("Microsoft.Web/serverFarms", "2023-12-01", "DefaultAsp",
     {"numberOfWorkers": 1, "status": "Ready", "reserved": False},
     {"sku": {"name": "P1v3", "tier": "PremiumV3"}, "kind": "app"}),
    ("Microsoft.Web/sites/slots", "2023-12-01", "sitef6141/staging",
     {"state": "Running", "httpsOnly": True, "enabled": True}, {"kind": "app"}),
    ("Microsoft.Web/staticSites", "2023-12-01", "static1",
     {"defaultHostname": "happy-sea-15afae3e.azurestaticwebsites.net", "branch": "main"},
     {"sku": {"name": "Standard", "tier": "Standard"}}),
    ("Microsoft.App/containerApps", "2024-03-01", "app1",
     {"configuration": {"ingress": {"external": True, "targetPort": 8080}}, **_OK},
     {"identity": {**_SYSTEM, "type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {
         "/subscriptions/{s}/resourceGroups/RG-Web/providers/Microsoft.ManagedIdentity/"
         "userAssignedIdentities/id-web": {"principalId": "4d508e5b-374b-4382-9a1c-01fb8b6cb37c",
                                           "clientId": "e6d7d8a3-3a07-4e3c-9b9d-0b2a8c9b1f21"}}}}),
    ("Microsoft.App/managedEnvironments", "2024-03-01", "env1",
     {"zoneRedundant": False, "defaultDomain": "env1.westeurope.azurecontainerapps.io", **_OK},
     {}),
    ("Microsoft.ContainerInstance/containerGroups", "2023-05-01", "aci1",
     {"osType": "Linux", "restartPolicy": "Always", "ipAddress": {"type": "Public", "ports": [
         {"protocol": "TCP", "port": 80}]}, "containers": [], **_OK}, {}),
    ("Microsoft.ContainerRegistry/registries", "2023-07-01", "acr1",
     {"loginServer": "acr1.azurecr.io", "adminUserEnabled": False,
      "publicNetworkAccess": "Enabled", **_OK}, {"sku": {"name": "Standard", "tier": "Standard"}}),
    ("Microsoft.ServiceBus/namespaces", "2022-10-01-preview", "sb1",
     {"serviceBusEndpoint": "https://sb1.servicebus.windows.net:443/", "minimumTlsVersion": "1.2",
      "disableLocalAuth": False, **_OK}, {"sku": {"name": "Standard", "tier": "Standard"}}),
    ("Microsoft.EventHub/namespaces", "2024-01-01", "eh1",
     {"kafkaEnabled": True, "minimumTlsVersion": "1.2", **_OK},
     {"sku": {"name": "Standard", "tier": "Standard", "capacity": 1}}),
    ("Microsoft.EventGrid/topics", "2022-06-15", "topic1",
     {"endpoint": "https://topic1.westeurope-1.eventgrid.azure.net/api/events",
      "publicNetworkAccess": "Enabled", **_OK}, {}),
    ("Microsoft.Logic/workflows", "2019-05-01", "flow1",
     {"state": "Enabled", "definition": {"triggers": {}, "actions": {}}, **_OK}, {}),
    ("Microsoft.ApiManagement/service", "2024-05-01", "apim1",
     {"publisherEmail": "admin@contoso.com", "publisherName": "Contoso",
      "gatewayUrl": "https://apim1.azure-api.net", **_OK},
     {"sku": {"name": "Developer", "capacity": 1}}),
    ("Microsoft.DataFactory/factories", "2018-06-01", "adf1",
     {"publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"}, {"identity": _SYSTEM}),
    ("Microsoft.Synapse/workspaces", "2021-06-01", "syn1",
     {"connectivityEndpoints": {"sql": "syn1.sql.azuresynapse.net"},
      "publicNetworkAccess": "Enabled", **_OK}, {"identity": _SYSTEM}),
    ("Microsoft.Databricks/workspaces", "2024-05-01", "dbw1",
     {"managedResourceGroupId": "/subscriptions/{s}/resourceGroups/databricks-rg-dbw1",
      "parameters": {"enableNoPublicIp": {"value": True}}, **_OK},
     {"sku": {"name": "premium"}}),
    ("Microsoft.Kusto/clusters", "2024-04-13", "kusto1",
     {"state": "Running", "uri": "https://kusto1.westeurope.kusto.windows.net", **_OK},
     {"sku": {"name": "Standard_L8s", "tier": "Standard", "capacity": 2}}),
    ("Microsoft.Insights/components", "2020-02-02", "appinsights1",
     {"ApplicationId": "appinsights1", "Application_Type": "web", "IngestionMode":
      "LogAnalytics", **_OK}, {"kind": "web"}),
    ("Microsoft.Insights/actionGroups", "2023-01-01", "oncall",
     {"groupShortName": "oncall", "enabled": True, "emailReceivers": [
         {"name": "ops", "emailAddress": "ops@contoso.com", "status": "Enabled"}]},
     {"location": "Global"}),
    ("Microsoft.Insights/metricAlerts", "2018-03-01", "high-cpu",
     {"severity": 3, "enabled": True, "evaluationFrequency": "PT1M", "windowSize": "PT15M",
      "scopes": []}, {"location": "global"}),
    ("Microsoft.OperationalInsights/workspaces", "2023-09-01", "law1",
     {"customerId": "bc089d7b-485c-4aff-a71e-c00f362d8d2f", "retentionInDays": 30,
      "sku": {"name": "PerGB2018"}, **_OK}, {}),
    ("Microsoft.CognitiveServices/accounts", "2024-10-01", "openai1",
     {"endpoint": "https://openai1.openai.azure.com/", "publicNetworkAccess": "Enabled",
      "disableLocalAuth": False, **_OK}, {"kind": "OpenAI", "sku": {"name": "S0"}}),
    ("Microsoft.Search/searchServices", "2023-11-01", "search1",
     {"replicaCount": 1, "partitionCount": 1, "publicNetworkAccess": "enabled",
      "status": "running", **_OK}, {"sku": {"name": "standard"}}),
    ("Microsoft.Automation/automationAccounts", "2023-11-01", "auto1",
     {"state": "Ok", "sku": {"name": "Basic"}, "publicNetworkAccess": True}, {}),
    ("Microsoft.RecoveryServices/vaults", "2024-04-01", "rsv1",
     {"publicNetworkAccess": "Enabled", **_OK}, {"sku": {"name": "Standard"}}),
    ("Microsoft.KeyVault/managedHSMs", "2023-07-01", "hsm1",
     {"tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "enableSoftDelete": True,
      "hsmUri": "https://hsm1.managedhsm.azure.net", **_OK},
     {"sku": {"name": "Standard_B1", "family": "B"}}),
]
"""Every type without a hand mapping that the fake serves (58 types)."""

UNKNOWN_TYPE = "Contoso.Widgets/gizmos"
"""A type whose provider registers no api-version the collector could read it with."""


def seed_id(subscription: str, native_type: str, name_path: str) -> str:
    """The ARM id (ARM's casing) of a seed."""
    namespace, *types = native_type.split("/")
    names = name_path.split("/")
    return rid(subscription, "/".join([namespace, *(f"{t}/{n}" for t, n in zip(types, names,
                                                                             strict=True))]))


def generic_body(subscription: str, seed: tuple[str, str, str, dict[str, Any],
                                                dict[str, Any]]) -> dict[str, Any]:
    """The ``_Get`` body of one seed."""
    native_type, _, name_path, properties, extra = seed
    body: dict[str, Any] = {"id": seed_id(subscription, native_type, name_path),
                            "name": name_path.rsplit("/", 1)[-1], "type": native_type,
                            "location": LOCATION, "tags": {"owner": "platform"},
                            "properties": _fill(properties, subscription)}
    body.update(_fill(extra, subscription))
    return body


def _fill(value: Any, subscription: str) -> Any:
    """``value`` with ``{s}`` in its strings (and keys) replaced by the subscription id."""
    if isinstance(value, dict):
        return {_fill(key, subscription): _fill(item, subscription) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, subscription) for item in value]
    return value.replace("{s}", subscription) if isinstance(value, str) else value


def populate_generic(fake: FakeAzure, subscription: str) -> None:
    """Every seed in ``subscription``, each type registered at its api-version (and an
    older preview beside it, which the collector must not pick)."""
    for seed in SEEDS:
        fake.register(seed[0], "2099-01-01-preview", seed[1], "2015-01-01")
        fake.put([generic_body(subscription, seed)])


def populate_everything(fake: FakeAzure, subscriptions: dict[str, str]) -> None:
    """The linked estate and every seed in each subscription (id -> name), and a
    management group hierarchy above them: ``contoso-root`` > ``platform`` > the
    subscriptions."""
    for subscription, name in subscriptions.items():
        populate(fake, subscription, name)
        populate_generic(fake, subscription)
    fake.management_groups.update({
        "contoso-root": ("Contoso", None, []),
        "platform": ("Platform", "contoso-root", list(subscriptions))})


def populate_generic_bulk(fake: FakeAzure, subscription: str, resources: int) -> None:
    """``resources`` resources of the seeded types, round robin, for the benchmark."""
    bodies = []
    for index in range(resources):
        seed = SEEDS[index % len(SEEDS)]
        fake.register(seed[0], "2099-01-01-preview", seed[1], "2015-01-01")
        name_path = "/".join(f"{part}-{index}" for part in seed[2].split("/"))
        bodies.append(generic_body(subscription, (seed[0], seed[1], name_path, seed[3], seed[4])))
    fake.put(bodies)
