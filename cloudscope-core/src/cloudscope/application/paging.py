"""Pages of assets, findings and changes with opaque cursors, over any repository.

A cursor holds the listing key of the last item of its page (keyset pagination) and a
digest of the filters it was issued for. Reading "after the key" instead of "from offset
N" is what keeps pages from repeating or skipping an item while a collection writes: an
asset inserted before the cursor shifts every offset, never a key. Findings that share a
key (a rule that reports twice on one asset) always end up on the same page, so a key
never splits them.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from cloudscope.application.changes import ChangeReport, read_changes, window
from cloudscope.domain.asset import Asset, AssetJson
from cloudscope.domain.change import FINDING_CHANGES, ChangeKind, ChangeQuery
from cloudscope.domain.errors import UsageError
from cloudscope.domain.finding import Finding
from cloudscope.domain.query import (
    AssetKey,
    AssetQuery,
    FindingKey,
    FindingQuery,
    asset_key,
    asset_order,
    finding_key,
)
from cloudscope.domain.timestamps import isoformat
from cloudscope.ports.repository import Repository, change_log_missing

CURSOR_VERSION: Final = 1
Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    """One page: its items, and the cursor of the next page (None on the last one)."""

    items: list[Item]
    next_cursor: str | None


@contextmanager
def _closed(stream: Iterator[Any]) -> Iterator[None]:
    """Close a stream left unfinished, so the store's cursor (and, for PostgreSQL, its
    pooled connection) is released at once rather than when garbage is collected."""
    try:
        yield
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _digest(filters: Mapping[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode_cursor(kind: str, key: Sequence[Any], filters: Mapping[str, Any]) -> str:
    """An opaque, URL-safe cursor for the page after ``key``."""
    document = {"v": CURSOR_VERSION, "k": kind, "a": list(key), "f": _digest(filters)}
    raw = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, kind: str, filters: Mapping[str, Any]) -> list[Any]:
    """The key inside ``cursor``; a ``UsageError`` when it is malformed, of another kind
    of listing, or was issued for other filters."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        key = document["a"]
        valid = document["v"] == CURSOR_VERSION and isinstance(key, list)
    except (ValueError, TypeError, KeyError, UnicodeError):
        valid = False
    if not valid:
        raise UsageError("cursor is malformed", hint="pass next_cursor exactly as received")
    if document.get("k") != kind:
        raise UsageError(f"cursor belongs to another listing than {kind}")
    if document.get("f") != _digest(filters):
        raise UsageError("cursor was issued for other filters",
                         hint="repeat the filters of the first page with its cursor")
    return list(key)


def _asset_filters(query: AssetQuery) -> dict[str, Any]:
    return query.model_copy(update={"limit": None, "offset": 0, "after": None}).describe()


def _asset_after(cursor: str, query: AssetQuery) -> AssetKey:
    key = decode_cursor(cursor, "assets", _asset_filters(query))
    if len(key) != 4 or not all(isinstance(part, str) for i, part in enumerate(key) if i != 1) \
            or not isinstance(key[1], str | None):
        raise UsageError("cursor is malformed", hint="pass next_cursor exactly as received")
    return (key[0], key[1], key[2], key[3])


def page_assets(repository: Repository, query: AssetQuery, limit: int,
                cursor: str | None = None) -> Page[Asset]:
    """At most ``limit`` assets matching ``query``, after the cursor's asset."""
    return _page_assets(repository.iter_assets, repository.keyset_pagination, query, limit,
                        cursor)


def page_asset_json(repository: Repository, query: AssetQuery, limit: int,
                    cursor: str | None = None) -> Page[AssetJson]:
    """:func:`page_assets` as JSON pieces (:meth:`Repository.iter_asset_json`): the same
    items and cursors."""
    return _page_assets(repository.iter_asset_json, repository.keyset_pagination, query,
                        limit, cursor)


AssetItem = TypeVar("AssetItem", Asset, AssetJson)


def _page_assets(read: Callable[[AssetQuery], Iterator[AssetItem]], keyset: bool,
                 query: AssetQuery, limit: int, cursor: str | None) -> Page[AssetItem]:
    if limit < 1:
        raise UsageError(f"limit must be at least 1, got {limit}")
    after = _asset_after(cursor, query) if cursor else None
    filters = _asset_filters(query)
    if keyset:
        items = list(read(query.model_copy(update={"after": after, "limit": limit + 1,
                                                   "offset": 0})))
    else:
        # An API-1.0 repository ignores ``after``: read from the start and skip to the key.
        stream = read(query.model_copy(update={"limit": None, "offset": 0, "after": None}))
        bound = asset_order(after) if after is not None else None
        with _closed(stream):
            items = list(itertools.islice(
                (a for a in stream if bound is None or asset_order(asset_key(a)) > bound),
                limit + 1))
    more = len(items) > limit
    del items[limit:]
    return Page(items, encode_cursor("assets", asset_key(items[-1]), filters) if more else None)


def _finding_filters(query: FindingQuery) -> dict[str, Any]:
    return query.model_dump(mode="json", exclude={"after"})


def page_findings(repository: Repository, query: FindingQuery, limit: int,
                  cursor: str | None = None) -> Page[Finding]:
    """At least ``limit`` findings matching ``query`` when that many remain (more only when
    findings share the last one's key), after the cursor's finding."""
    if limit < 1:
        raise UsageError(f"limit must be at least 1, got {limit}")
    filters = _finding_filters(query)
    after: FindingKey | None = None
    if cursor:
        key = decode_cursor(cursor, "findings", filters)
        if len(key) != 3 or not isinstance(key[0], int) or not all(isinstance(p, str)
                                                                   for p in key[1:]):
            raise UsageError("cursor is malformed", hint="pass next_cursor exactly as received")
        after = (key[0], key[1], key[2])
    stream: Iterator[Finding] = repository.query_findings(query.model_copy(update={"after": after}))
    with _closed(stream):
        items = list(itertools.islice(stream, limit))
        more = False
        if len(items) == limit:
            last = finding_key(items[-1])
            for finding in stream:
                if finding_key(finding) != last:
                    more = True
                    break
                items.append(finding)
    return Page(items, encode_cursor("findings", finding_key(items[-1]), filters) if more else None)


@dataclass(frozen=True, slots=True)
class ChangeFilters:
    """What ``GET /v1/changes`` was asked for: the filters of ``cloudscope changes``
    (``since`` and ``until`` as given: a run id, a time or a duration) and ``kinds``."""

    since: str | None = None
    until: str | None = None
    kinds: tuple[ChangeKind, ...] | None = None
    findings_only: bool = False
    assets: AssetQuery = field(default_factory=AssetQuery)

    def describe(self) -> dict[str, Any]:
        """The filters, for the cursor's digest."""
        return {"since": self.since, "until": self.until, "findings_only": self.findings_only,
                "kinds": sorted(self.kinds) if self.kinds is not None else None,
                "assets": _asset_filters(self.assets)}


def _stamp(text: Any) -> datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(text)
    return datetime.fromisoformat(text)


def page_changes(repository: Repository, filters: ChangeFilters, limit: int,
                 cursor: str | None = None) -> Page[ChangeReport]:
    """At most ``limit`` changes matching ``filters`` after the cursor's change, oldest
    first, redacted and each with its findings or causes (as ``cloudscope changes``).

    The cursor holds the last change's id and the window the first page resolved, so that
    a walk started with ``since=7d`` keeps that window instead of sliding with the clock.
    A walk without ``until`` ends at the newest change; its last cursor is ``null``."""
    if limit < 1:
        raise UsageError(f"limit must be at least 1, got {limit}")
    if not repository.has_change_log():
        raise change_log_missing(repository)
    described = filters.describe()
    if cursor:
        key = decode_cursor(cursor, "changes", described)
        try:
            after, since, until = int(key[0]), _stamp(key[1]), _stamp(key[2])
        except (ValueError, IndexError, TypeError):
            raise UsageError("cursor is malformed",
                             hint="pass next_cursor exactly as received") from None
    else:
        after = None
        since, until = window(repository, filters.since, filters.until,
                              since_option="since", until_option="until")
    kinds = filters.kinds
    if filters.findings_only:
        kinds = tuple(k for k in (kinds or FINDING_CHANGES) if k in FINDING_CHANGES)
    assets = filters.assets
    query = ChangeQuery(since=since, until=until, provider=assets.provider,
                        asset_type=assets.asset_type, account=assets.account,
                        region=assets.region, tags=assets.tags, kinds=kinds, after=after,
                        limit=limit + 1)
    # A repository that ignores ``after`` (written before it) is read from the start.
    items = [report for report in read_changes(repository, query)
             if after is None or (report.change.id or 0) > after][:limit + 1]
    more = len(items) > limit
    del items[limit:]
    next_cursor = encode_cursor("changes", [
        items[-1].change.id, isoformat(since) if since else None,
        isoformat(until) if until else None], described) if more else None
    return Page(items, next_cursor)
