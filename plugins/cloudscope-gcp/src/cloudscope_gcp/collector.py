"""The GCP collector: plans (project, service) scopes and collects them through Cloud Asset.

Plan: a ``projects/ID`` scope gives that project's scopes; a folder or organization lists
its active projects (Cloud Asset ``cloudresourcemanager.googleapis.com/Project`` at that
scope) and gives theirs, plus one container scope holding the organization, folders and
projects themselves. Each project scope lists its service's types at ``projects/ID``, so a
project that refuses access fails its own scopes and no other.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from cloudscope.api import AssetTypeInfo

from cloudscope_gcp.catalogue import (
    CONTAINERS,
    GROUPS,
    PROJECT_TYPE,
    ServiceGroup,
    asset_type_infos,
    group_for,
)
from cloudscope_gcp.credentials import default_project, load_credentials
from cloudscope_gcp.mapping import to_asset
from cloudscope_gcp.relationships import RelationshipBuilder
from cloudscope_gcp.scopes import HierarchyScope
from cloudscope_gcp.settings import GcpSettings
from cloudscope_gcp.transport import AssetApi, AssetApiError

PROVIDER = "gcp"
IAM_POLICY_CALL = "ListAssets(IAM_POLICY)"
"""How a denied policy listing is named under ``_unavailable`` (docs/properties.md)."""


class GcpCollector(Collector):
    """Google Cloud through the Cloud Asset Inventory API, at project, folder or
    organization scope, with application default credentials.

    Options: ``scope`` (a list of ``projects/ID``, ``folders/ID``, ``organizations/ID``;
    default the credentials' project) and ``impersonate_service_account`` (an email).
    Added in cloudscope-gcp 0.1.
    """

    default_concurrency = 8

    @classmethod
    def volatile_fields(cls) -> dict[str, tuple[str, ...]]:
        """Fields Google Cloud changes by itself, never reported as changes: a GKE
        cluster's node count, which the autoscaler moves. API 1.1 (unused by 1.0 cores)."""
        return {"gcp:container:cluster": ("currentNodeCount",)}

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self.settings = ctx.settings(GcpSettings)
        self.scopes = [HierarchyScope.parse(text) for text in options.get("scope") or ()]
        credentials = self.credentials = load_credentials(
            options.get("impersonate_service_account"), self.settings.iam_credentials_endpoint)
        if not self.scopes:
            project = default_project()
            if not project:
                raise UsageError("give --scope projects/ID, folders/ID or organizations/ID "
                                 "(the application default credentials name no project)")
            self.scopes = [HierarchyScope("projects", project)]
        self.api = AssetApi(credentials, self.settings, ctx)

    @classmethod
    def asset_types(cls) -> tuple[AssetTypeInfo, ...]:
        """Every Cloud Asset type collected, from the catalogue. Added in API 1.1."""
        return asset_type_infos()

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--scope`` (repeatable) and ``--impersonate-service-account``."""
        parser.add_argument(
            "--scope", action="append", metavar="projects/ID|folders/ID|organizations/ID",
            help="resource hierarchy node to collect, repeatable (default: the project of "
                 "the application default credentials)")
        parser.add_argument(
            "--impersonate-service-account", metavar="EMAIL",
            help="act as this service account (needs roles/iam.serviceAccountTokenCreator)")

    def plan(self) -> list[ScopeKey]:
        """Each project's service scopes, and the container scopes, in a stable order."""
        planned: list[ScopeKey] = []
        for scope in self.scopes:
            if scope.is_project:
                project = self._project_id(scope.identifier)
                planned.append(ScopeKey(provider=PROVIDER, account=project, service=CONTAINERS))
                planned += _project_scopes(project)
            else:
                planned.append(ScopeKey(provider=PROVIDER, account=scope.parent,
                                        service=CONTAINERS))
                for project in self._projects_under(scope.parent):
                    planned += _project_scopes(project)
        return planned

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """Stream the scope's assets, then the relationships that needed all of them."""
        hierarchy = "/" in scope.account
        try:
            group = group_for(scope.service, hierarchy=hierarchy)
        except KeyError as error:
            raise CollectionError(f"unknown GCP scope service {scope.service!r}") from error
        parent = scope.account if hierarchy else f"projects/{scope.account}"
        account = None if hierarchy else scope.account
        policies, denied = self._iam_policies(parent, group)
        builder = RelationshipBuilder(scope.account)
        own = set(group.asset_types)
        listed = [*group.asset_types, *(t for t in group.lookup_types if t not in own)]
        count = 0
        for raw in self.api.list_assets(parent, listed):
            native = raw.get("assetType")
            if native not in own:
                builder.observe_lookup(raw)
                continue
            count += 1
            yield to_asset(raw, account=account, iam_policy=policies.pop(raw["name"], None),
                           unavailable=denied if native in group.iam_policy_types else None)
            yield from builder.add(raw)
        yield from builder.finish()
        self.ctx.log.debug("gcp.scope_collected", parent=parent, service=scope.service,
                           assets=count, iam_policies=len(policies))

    def check(self) -> Iterator[Check]:
        """``cloudscope doctor``: the account and a token, each scope's projects, one read
        per service group in the first project. Added in cloudscope-gcp 0.1 (plugin API 1.1)."""
        from cloudscope_gcp.checks import identity_check, project_checks, read_checks

        identity = identity_check(self)
        yield identity
        if identity.status.value == "fail":
            return
        projects = []
        for item in project_checks(self):
            if isinstance(item, Check):
                yield item
            else:
                projects.append(item)
        if projects:
            yield from read_checks(self, projects[0])

    def close(self) -> None:
        """Close the HTTP sessions."""
        self.api.close()

    def _iam_policies(self, parent: str,
                      group: ServiceGroup) -> tuple[dict[str, Any], dict[str, str] | None]:
        """The group's IAM policies by resource name, and the denial to record on each of
        its resources when the caller may list resources but not their policies."""
        # Listed first and held (policies are small and few) so that each resource streams
        # out with its policy merged, instead of holding the resources.
        if not group.iam_policy_types:
            return {}, None
        try:
            return {raw["name"]: raw["iamPolicy"]
                    for raw in self.api.list_assets(parent, group.iam_policy_types, "IAM_POLICY")
                    if raw.get("iamPolicy")}, None
        except AssetApiError as error:
            # cloudasset.assets.listIamPolicy is a permission of its own: without it the
            # resources are still listed (a denied resource listing fails the scope below).
            if error.status_code != 403:
                raise
            self.ctx.count("details_unavailable")
            self.ctx.log.warning("gcp.iam_policies_denied", parent=parent, service=group.service)
            return {}, {"iamPolicy": f"{IAM_POLICY_CALL}: {error.status or 'PERMISSION_DENIED'}"}

    def _project_id(self, identifier: str) -> str:
        """A project id, resolving a project number through its Project asset."""
        if not identifier.isdigit():
            return identifier
        for raw in self.api.list_assets(f"projects/{identifier}", [PROJECT_TYPE]):
            project_id = ((raw.get("resource") or {}).get("data") or {}).get("projectId")
            if project_id:
                return str(project_id)
        raise CollectionError(f"projects/{identifier}: no project with that number is visible")

    def _projects_under(self, parent: str) -> list[str]:
        """The active projects under a folder or organization, by id."""
        projects: set[str] = set()
        for raw in self.api.list_assets(parent, [PROJECT_TYPE]):
            data = (raw.get("resource") or {}).get("data") or {}
            state = data.get("lifecycleState") or data.get("state") or "ACTIVE"
            if data.get("projectId") and state == "ACTIVE":
                projects.add(str(data["projectId"]))
        self.ctx.log.info("gcp.projects_listed", scope=parent, projects=len(projects))
        return sorted(projects)


def _project_scopes(project: str) -> list[ScopeKey]:
    return [ScopeKey(provider=PROVIDER, account=project, service=group.service) for group in GROUPS]
