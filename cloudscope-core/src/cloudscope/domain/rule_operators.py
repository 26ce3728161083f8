"""The operators of the rule language, and the check of the values rules give them.

A leaf condition ``{path, op, value}`` holds when some value its path reaches satisfies the
operator (``docs/rules.md`` lists them). Split from ``rule_language`` (conditions, rules,
packs): what an operator means is one concept, how conditions combine another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Final

from cloudscope.domain.resource_policy import open_statements


class RuleSyntaxError(ValueError):
    """A mistake in a rule, with the dotted field where it is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    return float(value) if isinstance(value, int | float) else None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time with a zone (``Z`` or an offset) read from a property, else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _as_moment(value: Any) -> datetime | None:
    """A rule's fixed moment: a YAML date or time, or its ISO 8601 text; UTC unless it says."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return isinstance(expected, str) and expected in actual
    return isinstance(actual, list | dict) and expected in actual


def _allows_anyone(actual: Any, expected: Any) -> bool:
    """A policy document (or its JSON text) with a statement open to anyone."""
    if isinstance(actual, str):
        try:
            actual = json.loads(actual)
        except ValueError:
            return False
    return isinstance(actual, dict) and bool(open_statements(actual))


def _greater(actual: Any, expected: Any) -> bool:
    number = _as_number(actual)
    return number is not None and number > expected


def _less(actual: Any, expected: Any) -> bool:
    number = _as_number(actual)
    return number is not None and number < expected


def _before(actual: Any, expected: datetime) -> bool:
    moment = parse_time(actual)
    return moment is not None and moment < expected


def _since(actual: Any, expected: datetime) -> bool:
    moment = parse_time(actual)
    return moment is not None and moment >= expected


OPERATORS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    # Booleans only equal booleans: YAML `1` must not match a JSON `true`.
    "equals": lambda actual, expected: (actual == expected
                                        and isinstance(actual, bool) == isinstance(expected, bool)),
    "not_equals": lambda actual, expected: actual != expected,
    "in": lambda actual, expected: actual in expected,
    "not_in": lambda actual, expected: actual not in expected,
    "contains": _contains,
    "not_contains": lambda actual, expected: not _contains(actual, expected),
    "matches": lambda actual, expected: isinstance(actual, str) and bool(expected.search(actual)),
    "greater_than": _greater,
    "less_than": _less,
    # A fixed moment, for defaults a cloud changed on a date (Azure's anonymous blob access).
    "before": _before,
    "since": _since,
    "empty": lambda actual, expected: actual in (None, "", [], {}),
    "not_empty": lambda actual, expected: actual not in (None, "", [], {}),
    # AWS resource policies, evaluated as AWS does (resource_policy.py).
    "allows_anyone": _allows_anyone,
}
"""Value operators: the leaf holds when any value the path reaches satisfies the operator."""
PATH_OPERATORS: Final = ("exists", "absent")
"""Operators about the path itself: it reaches a value, or none."""
TIME_OPERATORS: Final = ("older_than_days", "newer_than_days")
"""ISO 8601 timestamps compared with the time of the assessment."""
NO_VALUE: Final = ("exists", "absent", "empty", "not_empty", "allows_anyone")
"""Operators that take no ``value``."""


def expected_value(op: str, value: Any, field: str) -> Any:
    """``value`` checked (and compiled) for ``op``; raise :class:`RuleSyntaxError` at ``field``."""
    if op in ("in", "not_in"):
        if not isinstance(value, list):
            raise RuleSyntaxError(field, f"operator {op!r} needs a list")
        return value
    if op == "matches":
        try:
            return re.compile(value)
        except (re.error, TypeError) as error:
            raise RuleSyntaxError(field, f"not a regular expression: {error}") from None
    if op in ("greater_than", "less_than", *TIME_OPERATORS) and _as_number(value) is None:
        raise RuleSyntaxError(field, f"operator {op!r} needs a number")
    if op in ("before", "since"):
        moment = _as_moment(value)
        if moment is None:
            raise RuleSyntaxError(field, f"operator {op!r} needs an ISO 8601 date or time, "
                                         "e.g. 2023-11-30")
        return moment
    return value
