"""The public API of CloudScope: the one module plugin authors import.

Everything listed in ``__all__`` is stable within API major version 1; every other module
of the ``cloudscope`` package is internal. Names are imported lazily, so that a plugin's
light entry point module (``from cloudscope.api import hookimpl``) does not pay for the
domain model at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from cloudscope.ports.hookspecs import API_VERSION, hookimpl

if TYPE_CHECKING:
    # Type checkers read these; at run time _LAZY imports each name on first use.
    from cloudscope.domain.asset import Asset, AssetJson
    from cloudscope.domain.change import (
        Change,
        ChangedFinding,
        ChangedRelationship,
        ChangeKind,
        ChangeQuery,
        FieldChange,
    )
    from cloudscope.domain.change_diff import AssetDiffer
    from cloudscope.domain.checks import Check, CheckStatus
    from cloudscope.domain.errors import (
        CloudScopeError,
        CollectionError,
        ConfigError,
        InputError,
        NotFoundError,
        PluginError,
        StoreError,
        StoreFailedError,
        UsageError,
    )
    from cloudscope.domain.field_path import FieldPath
    from cloudscope.domain.finding import Finding, Severity
    from cloudscope.domain.query import AssetQuery, FindingQuery
    from cloudscope.domain.redaction import REDACTED, redact, redact_text
    from cloudscope.domain.relationship import Relationship
    from cloudscope.domain.scope import (
        CollectionRun,
        RunOwner,
        RunStatus,
        Scope,
        ScopeKey,
        ScopeStatus,
    )
    from cloudscope.domain.timestamps import utc_now
    from cloudscope.host.plugin_host import PluginHost
    from cloudscope.host.plugin_report import PluginReport, PluginStatus
    from cloudscope.host.ratelimit import RateLimit, RateLimiter
    from cloudscope.ports.collector import AssetTypeInfo, CollectContext, Collector
    from cloudscope.ports.exporter import (
        EXPORT_SCHEMA_VERSION,
        AssetRecord,
        AssetRelationships,
        Exporter,
        ExportSource,
        ExportTarget,
    )
    from cloudscope.ports.registration import Register
    from cloudscope.ports.repository import (
        HEARTBEAT_INTERVAL_S,
        AssetDetail,
        Repository,
        RunLiveness,
        StoredAsset,
        StoredRelationship,
    )
    from cloudscope.ports.rule import (
        AssetRule,
        DetectionRule,
        RiskRule,
        Rule,
        RuleGraph,
    )

_LAZY: Final = {
    "Asset": "cloudscope.domain.asset",
    "AssetJson": "cloudscope.domain.asset",
    "Check": "cloudscope.domain.checks",
    "CheckStatus": "cloudscope.domain.checks",
    "Relationship": "cloudscope.domain.relationship",
    "Finding": "cloudscope.domain.finding",
    "Severity": "cloudscope.domain.finding",
    "AssetQuery": "cloudscope.domain.query",
    "FindingQuery": "cloudscope.domain.query",
    "Scope": "cloudscope.domain.scope",
    "ScopeKey": "cloudscope.domain.scope",
    "ScopeStatus": "cloudscope.domain.scope",
    "CollectionRun": "cloudscope.domain.scope",
    "RunStatus": "cloudscope.domain.scope",
    "RunOwner": "cloudscope.domain.scope",
    "utc_now": "cloudscope.domain.timestamps",
    "REDACTED": "cloudscope.domain.redaction",
    "redact": "cloudscope.domain.redaction",
    "redact_text": "cloudscope.domain.redaction",
    "CloudScopeError": "cloudscope.domain.errors",
    "CollectionError": "cloudscope.domain.errors",
    "ConfigError": "cloudscope.domain.errors",
    "InputError": "cloudscope.domain.errors",
    "NotFoundError": "cloudscope.domain.errors",
    "PluginError": "cloudscope.domain.errors",
    "StoreError": "cloudscope.domain.errors",
    "StoreFailedError": "cloudscope.domain.errors",
    "UsageError": "cloudscope.domain.errors",
    "PluginHost": "cloudscope.host.plugin_host",
    "PluginReport": "cloudscope.host.plugin_report",
    "PluginStatus": "cloudscope.host.plugin_report",
    "RateLimit": "cloudscope.host.ratelimit",
    "RateLimiter": "cloudscope.host.ratelimit",
    "Register": "cloudscope.ports.registration",
    "AssetTypeInfo": "cloudscope.ports.collector",
    "CollectContext": "cloudscope.ports.collector",
    "Collector": "cloudscope.ports.collector",
    "AssetRecord": "cloudscope.ports.exporter",
    "EXPORT_SCHEMA_VERSION": "cloudscope.ports.exporter",
    "Exporter": "cloudscope.ports.exporter",
    "ExportSource": "cloudscope.ports.exporter",
    "ExportTarget": "cloudscope.ports.exporter",
    "AssetDetail": "cloudscope.ports.repository",
    "StoredAsset": "cloudscope.ports.repository",
    "StoredRelationship": "cloudscope.ports.repository",
    "Repository": "cloudscope.ports.repository",
    "RunLiveness": "cloudscope.ports.repository",
    "HEARTBEAT_INTERVAL_S": "cloudscope.ports.repository",
    "Rule": "cloudscope.ports.rule",
    "RiskRule": "cloudscope.ports.rule",
    "AssetRule": "cloudscope.ports.rule",
    "DetectionRule": "cloudscope.ports.rule",
    "RuleGraph": "cloudscope.ports.rule",
    "FieldPath": "cloudscope.domain.field_path",
    # Added in API 1.1: the change log.
    "Change": "cloudscope.domain.change",
    "ChangeKind": "cloudscope.domain.change",
    "ChangeQuery": "cloudscope.domain.change",
    "ChangedFinding": "cloudscope.domain.change",
    "ChangedRelationship": "cloudscope.domain.change",
    "FieldChange": "cloudscope.domain.change",
    "AssetDiffer": "cloudscope.domain.change_diff",
    # Added in API 1.1: records whose incoming relationships are read when used.
    "AssetRelationships": "cloudscope.ports.exporter",
}

__all__ = [  # literal, so that type checkers see the re-exports; test_api keeps it equal to _LAZY
    "API_VERSION",
    "EXPORT_SCHEMA_VERSION",
    "HEARTBEAT_INTERVAL_S",
    "REDACTED",
    "Asset",
    "AssetDetail",
    "AssetDiffer",
    "AssetJson",
    "AssetQuery",
    "AssetRecord",
    "AssetRelationships",
    "AssetRule",
    "AssetTypeInfo",
    "Change",
    "ChangeKind",
    "ChangeQuery",
    "ChangedFinding",
    "ChangedRelationship",
    "Check",
    "CheckStatus",
    "CloudScopeError",
    "CollectContext",
    "CollectionError",
    "CollectionRun",
    "Collector",
    "ConfigError",
    "DetectionRule",
    "ExportSource",
    "ExportTarget",
    "Exporter",
    "FieldChange",
    "FieldPath",
    "Finding",
    "FindingQuery",
    "InputError",
    "NotFoundError",
    "PluginError",
    "PluginHost",
    "PluginReport",
    "PluginStatus",
    "RateLimit",
    "RateLimiter",
    "Register",
    "Relationship",
    "Repository",
    "RiskRule",
    "Rule",
    "RuleGraph",
    "RunLiveness",
    "RunOwner",
    "RunStatus",
    "Scope",
    "ScopeKey",
    "ScopeStatus",
    "Severity",
    "StoreError",
    "StoreFailedError",
    "StoredAsset",
    "StoredRelationship",
    "UsageError",
    "hookimpl",
    "redact",
    "redact_text",
    "utc_now",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cloudscope.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
