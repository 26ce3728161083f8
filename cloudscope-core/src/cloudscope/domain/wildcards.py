"""Wildcard patterns as the clouds' access policies write them.

AWS IAM actions and resources, and Azure role actions, use ``*`` (any run of characters,
``/`` and ``:`` included) and, for AWS, ``?`` (one character). There are no character
classes, so ``fnmatch`` (which reads ``[...]``) would be wrong. Action names compare
without regard to case in both clouds; ARNs compare with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=8192)
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if fold else 0))


def matches(pattern: str, value: str, *, fold: bool = True) -> bool:
    """True when ``value`` matches the whole ``pattern`` (``fold``: ignore case)."""
    return _compiled(pattern, fold).fullmatch(value) is not None


def matches_any(patterns: Iterable[str], value: str, *, fold: bool = True) -> bool:
    """True when ``value`` matches one of ``patterns``."""
    return any(matches(pattern, value, fold=fold) for pattern in patterns)


def strings(value: Any) -> list[str]:
    """A policy field that is one string or a list of strings, as a list (others dropped)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str)]
    return []
