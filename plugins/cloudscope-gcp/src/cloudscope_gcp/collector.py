"""The GCP collector: plans project scopes and collects them through Cloud Asset.

Plan: a ``projects/ID`` scope gives that project's scope (every type, or with ``--type``
one scope per chosen API service); a folder or organization lists its active projects
(Cloud Asset ``cloudresourcemanager.googleapis.com/Project`` at that node) and gives
theirs, plus one container scope holding the organization, folders and projects
themselves. Collect: under a folder or organization the assets are listed once at that
node and shared out by project (shared_listing.py); otherwise, in a ``--shard`` run, or
when the shared listing fails, each scope lists its own project, so a project that refuses
access fails its own scope and no other. Ownership rules: ownership.py.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Mapping
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
    ALL_TYPES,
    CONTAINERS,
    HIERARCHY_TYPES,
    POLICY_TYPES,
    PROJECT_TYPE,
    SERVICE_ACCOUNT_TYPE,
    asset_type_infos,
    service_for_type,
    service_of,
)
from cloudscope_gcp.credentials import default_project, load_credentials
from cloudscope_gcp.mapping import to_asset
from cloudscope_gcp.ownership import (
    container_scope,
    is_container_scope,
    listing_filter,
    owns,
    project_number,
)
from cloudscope_gcp.relationships import RelationshipBuilder
from cloudscope_gcp.scopes import HierarchyScope
from cloudscope_gcp.settings import GcpSettings
from cloudscope_gcp.shared_listing import Policies, SharedListing, SharedListingFailed
from cloudscope_gcp.transport import AssetApi, AssetApiError

PROVIDER = "gcp"
IAM_POLICY_CALL = "ListAssets(IAM_POLICY)"
"""How a denied policy listing is named under ``_unavailable`` (docs/properties.md)."""
_HIERARCHY_SERVICES = frozenset(service_of(native) for native in HIERARCHY_TYPES)


class GcpCollector(Collector):
    """Google Cloud through the Cloud Asset Inventory API, at project, folder or
    organization scope, with application default credentials.

    Options: ``scope`` (a list of ``projects/ID``, ``folders/ID``, ``organizations/ID``;
    default the credentials' project), ``types`` (CloudScope or Cloud Asset types whose
    API services to collect; default every type) and ``impersonate_service_account`` (an
    email). Added in cloudscope-gcp 0.1; ``types`` in 0.2.
    """

    default_concurrency = 8

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
        self.services = chosen_services(options.get("types"))
        self._project_ids: dict[str, str] = {}  # project number -> id, from the plan
        self._hierarchy_of: dict[str, str] = {}  # project id -> folder or organization
        self._shared: dict[str, SharedListing] = {}  # by folder or organization

    @classmethod
    def asset_types(cls) -> tuple[AssetTypeInfo, ...]:
        """Every Cloud Asset type collected, from the catalogue. Added in API 1.1."""
        return asset_type_infos()

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--scope`` and ``--type`` (repeatable), ``--impersonate-service-account``."""
        parser.add_argument(
            "--scope", action="append", metavar="projects/ID|folders/ID|organizations/ID",
            help="resource hierarchy node to collect, repeatable (default: the project of "
                 "the application default credentials)")
        parser.add_argument(
            "--type", action="append", metavar="TYPE", dest="types",
            help="collect only the API service of this type, repeatable: --type "
                 "gcp:compute:instance collects every compute.googleapis.com type "
                 "(default: every type; see `cloudscope types --provider gcp`)")
        parser.add_argument(
            "--impersonate-service-account", metavar="EMAIL",
            help="act as this service account (needs roles/iam.serviceAccountTokenCreator)")

    def plan(self) -> list[ScopeKey]:
        """Each project's scopes, and the container scopes, in a stable order."""
        planned: dict[str, ScopeKey] = {}
        for scope in self.scopes:
            if scope.is_project:
                planned.update((key.key, key) for key in
                               self._project_scopes(self._project_id(scope.identifier)))
                continue
            under: list[ScopeKey] = []
            if self.services is None or self.services & _HIERARCHY_SERVICES:
                under.append(container_scope(scope.parent))
            for project, number in self._projects_under(scope.parent):
                self._project_ids[number] = project
                self._hierarchy_of.setdefault(project, scope.parent)
                under += self._project_scopes(project)
            under = [key for key in under if key.key not in planned]
            planned.update((key.key, key) for key in under)
            self._shared[scope.parent] = SharedListing(
                self.api, self.ctx, scope.parent, scopes=under, project_ids=self._project_ids,
                policy_lister=self._iam_policies)
        if not getattr(self.ctx, "sharded", False):
            for shared in self._shared.values():
                shared.start()  # the listing overlaps the opening of the store
        return list(planned.values())

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        """Stream the scope's assets, then the relationships that needed all of them."""
        container = is_container_scope(scope)
        hierarchy = scope.account if container else self._hierarchy_of.get(scope.account)
        builder = RelationshipBuilder(scope.account)
        done: set[str] = set()  # names yielded (a failed shared listing's are not repeated)
        shared = self._shared.get(hierarchy or "")
        if shared is not None and not getattr(self.ctx, "sharded", False):
            try:
                policies = shared.policies()
                for raw, own in shared.stream(scope):
                    if own:
                        yield from self._emit(scope, raw, policies, builder, done)
                    else:
                        builder.observe_lookup(raw)
            except SharedListingFailed as error:
                if self.ctx.cancelled.is_set():
                    raise
                self.ctx.log.info("gcp.scope_lists_alone", scope=scope.key, error=error.message)
            else:
                yield from builder.finish()
                self._collected(scope, len(done), shared=True)
                return
        parent = scope.account if container else f"projects/{scope.account}"
        types = listing_filter([scope])
        policies = self._iam_policies(parent, types)
        for raw in self.api.list_assets(parent, types):
            native = str(raw.get("assetType") or "")
            if owns(scope, native, project_number(raw), hierarchy=hierarchy is not None):
                if raw.get("name") not in done:
                    yield from self._emit(scope, raw, policies, builder, done)
            elif native == SERVICE_ACCOUNT_TYPE:
                builder.observe_lookup(raw)
        yield from builder.finish()
        self._collected(scope, len(done), shared=False)

    def covers(self, scope: ScopeKey, other: ScopeKey) -> bool:
        """A project's ``all`` scope lists every asset of the project, so it covers the
        project's other scopes: a ``--type`` run's per-service scopes and the per-service
        scopes of older versions; never a folder's or organization's container scope.
        Planned under a folder or organization, it leaves the project itself to the
        container scope: the project's ``cloudresourcemanager.googleapis.com`` scope (where
        a project-level ``--type`` run stored the Project) is then not covered.
        Added in cloudscope-gcp 0.1 (plugin API 1.1)."""
        if scope.provider != PROVIDER or other.provider != PROVIDER \
                or scope.service != ALL_TYPES or is_container_scope(scope):
            return False
        if other.account != scope.account or other.service == ALL_TYPES:
            return False
        return not (other.service == CONTAINERS and scope.account in self._hierarchy_of)

    def _collected(self, scope: ScopeKey, assets: int, *, shared: bool) -> None:
        self.ctx.log.debug("gcp.scope_collected", scope=scope.key, assets=assets, shared=shared)

    def _emit(self, scope: ScopeKey, raw: dict[str, Any], policies: Policies,
              builder: RelationshipBuilder, done: set[str]) -> Iterator[Asset | Relationship]:
        """One asset (its policy merged) and the edges it implies alone; ``done`` notes
        its name."""
        account = None if is_container_scope(scope) else scope.account
        try:
            name = raw["name"]
            asset = to_asset(raw, account=account, iam_policy=policies.by_name.get(name),
                             unavailable=policies.denied if raw["assetType"] in POLICY_TYPES
                             else None)
            edges = list(builder.add(raw))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # One malformed asset of a type never seen before must not fail the scope.
            self.ctx.count("assets_skipped")
            self.ctx.log.warning("gcp.asset_skipped", scope=scope.key,
                                 asset=str(raw.get("name"))[:300], error=str(error)[:300])
            return
        done.add(name)
        yield asset
        yield from edges

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
        """Close the HTTP sessions (the shared listings' threads given a moment to end)."""
        for shared in self._shared.values():
            shared.join(timeout=1.0)
        self.api.close()

    def _iam_policies(self, parent: str, types: list[str]) -> Policies:
        """The IAM policies under ``parent`` of ``types`` (none: every type) by resource
        name, or the denial to record on resources whose type carries one when the caller
        may list resources but not their policies."""
        # Listed first and held (policies are small and few) so that each resource streams
        # out with its policy merged, instead of holding the resources.
        try:
            return Policies({raw["name"]: raw["iamPolicy"]
                             for raw in self.api.list_assets(parent, types, "IAM_POLICY")
                             if raw.get("iamPolicy") and raw.get("name")})
        except AssetApiError as error:
            # cloudasset.assets.listIamPolicy is a permission of its own: without it the
            # resources are still listed (a denied resource listing fails the scope below).
            if error.status_code != 403:
                raise
            self.ctx.count("details_unavailable")
            self.ctx.log.warning("gcp.iam_policies_denied", parent=parent)
            return Policies({}, {"iamPolicy": f"{IAM_POLICY_CALL}: "
                                              f"{error.status or 'PERMISSION_DENIED'}"})

    def _project_id(self, identifier: str) -> str:
        """A project id, resolving a project number through its Project asset."""
        if not identifier.isdigit():
            return identifier
        for raw in self.api.list_assets(f"projects/{identifier}", [PROJECT_TYPE]):
            project_id = ((raw.get("resource") or {}).get("data") or {}).get("projectId")
            if project_id:
                return str(project_id)
        raise CollectionError(f"projects/{identifier}: no project with that number is visible")

    def _projects_under(self, parent: str) -> list[tuple[str, str]]:
        """The active projects under a folder or organization: (id, number), by id."""
        projects: dict[str, str] = {}
        for raw in self.api.list_assets(parent, [PROJECT_TYPE]):
            data = (raw.get("resource") or {}).get("data") or {}
            state = data.get("lifecycleState") or data.get("state") or "ACTIVE"
            if data.get("projectId") and state == "ACTIVE":
                number = str(data.get("projectNumber") or str(raw.get("name")).rsplit("/", 1)[-1])
                projects[str(data["projectId"])] = number
        self.ctx.log.info("gcp.projects_listed", scope=parent, projects=len(projects))
        return sorted(projects.items())

    def _project_scopes(self, project: str) -> list[ScopeKey]:
        services = [ALL_TYPES] if self.services is None else sorted(self.services)
        return [ScopeKey(provider=PROVIDER, account=project, service=service)
                for service in services]


def chosen_services(types: Iterable[str] | None) -> frozenset[str] | None:
    """The API services that ``--type`` values name (None: every type); a malformed value
    is a usage error naming every such value."""
    if not types:
        return None
    services = {text: service_for_type(text) for text in types}
    bad = [text for text, service in services.items() if service is None]
    if bad:
        raise UsageError(f"--type {', '.join(map(repr, bad))}: expected gcp:SERVICE:KIND "
                         "(gcp:compute:instance) or a Cloud Asset type "
                         "(compute.googleapis.com/Instance)",
                         hint="see `cloudscope types --provider gcp`")
    return frozenset(service for service in services.values() if service)
