"""The CSV columns: their names, meaning and how each cell is made from an asset record.

The names and order are stable (documented in docs/exporters.md and in the data dictionary
``--dictionary`` writes); new columns are only ever added at the end.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from cloudscope.api import AssetRecord, Severity, UsageError

if TYPE_CHECKING:  # the change model is API 1.1: a 1.0 core has none, and never asks for it
    from cloudscope.api import Change

from cloudscope_exporters.flatten import ELLIPSIS, FlattenLimits, flatten, shorten

SEPARATOR: Final = "; "
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet would run as a formula (OWASP "CSV injection")."""


@dataclass(frozen=True, slots=True)
class CellLimits:
    """How much a list cell (properties, relationships, findings) holds."""

    properties: FlattenLimits = field(default_factory=FlattenLimits)
    list_items: int = 20
    """Entries in relationships, referenced_by and findings cells."""


@dataclass(frozen=True, slots=True)
class Column:
    """One CSV column: its name, what it means, an example, and how to fill it."""

    name: str
    description: str
    example: str
    cell: Callable[[AssetRecord, CellLimits], str]


def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would evaluate as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def joined(items: Sequence[str], limit: int) -> str:
    """``a; b; c``, at most ``limit`` items, then ``…(+N more)``."""
    if len(items) <= limit:
        return SEPARATOR.join(items)
    return SEPARATOR.join([*items[:limit], f"{ELLIPSIS}(+{len(items) - limit} more)"])


def _tags(record: AssetRecord, limits: CellLimits) -> str:
    tags = record.asset.tags
    return joined([f"{key}={shorten(tags[key], limits.properties.value_chars)}"
                   for key in sorted(tags)], limits.properties.width)


def _properties(record: AssetRecord, limits: CellLimits) -> str:
    shown, hidden = flatten(record.asset.properties, limits.properties)
    if hidden:
        shown.append(f"{ELLIPSIS}(+{hidden} more)")
    return SEPARATOR.join(shown)


def _summary(edges: list[tuple[str, str]], record: AssetRecord, limits: CellLimits) -> str:
    """``TYPE:name`` of each (type, id of the other end), sorted; each name as
    ``record.name_of`` gives it (inlined: a security group has thousands of members)."""
    name_of = record.names.get
    items = []
    for kind, other in edges:
        name = name_of(other) or other
        items.append(f"{kind}:{name if len(name) <= 120 else shorten(name, 120)}")
    items.sort()
    return joined(items, limits.list_items)


def _relationships(record: AssetRecord, limits: CellLimits) -> str:
    return _summary([(r.type, r.target_id) for r in record.outgoing], record, limits)


def _referenced_by(record: AssetRecord, limits: CellLimits) -> str:
    return _summary([(r.type, r.source_id) for r in record.incoming], record, limits)


def _findings(record: AssetRecord, limits: CellLimits) -> str:
    return joined([f"{f.severity.value}:{f.rule_id}" for f in record.findings],
                  limits.list_items)


def _max_severity(record: AssetRecord, limits: CellLimits) -> str:
    if not record.findings:
        return ""
    return min((Severity(f.severity) for f in record.findings), key=lambda s: s.rank).value


@functools.lru_cache(maxsize=1024)
def _stamp(value: datetime | None) -> str:
    # Seconds are enough for a reader and save tokens; the JSON export keeps microseconds.
    # Cached: the assets of one collected scope share their last_seen.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


COLUMNS: Final[tuple[Column, ...]] = (
    Column("id", "The asset's global, stable id: an AWS ARN, an Azure resource id (lower case), "
           "a GCP full resource name, or a file's own id.",
           "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60001",
           lambda r, _: r.asset.id),
    Column("provider", "The cloud or source: aws, azure, gcp, file...", "aws",
           lambda r, _: r.asset.provider),
    Column("account", "AWS account id, Azure subscription id or GCP project id.",
           "111122223333", lambda r, _: r.asset.account or ""),
    Column("region", "Region, location or zone; empty for global assets.", "us-east-1",
           lambda r, _: r.asset.region or ""),
    Column("asset_type", "provider:service:kind, lower case (rows are grouped by account, "
           "then by this type).", "aws:ec2:instance", lambda r, _: r.asset.asset_type),
    Column("native_type", "The cloud's own type name.", "AWS::EC2::Instance",
           lambda r, _: r.asset.native_type or ""),
    Column("name", "The asset's name (its Name tag on AWS); empty when it has none.",
           "web-1", lambda r, _: r.asset.name or ""),
    Column("tags", "Tags (GCP labels) as key=value pairs separated by '; ', sorted by key.",
           "env=prod; team=payments", _tags),
    Column("properties", "The cloud API's own fields flattened to Dotted.Path=value pairs "
           "separated by '; ': security-relevant paths first (public, encryption, state, "
           "access, ports...), then shallower ones; nesting followed 3 levels deep, at most "
           "3 items of a list of objects (Path[0]) and 20 pairs per cell; deeper values as "
           "compact JSON; long values cut with '…'.",
           "State.Name=running; PublicIpAddress=54.210.1.10; InstanceType=t3.micro",
           _properties),
    Column("relationships", "Relationships from this asset, as TYPE:target name (the target's "
           "id when it has no name or is not in the store), separated by '; '. Read 'this "
           "asset TYPE target': IN_SUBNET, PROTECTED_BY, ATTACHED_TO, HAS_ROLE...",
           "IN_SUBNET:app-subnet-a; PROTECTED_BY:web-sg", _relationships),
    Column("referenced_by", "Relationships to this asset, as TYPE:source name, separated by "
           "'; '. Read 'source TYPE this asset'.", "PROTECTED_BY:web-1; PROTECTED_BY:web-2",
           _referenced_by),
    Column("findings", "Risk findings as severity:rule_id, most severe first, separated by "
           "'; '.", "high:aws.ec2.public-ssh; medium:aws.ec2.imdsv1", _findings),
    Column("max_severity", "The most severe finding: critical, high, medium, low, info; "
           "empty when none.", "high", _max_severity),
    Column("first_seen", "When CloudScope first saw the asset (UTC, ISO 8601, to the second).",
           "2024-05-01T09:00:00Z", lambda r, _: _stamp(r.asset.first_seen)),
    Column("last_seen", "When CloudScope last saw the asset (UTC, ISO 8601, to the second).",
           "2024-05-02T09:00:00Z", lambda r, _: _stamp(r.asset.last_seen)),
)

COLUMN_NAMES: Final = tuple(column.name for column in COLUMNS)


def change_summary(change: Change) -> str:
    """One change in a few words: ``modified(tags.owner, properties.Acl.Grants[1])``,
    ``relationship-added(PROTECTED_BY:sg-0a1)``, ``finding-new(high:aws.s3.bucket-acl-public)``."""
    if change.fields:
        what = ", ".join(field.path for field in change.fields)
    elif change.relationship is not None:
        what = f"{change.relationship.type}:{change.relationship.target_id}"
    elif change.finding is not None:
        what = f"{change.finding.severity.value}:{change.finding.rule_id}"
    else:
        return change.change.value
    return f"{change.change.value}({shorten(what, 300)})"


def _changed_since(record: AssetRecord, limits: CellLimits) -> str:
    return joined([change_summary(change) for change in record.changes], limits.list_items)


CHANGED_SINCE: Final = Column(
    "changed_since", "With --changed-since: what changed about the asset since then, oldest "
    "first, separated by '; ': added, modified(the changed paths), relationship-added or "
    "-removed(TYPE:target id), finding-new or -resolved(severity:rule_id); empty when "
    "nothing changed. `cloudscope changes` shows the values before and after.",
    "modified(properties.IpPermissions[1]); finding-new(high:aws.ec2.security-group-admin-"
    "ports-open)", _changed_since)
"""Added in cloudscope-exporters 1.1 (API 1.1 cores): only with ``--changed-since``."""


def select_columns(names: str | None, *, changed_since: bool = False) -> tuple[Column, ...]:
    """The columns named in ``--columns a,b,c`` (in that order), or every column; with
    ``changed_since``, ``changed_since`` last unless named."""
    available = (*COLUMNS, CHANGED_SINCE) if changed_since else COLUMNS
    if not names:
        return available
    by_name = {column.name: column for column in available}
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in by_name]
    if unknown or not wanted:
        hint = "it needs --changed-since" if unknown == [CHANGED_SINCE.name] else \
            f"choose among {', '.join(by_name)}"
        raise UsageError(f"--columns: unknown column{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(unknown) or '(none given)'}", hint=hint)
    return tuple(by_name[name] for name in dict.fromkeys(wanted))
