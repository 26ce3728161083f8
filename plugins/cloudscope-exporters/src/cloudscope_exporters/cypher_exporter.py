"""Cypher: a script that loads the inventory into a graph database.

Nodes are labelled ``Asset`` and keyed by ``id``; relationships are typed by the shared
vocabulary (``IN_SUBNET``, ``PROTECTED_BY``...). Rows go in batches of ``UNWIND [...] AS
row MERGE ...``, so that loading the script twice changes nothing and a large estate loads
in a few thousand statements. Dialects differ only in the schema statements:

- ``neo4j`` (Neo4j 5, ``cypher-shell -f``): a uniqueness constraint on ``Asset.id``;
- ``memgraph`` (``mgconsole``): an index on ``:Asset(id)``;
- ``kuzu`` (Kùzu and its forks, embedded, schema first): the node table, and each
  relationship table declared before its first edges.

Every node is written before any edge, so an edge finds both its ends: edges wait in a
temporary file per relationship type (memory stays flat) until the nodes are written. An
edge to an asset outside the selection is left out by its ``MATCH``. Nested values
(``properties``, a relationship's properties) are JSON text, since Neo4j properties hold
no maps; tags and findings are lists of ``key=value`` and
``severity:rule_id`` strings.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Mapping
from typing import IO, Any, Final, TextIO

from cloudscope.api import AssetRecord, Exporter, ExportSource, ExportTarget, Severity

DIALECTS: Final = ("neo4j", "memgraph", "kuzu")
DEFAULT_BATCH: Final = 500
NODE_FIELDS: Final = ("provider", "asset_type", "native_type", "name", "account", "region",
                      "tags", "properties", "first_seen", "last_seen", "max_severity",
                      "findings")
_KUZU_NODE_TABLE: Final = (
    "CREATE NODE TABLE IF NOT EXISTS Asset(id STRING, provider STRING, asset_type STRING, "
    "native_type STRING, name STRING, account STRING, region STRING, tags STRING[], "
    "properties STRING, first_seen STRING, last_seen STRING, max_severity STRING, "
    "findings STRING[], PRIMARY KEY (id));")
_SCHEMA: Final = {
    "neo4j": "CREATE CONSTRAINT cloudscope_asset_id IF NOT EXISTS FOR (a:Asset) "
             "REQUIRE a.id IS UNIQUE;",
    "memgraph": "CREATE INDEX ON :Asset(id);",
    "kuzu": _KUZU_NODE_TABLE,
}
_CONTROL: Final = re.compile(r'[\x00-\x1f\x7f"\\\u2028\u2029]')
_KUZU_SPECIAL: Final = re.compile(r'["\\]')


def _positive(text: str) -> int:
    import argparse

    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text}")
    return value


def literal(value: Any, dialect: str = "neo4j") -> str:
    """A Cypher literal: null, booleans, numbers, double-quoted strings with every quote,
    backslash and control character escaped (so no value can end a string early), and
    lists of strings (an empty one typed for Kùzu, which would read ``[]`` as numbers)."""
    if value is None or isinstance(value, bool | int | float):
        return _scalar(value)
    if isinstance(value, list | tuple):
        if not value and dialect == "kuzu":
            return "CAST([] AS STRING[])"
        return "[" + ", ".join(literal(item, dialect) for item in value) + "]"
    text = str(value)
    if dialect == "kuzu":
        # Kùzu reads \\ and \" in a string and drops the backslash of any other escape:
        # other characters, a newline included, stay as they are (its parser allows them).
        return '"' + _KUZU_SPECIAL.sub(lambda match: "\\" + match.group(), text) + '"'
    return '"' + _CONTROL.sub(lambda match: _escape(match.group()), text) + '"'


def _scalar(value: bool | float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"  # Cypher has no literal for NaN or infinity
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _escape(character: str) -> str:
    return {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(
        character, f"\\u{ord(character):04x}")


def relationship_type(name: str) -> str:
    """A relationship type in backquotes (``CONTAINS`` is also a Cypher keyword)."""
    return "`" + name.replace("`", "``") + "`"


def node_row(record: AssetRecord) -> dict[str, Any]:
    """The properties of an ``Asset`` node."""
    asset = record.asset
    data = record.as_json()
    severities = [Severity(finding.severity) for finding in record.findings]
    worst = min(severities, key=lambda severity: severity.rank).value if severities else None
    return {
        "id": asset.id, "provider": asset.provider, "asset_type": asset.asset_type,
        "native_type": asset.native_type, "name": asset.name, "account": asset.account,
        "region": asset.region,
        "tags": [f"{key}={value}" for key, value in sorted(asset.tags.items())],
        "properties": json.dumps(data["properties"], sort_keys=True, ensure_ascii=False,
                                 default=str),
        "first_seen": data["first_seen"], "last_seen": data["last_seen"],
        "max_severity": worst,
        "findings": sorted(f"{f.severity.value}:{f.rule_id}" for f in record.findings),
    }


def _map(row: Mapping[str, Any], dialect: str) -> str:
    return "{" + ", ".join(f"{key}: {literal(value, dialect)}" for key, value in row.items()) + "}"


class CypherExporter(Exporter):
    """A Cypher script for Neo4j (cypher-shell), Memgraph (mgconsole) or Kùzu: batched
    UNWIND ... MERGE of Asset nodes and typed relationships (docs/exporters.md)."""

    extension = ".cypher"

    @classmethod
    def add_arguments(cls, parser: Any) -> None:
        """``--dialect`` and ``--batch-size``."""
        parser.add_argument("--dialect", choices=DIALECTS, default="neo4j",
                            help="neo4j (default; cypher-shell), memgraph (mgconsole) or kuzu "
                                 "(embedded, tables declared first)")
        parser.add_argument("--batch-size", type=_positive, default=DEFAULT_BATCH, metavar="N",
                            help=f"rows per UNWIND statement (default {DEFAULT_BATCH})")

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Write the schema statement, the nodes, then the relationships."""
        dialect = options.get("dialect") or "neo4j"
        size = int(options.get("batch_size") or DEFAULT_BATCH)
        out = target.open()
        out.write(_SCHEMA[dialect] + "\n")
        edges = _EdgeSpool()
        assignments = ", ".join(f"a.{name} = row.{name}" for name in NODE_FIELDS)
        nodes = _Batches(out, size, "MERGE (a:Asset {id: row.id})\n"
                                    f"SET {assignments};\n")
        try:
            for record in source.records():
                nodes.add(_map(node_row(record), dialect))
                for relationship in record.outgoing:
                    edges.add(relationship.type, _map({
                        "source": relationship.source_id, "target": relationship.target_id,
                        "properties": json.dumps(relationship.properties, sort_keys=True,
                                                 ensure_ascii=False, default=str)}, dialect))
            nodes.close()
            edges.write(out, dialect, size)
        finally:
            edges.close()


class _Batches:
    """``UNWIND [rows] AS row <tail>`` statements of at most ``size`` rows, each row written
    as it comes (a row may hold a large ``properties``: none is kept)."""

    def __init__(self, out: TextIO, size: int, tail: str) -> None:
        self._out, self._size, self._tail = out, size, tail
        self._rows = 0

    def add(self, row: str) -> None:
        self._out.write(("UNWIND [\n  " if self._rows == 0 else ",\n  ") + row)
        self._rows += 1
        if self._rows >= self._size:
            self.close()

    def close(self) -> None:
        if self._rows:
            self._out.write("\n] AS row\n" + self._tail)
            self._rows = 0


class _EdgeSpool:
    """Edge rows waiting for the nodes, one temporary file per relationship type."""

    def __init__(self) -> None:
        self._files: dict[str, IO[str]] = {}

    def add(self, kind: str, row: str) -> None:
        spool = self._files.get(kind)
        if spool is None:
            spool = self._files[kind] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        # As JSON text: a Kùzu row may hold raw newlines.
        spool.write(json.dumps(row) + "\n")

    def write(self, out: TextIO, dialect: str, size: int) -> None:
        """Each type's edges in batches; for Kùzu its table declared first."""
        for kind in sorted(self._files):
            spool = self._files[kind]
            spool.seek(0)
            if dialect == "kuzu":
                out.write(f"CREATE REL TABLE IF NOT EXISTS {relationship_type(kind)}"
                          "(FROM Asset TO Asset, properties STRING);\n")
            batches = _Batches(out, size, "MATCH (s:Asset {id: row.source}), "
                                          "(t:Asset {id: row.target})\n"
                                          f"MERGE (s)-[r:{relationship_type(kind)}]->(t)\n"
                                          "SET r.properties = row.properties;\n")
            for line in spool:
                batches.add(json.loads(line))
            batches.close()

    def close(self) -> None:
        for spool in self._files.values():
            spool.close()
