"""Properties flattened to ``Dotted.Path=value`` entries, bounded in depth and width.

A model reads ``State.Name=running; PublicIpAddress=54.1.2.3`` far better than nested JSON,
and a bounded cell keeps one asset with a huge policy from eating the token budget.
"""

from __future__ import annotations

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
_RANK: Final = operator.itemgetter(0)
_LEAVES: Final = frozenset({str, int, float, bool})
_UNIMPORTANT: Final = 1 << 32
"""Added to a leaf's level to rank it after every important one (levels are far smaller)."""
_INDEXES: Final = tuple(f"[{i}]" for i in range(64))
_PATHS_CACHED: Final = 50_000


class _Paths:
    """The paths met so far, as a tree of keys (a type's assets share their keys): a leaf's
    path and rank are looked up by its key under its parent's node instead of being built
    and matched again for every asset. Bounded: emptied when it holds too many paths."""

    def __init__(self) -> None:
        self.root: dict[Any, list[Any]] = {}
        self.size = 0

    def entry(self, node: dict[Any, list[Any]], key: Any, prefix: str) -> list[Any]:
        """``[path, rank, children as a mapping, children as a list]`` of ``key``."""
        path = f"{prefix}{key}"
        entry = [path, _UNIMPORTANT if _IMPORTANT.search(path) is None else 0, None, None]
        if type(key) is str:  # keys that compare equal (1, True) would share a path
            if self.size >= _PATHS_CACHED:
                self.root.clear()  # a node held only by its parent: all of it is freed
                self.size = 0
            else:
                node[key] = entry
                self.size += 1
        return entry


_paths: Final = _Paths()


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
    leaves: list[tuple[int, str, Any]] = []
    # Enough candidates to rank: do not walk a 10,000-key document to the end.
    _collect(properties, _paths.root, "", 1, leaves, limits=limits, cap=limits.width * 8,
             top=True)
    # Stable: leaves of the same rank keep the order they were found in.
    leaves.sort(key=_RANK)
    limit = limits.value_chars
    shown = []
    for _, path, value in leaves[:limits.width]:
        if type(value) is not str or len(value) > limit or "\n" in value or "\r" in value:
            value = shorten(text(value), limit)
        shown.append(f"{path}={value}")
    return shown, len(leaves) - len(shown)


def _collect(mapping: Mapping[Any, Any], node: dict[Any, list[Any]], prefix: str, level: int,
             leaves: list[tuple[int, str, Any]], *, limits: FlattenLimits, cap: int,
             top: bool = False) -> None:
    # (rank + level, path, value): sorting on the first ranks the leaves, important paths
    # first, then shallower ones. Dispatch on exact types first: this loop runs for every
    # property of every asset.
    add = leaves.append
    get = node.get
    deeper = level < limits.depth
    for key, value in mapping.items():
        if value is None or (top and key in _DUPLICATED):
            continue
        kind = type(value)
        if kind in _LEAVES:
            if value or kind is not str:
                entry = get(key) or _paths.entry(node, key, prefix)
                add((entry[1] + level, entry[0], value))
        elif kind is dict or (kind is not list and isinstance(value, Mapping)):
            if not value:
                continue
            entry = get(key) or _paths.entry(node, key, prefix)
            if deeper:
                if entry[2] is None:
                    entry[2] = {}
                _collect(value, entry[2], entry[0] + ".", level + 1, leaves, limits=limits,
                         cap=cap)
            else:
                add((entry[1] + level, entry[0], value))
        elif kind is list:
            if not value:
                continue
            entry = get(key) or _paths.entry(node, key, prefix)
            if deeper and any(type(i) in _NESTED or isinstance(i, Mapping)
                                            for i in value):
                shown = value[:limits.list_items]
                if entry[3] is None:
                    entry[3] = {}
                _collect({_index(i): item for i, item in enumerate(shown)}, entry[3], entry[0],
                         level + 1, leaves, limits=limits, cap=cap)
                if len(value) > len(shown):
                    add((entry[1] + level, f"{entry[0]}.count", len(value)))
            else:
                add((entry[1] + level, entry[0], value))
        else:
            entry = get(key) or _paths.entry(node, key, prefix)
            add((entry[1] + level, entry[0], value))
        if len(leaves) >= cap:
            return


def _index(position: int) -> str:
    return _INDEXES[position] if position < len(_INDEXES) else f"[{position}]"


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
