"""The Azure collector: one scope per (subscription, resource type).

This module is imported to read the collector's options (``cloudscope collect azure
--help``), so azure-identity and azure-core are imported only in :meth:`__init__`, through
the modules that need them.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cloudscope.api import (
    Asset,
    Check,
    CollectContext,
    CollectionError,
    Collector,
    Relationship,
    ScopeKey,
    UsageError,
)

from cloudscope_azure.assets import normalise_id, to_asset
from cloudscope_azure.catalogue import (
    BY_SERVICE,
    CATALOGUE,
    MANAGEMENT_GROUPS,
    RESOURCES,
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITIONS,
    SUBSCRIPTION,
    SUBSCRIPTIONS_API_VERSION,
    ResourceType,
    asset_type_infos,
)
from cloudscope_azure.naming import asset_type_for, canonical, is_arm_type
from cloudscope_azure.relationships import relationships_of
from cloudscope_azure.settings import CLOUDS, AzureSettings, Cloud

if TYPE_CHECKING:
    from cloudscope.api import AssetTypeInfo

    from cloudscope_azure.arm import ArmClient
    from cloudscope_azure.generic import GenericResources, ProviderVersions
    from cloudscope_azure.graph import GraphRows

SKIPPED_STATES: Final = frozenset({"disabled", "deleted"})
"""Subscription states (``GET /subscriptions`` ``state``) not collected unless named."""
GENERIC_SERVICE: Final = RESOURCES.service
"""The scope of every type without a hand mapping (``microsoft.resources/resources``)."""
TENANT: Final = "tenant"
"""The account of the tenant-level scope (management groups)."""
VIA: Final = ("arm", "resource-graph")
_SUBSCRIPTION_ID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMBEDDED: Final = {child.service: holder for holder in CATALOGUE for _, child in holder.embedded}


class AzureCollector(Collector):
    """Collect every Azure resource through Resource Manager, subscription by subscription.

    The mapped types (catalogue.CATALOGUE) are listed by their own calls, with their
    relationships; every other type comes from the generic resources list
    (cloudscope_azure.generic), or all of them from one Resource Graph query
    (``--via resource-graph``, cloudscope_azure.graph). Signs in with DefaultAzureCredential
    (az login, AZURE_* variables, managed identity) or the service principal of the azure:
    config section. Needs the Reader role (docs/azure.md lists the exact read actions).
    """

    # ARM's read limit is per subscription and principal; eight concurrent list calls stay
    # well inside it while hiding latency.
    default_concurrency: ClassVar[int] = 8

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--subscription`` (repeatable), ``--cloud``, ``--type`` (repeatable), ``--via``."""
        parser.add_argument("--subscription", action="append", metavar="ID",
                            help="subscription id to collect (repeatable; default: every "
                                 "subscription the identity can see)")
        parser.add_argument("--cloud", choices=sorted(CLOUDS),
                            help="national cloud (default: azure.cloud, else public; "
                                 "AZURE_AUTHORITY_HOST is honoured when no cloud is chosen)")
        parser.add_argument("--type", action="append", metavar="ARM_TYPE", dest="types",
                            help="collect only this resource type, any ARM type, e.g. "
                                 "microsoft.compute/virtualmachines or microsoft.cache/redis "
                                 "(repeatable; default: every resource)")
        parser.add_argument("--via", choices=VIA, default="arm",
                            help="arm: Resource Manager list calls (default); resource-graph: "
                                 "one Azure Resource Graph query across the subscriptions")

    @classmethod
    def asset_types(cls) -> tuple[AssetTypeInfo, ...]:
        """The mapped types and the types known by name, from the catalogue (their volatile
        fields included). Added in API 1.1."""
        return asset_type_infos()

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self.settings = ctx.settings(AzureSettings)
        self.subscriptions = _subscriptions(options.get("subscription"))
        self.types, self.generic_services = _types(options.get("types"))
        # The tenant's management groups: collected unless --subscription narrows the run to
        # subscriptions without --type naming them.
        self.tenant_level = not self.subscriptions or bool(options.get("types"))
        self.via = options.get("via") or "arm"
        cloud_name = options.get("cloud") or self.settings.cloud
        explicit: Cloud | None = CLOUDS[cloud_name] if cloud_name else None
        cloud = explicit or CLOUDS["public"]
        self.resource_manager_url = self.settings.resource_manager_url or \
            cloud.resource_manager_url
        # Azure libraries load here, when a collection runs, never for --help or plugins.
        from cloudscope_azure.arm import ArmClient
        from cloudscope_azure.credentials import build_credential
        from cloudscope_azure.generic import GenericResources, ProviderVersions

        self.credential = build_credential(self.settings, explicit)
        self.arm: ArmClient = ArmClient(
            ctx, self.credential, self.resource_manager_url, cloud.audience,
            retries=self.settings.retries, retry_backoff_s=self.settings.retry_backoff_s,
            server_retries=self.settings.server_retries)
        self.versions: ProviderVersions = ProviderVersions(self.arm)
        self.generic: GenericResources = GenericResources(ctx, self.arm, self.versions)
        self.graph: GraphRows | None = None
        mapped = {resource_type.service for resource_type in self.types}
        self._routes = {service: service for service in (*mapped, *self.generic_services)}
        # The generic list skips what another scope collects.
        self._skip = frozenset({*BY_SERVICE, *self.generic_services})

    def plan(self) -> list[ScopeKey]:
        """A scope per subscription and mapped type, one per subscription for the other
        types (or one per type named with --type), one for the tenant's management groups
        (unless --subscription alone narrows the run)."""
        subscriptions = self.subscriptions or self._visible_subscriptions()
        self.ctx.log.info("azure.plan", subscriptions=len(subscriptions),
                          types=len(self.types), resource_manager=self.resource_manager_url,
                          via=self.via)
        if self.via == "resource-graph":
            from cloudscope_azure.graph import GraphRows

            self.graph = GraphRows(self.arm, subscriptions, self._route)
        tenant = [ScopeKey(provider="azure", account=TENANT, region=None,
                           service=resource_type.service)
                  for resource_type in self.types
                  if resource_type.tenant_level and self.tenant_level]
        services = [*(t.service for t in self.types if not t.tenant_level),
                    *self.generic_services]
        return tenant + [ScopeKey(provider="azure", account=subscription, region=None,
                                  service=service)
                         for subscription in subscriptions for service in services]

    def _route(self, native_type: str) -> str | None:
        """The service of the scope collecting a (lower-case) ARM type, None if none does."""
        if native_type in self._routes:
            return self._routes[native_type]
        if native_type in BY_SERVICE or GENERIC_SERVICE not in self._routes:
            return None
        return GENERIC_SERVICE

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        """A subscription's generic scope lists every resource of a type without a hand
        mapping, so it covers the subscription's scopes of such types (a ``--type`` run's
        ``microsoft.cache/redis``); never a mapped type's scope (full runs complete those
        themselves), nor a type this run collects in a scope of its own, nor the tenant's.
        Added in cloudscope-azure 0.1 (plugin API 1.1)."""
        return (scope.provider == other.provider == "azure" and scope.service == GENERIC_SERVICE
                and GENERIC_SERVICE in self._routes and scope.account != TENANT
                and other.account == scope.account and other.service != GENERIC_SERVICE
                and other.service not in self._skip and is_arm_type(other.service))

    def _visible_subscriptions(self) -> list[str]:
        found: set[str] = set()
        for body in self.arm.list("/subscriptions", SUBSCRIPTIONS_API_VERSION):
            if not body.get("subscriptionId"):
                continue
            subscription = str(body["subscriptionId"]).lower()
            state = str(body.get("state") or "")
            # A disabled or deleted subscription answers reads with errors or nothing: it
            # is skipped with a note rather than failing its scopes on every run.
            if state.lower() in SKIPPED_STATES:
                self.ctx.count("subscriptions_skipped")
                self.ctx.log.warning("azure.subscription_skipped", subscription=subscription,
                                     state=state)
                continue
            found.add(subscription)
        if not found:
            raise CollectionError("the identity can see no enabled subscription",
                                  hint="grant it Reader on a subscription, or pass --subscription")
        return sorted(found)

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """List the scope's types in its subscription; yield assets and edges."""
        service, subscription = scope.service, scope.account
        resource_type = BY_SERVICE.get(service)
        if resource_type is MANAGEMENT_GROUPS:
            yield from self._management_groups()
            return
        if self.graph is not None and resource_type is not ROLE_DEFINITIONS:
            bodies: Iterable[dict[str, Any]] = self.graph.take(subscription, service)
        elif resource_type is not None:
            bodies = self._bodies(resource_type, subscription)
        elif service == GENERIC_SERVICE:
            bodies = self.generic.bodies(subscription, skip=self._skip)
        elif is_arm_type(service):
            bodies = self.generic.bodies(subscription, only=service)
        else:
            raise CollectionError(f"unknown Azure resource type {service!r}")
        if resource_type is None:
            for body in bodies:
                yield from self._generic_items(body, subscription)
            return
        for body in bodies:
            yield from self._items(resource_type, body, subscription)
            for field, child_type in resource_type.embedded:
                children = (body.get("properties") or {}).get(field) or ()
                for child in children:
                    if isinstance(child, dict) and child.get("id"):
                        yield from self._items(child_type, child, subscription,
                                               location=body.get("location"))

    def _bodies(self, resource_type: ResourceType,
                subscription: str) -> Iterator[dict[str, Any]]:
        base = f"/subscriptions/{subscription}"
        if resource_type is SUBSCRIPTION:
            yield self.arm.get(base, resource_type.api_version)
        elif resource_type is ROLE_DEFINITIONS:
            yield from self._role_definitions(base)
        elif resource_type.parent is not None:
            parent = resource_type.parent
            for parent_body in self.arm.list(base + parent.list_path, parent.api_version):
                path = normalise_id(parent_body["id"]) + resource_type.list_path
                yield from self.arm.list(path, resource_type.api_version)
        else:
            yield from self.arm.list(base + resource_type.list_path, resource_type.api_version)

    def _role_definitions(self, base: str) -> Iterator[dict[str, Any]]:
        """Custom roles, and the built-in roles an assignment of the subscription uses."""
        used = {_last_segment((body.get("properties") or {}).get("roleDefinitionId"))
                for body in self.arm.list(base + ROLE_ASSIGNMENTS.list_path,
                                          ROLE_ASSIGNMENTS.api_version)}
        for body in self.arm.list(base + ROLE_DEFINITIONS.list_path, ROLE_DEFINITIONS.api_version):
            kind = str((body.get("properties") or {}).get("type") or "").lower()
            if kind == "customrole" or _last_segment(body.get("id")) in used:
                yield body

    def _management_groups(self) -> Iterator[Asset | Relationship]:
        """Each management group read with its children: it CONTAINS them."""
        version = MANAGEMENT_GROUPS.api_version
        for listed in self.arm.list(MANAGEMENT_GROUPS.list_path, version):
            if not listed.get("id"):
                continue
            body = self.arm.detail(listed, "children", "ManagementGroups_Get",
                                   str(listed["id"]), version,
                                   params={"$expand": "children"}) or listed
            tenant = str((body.get("properties") or {}).get("tenantId") or TENANT)
            yield from self._items(MANAGEMENT_GROUPS, body, tenant.lower())

    def _items(self, resource_type: ResourceType, body: dict[str, Any], subscription: str,
               location: str | None = None) -> Iterator[Asset | Relationship]:
        if not body.get("id"):
            return
        asset = to_asset(body, asset_type=resource_type.asset_type,
                         native_type=resource_type.native_type, subscription=subscription,
                         location=location)
        yield asset
        yield from relationships_of(asset.id, body, resource_type.edges)

    def _generic_items(self, body: dict[str, Any],
                       subscription: str) -> Iterator[Asset | Relationship]:
        """A type without a hand mapping, named by the rule (naming.asset_type_for)."""
        if not body.get("id"):
            return
        native_type = canonical(str(body.get("type") or ""), self.versions.names(subscription))
        asset = to_asset(body, asset_type=asset_type_for(native_type), native_type=native_type,
                         subscription=subscription)
        yield asset
        yield from relationships_of(asset.id, body, ())

    def check(self) -> Iterator[Check]:
        """``cloudscope doctor``: sign-in, the subscriptions in reach, one read of each
        resource type in the first of them. Added in cloudscope-azure 0.1 (plugin API 1.1)."""
        from cloudscope_azure.checks import identity_check, read_checks

        identity = identity_check(self)
        yield identity
        if identity.status.value == "fail":
            return
        try:
            subscriptions = self.subscriptions or self._visible_subscriptions()
        except CollectionError as error:
            yield Check.fail("subscriptions", error.message, error.hint or
                             "grant the identity Reader on a subscription, or give "
                             "subscriptions in the target")
            return
        shown = ", ".join(subscriptions[:3]) + (" ..." if len(subscriptions) > 3 else "")
        yield Check.ok("subscriptions", f"{len(subscriptions)}: {shown}")
        generic = [RESOURCES] if self.generic_services else []
        types = [t for t in self.types if self.tenant_level or not t.tenant_level]
        yield from read_checks(self, subscriptions[0], [*types, *generic])

    def close(self) -> None:
        """Close the pipelines and the credential's sessions."""
        self.generic.close()
        self.arm.close()
        close = getattr(self.credential, "close", None)
        if close is not None:
            close()


def _last_segment(resource_id: Any) -> str:
    """The last segment of an id in lower case (a role definition's GUID)."""
    return str(resource_id or "").rstrip("/").rsplit("/", 1)[-1].lower()


def _subscriptions(values: Any) -> list[str]:
    if not values:
        return []
    bad = [value for value in values if not _SUBSCRIPTION_ID.match(value)]
    if bad:
        raise UsageError(f"--subscription {bad[0]!r}: expected a subscription id (a GUID)")
    return sorted({value.lower() for value in values})


def _types(values: Any) -> tuple[list[ResourceType], list[str]]:
    """The mapped types and the scopes of the other types that ``--type`` names: every
    mapped type and the generic scope by default; any ARM type is accepted."""
    if not values:
        return list(CATALOGUE), [GENERIC_SERVICE]
    wanted = {value.lower() for value in values}
    bad = [value for value in values if not is_arm_type(value)]
    if bad:
        raise UsageError(f"--type {bad[0]!r}: expected an ARM resource type such as "
                         "Microsoft.Compute/virtualMachines")
    embedded = sorted(wanted & set(_EMBEDDED))
    if embedded:
        raise UsageError(f"--type {embedded[0]!r}: collected inside its parent; use --type "
                         f"{_EMBEDDED[embedded[0]].service}")
    mapped = [resource_type for resource_type in CATALOGUE if resource_type.service in wanted]
    return mapped, sorted(wanted - set(BY_SERVICE))
