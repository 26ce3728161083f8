"""One record of an asset file turned into an Asset or a Relationship, or a precise InputError.

Shared by every file format: the translation of pydantic's errors into one line that names
the field and what was expected. What a store can hold (finite numbers, 64-bit integers,
valid Unicode, nesting depth) is checked by the models themselves, for files as for plugins
(``cloudscope.domain.serialization``); what a document may be before it holds records (its
size, nesting, YAML aliases) by ``cloudscope.domain.documents``, which configuration and
rule files share. See ``docs/files.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson
from pydantic import ValidationError

from cloudscope.domain.asset import Asset
from cloudscope.domain.documents import check_nesting, kind_of, parse_json, too_deep
from cloudscope.domain.errors import InputError
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.serialization import FROM_JSON, MAX_DEPTH, JsonDataError, dotted
from cloudscope.domain.trusted import construct_trusted

ASSET_FIELDS: Final = tuple(Asset.model_fields)
RELATIONSHIP_FIELDS: Final = tuple(Relationship.model_fields)

Item = Asset | Relationship
__all__ = ["ASSET_FIELDS", "MAX_DEPTH", "RELATIONSHIP_FIELDS", "Item", "asset_from_json_line",
           "check_nesting", "is_relationship", "item_from_validated_line", "parse_json",
           "to_item", "validation_failure"]

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
        raise InputError(f"expected an object with asset fields, got {kind_of(record)}",
                         location=location)
    if relationship is None:
        relationship = is_relationship(record)
    model: type[Asset] | type[Relationship] = Relationship if relationship else Asset
    try:
        return model.model_validate(record, context=FROM_JSON if from_json else None)
    except ValidationError as error:
        raise validation_failure(error, location, model) from None


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


# Every field of the models in their order, with its default (new dicts each time).
_ASSET_DEFAULTS: Final[Callable[[], dict[str, Any]]] = lambda: {  # noqa: E731
    "id": None, "provider": None, "asset_type": None, "native_type": None, "name": None,
    "account": None, "region": None, "tags": {}, "properties": {}, "first_seen": None,
    "last_seen": None}
_RELATIONSHIP_DEFAULTS: Final[Callable[[], dict[str, Any]]] = lambda: {  # noqa: E731
    "source_id": None, "type": None, "target_id": None, "properties": {}}


def item_from_validated_line(line: bytes, location: str) -> Item:
    """The item of a JSON Lines line whose very bytes :func:`asset_from_json_line` accepted
    in a first pass: parsed, not validated again. Only what validation would change (a
    timestamp it converts) or what this parser reads otherwise goes through validation."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return asset_from_json_line(line, location)
    if type(record) is not dict:
        return asset_from_json_line(line, location)
    if "source_id" in record and "target_id" in record:
        # JSON data is already what Relationship's checks keep (json_data converts only
        # types JSON does not have).
        values = _RELATIONSHIP_DEFAULTS()
        values.update(record)
        return construct_trusted(Relationship, values, set(record))
    if record.get("first_seen") is not None or record.get("last_seen") is not None:
        return asset_from_json_line(line, location)
    values = _ASSET_DEFAULTS()
    values.update(record)
    return construct_trusted(Asset, values, set(record))


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
        raise too_deep(location)
    raise validation_failure(error, location, Asset)


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
                  f"got {kind_of(first['input'])}"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] in _EXPECTED:
        message = f"expected {_EXPECTED[loc[-1]]}, got {_shorten(first['input'])}"
    else:
        text = first["msg"].removeprefix("Value error, ")
        message = f"{text[:1].lower()}{text[1:]}; got {kind_of(first['input'])}"
    return InputError(message + more, location=location, field=field)


def _shorten(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
