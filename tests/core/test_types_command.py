"""`cloudscope types`: the asset types each loaded collector declares (API 1.1), offline."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.testing.plugin import FakeDistribution

TYPE_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*:[a-z0-9]+(-[a-z0-9]+)*$")
FIELDS = {"provider", "asset_type", "native_type", "api_calls", "relationships",
          "volatile_fields", "id_format"}

PLUGINS = """\
import sys
from cloudscope.api import AssetTypeInfo, Collector, hookimpl
CLOUDSCOPE_API = ">=1.0,<2"

class Declares(Collector):
    @classmethod
    def asset_types(cls):
        return [AssetTypeInfo("demo:thing:item", "Demo::Item", api_calls=("demo:ListItems",),
                              relationships=("CONTAINS <- demo:thing:box",),
                              volatile_fields=("LastSeen",))]
    def plan(self):
        return []
    def collect(self, scope):
        return iter(())

class Raises(Declares):
    @classmethod
    def asset_types(cls):
        raise RuntimeError("catalogue file missing")

class Exits(Declares):
    @classmethod
    def asset_types(cls):
        sys.exit(0)

class Lies(Declares):
    @classmethod
    def asset_types(cls):
        return ["demo:thing:item"]

class Hostile(Declares):
    @classmethod
    def asset_types(cls):
        return [AssetTypeInfo("demo:thing:item", "Demo::\x1b[2JItem",
                              api_calls=("demo:List\x07Items",))]

class Legacy(Collector):
    def plan(self):
        return []
    def collect(self, scope):
        return iter(())

@hookimpl
def cloudscope_register_collectors(register):
    for name, factory in (("declares", Declares), ("raises", Raises), ("exits", Exits),
                          ("lies", Lies), ("hostile", Hostile), ("legacy", Legacy)):
        register(name, factory)
"""


@pytest.fixture
def demo_env(fake_distribution: Callable[..., FakeDistribution]) -> dict[str, str]:
    """A plugin with well-behaved, API-1.0 and broken collectors, loaded alone."""
    dist = fake_distribution("cloudscope-demo", entry_points={"demo": "demo_types_plugin"},
                             modules={"demo_types_plugin": PLUGINS})
    return {"PYTHONPATH": str(dist.path), "CLOUDSCOPE_LOAD_PLUGINS": "demo"}


def test_json_lists_every_declared_type_with_its_fields(run_cloudscope: Callable[..., Any]) -> None:
    """Azure's and GCP's catalogues come out as rows with every field, sorted, named by the
    naming rule."""
    result = run_cloudscope("types", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    providers = {row["provider"] for row in rows}
    assert {"azure", "gcp"} <= providers
    assert all(set(row) == FIELDS for row in rows)
    assert all(TYPE_NAME.match(row["asset_type"]) for row in rows), rows
    keys = [(row["provider"], row["asset_type"], row["native_type"]) for row in rows]
    assert keys == sorted(keys)
    disks = [row for row in rows if row["asset_type"] == "azure:compute:disk"]
    assert disks[0]["api_calls"][0].startswith("GET /subscriptions/{id}/providers/"
                                               "Microsoft.Compute/disks?api-version=")
    assert "ATTACHED_TO -> (id at managedBy)" in disks[0]["relationships"]


def test_provider_narrows_and_the_file_collector_declares_nothing(
        run_cloudscope: Callable[..., Any]) -> None:
    """--provider gcp lists only GCP's types; the file collector's types depend on its
    input, so it declares none."""
    gcp = json.loads(run_cloudscope("types", "--provider", "gcp", "--format", "json").stdout)
    assert gcp and {row["provider"] for row in gcp} == {"gcp"}
    result = run_cloudscope("types", "--provider", "file", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    lines = run_cloudscope("types", "--provider", "gcp", "--format", "jsonl").stdout
    assert [json.loads(line) for line in lines.splitlines()] == gcp


def test_an_unknown_provider_is_one_line_and_exit_2(run_cloudscope: Callable[..., Any]) -> None:
    """A provider no plugin registers is a usage error naming the known ones."""
    result = run_cloudscope("types", "--provider", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "cloudscope: error: no collector named 'nope' (available: aws, azure, file, gcp)"]


def test_a_plugin_collector_declares_its_types(run_cloudscope: Callable[..., Any],
                                               demo_env: dict[str, str]) -> None:
    """A third-party collector's AssetTypeInfo comes out as written; an API-1.0 collector
    (no asset_types of its own) declares none."""
    result = run_cloudscope("types", "--provider", "declares", "--format", "json", env=demo_env)
    assert json.loads(result.stdout) == [{
        "provider": "declares", "asset_type": "demo:thing:item", "native_type": "Demo::Item",
        "api_calls": ["demo:ListItems"], "relationships": ["CONTAINS <- demo:thing:box"],
        "volatile_fields": ["LastSeen"], "id_format": ""}]
    legacy = run_cloudscope("types", "--provider", "legacy", "--format", "json", env=demo_env)
    assert (legacy.exit_code, json.loads(legacy.stdout)) == (0, [])


def test_a_broken_catalogue_fails_that_collector_only(run_cloudscope: Callable[..., Any],
                                                      demo_env: dict[str, str]) -> None:
    """A collector whose asset_types() raises, exits or returns something else is one line
    each on stderr and exit 3; the others are still listed."""
    result = run_cloudscope("types", "--format", "json", env=demo_env)
    assert result.exit_code == 3
    rows = json.loads(result.stdout)
    assert [row["asset_type"] for row in rows if row["provider"] == "declares"] == \
        ["demo:thing:item"]
    errors = sorted(result.stderr.strip().splitlines())
    assert errors == [
        "cloudscope: error: collector 'exits' (plugin 'demo'): asset_types() called sys.exit(0)",
        "cloudscope: error: collector 'lies' (plugin 'demo'): asset_types() returned a str, "
        "not an AssetTypeInfo",
        "cloudscope: error: collector 'raises' (plugin 'demo'): asset_types() raised "
        "RuntimeError: catalogue file missing",
    ]


def test_the_table_ends_with_the_count(run_cloudscope: Callable[..., Any],
                                       demo_env: dict[str, str]) -> None:
    """The table shows type, native type, calls and relationships, then how many types."""
    result = run_cloudscope("types", "--provider", "declares", env=demo_env)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["PROVIDER", "ASSET", "TYPE", "NATIVE"]
    assert lines[1].split() == ["declares", "demo:thing:item", "Demo::Item", "demo:ListItems",
                                "CONTAINS", "<-", "demo:thing:box"]
    assert lines[-1] == "1 asset type"


def test_control_characters_of_a_catalogue_reach_the_terminal_escaped(
        run_cloudscope: Callable[..., Any], demo_env: dict[str, str]) -> None:
    """A catalogue's text is plugin text: the table shows its escape and bell characters
    escaped, never raw."""
    result = run_cloudscope("types", "--provider", "hostile", env=demo_env)
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Demo::\\x1b[2JItem" in result.stdout and "demo:List\\x07Items" in result.stdout
