"""What changed between two versions of an asset: field paths, before and after.

Every store computes its ``modified`` changes here, so that all of them report the same
paths. Dictionaries are compared key by key. Lists are compared as collections, since the
clouds' lists (rules, grants, tags) rarely mean anything by their order: items found on
both sides are unchanged wherever they moved; an item only in the new list is reported at
its index there (``properties.IpPermissions[2]``: null -> the rule), one only in the old
list at its index there (the rule -> null), and an old and a new item at the same index are
compared field by field (``properties.IpPermissions[0].IpRanges[1].CidrIp``). A key that
appears with a null value is no change. Fields the cloud changes by itself on every read (RDS
``LatestRestorableTime``), declared per asset type by the collectors, are never reported.

Values are redacted in their context before they are kept: the whole before and after
versions go through :func:`cloudscope.domain.redaction.redact`, and each change takes its
values from there, so that a secret inside a name/value pair or a JSON string is hidden as
the exports hide it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from cloudscope.domain.change import FieldChange
from cloudscope.domain.field_path import EVERY, FieldPath
from cloudscope.domain.redaction import REDACTED, redact, redact_text

TRACKED_FIELDS: Final = ("provider", "asset_type", "native_type", "name", "account", "region",
                         "tags", "properties")
"""The asset fields compared, in the order their changes are listed (times are not)."""

Step = str | int | None
Pattern = tuple[Step, ...]
VolatileFields = Mapping[str, Sequence[str]]
"""Paths into ``properties`` (FieldPath syntax) by asset type. Added in API 1.1."""

_PLAIN_KEY: Final = re.compile(r'^[^.\[\]"]+$')
MAX_PAIRS: Final = 250_000
"""Item comparisons allowed to match two lists; beyond it a changed list is reported whole."""
Found = list[tuple[list[Step], bool, bool]]
"""Changed paths, each with whether it exists before and after."""


def compile_volatile_fields(fields: VolatileFields) -> dict[str, tuple[Pattern, ...]]:
    """The declared paths parsed, by asset type; a ValueError names a malformed one."""
    compiled: dict[str, tuple[Pattern, ...]] = {}
    for asset_type, paths in fields.items():
        if not isinstance(asset_type, str) or isinstance(paths, str):
            raise ValueError(f"volatile fields of {asset_type!r}: expected a list of paths "
                             "by asset type")
        patterns = []
        for path in paths:
            try:
                patterns.append(FieldPath(path).steps)
            except ValueError as error:
                raise ValueError(f"volatile field of {asset_type}: {error}") from None
        compiled[asset_type] = compiled.get(asset_type, ()) + tuple(patterns)
    return compiled


def render_path(steps: Sequence[Step]) -> str:
    """``("properties", "A", 0, "b.c")`` -> ``properties.A[0]["b.c"]``."""
    text = str(steps[0])
    for step in steps[1:]:
        if isinstance(step, int):
            text += f"[{step}]"
        elif isinstance(step, str) and _PLAIN_KEY.match(step):
            text += "." + step
        else:
            text += "[" + json.dumps(step, ensure_ascii=False) + "]"
    return text


class AssetDiffer:
    """Compares stored and newly collected versions of assets. Added in API 1.1.

    ``volatile`` holds the paths under ``properties`` that never count, by asset type.
    """

    __slots__ = ("_volatile",)

    def __init__(self, volatile: VolatileFields | None = None) -> None:
        self._volatile = compile_volatile_fields(volatile or {})

    def diff(self, asset_type: str, before: Mapping[str, Any],
             after: Mapping[str, Any]) -> list[FieldChange]:
        """The changed fields from ``before`` to ``after`` (mappings holding any of
        :data:`TRACKED_FIELDS`), redacted; empty when only volatile fields differ."""
        found: Found = []
        for name in TRACKED_FIELDS:
            old, new = before.get(name), after.get(name)
            if old == new:
                continue
            patterns = self._volatile.get(asset_type, ()) if name == "properties" else ()
            _walk(old, new, [name], patterns, found)
        if not found:
            return []
        old_view, new_view = _redacted(before), _redacted(after)
        return [FieldChange(path=render_path(steps),
                            before=_at(old_view, steps) if is_before else None,
                            after=_at(new_view, steps) if is_after else None)
                for steps, is_before, is_after in found]


def _walk(before: Any, after: Any, steps: list[Step], patterns: Sequence[Pattern],
          found: Found) -> None:
    if any(not pattern for pattern in patterns):
        return  # a volatile field, or inside one
    if type(before) is dict and type(after) is dict:
        for key in dict.fromkeys([*before, *after]):
            old, new = before.get(key), after.get(key)
            if old != new:
                _walk(old, new, [*steps, key], [p[1:] for p in patterns if p[0] == key], found)
    elif type(before) is list and type(after) is list and \
            len(before) * len(after) <= MAX_PAIRS:
        _walk_list(before, after, steps, patterns, found)
    else:
        found.append((steps, before is not None, after is not None))


def _walk_list(before: list[Any], after: list[Any], steps: list[Step],
               patterns: Sequence[Pattern], found: Found) -> None:
    """Items on both sides match (wherever they are); what is left is paired by index."""
    unmatched = list(range(len(after)))
    removed = []
    for index, item in enumerate(before):
        for position, other in enumerate(unmatched):
            if after[other] == item:
                del unmatched[position]
                break
        else:
            removed.append(index)
    added = set(unmatched)
    for index in sorted(added.union(removed)):
        if index in added and index < len(before) and index in removed:
            size = len(after)
            chosen = [p[1:] for p in patterns if p[0] is EVERY or (
                type(p[0]) is int and -size <= p[0] < size and p[0] % size == index)]
            _walk(before[index], after[index], [*steps, index], chosen, found)
        else:
            found.append(([*steps, index], index not in added, index in added))


def _redacted(values: Mapping[str, Any]) -> dict[str, Any]:
    view = dict(values)
    if isinstance(view.get("name"), str):
        view["name"] = redact_text(view["name"])
    for name in ("tags", "properties"):
        if name in view:
            view[name] = redact(view[name])
    return view


def _at(view: Any, steps: Sequence[Step]) -> Any:
    """The value at ``steps`` in a redacted view; REDACTED where redaction replaced a whole
    structure on the way; None where the path does not exist on this side."""
    for step in steps:
        if isinstance(view, dict) and isinstance(step, str):
            view = view.get(step)
        elif isinstance(view, list) and isinstance(step, int) and -len(view) <= step < len(view):
            view = view[step]
        else:
            return REDACTED if view == REDACTED else None
    return view
