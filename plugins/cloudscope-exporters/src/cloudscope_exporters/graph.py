"""What the graph formats share: choosing the nodes, and keeping the edges between them.

A drawing holds its node set (ids) and its edges in memory: a graph format cannot be
written in one pass otherwise, since an edge may point to a node not read yet. The
selection is bounded by ``--max-nodes`` (counted before anything is read), and narrowed by
the filters (``--account``, ``--type``...) or by ``--around ID --depth N``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cloudscope.api import AssetRecord, Exporter, ExportSource, Severity, UsageError

DEFAULT_MAX_NODES: Final = 2000


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text}")
    return value


def add_graph_arguments(parser: Any) -> None:
    """``--around ID``, ``--depth N`` and ``--max-nodes N``."""
    parser.add_argument("--around", metavar="ID",
                        help="draw the neighbourhood of this asset (a VPC id draws the VPC)")
    parser.add_argument("--depth", type=_non_negative, metavar="N",
                        help="relationships followed from --around, either way (default: 1)")
    parser.add_argument("--max-nodes", type=_non_negative, default=DEFAULT_MAX_NODES,
                        metavar="N", help=f"refuse to draw more nodes (default: "
                                          f"{DEFAULT_MAX_NODES})")


class GraphExporter(Exporter):
    """A graph format: holds its selection (``streams = False``), takes the graph options."""

    streams = False

    @classmethod
    def add_arguments(cls, parser: Any) -> None:
        """The graph selection options."""
        add_graph_arguments(parser)


def selected_records(source: ExportSource, options: Mapping[str, Any]) -> Iterator[AssetRecord]:
    """The records to draw: the filters, intersected with the ``--around`` neighbourhood."""
    around, depth = options.get("around"), options.get("depth")
    limit = options.get("max_nodes", DEFAULT_MAX_NODES)
    query = source.query
    if around:
        ids = source.neighbourhood(around, 1 if depth is None else depth, limit=limit)
        query = query.model_copy(update={"ids": tuple(ids)})
    elif depth is not None:
        raise UsageError("--depth needs --around ID")
    total = source.count(query)
    if total > limit:
        raise UsageError(f"the graph would have {total} nodes, more than --max-nodes {limit}",
                         hint="narrow it with --account, --type or --around ID --depth N, "
                              "or raise --max-nodes")
    return source.records(query)


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship drawn between two nodes."""

    source: str
    target: str
    type: str


class Edges:
    """Outgoing relationships of the nodes read so far; kept once both ends are nodes."""

    def __init__(self) -> None:
        self.nodes: set[str] = set()
        self._edges: dict[tuple[str, str, str], Edge] = {}

    def add(self, record: AssetRecord) -> None:
        """Remember the node and its outgoing relationships."""
        self.nodes.add(record.asset.id)
        for relationship in record.outgoing:
            edge = Edge(relationship.source_id, relationship.target_id, relationship.type)
            self._edges[(edge.source, edge.type, edge.target)] = edge

    def __iter__(self) -> Iterator[Edge]:
        """Edges whose two ends are drawn, in a stable order."""
        for key in sorted(self._edges):
            edge = self._edges[key]
            if edge.target in self.nodes:
                yield edge


def label(record: AssetRecord) -> str:
    """``asset_type`` then name (or the id's last part) on a second line."""
    asset = record.asset
    name = asset.name or asset.id.rstrip("/").rsplit("/", 1)[-1]
    return f"{asset.asset_type}\n{name}"


def max_severity(record: AssetRecord) -> Severity | None:
    """The most severe finding of the record, or None."""
    severities = [Severity(finding.severity) for finding in record.findings]
    return min(severities, key=lambda severity: severity.rank) if severities else None
