"""What a collection yields: every catalogued type, its asset fields, its relationships."""

from __future__ import annotations

import pytest
from cloudscope_azure.catalogue import CATALOGUE, ResourceType
from estate import OWNER, WEB_PRINCIPAL, role_assignment

from tests.azure.conftest import PRODUCTION, STAGING

GROUP = f"/subscriptions/{PRODUCTION}/resourcegroups/rg-web"


def arm(path: str) -> str:
    """A lower-case resource id in the production subscription's resource group."""
    return f"{GROUP}/providers/{path}"


@pytest.fixture
def production(collect):
    """One in-process collection of the production subscription."""
    return collect({"subscription": [PRODUCTION]})


def test_catalogue_covers_at_least_fifteen_types():
    """The catalogue lists at least 15 resource types, each with a pinned api-version."""
    assert len(CATALOGUE) >= 15
    assert all(len(t.api_version) == 10 for t in CATALOGUE)


@pytest.mark.parametrize("resource_type", [*(t for t in CATALOGUE if not t.tenant_level),
                                           *(c for t in CATALOGUE for _, c in t.embedded)],
                         ids=lambda t: t.service)
def test_every_type_is_collected_with_its_asset_type(production, resource_type: ResourceType):
    """Each subscription type (subnets included) yields assets of its documented asset type
    (management groups: tests/azure/test_every_resource.py)."""
    found = [a for a in production.assets.values() if a.asset_type == resource_type.asset_type]
    assert found, resource_type.asset_type
    assert all(a.native_type.lower() == resource_type.service for a in found)


def test_a_scope_per_subscription_and_type_completes(production):
    """Every scope of the plan completes when the fake answers."""
    assert production.errors == {}


def test_asset_fields_follow_the_data_model(production):
    """Ids are lower-case ARM ids; account is the subscription, region the location, tags kept."""
    vm = production.assets[arm("microsoft.compute/virtualmachines/vm1")]
    assert vm.provider == "azure"
    assert vm.asset_type == "azure:compute:virtual-machine"
    assert vm.native_type == "Microsoft.Compute/virtualMachines"
    assert vm.name == "vm1"
    assert vm.account == PRODUCTION
    assert vm.region == "westeurope"
    assert vm.tags == {"myTag1": "tagValue1"}
    assert all(asset_id == asset_id.lower() for asset_id in production.assets)


def test_properties_are_the_body_as_resource_manager_returns_it(production):
    """properties keeps ARM's own fields, original case, so rules read properties.<field>."""
    storage = production.assets[arm("microsoft.storage/storageaccounts/sto4445")]
    assert storage.properties["properties"]["allowBlobPublicAccess"] is True
    assert storage.properties["properties"]["minimumTlsVersion"] == "TLS1_0"
    assert storage.properties["id"].startswith(f"/subscriptions/{PRODUCTION}/resourceGroups/")
    nsg = production.assets[arm("microsoft.network/networksecuritygroups/nsg-web")]
    rule = nsg.properties["properties"]["securityRules"][0]["properties"]
    assert (rule["access"], rule["direction"], rule["destinationPortRange"]) == \
        ("Allow", "Inbound", "3389")


def test_app_service_locations_are_canonical(production):
    """App Service's "West Europe" is stored as the region name westeurope."""
    assert production.assets[arm("microsoft.web/sites/sitef6141")].region == "westeurope"


def test_subnets_take_their_network_location(production):
    """A subnet (embedded without a location) is placed in its virtual network's region."""
    subnet = production.assets[arm("microsoft.network/virtualnetworks/vnet1/subnets/app")]
    assert (subnet.region, subnet.account) == ("westeurope", PRODUCTION)


EDGES = [
    ("microsoft.network/networkinterfaces/nic1", "ATTACHED_TO",
     "microsoft.compute/virtualmachines/vm1"),
    ("microsoft.network/networkinterfaces/nic1", "IN_SUBNET",
     "microsoft.network/virtualnetworks/vnet1/subnets/app"),
    ("microsoft.network/virtualnetworks/vnet1/subnets/app", "IN_NETWORK",
     "microsoft.network/virtualnetworks/vnet1"),
    ("microsoft.network/networkinterfaces/nic1", "PROTECTED_BY",
     "microsoft.network/networksecuritygroups/nsg-web"),
    ("microsoft.network/virtualnetworks/vnet1/subnets/app", "PROTECTED_BY",
     "microsoft.network/networksecuritygroups/nsg-web"),
    ("microsoft.compute/disks/vm1_osdisk_1", "ATTACHED_TO",
     "microsoft.compute/virtualmachines/vm1"),
    ("microsoft.network/publicipaddresses/pip1", "ATTACHED_TO",
     "microsoft.network/networkinterfaces/nic1"),
    ("microsoft.network/publicipaddresses/pip-lb", "ATTACHED_TO",
     "microsoft.network/loadbalancers/lb1"),
    ("microsoft.network/loadbalancers/lb1", "ROUTES_TO",
     "microsoft.compute/virtualmachinescalesets/vmss1"),
    ("microsoft.network/applicationgateways/appgw", "ROUTES_TO",
     "microsoft.network/networkinterfaces/nic1"),
    ("microsoft.network/applicationgateways/appgw", "IN_SUBNET",
     "microsoft.network/virtualnetworks/vnet1/subnets/data"),
    ("microsoft.compute/virtualmachinescalesets/vmss1", "IN_SUBNET",
     "microsoft.network/virtualnetworks/vnet1/subnets/app"),
    ("microsoft.compute/virtualmachinescalesets/vmss1", "PROTECTED_BY",
     "microsoft.network/networksecuritygroups/nsg-web"),
    ("microsoft.network/virtualnetworks/vnet1", "CONTAINS",
     "microsoft.network/virtualnetworks/vnet1/subnets/app"),
    ("microsoft.sql/servers/sqlcrudtest-4645", "CONTAINS",
     "microsoft.sql/servers/sqlcrudtest-4645/databases/testdb"),
    ("microsoft.web/sites/sitef6141", "IN_SUBNET",
     "microsoft.network/virtualnetworks/vnet1/subnets/data"),
    ("microsoft.containerservice/managedclusters/clustername1", "IN_SUBNET",
     "microsoft.network/virtualnetworks/vnet1/subnets/app"),
    ("microsoft.containerservice/managedclusters/clustername1", "HAS_ROLE",
     "microsoft.managedidentity/userassignedidentities/id-web"),
    ("microsoft.compute/virtualmachines/vm1", "HAS_ROLE",
     "microsoft.managedidentity/userassignedidentities/id-web"),
]


@pytest.mark.parametrize(("source", "kind", "target"), EDGES,
                         ids=[f"{s.split('/')[-1]}-{k}-{t.split('/')[-1]}" for s, k, t in EDGES])
def test_relationships_come_from_the_ids_in_properties(production, source, kind, target):
    """Each documented edge is read from the resource ids in the bodies, lower case."""
    assert (arm(source), kind, arm(target)) in production.relationships


def test_resource_groups_contain_their_top_level_resources(production):
    """The resource group CONTAINS every top-level resource; the subscription its groups."""
    contained = {t for s, k, t in production.relationships if s == GROUP and k == "CONTAINS"}
    top_level = {a.id for a in production.assets.values()
                 if a.id.startswith(GROUP + "/") and a.id.count("/") == 8}
    assert top_level and top_level <= contained
    assert (f"/subscriptions/{PRODUCTION}", "CONTAINS", GROUP) in production.relationships


ASSIGNMENTS = f"/subscriptions/{PRODUCTION}/providers/Microsoft.Authorization/roleAssignments"


def test_role_assignment_is_stored_as_its_arm_body(production):
    """A role assignment keeps principalId, roleDefinitionId, scope and principalType under
    properties; its id is lower case and its subscription CONTAINS it."""
    subscription = f"/subscriptions/{PRODUCTION}"
    assignment_id = (f"{subscription}/providers/microsoft.authorization/roleassignments/"
                     "b0f43c54-e787-4862-89b1-a653fa9cf747")
    assignment = production.assets[assignment_id]
    assert assignment.asset_type == "azure:authorization:role-assignment"
    body = assignment.properties["properties"]
    assert body["principalId"] == WEB_PRINCIPAL
    assert body["roleDefinitionId"].endswith(f"/roleDefinitions/{OWNER}")
    assert (body["scope"], body["principalType"]) == (subscription, "ServicePrincipal")
    assert (assignment.account, assignment.region) == (PRODUCTION, None)
    assert (subscription, "CONTAINS", assignment_id) in production.relationships


def test_role_assignments_are_paged_and_contained_by_their_scope(collect, fake):
    """Every nextLink page of assignments is read; an assignment on a resource group or a VM
    is CONTAINed by that group or VM (an extension resource belongs to its scope)."""
    fake.page_size = 2
    vm = arm("microsoft.compute/virtualmachines/vm1")
    fake.add(ASSIGNMENTS, [role_assignment(PRODUCTION, f"00000000-0000-4000-8000-00000000000{i}",
                                           scope=scope)
                           for i, scope in enumerate((GROUP, vm, GROUP, vm))])
    result = collect({"subscription": [PRODUCTION],
                      "types": ["microsoft.authorization/roleassignments"]})
    assert len(result.assets) == 5
    assert len(fake.requests_to(ASSIGNMENTS)) == 3
    contained = {(s, t.rsplit("/", 1)[-1]) for s, k, t in result.relationships if k == "CONTAINS"}
    assert {(GROUP, "00000000-0000-4000-8000-000000000000"),
            (vm, "00000000-0000-4000-8000-000000000001")} <= contained


def test_every_relationship_id_is_lower_case(production):
    """Edges use the stored id form, so they join assets whatever case ARM returned."""
    assert all(s == s.lower() and t == t.lower() for s, _, t in production.relationships)


def test_all_visible_subscriptions_are_collected_without_subscription_option(collect):
    """Without --subscription, every subscription GET /subscriptions lists is planned (the
    tenant's management groups have the tenant as their account)."""
    result = collect()
    accounts = {asset.account for asset in result.assets.values()
                if asset.asset_type != "azure:management:management-group"}
    assert accounts == {PRODUCTION, STAGING}


def test_type_option_narrows_the_plan(collect):
    """--type collects only the named resource types."""
    result = collect({"subscription": [PRODUCTION],
                      "types": ["Microsoft.Network/virtualNetworks"]})
    kinds = {asset.asset_type for asset in result.assets.values()}
    assert kinds == {"azure:network:virtual-network", "azure:network:subnet"}


def test_the_documented_catalogue_matches_the_code():
    """docs/azure.md lists every collected type with its pinned api-version."""
    from pathlib import Path

    document = (Path(__file__).parents[2] / "docs" / "azure.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in document.splitlines()
            if line.startswith("| `azure:")}
    for resource_type in [*CATALOGUE, *(c for t in CATALOGUE for _, c in t.embedded)]:
        assert resource_type.asset_type in rows, resource_type.asset_type
        assert resource_type.api_version in rows[resource_type.asset_type]


def test_role_definitions_keep_custom_roles_and_the_built_ins_in_use(production):
    """Role definitions are stored as their ARM bodies (permissions inline): every custom
    role, and the built-in roles an assignment of the subscription uses (Owner here); the
    built-ins nobody is assigned (Contributor, Reader) are left out."""
    definitions = {a.properties["properties"]["roleName"]: a for a in production.assets.values()
                   if a.asset_type == "azure:authorization:role-definition"}
    assert set(definitions) == {"Owner", "VM Operator"}
    owner = definitions["Owner"]
    assert owner.id == (f"/subscriptions/{PRODUCTION}/providers/microsoft.authorization/"
                        f"roledefinitions/{OWNER}")
    assert owner.properties["properties"]["permissions"][0]["actions"] == ["*"]
    assert definitions["VM Operator"].properties["properties"]["type"] == "CustomRole"
