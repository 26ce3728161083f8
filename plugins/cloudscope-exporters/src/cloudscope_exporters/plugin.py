"""The cloudscope-exporters plugin's entry point module: light, it imports no exporter.

Every format registers here exactly as a third-party exporter would: a name and a
``"module:Class"`` string, imported only when ``cloudscope export NAME`` runs.
"""

from __future__ import annotations

from typing import Final

from cloudscope.api import Register, hookimpl

CLOUDSCOPE_API: Final = ">=1.0,<2"


@hookimpl
def cloudscope_register_exporters(register: Register) -> None:
    register("csv", "cloudscope_exporters.csv_exporter:CsvExporter")
    register("json", "cloudscope_exporters.json_exporter:JsonExporter")
    register("jsonl", "cloudscope_exporters.json_exporter:JsonLinesExporter")
    register("graphml", "cloudscope_exporters.graphml_exporter:GraphmlExporter")
    register("dot", "cloudscope_exporters.dot_exporter:DotExporter")
    register("cypher", "cloudscope_exporters.cypher_exporter:CypherExporter")
