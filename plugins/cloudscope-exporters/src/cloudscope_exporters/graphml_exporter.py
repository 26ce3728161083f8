"""GraphML, for Gephi, yEd and NetworkX: a directed graph of the selected assets."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from cloudscope.api import ExportSource, ExportTarget

from cloudscope_exporters import graph
from cloudscope_exporters.graph import Edges, GraphExporter, selected_records

# XML 1.0 forbids most control characters, even escaped.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

NODE_KEYS: Final = ("label", "asset_type", "name", "provider", "account", "region",
                    "max_severity")
EDGE_KEYS: Final = ("type", "label")

_HEADER: Final = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns
         http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">
"""


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _attribute(value: str) -> str:
    return quoteattr(_NOT_XML.sub("", value))


class GraphmlExporter(GraphExporter):
    """GraphML of the selected assets and the relationships between them: node attributes
    label, asset_type, name, provider, account, region, max_severity; edge type and label."""

    extension = ".graphml"

    def export(self, source: ExportSource, target: ExportTarget,
               options: Mapping[str, Any]) -> None:
        """Keys, nodes as they are read, then the edges."""
        records = selected_records(source, options)
        out = target.open()
        out.write(_HEADER)
        for key in NODE_KEYS:
            out.write(f'  <key id="n_{key}" for="node" attr.name="{key}" attr.type="string"/>\n')
        for key in EDGE_KEYS:
            out.write(f'  <key id="e_{key}" for="edge" attr.name="{key}" attr.type="string"/>\n')
        out.write('  <graph id="cloudscope" edgedefault="directed">\n')
        edges = Edges()
        for record in records:
            asset = record.asset
            severity = graph.max_severity(record)
            values = {"label": graph.label(record), "asset_type": asset.asset_type,
                      "name": asset.name or "", "provider": asset.provider,
                      "account": asset.account or "", "region": asset.region or "",
                      "max_severity": severity.value if severity else ""}
            data = "".join(f'<data key="n_{key}">{_text(value)}</data>'
                           for key, value in values.items() if value)
            out.write(f"    <node id={_attribute(asset.id)}>{data}</node>\n")
            edges.add(record)
        for edge in edges:
            ends = f"source={_attribute(edge.source)} target={_attribute(edge.target)}"
            out.write(f"    <edge {ends}>"
                      f'<data key="e_type">{_text(edge.type)}</data>'
                      f'<data key="e_label">{_text(edge.type)}</data></edge>\n')
        out.write("  </graph>\n</graphml>\n")
