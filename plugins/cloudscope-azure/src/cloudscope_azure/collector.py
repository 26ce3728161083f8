"""The Azure collector: one scope per (subscription, resource type).

This module is imported to read the collector's options (``cloudscope collect azure
--help``), so azure-identity and azure-core are imported only in :meth:`__init__`, through
the modules that need them.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator, Mapping
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
    ROLE_ASSIGNMENTS,
    ROLE_DEFINITIONS,
    SUBSCRIPTION,
    SUBSCRIPTIONS_API_VERSION,
    ResourceType,
    asset_type_infos,
)
from cloudscope_azure.relationships import relationships_of
from cloudscope_azure.settings import CLOUDS, AzureSettings, Cloud

if TYPE_CHECKING:
    from cloudscope.api import AssetTypeInfo

    from cloudscope_azure.arm import ArmClient

SKIPPED_STATES: Final = frozenset({"disabled", "deleted"})
"""Subscription states (``GET /subscriptions`` ``state``) not collected unless named."""
_SUBSCRIPTION_ID: Final = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class AzureCollector(Collector):
    """Collect Azure resources through Resource Manager, subscription by subscription.

    Signs in with DefaultAzureCredential (az login, AZURE_* variables, managed identity) or
    the service principal of the azure: config section. Needs the Reader role.
    """

    # ARM's read limit is per subscription and principal; eight concurrent list calls stay
    # well inside it while hiding latency.
    default_concurrency: ClassVar[int] = 8

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--subscription`` (repeatable), ``--cloud``, ``--type`` (repeatable)."""
        parser.add_argument("--subscription", action="append", metavar="ID",
                            help="subscription id to collect (repeatable; default: every "
                                 "subscription the identity can see)")
        parser.add_argument("--cloud", choices=sorted(CLOUDS),
                            help="national cloud (default: azure.cloud, else public; "
                                 "AZURE_AUTHORITY_HOST is honoured when no cloud is chosen)")
        parser.add_argument("--type", action="append", metavar="ARM_TYPE", dest="types",
                            help="collect only this resource type, e.g. "
                                 "microsoft.compute/virtualmachines (repeatable)")

    @classmethod
    def asset_types(cls) -> tuple[AssetTypeInfo, ...]:
        """Every resource type collected, from the catalogue. Added in API 1.1."""
        return asset_type_infos()

    @classmethod
    def volatile_fields(cls) -> dict[str, tuple[str, ...]]:
        """Fields Azure changes by itself, never reported as changes: a database's earliest
        restore point moves forward continuously. API 1.1 (unused by 1.0 cores)."""
        return {"azure:sql:database": ("properties.earliestRestoreDate",)}

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self.settings = ctx.settings(AzureSettings)
        self.subscriptions = _subscriptions(options.get("subscription"))
        self.types = _types(options.get("types"))
        cloud_name = options.get("cloud") or self.settings.cloud
        explicit: Cloud | None = CLOUDS[cloud_name] if cloud_name else None
        cloud = explicit or CLOUDS["public"]
        self.resource_manager_url = self.settings.resource_manager_url or \
            cloud.resource_manager_url
        # Azure libraries load here, when a collection runs, never for --help or plugins.
        from cloudscope_azure.arm import ArmClient
        from cloudscope_azure.credentials import build_credential

        self.credential = build_credential(self.settings, explicit)
        self.arm: ArmClient = ArmClient(
            ctx, self.credential, self.resource_manager_url, cloud.audience,
            retries=self.settings.retries, retry_backoff_s=self.settings.retry_backoff_s,
            server_retries=self.settings.server_retries)

    def plan(self) -> list[ScopeKey]:
        """A scope per subscription and resource type, subscriptions listed when not given."""
        subscriptions = self.subscriptions or self._visible_subscriptions()
        self.ctx.log.info("azure.plan", subscriptions=len(subscriptions),
                          types=len(self.types), resource_manager=self.resource_manager_url)
        return [ScopeKey(provider="azure", account=subscription, region=None,
                         service=resource_type.service)
                for subscription in subscriptions for resource_type in self.types]

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
        """List the scope's resource type in its subscription; yield assets and edges."""
        resource_type = BY_SERVICE.get(scope.service)
        if resource_type is None:
            raise CollectionError(f"unknown Azure resource type {scope.service!r}")
        subscription = scope.account
        for body in self._bodies(resource_type, subscription):
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

    def _items(self, resource_type: ResourceType, body: dict[str, Any], subscription: str,
               location: str | None = None) -> Iterator[Asset | Relationship]:
        if not body.get("id"):
            return
        native_type = body.get("type") or resource_type.native_type
        asset = to_asset(body, asset_type=resource_type.asset_type, native_type=native_type,
                         subscription=subscription, location=location)
        yield asset
        yield from relationships_of(asset.id, body, resource_type.edges)

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
        yield from read_checks(self, subscriptions[0], self.types)

    def close(self) -> None:
        """Close the pipelines and the credential's sessions."""
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


def _types(values: Any) -> list[ResourceType]:
    if not values:
        return list(CATALOGUE)
    unknown = [value for value in values if value.lower() not in BY_SERVICE]
    if unknown:
        raise UsageError(f"--type {unknown[0]!r}: not collected; known types: "
                         + ", ".join(sorted(BY_SERVICE)))
    wanted = {value.lower() for value in values}
    return [resource_type for resource_type in CATALOGUE if resource_type.service in wanted]
