"""One record of an asset file turned into an Asset or a Relationship, or a precise InputError.

Shared by every file format: the limits (nesting depth, from ``cloudscope.domain.documents``,
which configuration and rule files share) and the translation of pydantic's errors into
one line that names the field and what was expected. See ``docs/files.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from cloudscope.domain.asset import Asset
from cloudscope.domain.documents import MAX_DEPTH, check_nesting, kind_of, parse_json, too_deep
from cloudscope.domain.errors import InputError
from cloudscope.domain.relationship import Relationship

ASSET_FIELDS: Final = tuple(Asset.model_fields)
RELATIONSHIP_FIELDS: Final = tuple(Relationship.model_fields)

Item = Asset | Relationship
# A number overflows a double to Infinity only with an exponent of three digits or more
# (1e400, 1E+0400) or over 308 digits: with every digit read as 0, E as e and "+" dropped,
# such a line holds "0e000" or 309 zeros. Two substring searches after one translate keep
# the fast path fast (a regular expression cost half of the validation); a hex id that
# happens to match only takes the slow path.
_NUMBER_SHAPES: Final = bytes.maketrans(b"123456789E", b"000000000e")

# Friendlier words for the patterns users most often miss.
_EXPECTED: Final = {
    "asset_type": "provider:service:kind in lower case with hyphens, e.g. aws:ec2:instance",
    "provider": "a lower-case provider name, e.g. aws, azure, gcp",
    "type": "an upper-case relationship type, e.g. IN_SUBNET or PROTECTED_BY",
}


def is_relationship(record: Mapping[str, Any]) -> bool:
    """A record with both ``source_id`` and ``target_id`` is a relationship."""
    return "source_id" in record and "target_id" in record


def to_item(record: Any, location: str, *, relationship: bool | None = None) -> Item:
    """Validate a parsed record (a dict) as an asset, or as a relationship when it has
    ``source_id`` and ``target_id`` (or when ``relationship`` says so)."""
    if not isinstance(record, dict):
        raise InputError(f"expected an object with asset fields, got {kind_of(record)}",
                         location=location)
    check_nesting(record, location)
    if relationship is None:
        relationship = is_relationship(record)
    model: type[Asset] | type[Relationship] = Relationship if relationship else Asset
    try:
        return model.model_validate(record)
    except ValidationError as error:
        raise validation_failure(error, location, model) from None


def asset_from_json_line(line: bytes, location: str, *, checked: bool = True) -> Item:
    """An asset or relationship from one JSON Lines line.

    Assets are validated from the bytes directly (the fast path); the rare shapes (NaN,
    deep nesting, relationships, errors) are parsed first. ``checked=False`` skips the
    checks that pydantic does not make (NaN, depth), for a second pass over a file whose
    first pass made them and whose digest is compared at the end.
    """
    if line.startswith(b'{"source_id"'):
        return to_item(parse_json(line, location), location)
    try:
        asset = Asset.model_validate_json(line)
    except ValidationError as error:
        return _line_failure(line, location, error)
    if checked and (b"NaN" in line or b"Infinity" in line or _may_overflow(line)
                    or line.count(b"{") + line.count(b"[") > MAX_DEPTH):
        to_item(parse_json(line, location), location)  # raises the precise error
    return asset


def _may_overflow(line: bytes) -> bool:
    shapes = line.translate(_NUMBER_SHAPES, b"+")
    return b"0e000" in shapes or b"0" * 309 in shapes


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
            return to_item(record, location, relationship=True)
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
