"""Every ARM resource: the generic list, bodies at the provider's api-version, the naming
rule, unknown types, --type with any type, paging, and management groups."""

from __future__ import annotations

import pytest
from arm_fake import Fault
from cloudscope_azure.catalogue import BY_SERVICE, CATALOGUE
from cloudscope_azure.collector import AzureCollector
from cloudscope_azure.naming import KNOWN_TYPES, asset_type_for
from generic_estate import SEEDS, UNKNOWN_TYPE, seed_id

from tests.azure.conftest import PRODUCTION, STAGING

GROUP = f"/subscriptions/{PRODUCTION}/resourcegroups/rg-web"
RESOURCES = f"/subscriptions/{PRODUCTION}/resources"
REDIS = seed_id(PRODUCTION, "Microsoft.Cache/Redis", "cache1")


@pytest.fixture
def production(collect):
    """One in-process collection of the production subscription."""
    return collect({"subscription": [PRODUCTION]})


def gizmo(subscription: str = PRODUCTION, kind: str = "gizmos") -> dict:
    """A resource of a type no provider registers an api-version for (a short entry)."""
    return {"id": f"/subscriptions/{subscription}/resourceGroups/RG-Web/providers/"
                  f"Contoso.Widgets/{kind}/g1", "name": "g1", "type": f"Contoso.Widgets/{kind}",
            "location": "westeurope", "tags": {"team": "widgets"}}


def test_the_seeding_list_has_at_least_forty_types_beyond_the_mapped_ones():
    """The fake serves at least 40 ARM types that no hand mapping covers."""
    native_types = {seed[0].lower() for seed in SEEDS}
    assert len(native_types) == len(SEEDS) >= 40
    assert not native_types & set(BY_SERVICE)


def test_every_seeded_resource_comes_back_with_its_named_type_and_id(production):
    """Each seed is an asset: lower-case ARM id, the rule's asset type, the type as its
    provider registers it, the full body (properties) from the GET by id."""
    missing = []
    for native_type, _, name_path, properties, _ in SEEDS:
        asset = production.assets.get(seed_id(PRODUCTION, native_type, name_path).lower())
        if asset is None or (asset.asset_type, asset.native_type) != \
                (asset_type_for(native_type), native_type) or \
                asset.properties.get("properties", {}).keys() != properties.keys():
            missing.append(native_type)
    assert missing == []
    assert production.errors == {}
    assert "details_unavailable" not in production.counters


def test_the_catalogue_lists_every_seeded_type_by_its_name():
    """`cloudscope types` lists the mapped types and every seeded type, named by the rule."""
    listed = {(info.asset_type, info.native_type) for info in AzureCollector.asset_types()}
    assert {(asset_type_for(seed[0]), seed[0]) for seed in SEEDS} <= listed
    assert {(t.asset_type, t.native_type) for t in CATALOGUE} <= listed
    assert len(listed) >= len(CATALOGUE) + 40


@pytest.mark.parametrize(("native_type", "asset_type"), [
    ("Microsoft.Sql/servers/databases", "azure:sql:server-database"),
    ("Microsoft.Network/publicIPAddresses", "azure:network:public-ip-address"),
    ("Microsoft.DataFactory/factories", "azure:datafactory:factory"),
    ("Microsoft.Cache/Redis", "azure:cache:redis"),
    ("Microsoft.Network/dnszones", "azure:network:dnszone"),
    ("Microsoft.KeyVault/managedHSMs", "azure:keyvault:managed-hsm"),
    ("Microsoft.Compute/galleries/images/versions", "azure:compute:gallery-image-version"),
    ("Dynatrace.Observability/monitors", "azure:dynatrace-observability:monitor"),
])
def test_the_naming_rule(native_type, asset_type):
    """DESIGN.md section 3: namespace without Microsoft., each segment singular and
    hyphenated, a child joined to its parent's kind."""
    assert asset_type_for(native_type) == asset_type


def test_the_rule_gives_the_hand_mapped_names_of_top_level_types():
    """The hand-mapped top-level types carry the names the rule would give them."""
    for resource_type in CATALOGUE:
        if resource_type.parent is None and resource_type.native_type.count("/") == 1:
            assert asset_type_for(resource_type.native_type) == resource_type.asset_type


def test_bodies_are_read_at_the_newest_stable_api_version(production, fake):
    """The GET by id uses the newest non-preview version the provider registers."""
    versions = {seen.query["api-version"][0] for seen in fake.requests_to(REDIS)}
    assert versions == {"2024-11-01"}


def test_the_providers_metadata_is_read_once_per_run(collect, fake):
    """Two subscriptions' generic resources cost one /providers read for the run."""
    collect({"subscription": [PRODUCTION, STAGING]})
    reads = [s for s in fake.seen if s.path.lower().endswith("/providers")]
    assert len(reads) == 1


def test_mapped_types_are_not_read_again_by_id(production, fake):
    """A mapped type is listed by its own call; the generic scope skips it."""
    vm1 = f"{GROUP}/providers/microsoft.compute/virtualmachines/vm1"
    assert [s for s in fake.seen if s.path.lower() == vm1] == []
    vm = production.assets[f"{GROUP}/providers/microsoft.compute/virtualmachines/vm1"]
    assert vm.asset_type == "azure:compute:virtual-machine"


def test_an_unknown_type_keeps_its_list_entry_and_never_breaks_the_collection(collect, fake):
    """A type no provider registers: the asset is its list entry, named by the rule, with
    ``_unavailable`` saying why; every scope completes."""
    fake.put([gizmo()])
    result = collect({"subscription": [PRODUCTION]})
    asset = result.assets[gizmo()["id"].lower()]
    assert result.errors == {}
    assert (asset.asset_type, asset.native_type) == ("azure:contoso-widgets:gizmo", UNKNOWN_TYPE)
    assert asset.tags == {"team": "widgets"} and asset.region == "westeurope"
    assert asset.properties["_unavailable"] == {
        "properties": "Resources_GetById: NoRegisteredProviderFound"}
    assert result.counters["details_unavailable"] == 1


@pytest.mark.parametrize(("status", "code"), [(404, "ResourceNotFound"),
                                              (400, "NoRegisteredProviderFound"),
                                              (403, "AuthorizationFailed")])
def test_a_body_that_cannot_be_read_keeps_the_list_entry(collect, fake, status, code):
    """A GET by id answered 404, 400 or 403 keeps the list entry with ``_unavailable``
    naming the call and ARM's code; the scope completes."""
    fake.faults.append(Fault(REDIS.lower(), status, 100, {}, code))
    result = collect({"subscription": [PRODUCTION]})
    assert result.errors == {}
    redis = result.assets[REDIS.lower()]
    assert "properties" not in redis.properties
    assert redis.properties["_unavailable"] == {"properties": f"Resources_GetById: {code}"}


def test_a_server_error_on_a_body_fails_the_generic_scope(collect, fake):
    """Only a missing or denied body is tolerated: a 500 after its retries fails the scope."""
    fake.fail(REDIS, 500, times=100)
    result = collect({"subscription": [PRODUCTION], "types": ["Microsoft.Cache/Redis"]})
    assert list(result.errors.values()) == [f"GET {REDIS}: HTTP 500 Fault: injected 500"]


def test_generic_resources_are_contained_by_their_group_or_parent(production):
    """CONTAINS from the resource group for a top-level resource, from the parent for a
    child (an elastic pool's server)."""
    assert (GROUP, "CONTAINS", REDIS.lower()) in production.relationships
    pool = seed_id(PRODUCTION, "Microsoft.Sql/servers/elasticPools", "sqlcrudtest-4645/pool1")
    assert (f"{GROUP}/providers/microsoft.sql/servers/sqlcrudtest-4645", "CONTAINS",
            pool.lower()) in production.relationships


def test_identities_of_generic_resources_are_related(production):
    """A generic resource running as a user-assigned identity HAS_ROLE it, as mapped ones."""
    app = seed_id(PRODUCTION, "Microsoft.App/containerApps", "app1").lower()
    identity = f"{GROUP}/providers/microsoft.managedidentity/userassignedidentities/id-web"
    assert (app, "HAS_ROLE", identity) in production.relationships


def test_type_option_takes_any_arm_type(collect, fake):
    """--type Microsoft.Cache/Redis: one scope, the list filtered by ARM, one asset."""
    result = collect({"subscription": [PRODUCTION], "types": ["Microsoft.Cache/Redis"]})
    assert {a.asset_type for a in result.assets.values()} == {"azure:cache:redis"}
    assert list(result.errors) == []
    listing = fake.requests_to(RESOURCES)
    assert [s.query["$filter"] for s in listing] == [["resourceType eq 'microsoft.cache/redis'"]]


def test_the_generic_list_is_followed_across_pages(collect, fake):
    """nextLink pages of the generic list are all read (the $filter kept in each link)."""
    fake.page_size = 7
    result = collect({"subscription": [PRODUCTION], "types": ["microsoft.resources/resources"]})
    assert len(fake.requests_to(RESOURCES)) > 5
    seeds = {seed_id(PRODUCTION, s[0], s[2]).lower() for s in SEEDS}
    assert seeds <= set(result.assets)
    assert not {a.asset_type for a in result.assets.values()} & {t.asset_type for t in CATALOGUE}


def test_management_groups_are_assets_that_contain_their_children(collect, fake):
    """Without --subscription the tenant's management groups are collected: each CONTAINS
    its child groups and subscriptions; their account is the tenant."""
    result = collect()
    root = "/providers/microsoft.management/managementgroups/contoso-root"
    platform = "/providers/microsoft.management/managementgroups/platform"
    assert result.assets[root].asset_type == "azure:management:management-group"
    assert result.assets[platform].account == fake.tenant_id
    assert result.assets[platform].name == "platform"
    assert (root, "CONTAINS", platform) in result.relationships
    assert {(platform, "CONTAINS", f"/subscriptions/{s}") for s in (PRODUCTION, STAGING)} <= \
        result.relationships
    assert result.errors == {}


def test_management_groups_are_left_out_when_subscriptions_are_named(production, fake):
    """--subscription narrows the run to subscriptions: no tenant-level read."""
    assert fake.requests_to("/providers/Microsoft.Management") == []


def test_known_types_are_those_seeded():
    """Every type known by name is seeded in the tests' estate."""
    assert {t.lower() for t in KNOWN_TYPES} == {seed[0].lower() for seed in SEEDS}
