"""Field paths into asset properties: ``IpPermissions[].IpRanges[].CidrIp``.

A path is keys joined by dots; ``[]`` (or ``[*]``) after a key steps into every element of
a list, ``[N]`` into one. A path yields every value it reaches, so that a rule can ask
"does any grant name AllUsers" without a loop. Missing keys yield nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

_STEP: Final = re.compile(r"^(?P<key>[^.\[\]]*)(?P<indexes>(\[(\*|-?\d+)?\])*)$")
_INDEX: Final = re.compile(r"\[(\*|-?\d+)?\]")
EVERY: Final = None
"""An index step meaning every element."""


class FieldPath:
    """A parsed field path. Added in API 1.0."""

    __slots__ = ("_keys", "_steps", "text")

    def __init__(self, text: str) -> None:
        """Parse ``text``; raise :class:`ValueError` naming the bad part."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("a field path must be a non-empty string")
        steps: list[str | int | None] = []
        for part in text.split("."):
            match = _STEP.match(part)
            if match is None or (not match["key"] and not match["indexes"]):
                raise ValueError(f"invalid field path {text!r} at {part!r} "
                                 "(expected Key, Key[] or Key[0] joined by dots)")
            if match["key"]:
                steps.append(match["key"])
            for index in _INDEX.findall(match["indexes"]):
                steps.append(EVERY if index in ("", "*") else int(index))
        self.text = text
        self._steps: tuple[str | int | None, ...] = tuple(steps)
        # Most paths are keys only (``PolicyStatus.IsPublic``): at most one value, reached
        # without the lists of the general walk.
        self._keys = all(isinstance(step, str) for step in steps)

    def __repr__(self) -> str:
        return f"FieldPath({self.text!r})"

    @property
    def steps(self) -> tuple[str | int | None, ...]:
        """The parsed steps: a key (str), an index (int) or :data:`EVERY` (None) each.
        Added in API 1.1."""
        return self._steps

    def values(self, data: Any) -> Iterator[Any]:
        """Every value the path reaches in ``data`` (nothing when a key is missing)."""
        # One step at a time over every value reached so far, in order: the same values in
        # the same order as a depth-first walk, at half its cost (rules walk paths for every
        # asset of an estate).
        if self._keys:
            for step in self._steps:
                if isinstance(data, dict) and step in data:
                    data = data[step]
                else:
                    return iter(())
            return iter((data,))
        current = [data]
        for step in self._steps:
            reached: list[Any] = []
            if isinstance(step, str):
                for item in current:
                    if isinstance(item, dict) and step in item:
                        reached.append(item[step])
            elif step is EVERY:
                for item in current:
                    if isinstance(item, list):
                        reached.extend(item)
            else:
                for item in current:
                    if isinstance(item, list) and -len(item) <= step < len(item):
                        reached.append(item[step])
            if not reached:
                return iter(())
            current = reached
        return iter(current)

    def first(self, data: Any, default: Any = None) -> Any:
        """The first value the path reaches, or ``default``."""
        return next(self.values(data), default)


def values_at(data: Any, path: str) -> list[Any]:
    """Every value ``path`` reaches in ``data``: ``values_at(props, "Grants[].Permission")``."""
    return list(FieldPath(path).values(data))
