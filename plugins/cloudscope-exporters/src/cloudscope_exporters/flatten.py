"""Properties flattened to ``Dotted.Path=value`` entries, bounded in depth and width.

A model reads ``State.Name=running; PublicIpAddress=54.1.2.3`` far better than nested JSON,
and a bounded cell keeps one asset with a huge policy from eating the token budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
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
    entries = []
    for order, (path, value, level) in enumerate(_leaves(properties, limits)):
        entries.append((0 if _IMPORTANT.search(path) else 1, level, order, path, value))
        # Enough candidates to rank: do not walk a 10,000-key document to the end.
        if len(entries) >= limits.width * 8:
            break
    entries.sort()
    shown = [f"{path}={shorten(text(value), limits.value_chars)}"
             for _, _, _, path, value in entries[:limits.width]]
    return shown, len(entries) - len(shown)


def _leaves(properties: Mapping[str, Any], limits: FlattenLimits) -> Iterator[tuple[str, Any, int]]:
    stack: list[tuple[str, Any, int]] = [
        (str(key), value, 1) for key, value in reversed(list(properties.items()))
        if key not in _DUPLICATED]
    while stack:
        path, value, level = stack.pop()
        if value is None or value in ("", {}, []):
            continue
        if isinstance(value, Mapping) and level < limits.depth:
            stack.extend((f"{path}.{key}", item, level + 1)
                         for key, item in reversed(list(value.items())))
        elif (isinstance(value, list) and level < limits.depth
              and any(isinstance(item, (Mapping, list)) for item in value)):
            shown = value[:limits.list_items]
            stack.extend((f"{path}[{index}]", item, level + 1)
                         for index, item in reversed(list(enumerate(shown))))
            if len(value) > len(shown):
                yield f"{path}.count", len(value), level
        else:
            yield path, value, level


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
