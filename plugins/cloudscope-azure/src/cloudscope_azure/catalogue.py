"""The resource types mapped by hand: list call, pinned api-version, asset type and edges.

Every type is listed at subscription scope (``GET /subscriptions/{id}<list_path>``) except
those embedded in their parent's body (subnets in a virtual network), those listed per
parent (SQL databases per server) and management groups (the tenant's). Every other ARM type
comes from the generic resources list (:data:`RESOURCES`, cloudscope_azure.generic) and is
named by the rule of cloudscope_azure.naming. api-versions are pinned so that the stored bodies keep
their shape until a release changes them on purpose. ``example`` names the Azure REST API
specification example (``Azure/azure-rest-api-specs``) whose shape the tests' fake serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from cloudscope_azure.assets import parent_id
from cloudscope_azure.naming import KNOWN_TYPES, asset_type_for
from cloudscope_azure.relationships import CONTAINS, Edge, top_level_id

if TYPE_CHECKING:
    # Imported where used: the plugin also runs on API 1.0 cores, which lack it.
    from cloudscope.api import AssetTypeInfo

ATTACHED_TO: Final = "ATTACHED_TO"
ENCRYPTED_BY: Final = "ENCRYPTED_BY"
HAS_ROLE: Final = "HAS_ROLE"
IN_NETWORK: Final = "IN_NETWORK"
IN_SUBNET: Final = "IN_SUBNET"
PROTECTED_BY: Final = "PROTECTED_BY"
ROUTES_TO: Final = "ROUTES_TO"


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One ARM resource type and how to list it."""

    native_type: str
    asset_type: str
    api_version: str
    list_path: str
    example: str
    edges: tuple[Edge, ...] = ()
    #: Set for types listed per parent resource: ``list_path`` follows each parent's id.
    parent: ResourceType | None = None
    #: Child types embedded in this type's body, as (field of ``properties``, type).
    embedded: tuple[tuple[str, ResourceType], ...] = field(default=())
    #: Paths under ``properties`` that Azure changes by itself (never reported as changes).
    volatile: tuple[str, ...] = ()
    #: Listed once per tenant (``GET <list_path>``), not per subscription.
    tenant_level: bool = False

    @property
    def service(self) -> str:
        """The scope's service: the ARM type in lower case (``microsoft.compute/disks``)."""
        return self.native_type.lower()


SUBSCRIPTION: Final = ResourceType(
    "Microsoft.Resources/subscriptions", "azure:resources:subscription", "2022-12-01", "",
    "Subscriptions_Get (subscriptions/.../examples/GetSubscription.json)")

RESOURCE_GROUPS: Final = ResourceType(
    "Microsoft.Resources/resourceGroups", "azure:resources:resource-group", "2021-04-01",
    "/resourcegroups", "ResourceGroups_List (resources/.../ResourceGroups_List)")

VIRTUAL_MACHINES: Final = ResourceType(
    "Microsoft.Compute/virtualMachines", "azure:compute:virtual-machine", "2024-07-01",
    "/providers/Microsoft.Compute/virtualMachines",
    "VirtualMachines_ListAll (VirtualMachine_ListAll_MaximumSet_Gen.json, VirtualMachine_Get.json)",
    edges=(Edge("properties.networkProfile.networkInterfaces[].id", ATTACHED_TO, inbound=True),))

SCALE_SETS: Final = ResourceType(
    "Microsoft.Compute/virtualMachineScaleSets", "azure:compute:virtual-machine-scale-set",
    "2024-07-01", "/providers/Microsoft.Compute/virtualMachineScaleSets",
    "VirtualMachineScaleSets_ListAll (VirtualMachineScaleSet_ListAll_MaximumSet_Gen.json)",
    edges=(
        Edge("properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[]"
             ".properties.ipConfigurations[].properties.subnet.id", IN_SUBNET),
        Edge("properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[]"
             ".properties.networkSecurityGroup.id", PROTECTED_BY),
    ))

DISKS: Final = ResourceType(
    "Microsoft.Compute/disks", "azure:compute:disk", "2024-03-02",
    "/providers/Microsoft.Compute/disks", "Disks_List (ListManagedDisksInASubscription.json)",
    edges=(Edge("managedBy", ATTACHED_TO),
           Edge("properties.encryption.diskEncryptionSetId", ENCRYPTED_BY)))

SUBNETS: Final = ResourceType(
    "Microsoft.Network/virtualNetworks/subnets", "azure:network:subnet", "2024-05-01",
    "(embedded in the virtual network's properties.subnets)",
    "VirtualNetworks_ListAll (VirtualNetworkListAll.json) subnets[] element",
    edges=(Edge("id", IN_NETWORK, resolve=parent_id),
           Edge("properties.networkSecurityGroup.id", PROTECTED_BY)))

VIRTUAL_NETWORKS: Final = ResourceType(
    "Microsoft.Network/virtualNetworks", "azure:network:virtual-network", "2024-05-01",
    "/providers/Microsoft.Network/virtualNetworks",
    "VirtualNetworks_ListAll (VirtualNetworkListAll.json)",
    embedded=(("subnets", SUBNETS),))

NETWORK_INTERFACES: Final = ResourceType(
    "Microsoft.Network/networkInterfaces", "azure:network:network-interface", "2024-05-01",
    "/providers/Microsoft.Network/networkInterfaces",
    "NetworkInterfaces_ListAll (NetworkInterfaceListAll.json)",
    edges=(Edge("properties.ipConfigurations[].properties.subnet.id", IN_SUBNET),
           Edge("properties.networkSecurityGroup.id", PROTECTED_BY)))

NETWORK_SECURITY_GROUPS: Final = ResourceType(
    "Microsoft.Network/networkSecurityGroups", "azure:network:network-security-group",
    "2024-05-01", "/providers/Microsoft.Network/networkSecurityGroups",
    "NetworkSecurityGroups_ListAll (NetworkSecurityGroupListAll.json)")

PUBLIC_IP_ADDRESSES: Final = ResourceType(
    "Microsoft.Network/publicIPAddresses", "azure:network:public-ip-address", "2024-05-01",
    "/providers/Microsoft.Network/publicIPAddresses",
    "PublicIPAddresses_ListAll (PublicIpAddressListAll.json)",
    edges=(Edge("properties.ipConfiguration.id", ATTACHED_TO, resolve=top_level_id),))

LOAD_BALANCERS: Final = ResourceType(
    "Microsoft.Network/loadBalancers", "azure:network:load-balancer", "2024-05-01",
    "/providers/Microsoft.Network/loadBalancers",
    "LoadBalancers_ListAll (LoadBalancerListAll.json)",
    edges=(Edge("properties.frontendIPConfigurations[].properties.subnet.id", IN_SUBNET),
           Edge("properties.backendAddressPools[].properties.backendIPConfigurations[].id",
                ROUTES_TO, resolve=top_level_id)))

# A gateway proxies HTTP(S) from its listeners to back-end pools: interface IP
# configurations (``backendIPConfigurations``) or bare addresses (``backendAddresses``).
APPLICATION_GATEWAYS: Final = ResourceType(
    "Microsoft.Network/applicationGateways", "azure:network:application-gateway", "2024-05-01",
    "/providers/Microsoft.Network/applicationGateways",
    "ApplicationGateways_ListAll (ApplicationGatewayListAll.json)",
    edges=(Edge("properties.gatewayIPConfigurations[].properties.subnet.id", IN_SUBNET),
           Edge("properties.backendAddressPools[].properties.backendIPConfigurations[].id",
                ROUTES_TO, resolve=top_level_id)))

STORAGE_ACCOUNTS: Final = ResourceType(
    "Microsoft.Storage/storageAccounts", "azure:storage:storage-account", "2023-05-01",
    "/providers/Microsoft.Storage/storageAccounts",
    "StorageAccounts_List (StorageAccountList.json)")

KEY_VAULTS: Final = ResourceType(
    "Microsoft.KeyVault/vaults", "azure:keyvault:vault", "2023-07-01",
    "/providers/Microsoft.KeyVault/vaults",
    "Vaults_ListBySubscription (listVaultBySubscription.json)")

SQL_SERVERS: Final = ResourceType(
    "Microsoft.Sql/servers", "azure:sql:server", "2021-11-01",
    "/providers/Microsoft.Sql/servers", "Servers_List (ServerList.json)")

SQL_DATABASES: Final = ResourceType(
    "Microsoft.Sql/servers/databases", "azure:sql:database", "2021-11-01", "/databases",
    "Databases_ListByServer (ListDatabasesByServer.json)", parent=SQL_SERVERS,
    # A database's earliest restore point moves forward continuously.
    volatile=("properties.earliestRestoreDate",))

WEB_SITES: Final = ResourceType(
    "Microsoft.Web/sites", "azure:web:site", "2023-12-01", "/providers/Microsoft.Web/sites",
    "WebApps_List (ListWebApps.json)",
    edges=(Edge("properties.virtualNetworkSubnetId", IN_SUBNET),))

MANAGED_CLUSTERS: Final = ResourceType(
    "Microsoft.ContainerService/managedClusters", "azure:containerservice:managed-cluster",
    "2024-05-01", "/providers/Microsoft.ContainerService/managedClusters",
    "ManagedClusters_List (ManagedClustersList.json)",
    edges=(Edge("properties.agentPoolProfiles[].vnetSubnetID", IN_SUBNET),
           Edge("properties.identityProfile.kubeletidentity.resourceId", HAS_ROLE)))

USER_ASSIGNED_IDENTITIES: Final = ResourceType(
    "Microsoft.ManagedIdentity/userAssignedIdentities",
    "azure:managedidentity:user-assigned-identity", "2023-01-31",
    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
    "UserAssignedIdentities_ListBySubscription (IdentityListBySubscription.json)")

# Listed at subscription scope, the answer also holds assignments inherited from management
# groups and those made on resource groups and resources below. The principal's side
# (principal HAS_ROLE assignment) is joined after collection by cloudscope.detect.principals:
# an assignment names its principal by object id, never by resource id.
ROLE_ASSIGNMENTS: Final = ResourceType(
    "Microsoft.Authorization/roleAssignments", "azure:authorization:role-assignment",
    "2022-04-01", "/providers/Microsoft.Authorization/roleAssignments",
    "RoleAssignments_ListForSubscription (RoleAssignments_ListForSubscription.json)")

# What an assignment grants is in its role definition (permissions[].actions/notActions).
# Listed at subscription scope, the answer holds every built-in role (hundreds) and the
# custom roles assignable there; the collector keeps the custom roles and the built-in
# roles that an assignment of the subscription uses (see AzureCollector._role_definitions).
ROLE_DEFINITIONS: Final = ResourceType(
    "Microsoft.Authorization/roleDefinitions", "azure:authorization:role-definition",
    "2022-04-01", "/providers/Microsoft.Authorization/roleDefinitions",
    "RoleDefinitions_List (GetRoleDefinitionById.json element)")

# The tenant's hierarchy: each group, read with its children (groups and subscriptions), so
# that a group CONTAINS what sits directly below it.
MANAGEMENT_GROUPS: Final = ResourceType(
    "Microsoft.Management/managementGroups", "azure:management:management-group", "2021-04-01",
    "/providers/Microsoft.Management/managementGroups",
    "ManagementGroups_List (ListManagementGroups.json), ManagementGroups_Get "
    "(GetManagementGroupWithExpand.json)",
    edges=(Edge("properties.children[].id", CONTAINS),), tenant_level=True)

RESOURCES: Final = ResourceType(
    "Microsoft.Resources/resources", "(named by the rule)", "2021-04-01", "/resources",
    "Resources_List (GetResources.json), Resources_GetById, Providers_List")
"""The generic resources list: every resource of a subscription (id, name, type, location,
tags, sku, kind, identity, managedBy), completed by a GET at its provider's api-version.
Not an asset type: its scope holds every type without a hand mapping."""
PROVIDERS_API_VERSION: Final = "2021-04-01"

CATALOGUE: Final[tuple[ResourceType, ...]] = (
    MANAGEMENT_GROUPS, SUBSCRIPTION, RESOURCE_GROUPS, VIRTUAL_MACHINES, SCALE_SETS, DISKS, VIRTUAL_NETWORKS,
    NETWORK_INTERFACES, NETWORK_SECURITY_GROUPS, PUBLIC_IP_ADDRESSES, LOAD_BALANCERS,
    APPLICATION_GATEWAYS, STORAGE_ACCOUNTS, KEY_VAULTS, SQL_SERVERS, SQL_DATABASES, WEB_SITES,
    MANAGED_CLUSTERS, USER_ASSIGNED_IDENTITIES, ROLE_ASSIGNMENTS, ROLE_DEFINITIONS,
)
"""The mapped types, in planning order (each is one scope per subscription, management
groups one per tenant)."""

BY_SERVICE: Final = {resource_type.service: resource_type for resource_type in CATALOGUE}

SUBSCRIPTIONS_API_VERSION: Final = SUBSCRIPTION.api_version


def api_calls_of(resource_type: ResourceType) -> tuple[str, ...]:
    """The Resource Manager reads of one type, as ``cloudscope types`` shows them."""
    def listing(each: ResourceType, prefix: str = "/subscriptions/{id}") -> str:
        return f"GET {prefix}{each.list_path}?api-version={each.api_version}"

    if resource_type is SUBSCRIPTION:
        return (listing(SUBSCRIPTION),)
    if resource_type.tenant_level:
        return (listing(resource_type, ""),
                f"GET {resource_type.list_path}/{{name}}?api-version={resource_type.api_version}"
                "&$expand=children")
    if resource_type is ROLE_DEFINITIONS:
        return (listing(ROLE_ASSIGNMENTS), listing(ROLE_DEFINITIONS))
    if resource_type.parent is not None:
        return (listing(resource_type.parent), listing(resource_type, "{parent id}"))
    holders = [parent for parent in CATALOGUE
               for _, child in parent.embedded if child is resource_type]
    if holders:
        return tuple(listing(holder) for holder in holders)
    return (listing(resource_type),)


_CONTAINED: Final = "CONTAINS <- (its parent, resource group or subscription)"
_IDENTITIES: Final = "HAS_ROLE -> azure:managedidentity:user-assigned-identity"


def generic_api_calls() -> tuple[str, ...]:
    """The reads of a type without a hand mapping."""
    return (f"GET /subscriptions/{{id}}{RESOURCES.list_path}?api-version={RESOURCES.api_version}",
            f"GET /subscriptions/{{id}}/providers?api-version={PROVIDERS_API_VERSION} "
            "(once per run)",
            "GET {id}?api-version={the provider's newest stable version}")


def asset_type_infos() -> tuple[AssetTypeInfo, ...]:
    """Every collected type for ``cloudscope types`` (Added in API 1.1): each edge is read
    from its path in the body; every resource is also contained by its parent, resource
    group or subscription, and HAS_ROLE the user-assigned identities it runs as. The types
    without a hand mapping listed are those known by name (naming.KNOWN_TYPES); any other
    type is collected and named by the same rule."""
    from cloudscope.api import AssetTypeInfo

    types = [*CATALOGUE, *(child for each in CATALOGUE for _, child in each.embedded)]
    infos = []
    for resource_type in types:
        edges = [f"{edge.type} {'<-' if edge.inbound else '->'} "
                 f"({'derived from ' if edge.resolve else ''}id at {edge.path})"
                 for edge in resource_type.edges]
        if resource_type is MANAGEMENT_GROUPS:
            edges.insert(0, "CONTAINS <- (its parent management group)")
        elif resource_type is not SUBSCRIPTION:
            edges.insert(0, _CONTAINED)
            edges.append(_IDENTITIES)
        infos.append(AssetTypeInfo(asset_type=resource_type.asset_type,
                                   native_type=resource_type.native_type,
                                   api_calls=api_calls_of(resource_type),
                                   relationships=tuple(edges),
                                   volatile_fields=resource_type.volatile,
                                   id_format="id (lower case)"))
    calls = generic_api_calls()
    infos.extend(AssetTypeInfo(asset_type=asset_type_for(native_type), native_type=native_type,
                               api_calls=calls, relationships=(_CONTAINED, _IDENTITIES),
                               id_format="id (lower case)")
                 for native_type in KNOWN_TYPES)
    return tuple(infos)
