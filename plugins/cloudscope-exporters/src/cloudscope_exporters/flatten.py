"""Properties flattened to ``Dotted.Path=value`` entries, bounded in depth and width.

A model reads ``State.Name=running; PublicIpAddress=54.1.2.3`` far better than nested JSON,
and a bounded cell keeps one asset with a huge policy from eating the token budget.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

ELLIPSIS: Final = "…"

# Paths that name a security-relevant setting come first in the cell: they are what an
# analyst (or a model) asks about. Otherwise shallower paths come first.
_IMPORTANT: Final = re.compile(
    r"(public|encrypt|expos|state|status|scheme|access|cidr|sourceRange|port|protocol|mfa|"
    r"tls|https|ssl|versioning|rotation|logging|direction|ipAddress|natIP|role|kms|"
    r"privilege|admin|endpoint|metadata)", re.IGNORECASE)

# Top-level fields the row already has as columns (tags, name, id, type, location).
_DUPLICATED: Final = frozenset({"Tags", "tags", "TagList", "TagSet", "labels", "name", "id",
                                "type", "location"})


_NESTED: Final = frozenset({dict, list})
_RANK: Final = operator.itemgetter(0, 1)
_SCALARS: Final = frozenset({int, float, bool})


@dataclass(frozen=True, slots=True)
class FlattenLimits:
    """How much of the properties a cell holds."""

    depth: int = 3
    """Levels of nesting followed; deeper values are shown as compact JSON."""
    width: int = 20
    """Entries per cell; the rest is counted as ``…(+N more)``."""
    list_items: int = 3
    """Items of a list of objects followed (``Rules[0]``, ``Rules[1]``...)."""
    value_chars: int = 120
    """Characters per value; longer values end with ``…``."""


def flatten(properties: Mapping[str, Any], limits: FlattenLimits) -> tuple[list[str], int]:
    """The ``path=value`` entries to show, most important first, and how many were left out."""
    leaves: list[tuple[bool, int, str, Any]] = []
    # Enough candidates to rank: do not walk a 10,000-key document to the end.
    _collect(properties, "", 1, limits, leaves, cap=limits.width * 8, top=True)
    # Stable: leaves of the same rank keep the order they were found in.
    leaves.sort(key=_RANK)
    limit = limits.value_chars
    shown = []
    for _, _, path, value in leaves[:limits.width]:
        if type(value) is not str or len(value) > limit or "\n" in value or "\r" in value:
            value = shorten(text(value), limit)
        shown.append(f"{path}={value}")
    return shown, len(leaves) - len(shown)


@functools.lru_cache(maxsize=8192)
def _is_unimportant(path: str) -> bool:
    # Paths repeat across assets of a type: match each once.
    return _IMPORTANT.search(path) is None


def _collect(mapping: Mapping[str, Any], prefix: str, level: int, limits: FlattenLimits,
             leaves: list[tuple[bool, int, str, Any]], *, cap: int,
             top: bool = False) -> None:
    # (unimportant, level, path, value): sorting on the first two ranks the leaves.
    # Dispatch on exact types first: this loop runs for every property of every asset.
    add = leaves.append
    for key, value in mapping.items():
        if value is None or (top and key in _DUPLICATED):
            continue
        kind = type(value)
        path = f"{prefix}{key}"
        if kind is str or kind in _SCALARS:
            if kind is not str or value:
                add((_is_unimportant(path), level, path, value))
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            if not value:
                continue
            if level < limits.depth:
                _collect(value, path + ".", level + 1, limits, leaves, cap=cap)
            else:
                add((_is_unimportant(path), level, path, value))
        elif kind is list:
            if not value:
                continue
            if level < limits.depth and any(type(i) in _NESTED or isinstance(i, Mapping)
                                            for i in value):
                shown = value[:limits.list_items]
                _collect({f"[{i}]": item for i, item in enumerate(shown)}, path, level + 1,
                         limits, leaves, cap=cap)
                if len(value) > len(shown):
                    add((_is_unimportant(path), level, f"{path}.count", len(value)))
            else:
                add((_is_unimportant(path), level, path, value))
        else:
            add((_is_unimportant(path), level, path, value))
        if len(leaves) >= cap:
            return


def text(value: Any) -> str:
    """A value as cell text: booleans in lower case, containers as compact JSON, one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        result = value
    elif isinstance(value, (int, float)):
        return str(value)
    else:
        result = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return " ".join(result.split()) if "\n" in result or "\r" in result else result


def shorten(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, ending with ``…`` when cut."""
    return value if len(value) <= limit else value[:max(0, limit - 1)] + ELLIPSIS
