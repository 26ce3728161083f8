"""Graphviz DOT: nodes labelled by type and name, edges by relationship type, one cluster
per account, nodes with findings coloured by their worst severity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cloudscope.api import ExportSource, ExportTarget, Severity

from cloudscope_exporters import graph
from cloudscope_exporters.graph import Edges, GraphExporter, selected_records

_COLOURS: Final = {  # fill, border
    None: ("#eef3fb", "#5b7db1"),
    Severity.CRITICAL: ("#f5c6cb", "#a71d2a"),
    Severity.HIGH: ("#f8d7da", "#c0392b"),
    Severity.MEDIUM: ("#fff3cd", "#b7950b"),
    Severity.LOW: ("#e8f5e9", "#4e8a52"),
    Severity.INFO: ("#eef3fb", "#5b7db1"),
}

_HEADER: Final = """digraph cloudscope {
  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.6];
  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9];
  edge [fontname="Helvetica", fontsize=8, color="#777777", fontcolor="#555555"];
"""


def quoted(text: str) -> str:
    """A DOT double-quoted string; newlines become line breaks of a label."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


class DotExporter(GraphExporter):
    """Graphviz DOT of the selected assets and the relationships between them
    (`dot -Tsvg estate.dot -o estate.svg`)."""

    extension = ".dot"

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Nodes as they are read, grouped in account clusters; then the edges."""
        records = selected_records(source, options)
        out = target.open()
        out.write(_HEADER)
        edges = Edges()
        cluster: tuple[str, str | None] | None = None
        for record in records:
            asset = record.asset
            if (asset.provider, asset.account) != cluster:
                if cluster is not None:
                    out.write("  }\n")
                cluster = (asset.provider, asset.account)
                title = f"{asset.provider} {asset.account or '(no account)'}"
                out.write(f"  subgraph {quoted(f'cluster_{len(edges.nodes)}')} {{\n"
                          f"    label={quoted(title)}; style=rounded; color=\"#bbbbbb\";\n")
            fill, border = _COLOURS[graph.max_severity(record)]
            out.write(f"    {quoted(asset.id)} [label={quoted(graph.label(record))}, "
                      f"tooltip={quoted(asset.id)}, fillcolor=\"{fill}\", color=\"{border}\"];\n")
            edges.add(record)
        if cluster is not None:
            out.write("  }\n")
        for edge in edges:
            out.write(f"  {quoted(edge.source)} -> {quoted(edge.target)} "
                      f"[label={quoted(edge.type)}];\n")
        out.write("}\n")
