"""cloudscope.api is the whole public surface for plugin authors."""

from __future__ import annotations

from typing import Any

import cloudscope.api as api

EXPECTED = {
    "API_VERSION", "hookimpl", "Asset", "Relationship", "Finding", "Severity", "AssetQuery",
    "Scope", "ScopeKey", "ScopeStatus", "CollectionRun", "RunStatus", "utc_now", "REDACTED",
    "redact", "redact_text", "CloudScopeError", "CollectionError", "ConfigError", "InputError",
    "NotFoundError", "PluginError", "StoreError", "UsageError", "RateLimit", "RateLimiter",
    "Register", "CollectContext", "Collector", "AssetDetail", "Repository",
    # API 1.1
    "Check", "CheckStatus",
}


def test_public_names_include_the_documented_api() -> None:
    """Every documented name is exported (later issues may add more)."""
    assert set(api.__all__) >= EXPECTED


def test_every_exported_name_resolves() -> None:
    """Each name in __all__ can be imported from cloudscope.api."""
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_public_objects_have_docstrings() -> None:
    """Classes and functions of the public API are documented."""
    for name in api.__all__:
        value = getattr(api, name)
        if callable(value) and not isinstance(value, type(api)):
            assert (value.__doc__ or "").strip(), name


def test_api_version_is_1_1() -> None:
    """This core provides plugin API 1.1 (1.0 plus optional hooks, methods and fields)."""
    assert api.API_VERSION == "1.1"


def test_all_lists_exactly_the_lazy_names() -> None:
    """__all__ and the lazy-import table name the same things (one list kept in step)."""
    assert set(api.__all__) == {"API_VERSION", "hookimpl", *api._LAZY}


def test_asset_type_catalogue_is_public_and_added_in_1_1() -> None:
    """AssetTypeInfo and Collector.asset_types are exported and marked as API 1.1."""
    assert "AssetTypeInfo" in api.__all__
    assert "Added in API 1.1" in (api.AssetTypeInfo.__doc__ or "")
    assert "Added in API 1.1" in (api.Collector.asset_types.__doc__ or "")


def test_a_collector_written_for_api_1_0_declares_no_types() -> None:
    """A collector that does not implement asset_types() inherits an empty catalogue."""
    class Legacy(api.Collector):
        def plan(self) -> list[api.ScopeKey]:
            return []

        def collect(self, scope: api.ScopeKey) -> Any:
            return iter(())

    assert tuple(Legacy.asset_types()) == ()
