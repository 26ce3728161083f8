"""CSV shaped for people, spreadsheets and language models: one row per asset."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, TextIO

from cloudscope.api import AssetRecord, Exporter, ExportSource, ExportTarget, UsageError

from cloudscope_exporters.csv_columns import CellLimits, Column, neutralise, select_columns
from cloudscope_exporters.csv_dictionary import ExportFacts, write_dictionary
from cloudscope_exporters.flatten import FlattenLimits

CHANGES_CHUNK: Final = 500
"""Records whose changes are read from the store at once (``--changed-since``)."""


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


class CsvExporter(Exporter):
    """CSV for spreadsheets and LLM analysis: one row per asset, stable documented columns,
    formulas neutralised, secrets redacted, optionally split to fit a token budget."""

    extension = ".csv"

    @classmethod
    def add_arguments(cls, parser: Any) -> None:
        """``--columns``, ``--dictionary``, ``--max-tokens`` and the cell limits."""
        parser.add_argument("--columns", metavar="A,B,...",
                            help="columns to write, in this order (default: all; see "
                                 "docs/exporters.md)")
        parser.add_argument("--dictionary", metavar="PATH",
                            help="also write a data dictionary (Markdown) explaining every "
                                 "column, for a reader or a model")
        parser.add_argument("--max-tokens", type=_positive, metavar="N",
                            help="split into numbered files (PATH-001.csv...) of at most N "
                                 "tokens each, header included (needs --output PATH)")
        parser.add_argument("--property-depth", type=_positive, default=3, metavar="N",
                            help="levels of nested properties flattened (default: 3)")
        parser.add_argument("--property-width", type=_positive, default=20, metavar="N",
                            help="property pairs per cell (default: 20)")
        parser.add_argument("--changed-since", metavar="RUN_ID|TIME|DURATION",
                            help="add a changed_since column: what changed about each asset "
                                 "since this run, time or duration (7d), as `cloudscope "
                                 "changes --since` reads it")

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Write the rows, in one file or in parts that fit ``--max-tokens``."""
        since = options.get("changed_since")
        columns = select_columns(options.get("columns"), changed_since=bool(since))
        limits = CellLimits(FlattenLimits(depth=options.get("property_depth") or 3,
                                          width=options.get("property_width") or 20))
        budget = options.get("max_tokens")
        if budget is not None and not target.supports_parts:
            raise UsageError("--max-tokens writes numbered files", hint="give --output PATH")
        dictionary = options.get("dictionary")
        # Opened first, so that a bad --dictionary path fails before any row is read.
        dictionary_stream = target.open_extra(dictionary, option="--dictionary") \
            if dictionary else None
        header = [column.name for column in columns]
        records = source.records() if not since else _with_changes(source, since)
        rows = ((record.asset.id, _row(record, columns, limits)) for record in records)
        facts = ExportFacts(label=target.label, filters=source.describe())
        if budget is None:
            out = target.open()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            for _, row in rows:
                writer.writerow(row)
                facts.rows += 1
        else:
            _write_parts(target, header, rows, budget, facts)
        if dictionary_stream is not None:
            write_dictionary(dictionary_stream, columns, limits, facts)


def _with_changes(source: ExportSource, since: str) -> Iterator[AssetRecord]:
    """The source's records, each with its changes since ``since``, read a chunk at a
    time; ``since`` is checked before the first record is read."""
    changes_of = getattr(source, "changes_of", None)
    if changes_of is None:  # a core older than API 1.1
        raise UsageError("--changed-since needs cloudscope-core 1.1 or later (plugin API 1.1)")
    changes_of([], since)
    records = source.records()
    while chunk := list(itertools.islice(records, CHANGES_CHUNK)):
        found = changes_of([record.asset.id for record in chunk], since)
        for record in chunk:
            yield dataclasses.replace(record, changes=found.get(record.asset.id, ()))


def _row(record: AssetRecord, columns: Sequence[Column], limits: CellLimits) -> list[str]:
    return [neutralise(column.cell(record, limits)) for column in columns]


def _write_parts(target: ExportTarget, header: list[str], rows: Iterator[tuple[str, list[str]]],
                 budget: int, facts: ExportFacts) -> None:
    """Numbered files of at most ``budget`` tokens each, every one starting with the header."""
    from cloudscope_exporters.tokens import token_counter

    counter = token_counter()
    facts.token_budget, facts.token_method = budget, counter.method
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def formatted(row: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    header_text = formatted(header)
    header_tokens = counter.count(header_text)
    if header_tokens > budget:
        raise UsageError(f"--max-tokens {budget} is too small for the header row alone "
                         f"({header_tokens} tokens)", hint="raise it or choose fewer --columns")
    out: TextIO | None = None
    used = 0

    def next_part() -> TextIO:
        facts.parts += 1
        stream = target.open(facts.parts)
        stream.write(header_text)
        return stream

    for asset_id, row in rows:
        text = formatted(row)
        tokens = counter.count(text)
        if header_tokens + tokens > budget:
            raise UsageError(f"--max-tokens {budget} is too small for the row of {asset_id!r}: "
                             f"it needs {header_tokens + tokens} tokens with the header",
                             hint="raise --max-tokens, or lower --property-width or --columns")
        if out is None or used + tokens > budget:
            out = next_part()
            used = header_tokens
        out.write(text)
        used += tokens
        facts.rows += 1
    if out is None:
        next_part()  # an empty export is one valid file: the header
