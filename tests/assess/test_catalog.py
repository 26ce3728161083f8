"""The light rule catalog reads the same ids a YAML parser finds in each built-in pack."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml
from cloudscope.adapters.rules import catalog


@pytest.mark.parametrize("pack", catalog.PACKS)
def test_catalog_ids_equal_the_ids_a_yaml_parser_reads(pack: str) -> None:
    """pack_ids' line pattern finds exactly the rules and detections of the pack, in order."""
    text = resources.files("cloudscope.adapters.rules").joinpath(pack).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    parsed = [entry["id"] for key in ("rules", "detections") for entry in data.get(key) or []]
    assert list(catalog.pack_ids(pack)) == parsed
    assert parsed
