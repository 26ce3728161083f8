"""How ``changes`` and ``assets history`` print: table, JSON, JSON Lines and CSV.

The CSV is shaped like the CSV export, for spreadsheets and language models: one row per
change, a readable ``diff`` cell (``path: before -> after; ...``), a ``risk`` cell naming
the findings a change brought or resolved (or, for a finding change, what caused it),
formula cells neutralised. Values reach here redacted (the use case redacts each change);
the table escapes control characters, as every human-readable printer does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final, TextIO

from cloudscope.application.changes import ChangeCounts, ChangeReport
from cloudscope.domain.change import Change
from cloudscope.domain.printable import printable
from cloudscope.domain.timestamps import isoformat

CSV_COLUMNS: Final = ("at", "run_id", "change", "asset_id", "asset_type", "name", "provider",
                      "account", "region", "diff", "risk")
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet would run as a formula (OWASP "CSV injection"), as in the export."""
VALUE_CHARS: Final = 200
WHAT_CHARS: Final = 110


def shown(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value in a diff: strings as they are, anything else as compact JSON, cut at
    ``limit`` characters with an ellipsis."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                          separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def diff_text(change: Change, limit: int = VALUE_CHARS) -> str:
    """What changed, readably: ``path: before -> after`` pairs, the relationship, or the
    finding."""
    if change.fields:
        return "; ".join(f"{f.path}: {shown(f.before, limit)} -> {shown(f.after, limit)}"
                         for f in change.fields)
    if change.relationship is not None:
        return f"{change.relationship.type} -> {change.relationship.target_id}"
    if change.finding is not None:
        finding = change.finding
        return f"{finding.severity.value} {finding.rule_id}: {finding.title}"
    return ""


def risk_text(report: ChangeReport) -> str:
    """The findings a change brought or resolved; for a finding change, its causes."""
    parts = [f"{'new' if f.change.value == 'finding-new' else 'resolved'} "
             f"{f.finding.severity.value}:{f.finding.rule_id}"
             for f in report.findings if f.finding is not None]
    for cause in report.causes:
        what = ",".join(f.path for f in cause.fields) or (
            f"{cause.relationship.type}->{cause.relationship.target_id}"
            if cause.relationship else "")
        parts.append(f"caused by {cause.change.value} {cause.name or cause.asset_id}"
                     + (f" ({what})" if what else ""))
    return "; ".join(parts)


def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would evaluate as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_reports(reports: Iterable[ChangeReport], form: str, out: TextIO, *,
                  since: datetime | None = None, until: datetime | None = None) -> ChangeCounts:
    """Write ``reports`` in ``form`` (table, json, jsonl, csv); the counts by kind."""
    counts = ChangeCounts()
    if form == "jsonl":
        for report in reports:
            counts.add(report.change)
            out.write(json.dumps(report.as_json(), ensure_ascii=False, default=str) + "\n")
    elif form == "json":
        out.write('{\n  "since": ' + json.dumps(isoformat(since) if since else None)
                  + ',\n  "until": ' + json.dumps(isoformat(until) if until else None)
                  + ',\n  "changes": [')
        for index, report in enumerate(reports):
            counts.add(report.change)
            out.write(("," if index else "") + "\n    "
                      + json.dumps(report.as_json(), ensure_ascii=False, default=str))
        out.write("\n  ],\n  \"counts\": " + json.dumps(counts.by_kind, sort_keys=True) + "\n}\n")
    elif form == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for report in reports:
            counts.add(report.change)
            change = report.change
            writer.writerow([neutralise(cell) for cell in (
                isoformat(change.at), change.run_id, change.change.value, change.asset_id,
                change.asset_type or "", change.name or "", change.provider or "",
                change.account or "", change.region or "", diff_text(change),
                risk_text(report))])
    else:
        _table(reports, out, counts)
    return counts


def _table(reports: Iterable[ChangeReport], out: TextIO, counts: ChangeCounts) -> None:
    out.write(f"{'AT':<19}  {'CHANGE':<20}  {'ASSET':<32}  WHAT\n")
    for report in reports:
        counts.add(report.change)
        change = report.change
        asset = printable(change.name or change.asset_id)
        asset = asset if len(asset) <= 32 else asset[:31] + "…"
        what = printable(diff_text(change, 40))
        what = what if len(what) <= WHAT_CHARS else what[:WHAT_CHARS - 1] + "…"
        out.write(f"{isoformat(change.at)[:19].replace('T', ' '):<19}  "
                  f"{change.change.value:<20}  {asset:<32}  {what}".rstrip() + "\n")
        risk = risk_text(report)
        if risk:
            out.write(f"{'':<19}  {'':<20}  {'':<32}  => {printable(risk)}\n")
    if not counts.by_kind:
        out.write("(no changes)\n")
        return
    out.write(summary_line(counts) + "\n")


def summary_line(counts: ChangeCounts) -> str:
    """``12 changes: 3 added, 1 modified, ...`` (kinds in a fixed order)."""
    order: Sequence[str] = ("added", "modified", "removed", "relationship-added",
                            "relationship-removed", "finding-new", "finding-resolved")
    total = sum(counts.by_kind.values())
    return f"{total} change{'s' if total != 1 else ''}: " + ", ".join(
        f"{counts.by_kind[kind]} {kind}" for kind in order if counts.by_kind.get(kind))
