"""One record of an asset file turned into an Asset or a Relationship, or a precise InputError.

Shared by every file format: the translation of pydantic's errors into one line that names
the field and what was expected. What a store can hold (finite numbers, 64-bit integers,
valid Unicode, nesting depth) is checked by the models themselves, for files as for plugins
(``cloudscope.domain.serialization``). See ``docs/files.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pydantic_core
from pydantic import ValidationError

from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import InputError
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import FROM_JSON, MAX_DEPTH, JsonDataError, dotted

ASSET_FIELDS: Final = tuple(Asset.model_fields)
RELATIONSHIP_FIELDS: Final = tuple(Relationship.model_fields)

Item = Asset | Relationship
__all__ = ["ASSET_FIELDS", "MAX_DEPTH", "RELATIONSHIP_FIELDS", "Item", "asset_from_json_line",
           "check_nesting", "is_relationship", "parse_json", "to_item", "validation_failure"]

# Friendlier words for the patterns users most often miss.
_EXPECTED: Final = {
    "asset_type": "provider:service:kind in lower case with hyphens, e.g. aws:ec2:instance",
    "provider": "a lower-case provider name, e.g. aws, azure, gcp",
    "type": "an upper-case relationship type, e.g. IN_SUBNET or PROTECTED_BY",
}


def is_relationship(record: Mapping[str, Any]) -> bool:
    """A record with both ``source_id`` and ``target_id`` is a relationship."""
    return "source_id" in record and "target_id" in record


def to_item(record: Any, location: str, *, relationship: bool | None = None,
            from_json: bool = False) -> Item:
    """Validate a parsed record (a dict) as an asset, or as a relationship when it has
    ``source_id`` and ``target_id`` (or when ``relationship`` says so); ``from_json`` when
    it was parsed from JSON text (it holds only JSON's types)."""
    if not isinstance(record, dict):
        raise InputError(f"expected an object with asset fields, got {_kind(record)}",
                         location=location)
    if relationship is None:
        relationship = is_relationship(record)
    model: type[Asset] | type[Relationship] = Relationship if relationship else Asset
    try:
        return model.model_validate(record, context=FROM_JSON if from_json else None)
    except ValidationError as error:
        raise validation_failure(error, location, model) from None


def parse_json(data: bytes | str, location: str) -> Any:
    """Parse JSON text: no lone surrogates, bounded nesting. NaN and Infinity are parsed,
    so that the models refuse them naming the field, as for every other source."""
    try:
        return pydantic_core.from_json(data, allow_inf_nan=True)
    except ValueError as error:
        raise InputError(f"invalid JSON: {error}", location=location) from None


def asset_from_json_line(line: bytes, location: str) -> Item:
    """An asset or relationship from one JSON Lines line.

    Assets are validated from the bytes directly (the fast path; the model checks NaN,
    Infinity, depth and 64-bit integers itself); relationships and errors are parsed first.
    """
    if line.startswith(b'{"source_id"'):
        return to_item(parse_json(line, location), location, from_json=True)
    try:
        return Asset.model_validate_json(line, context=FROM_JSON)
    except ValidationError as error:
        return _line_failure(line, location, error)


def _line_failure(line: bytes, location: str, error: ValidationError) -> Item:
    """The item after all (a relationship), or the most helpful error for the line."""
    if b"\0" in line:
        raise InputError("NUL byte (is this a binary file?)", location=location)
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise InputError(f"invalid UTF-8 at byte {bad.start + 1} of the line",
                         location=location) from None
    if b'"source_id"' in line and b'"target_id"' in line:
        record = parse_json(line, location)
        if isinstance(record, dict) and is_relationship(record):
            return to_item(record, location, relationship=True, from_json=True)
    if "recursion limit" in str(error):
        raise _too_deep(location)
    raise validation_failure(error, location, Asset)


def check_nesting(value: Any, location: str, *, budget: int | None = None,
                  strict_keys: bool = False) -> int:
    """Raise when ``value`` nests deeper than :data:`MAX_DEPTH`, holds more than ``budget``
    values (YAML aliases can expand a small file exponentially), or, with ``strict_keys``,
    has keys that are not strings or text that is not valid Unicode. Return the count."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if budget is not None and count > budget:
            raise InputError(f"expands to more than {budget} values (YAML aliases?)",
                             location=location)
        if strict_keys and isinstance(node, str):
            _check_text(node, location)
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise _too_deep(location)
            for key, child in node.items():
                if strict_keys and not isinstance(key, str):
                    raise InputError(f"key {key!r} is a {_kind(key)}; keys must be strings",
                                     location=location)
                if strict_keys:
                    _check_text(key, location)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise _too_deep(location)
            stack.extend((child, depth + 1) for child in node)
    return count


def validation_failure(error: ValidationError, location: str,
                       model: type[Asset] | type[Relationship]) -> InputError:
    """One line from pydantic's first error: the field, what was expected, what was given."""
    details = error.errors(include_url=False)
    first = details[0]
    loc = [str(part) for part in first["loc"]]
    more = f" (and {len(details) - 1} more problems)" if len(details) > 1 else ""
    kind = first["type"]
    problem = first.get("ctx", {}).get("error")
    if isinstance(problem, JsonDataError):  # a value no store can hold, with its path
        return InputError(problem.problem + more, location=location,
                          field=dotted((*loc, *problem.path)) or None)
    if kind == "json_invalid":
        return InputError(f"invalid JSON: {first['msg'].removeprefix('Invalid JSON: ')}",
                          location=location)
    field = ".".join(loc) or None
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        fields = ASSET_FIELDS if model is Asset else RELATIONSHIP_FIELDS
        message = f"is not a field of {model.__name__.lower()}s (fields: {', '.join(fields)})"
    elif kind == "model_type" or (kind == "dict_type" and not loc):
        message = f"expected an object with {model.__name__.lower()} fields, " \
                  f"got {_kind(first['input'])}"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] in _EXPECTED:
        message = f"expected {_EXPECTED[loc[-1]]}, got {_shorten(first['input'])}"
    else:
        text = first["msg"].removeprefix("Value error, ")
        message = f"{text[:1].lower()}{text[1:]}; got {_kind(first['input'])}"
    return InputError(message + more, location=location, field=field)


def _check_text(text: str, location: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("holds text that is not valid Unicode (a lone surrogate)",
                         location=location) from None


def _too_deep(location: str) -> InputError:
    return InputError(f"nests deeper than {MAX_DEPTH} levels of objects and lists",
                      location=location)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _shorten(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
