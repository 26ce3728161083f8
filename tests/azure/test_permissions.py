"""The read-only role: Reader, or the documented custom role of exact read actions, lets a
whole collection through a fake that refuses what the role lacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cloudscope_azure.permissions import custom_role
from generic_estate import seed_id

from tests.azure.conftest import PRODUCTION

DOCS = Path(__file__).parents[2] / "docs" / "azure.md"
VM_SCOPE = f"azure/{PRODUCTION}/-/microsoft.compute/virtualmachines"


def unavailable(result) -> dict[str, dict]:
    return {i: a.properties["_unavailable"] for i, a in result.assets.items()
            if "_unavailable" in a.properties}


@pytest.mark.parametrize("via", ["arm", "resource-graph"])
def test_the_custom_role_allows_a_whole_collection(collect, fake, via):
    """With exactly the documented actions, every scope completes and every body is read
    (management groups, Resource Graph and the generic path included)."""
    fake.allowed_actions = set(custom_role()["Actions"])
    result = collect({"via": via})
    assert result.errors == {}
    assert unavailable(result) == {}
    assert not [s for s in fake.seen if s.status == 403]
    assert any(a.asset_type == "azure:management:management-group" for a in result.assets.values())


def test_the_reader_role_allows_a_whole_collection(collect, fake):
    """Reader's ``*/read`` is enough."""
    fake.allowed_actions = {"*/read"}
    result = collect()
    assert result.errors == {} and unavailable(result) == {}


def test_a_role_without_a_type_read_keeps_its_list_entries(collect, fake):
    """The twin: without Microsoft.Cache/Redis/read the cache is listed but its body is
    unavailable; without a mapped type's read its scope fails."""
    fake.allowed_actions = set(custom_role()["Actions"]) - {
        "Microsoft.Cache/Redis/read", "Microsoft.Compute/virtualMachines/read"}
    result = collect({"subscription": [PRODUCTION]})
    redis = seed_id(PRODUCTION, "Microsoft.Cache/Redis", "cache1").lower()
    assert unavailable(result) == {redis: {"properties": "Resources_GetById: AuthorizationFailed"}}
    assert list(result.errors) == [VM_SCOPE]
    assert "AuthorizationFailed" in result.errors[VM_SCOPE]


def test_a_role_without_the_providers_read_still_lists_every_resource(collect, fake):
    """Without Microsoft.Resources/subscriptions/providers/read no api-version is known:
    every resource of an unmapped type keeps its list entry, marked, and no scope fails."""
    fake.allowed_actions = set(custom_role()["Actions"]) - {
        "Microsoft.Resources/subscriptions/providers/read"}
    result = collect({"subscription": [PRODUCTION]})
    redis = seed_id(PRODUCTION, "Microsoft.Cache/Redis", "cache1").lower()
    assert result.errors == {}
    assert unavailable(result)[redis] == {"properties": "Providers_List: AuthorizationFailed"}
    assert result.assets[redis].asset_type == "azure:cache:redis"


def test_the_documented_custom_role_is_the_one_the_code_prints():
    """docs/azure.md shows `python -m cloudscope_azure.permissions`'s output."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"<!-- begin: custom role -->\n```json\n(.*?)\n```\n<!-- end: custom role -->",
                      text, re.S)
    assert block is not None, "docs/azure.md lacks the custom role block"
    assert json.loads(block.group(1)) == custom_role()
