"""Every exporter of cloudscope-exporters passes the exporter contract suite."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

import networkx
from cloudscope.host.plugin_host import PluginHost
from cloudscope.testing.exporter_contract import ExporterContract


class TestCsv(ExporterContract):
    format_name = "csv"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        ids = []
        for path in paths:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                assert reader.fieldnames and reader.fieldnames[0] == "id"
                ids += [row["id"] for row in reader]
        return ids


class TestJson(ExporterContract):
    format_name = "json"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        (path,) = paths
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["counts"]["assets"] == len(document["assets"])
        return [asset["id"] for asset in document["assets"]]


class TestJsonLines(ExporterContract):
    format_name = "jsonl"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        (path,) = paths
        return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


class TestGraphml(ExporterContract):
    format_name = "graphml"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        (path,) = paths
        return list(networkx.read_graphml(path).nodes)


class TestDot(ExporterContract):
    format_name = "dot"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        (path,) = paths
        text = path.read_text(encoding="utf-8")
        assert text.startswith("digraph cloudscope {") and text.rstrip().endswith("}")
        return re.findall(r'^    "((?:[^"\\]|\\.)*)" \[label=', text, flags=re.MULTILINE)


def test_every_registered_exporter_runs_the_contract() -> None:
    """Each format the plugin registers has a contract test class above."""
    host = PluginHost.from_environment()
    tested = {cls.format_name for cls in ExporterContract.__subclasses__()
              if cls.__module__ == __name__}
    assert set(host.exporters.names(plugin="exporters")) == tested


class TestCypher(ExporterContract):
    format_name = "cypher"

    def read_ids(self, paths: Sequence[Path]) -> list[str]:
        (path,) = paths
        rows = re.findall(r'^  \{id: "((?:[^"\\]|\\.)*)", provider:', path.read_text(encoding="utf-8"),
                          flags=re.MULTILINE)
        return [json.loads(f'"{row}"') for row in rows]
