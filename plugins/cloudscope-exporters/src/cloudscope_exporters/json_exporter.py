"""JSON (one streamed document with metadata) and JSON Lines (one asset per line)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import orjson
from cloudscope.api import (
    API_VERSION,
    EXPORT_SCHEMA_VERSION,
    Exporter,
    ExportSource,
    ExportTarget,
    utc_now,
)

DOCUMENT_FORMAT: Final = "cloudscope-export"


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept (names in any language stay readable)."""
    try:
        # orjson encodes about five times faster; it refuses integers beyond 64 bits.
        return orjson.dumps(value).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class _Counts:
    """Assets, relationships (each once, on its source) and findings written."""

    def __init__(self) -> None:
        self.assets = self.relationships = self.findings = 0

    def add(self, data: Mapping[str, Any]) -> None:
        self.assets += 1
        self.relationships += len(data["relationships"])
        self.findings += len(data["findings"])

    def as_json(self) -> dict[str, int]:
        return {"assets": self.assets, "relationships": self.relationships,
                "findings": self.findings}


class JsonExporter(Exporter):
    """One JSON document: metadata, then the assets with their relationships and findings.

    The document is written as a stream, one asset per line inside ``assets``; ``counts``
    comes last because it is known only at the end.
    """

    extension = ".json"

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Write the document."""
        out = target.open()
        metadata = {"format": DOCUMENT_FORMAT, "schema_version": EXPORT_SCHEMA_VERSION,
                    "api_version": API_VERSION,
                    "exported_at": utc_now().isoformat().replace("+00:00", "Z"),
                    "filters": source.describe()}
        out.write("{" + dumps(metadata)[1:-1] + ',\n"assets":[')
        counts = _Counts()
        for record in source.records():
            data = record.as_json()
            out.write(("," if counts.assets else "") + "\n" + dumps(data))
            counts.add(data)
        out.write(("\n" if counts.assets else "") + '],\n"counts":' + dumps(counts.as_json())
                  + "}\n")


class JsonLinesExporter(Exporter):
    """JSON Lines: one asset per line, with its outgoing relationships and its findings."""

    extension = ".jsonl"

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Write one line per asset; an empty selection is an empty file."""
        out = target.open()
        for record in source.records():
            out.write(dumps(record.as_json()) + "\n")
