"""The HTTP API: routes, roles, and the JSON each answers (DESIGN.md section 6).

``/healthz``, ``/readyz``, ``/metrics`` and ``/openapi.json`` need no token; every ``/v1``
route needs a role: viewer (assets, runs), analyst (+ findings, changes, exports), admin
(+ plugins). Handlers are plain functions (FastAPI runs them on its thread pool) that
borrow a store for the request; the hot ones (asset pages and details) are coroutines that
read a local store on the event loop when a connection is free (see ``on_store``).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations
# at run time, and the ``Depends`` in them refer to names local to create_app.
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from cloudscope import __version__
from cloudscope.application.paging import (
    ChangeFilters,
    page_asset_json,
    page_changes,
    page_findings,
)
from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.change import Change, ChangeKind
from cloudscope.domain.errors import NotFoundError, StoreError, UsageError
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.query import AssetQuery, FindingQuery
from cloudscope.domain.redaction import redact_finding, redact_text
from cloudscope.domain.redaction_json import redact_json
from cloudscope.domain.scope import CollectionRun
from cloudscope.infrastructure import metrics
from cloudscope.ports.exporter import Exporter
from cloudscope.ports.repository import AssetDetail, Repository
from cloudscope.service import export_stream
from cloudscope.service.auth import Authenticator, Principal, Role, forbidden
from cloudscope.service.observe import RECORD_KEY, AuditLog, Observe
from cloudscope.service.problems import install_handlers, problem
from cloudscope.service.store_pool import RepositoryPool

JSON = "application/json"
ASSET_FILTERS = frozenset({"provider", "type", "account", "region", "tag", "include_deleted"})


@dataclass
class ServiceContext:
    """What the composition root (``cloudscope serve``) hands the app."""

    open_repository: Callable[[], Repository]
    exporter_for: Callable[[str], Exporter]
    plugin_rows: Callable[[], list[dict[str, Any]]]
    authenticator: Authenticator
    audit: AuditLog
    store_connections: int = 4
    tracer: Any = None
    local_store: bool = False
    """Reads are short (a SQLite file on this machine, no network): the hot routes make
    them on the event loop rather than hop to the thread pool."""


T = TypeVar("T")


class AssetPage(BaseModel):
    """A page of assets (the documented shape; answers are encoded directly)."""

    items: list[Asset]
    next_cursor: str | None


class FindingPage(BaseModel):
    """A page of findings."""

    items: list[Finding]
    next_cursor: str | None


class ChangeItem(Change):
    """A change as ``cloudscope changes --format json`` prints it: the finding changes it
    brought or resolved (``findings``), or for a finding change what caused it
    (``causes``), each in brief."""

    findings: list[dict[str, Any]]
    causes: list[dict[str, Any]]


class ChangePage(BaseModel):
    """A page of changes, oldest first."""

    items: list[ChangeItem]
    next_cursor: str | None


class RunList(BaseModel):
    """Collection runs, newest first."""

    items: list[CollectionRun]


class Problem(BaseModel):
    """An error (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str


class _RawBearer(HTTPBearer):
    """The bearer scheme for the OpenAPI document; the raw header goes to the
    authenticator, which tells a missing header from a malformed one."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return request.headers.get("authorization")


FINDING_FIELDS = tuple(Finding.model_fields)


def _json(data: Any, status: int = 200) -> Response:
    # OPT_UTC_Z writes UTC times as pydantic does ("...Z"): the bytes `assets list --format
    # json` prints, at a tenth of model_dump's cost (pages are the hot path).
    return Response(orjson.dumps(data, option=orjson.OPT_UTC_Z), status_code=status,
                    media_type=JSON)


def _document(model: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """A stored model's fields as a dict for orjson (values came from JSON: no conversion)."""
    return {name: getattr(model, name) for name in fields}


def _asset_document(asset: AssetJson) -> dict[str, Any]:
    """An asset of a page, redacted as ``assets list`` redacts it. Tags and properties go
    out as the stored JSON text when nothing in it can be a secret (most of them): no
    parsing, no walk, no encoding again (pages are the hot path)."""
    try:
        tags, properties = redact_json(asset.tags, asset.properties)
    except ValueError:
        raise StoreError(f"asset {asset.id!r} holds properties that are not valid JSON",
                         hint="collect its source again to replace it") from None
    return {"id": asset.id, "provider": asset.provider, "asset_type": asset.asset_type,
            "native_type": asset.native_type,
            "name": redact_text(asset.name) if asset.name else asset.name,
            "account": asset.account, "region": asset.region,
            "tags": orjson.Fragment(tags), "properties": orjson.Fragment(properties),
            "first_seen": _printed_time(asset.first_seen),
            "last_seen": _printed_time(asset.last_seen)}


def _printed_time(stamp: str | None) -> str | None:
    """A stored time as ``assets list`` prints it: pydantic leaves out a fraction of zero
    (``...:56Z``, not ``...:56.000000Z``)."""
    return stamp[:-8] + "Z" if stamp is not None and stamp.endswith(".000000Z") else stamp


def _tags(items: list[str]) -> dict[str, str]:
    tags = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator or not key:
            raise UsageError(f"tag {item!r}: expected KEY=VALUE")
        tags[key] = value
    return tags


def _export_query(filters: list[tuple[str, str]]) -> AssetQuery:
    """The asset filters of an export, from its query parameters."""
    single = dict(filters)
    return AssetQuery(provider=single.get("provider"), asset_type=single.get("type"),
                      account=single.get("account"), region=single.get("region"),
                      tags=_tags([value for key, value in filters if key == "tag"]),
                      include_deleted=single.get("include_deleted", "").lower() in ("true", "1"))


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 503)}


def _without_native_telemetry() -> dict[str, Any]:
    """Recent FastAPI releases trace and meter requests by themselves whenever
    OpenTelemetry is importable; the Observe middleware already does (with the metric
    names and span attributes documented here, on every FastAPI version the extra
    allows), so theirs is turned off rather than doubled."""
    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    return {"telemetry": {"tracing": False, "metrics": False, "logs": False,
                          "operation_spans": False, "auto_configure": False}}


def create_app(ctx: ServiceContext) -> FastAPI:
    """The FastAPI application over ``ctx``."""
    pool = RepositoryPool(ctx.open_repository, ctx.store_connections)

    def store_figures() -> metrics.StoreFigures:
        with pool.borrow() as repository:
            return metrics.StoreFigures(assets=repository.count_assets_by_type(),
                                        runs=repository.list_runs(),
                                        scopes=repository.list_scopes())

    registry, http_metrics = metrics.service_registry(store_figures)
    app = FastAPI(title="CloudScope", version=__version__, docs_url=None, redoc_url=None,
                  description="A read-only API over a CloudScope inventory.",
                  **_without_native_telemetry())
    app.state.pool = pool
    install_handlers(app)
    app.add_middleware(Observe, audit=ctx.audit, metrics=http_metrics, tracer=ctx.tracer)
    bearer = _RawBearer(bearerFormat="JWT", auto_error=False)
    blocking = bool(getattr(ctx.authenticator, "blocking", False))

    def borrowed(work: Callable[[Repository], T]) -> T:
        with pool.borrow() as repository:
            return work(repository)

    async def on_store(work: Callable[[Repository], T]) -> T:
        """``work`` on a borrowed store: on the event loop when the store is local and a
        connection is free at once (a page from SQLite takes well under a millisecond, less
        than the hop to a worker thread and back); else on the thread pool, never waiting
        on the loop."""
        lent = pool.borrow_now() if ctx.local_store else None
        if lent is None:
            return await run_in_threadpool(borrowed, work)
        with lent as repository:
            return work(repository)

    def role(needed: Role) -> Any:
        async def authorize(request: Request,
                            authorization: Annotated[str | None, Depends(bearer)]) -> Principal:
            if blocking:  # keys fetched from a URL: never on the event loop
                principal = await run_in_threadpool(ctx.authenticator.authenticate,
                                                    authorization)
            else:
                principal = ctx.authenticator.authenticate(authorization)
            record = request.scope.get(RECORD_KEY)
            if record is not None:
                record.principal = principal
            if not principal.may(needed):
                raise forbidden(needed)
            return principal

        return Depends(authorize)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: ERRORS[503]})
    def readyz() -> Response:
        """Readiness: the store answers and its schema is current."""
        try:
            with pool.borrow() as repository:
                version = repository.schema_version()
        except Exception as error:  # any failure to reach the store means "not ready"
            return problem(503, f"the store is not ready: {error}")
        return _json({"status": "ready", "schema_version": version})

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus() -> Response:
        """Prometheus metrics (text format)."""
        return Response(metrics.render(registry), media_type=metrics.CONTENT_TYPE)

    @app.get("/v1/assets", tags=["inventory"], response_model=None,
             responses={200: {"model": AssetPage}, **ERRORS})
    async def list_assets(
        *, principal: Annotated[Principal, role(Role.VIEWER)],
        provider: str | None = None, type: str | None = None, account: str | None = None,
        region: str | None = None,
        tag: Annotated[list[str], Query(description="KEY=VALUE, repeatable")] = [],  # noqa: B006
        include_deleted: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> Response:
        """Assets matching the filters of ``assets list``, a page at a time."""
        query = AssetQuery(provider=provider, asset_type=type, account=account, region=region,
                           tags=_tags(tag), include_deleted=include_deleted)

        def answer(repository: Repository) -> Response:
            page = page_asset_json(repository, query, limit, cursor)
            return _json({"items": [_asset_document(asset) for asset in page.items],
                          "next_cursor": page.next_cursor})

        return await on_store(answer)

    @app.get("/v1/assets/{asset_id:path}", tags=["inventory"], response_model=None,
             responses={200: {"model": AssetDetail}, **ERRORS})
    async def show_asset(principal: Annotated[Principal, role(Role.VIEWER)],
                         asset_id: Annotated[str, Path(description="the asset id, URL-encoded")],
                         ) -> Response:
        """What ``assets show --format json`` prints; findings only for analyst and admin."""

        def answer(repository: Repository) -> Response:
            detail = repository.get_detail(asset_id)
            if detail is None:
                raise NotFoundError(f"no asset with id {asset_id!r}")
            document = detail.redacted().model_dump(mode="json")
            if not principal.may(Role.ANALYST):
                del document["findings"]
            return _json(document)

        return await on_store(answer)

    @app.get("/v1/findings", tags=["inventory"], response_model=None,
             responses={200: {"model": FindingPage}, **ERRORS})
    def list_findings(
        *, principal: Annotated[Principal, role(Role.ANALYST)],
        severity: Annotated[list[Severity], Query(description="repeatable")] = [],  # noqa: B006
        rule_id: str | None = None, provider: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> Response:
        """Findings, most severe first, a page at a time."""
        query = FindingQuery(severities=tuple(severity) or None, rule_id=rule_id,
                             provider=provider)
        with pool.borrow() as repository:
            page = page_findings(repository, query, limit, cursor)
        return _json({"items": [_document(redact_finding(f), FINDING_FIELDS)
                                for f in page.items],
                      "next_cursor": page.next_cursor})

    @app.get("/v1/changes", tags=["inventory"], response_model=None,
             responses={200: {"model": ChangePage}, **ERRORS})
    def list_changes(
        *, principal: Annotated[Principal, role(Role.ANALYST)],
        since: Annotated[str | None, Query(
            description="after this run id, ISO 8601 time (UTC unless it says) or duration "
                        "back from now (30m, 24h, 7d, 2w)")] = None,
        until: Annotated[str | None, Query(
            description="up to this run (included), time or duration")] = None,
        kind: Annotated[list[ChangeKind], Query(description="repeatable")] = [],  # noqa: B006
        findings_only: bool = False,
        provider: str | None = None, type: str | None = None, account: str | None = None,
        region: str | None = None,
        tag: Annotated[list[str], Query(description="KEY=VALUE, repeatable")] = [],  # noqa: B006
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> Response:
        """What ``cloudscope changes --format json`` lists (redacted), a page at a time."""
        filters = ChangeFilters(
            since=since, until=until, kinds=tuple(kind) or None, findings_only=findings_only,
            assets=AssetQuery(provider=provider, asset_type=type, account=account,
                              region=region, tags=_tags(tag)))
        with pool.borrow() as repository:
            page = page_changes(repository, filters, limit, cursor)
        return _json({"items": [report.as_json() for report in page.items],
                      "next_cursor": page.next_cursor})

    @app.get("/v1/runs", tags=["inventory"], response_model=None,
             responses={200: {"model": RunList}, **ERRORS})
    def list_runs(principal: Annotated[Principal, role(Role.VIEWER)],
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Response:
        """Collection runs, newest first."""
        with pool.borrow() as repository:
            runs = repository.list_runs(limit)
        return _json({"items": [{**run.model_dump(mode="json"), "duration_s": run.duration_s()}
                                for run in runs]})

    @app.get("/v1/plugins", tags=["operations"], response_model=None, responses=ERRORS)
    def list_plugins(principal: Annotated[Principal, role(Role.ADMIN)]) -> Response:
        """What ``cloudscope plugins --format json`` prints."""
        return _json(ctx.plugin_rows())

    @app.get("/v1/export/{format_name}", tags=["inventory"], response_class=StreamingResponse,
             responses=ERRORS)
    def export(request: Request, principal: Annotated[Principal, role(Role.ANALYST)],
               format_name: str) -> StreamingResponse:
        """The assets matching the filters of ``assets list`` (query parameters), streamed
        in a format of the installed exporters; other parameters are the format's options
        (``max_nodes=500``). Redacted as ``cloudscope export`` is."""
        parameters = list(request.query_params.multi_items())
        query = _export_query([(k, v) for k, v in parameters if k in ASSET_FILTERS])
        exporter = ctx.exporter_for(format_name)
        options = export_stream.format_arguments(
            exporter, [(k, v) for k, v in parameters if k not in ASSET_FILTERS])
        body = export_stream.start_export(exporter, ctx.open_repository, query, options)
        extension = type(exporter).extension or ".txt"
        return StreamingResponse(body, media_type=export_stream.media_type(exporter), headers={
            "Content-Disposition": f'attachment; filename="cloudscope{extension}"'})

    return app
