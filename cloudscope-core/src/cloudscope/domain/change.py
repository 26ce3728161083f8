"""Changes: what the change log records about the estate, one record per event.

A collection records assets ``added``, ``removed`` and ``modified`` (with the changed
fields: a path such as ``properties.IpPermissions[0].IpRanges``, the value before and
after) and relationships added or removed; an assessment records findings that are new or
resolved, each naming the asset changes that caused it where they can be told. Every
change carries the run that recorded it (a collection run, or an assessment run).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from cloudscope.domain.finding import Severity
from cloudscope.domain.timestamps import UtcDatetime, isoformat
from cloudscope.domain.trusted import construct_trusted


class ChangeKind(StrEnum):
    """What happened. Added in API 1.1."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    RELATIONSHIP_ADDED = "relationship-added"
    RELATIONSHIP_REMOVED = "relationship-removed"
    FINDING_NEW = "finding-new"
    FINDING_RESOLVED = "finding-resolved"


ASSET_CHANGES: Final = frozenset({ChangeKind.ADDED, ChangeKind.REMOVED, ChangeKind.MODIFIED})
RELATIONSHIP_CHANGES: Final = frozenset({ChangeKind.RELATIONSHIP_ADDED,
                                         ChangeKind.RELATIONSHIP_REMOVED})
FINDING_CHANGES: Final = frozenset({ChangeKind.FINDING_NEW, ChangeKind.FINDING_RESOLVED})
"""The kinds an assessment records; a collection records the others."""


class FieldChange(BaseModel):
    """One changed field of a modified asset. Added in API 1.1.

    ``path`` starts with the asset field (``name``, ``region``, ``tags.env``,
    ``properties.X.Y``; ``[N]`` steps into a list, ``["a.b"]`` names a key holding a dot);
    ``before`` or ``after`` is None when the field did not exist on that side. Values are
    stored redacted: a changed secret reads ``[REDACTED]`` on both sides.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    before: Any = None
    after: Any = None


class ChangedRelationship(BaseModel):
    """The relationship of a relationship change; its source is the change's asset.
    Added in API 1.1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    target_id: str


class ChangedFinding(BaseModel):
    """The finding of a finding change. Added in API 1.1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    severity: Severity
    title: str


class Change(BaseModel):
    """One record of the change log. Added in API 1.1.

    ``id`` is given by the store, increasing in the order changes were recorded.
    ``asset_type``, ``name``, ``provider``, ``account`` and ``region`` are the asset's at
    the time of the change (a removed asset keeps them). ``caused_by`` (finding changes
    only) lists the ids of the asset and relationship changes, recorded since the previous
    assessment, of the finding's asset and of the assets on its ``evidence.path``.
    """

    model_config = ConfigDict(extra="forbid")

    id: int | None = None
    change: ChangeKind
    asset_id: str
    asset_type: str | None = None
    name: str | None = None
    provider: str | None = None
    account: str | None = None
    region: str | None = None
    run_id: str
    at: UtcDatetime
    fields: list[FieldChange] = Field(default_factory=list)
    relationship: ChangedRelationship | None = None
    finding: ChangedFinding | None = None
    caused_by: list[int] = Field(default_factory=list)

    @property
    def related_id(self) -> str | None:
        """The other asset a relationship change involves (its target), else None."""
        return self.relationship.target_id if self.relationship else None

    def detail(self) -> dict[str, Any]:
        """What only some kinds carry, as stores keep it in one JSON column."""
        detail: dict[str, Any] = {}
        if self.fields:
            detail["fields"] = [f.model_dump(mode="json") for f in self.fields]
        if self.relationship is not None:
            detail["relationship"] = self.relationship.model_dump()
        if self.finding is not None:  # its model_dump(mode="json"), without pydantic's walk
            finding = self.finding
            detail["finding"] = {"rule_id": finding.rule_id, "severity": finding.severity.value,
                                 "title": finding.title}
        if self.caused_by:
            detail["caused_by"] = list(self.caused_by)
        return detail

    def as_json(self) -> dict[str, Any]:
        """Plain JSON data, the keys of DESIGN.md section 6 first; every key always present
        (null or empty when the kind has none), so that readers need not test for them."""
        return {"change": self.change.value, "asset_id": self.asset_id,
                "asset_type": self.asset_type, "name": self.name, "run_id": self.run_id,
                "at": isoformat(self.at),
                "fields": [f.model_dump(mode="json") for f in self.fields],
                "id": self.id, "provider": self.provider, "account": self.account,
                "region": self.region,
                "relationship": self.relationship.model_dump() if self.relationship else None,
                "finding": self.finding.model_dump(mode="json") if self.finding else None,
                "caused_by": list(self.caused_by)}


def change_from_detail(values: dict[str, Any], detail: dict[str, Any] | None) -> Change:
    """A change from a store's columns and its detail JSON (:meth:`Change.detail`); rows
    were validated on the way in, so nothing is validated again."""
    detail = detail or {}
    fields = [FieldChange.model_construct(**f) for f in detail.get("fields") or ()]
    relationship = detail.get("relationship")
    finding = detail.get("finding")
    rest: dict[str, Any] = {
        "fields": fields,
        "relationship": ChangedRelationship.model_construct(**relationship)
        if relationship else None,
        "finding": construct_trusted(ChangedFinding, {
            "rule_id": finding["rule_id"], "severity": Severity(finding["severity"]),
            "title": finding["title"]}) if finding else None,
        "caused_by": list(detail.get("caused_by") or ())}
    if values.keys() == _COLUMNS:
        # Every field given (the stores' columns): filled in field order without pydantic's
        # model_construct, a quarter of its cost (an assessment reads the changes of every
        # asset its findings involve).
        return construct_trusted(Change, {name: values[name] for name in _COLUMN_ORDER} | rest)
    return Change.model_construct(**values, **rest)


_COLUMN_ORDER: Final = ("id", "change", "asset_id", "asset_type", "name", "provider", "account",
                        "region", "run_id", "at")
_COLUMNS: Final = frozenset(_COLUMN_ORDER)


class ChangeQuery(BaseModel):
    """Which changes to read; every filter given must match. Added in API 1.1.

    ``since`` is exclusive and ``until`` inclusive (changes recorded after ``since``, up to
    and including ``until``). ``provider``, ``asset_type``, ``account`` and ``region``
    match the change's own values; ``tags`` the tags the asset has now (or had when it was
    removed). ``asset_ids`` selects changes of those assets, and with ``related`` also the
    relationship changes pointing at them. ``after`` keeps the changes whose id is greater
    (keyset pagination: ids increase in the order changes were recorded). Results come in
    the order they were recorded.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: UtcDatetime | None = None
    until: UtcDatetime | None = None
    provider: str | None = None
    asset_type: str | None = None
    account: str | None = None
    region: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    asset_ids: tuple[str, ...] | None = None
    related: bool = False
    kinds: tuple[ChangeKind, ...] | None = None
    ids: tuple[int, ...] | None = None
    after: int | None = None
    limit: int | None = Field(default=None, ge=0)

    def matches(self, change: Change, tags: dict[str, str] | None = None) -> bool:
        """Whether ``change`` passes every filter; ``tags`` are its asset's tags (for a
        store that filters in memory)."""
        wanted_ids = self.asset_ids
        return ((self.since is None or change.at > self.since)
                and (self.until is None or change.at <= self.until)
                and all(getattr(self, name) is None or getattr(change, name) == getattr(self, name)
                        for name in ("provider", "asset_type", "account", "region"))
                and (not self.tags or (tags is not None and all(
                    tags.get(key) == value for key, value in self.tags.items())))
                and (wanted_ids is None or change.asset_id in wanted_ids
                     or (self.related and change.related_id in wanted_ids))
                and (self.kinds is None or change.change in self.kinds)
                and (self.ids is None or change.id in self.ids)
                and (self.after is None or (change.id is not None and change.id > self.after)))
