"""What a store holds: plain JSON data, checked once where it enters, and its compact text.

Every repository stores ``properties``, ``evidence`` and relationship properties as JSON text
and must read back exactly what it accepted (issue 12). JSON itself allows more than every
reader takes, so the data a store holds is the part every store and every common reader
carries exactly; the models (:mod:`cloudscope.domain.asset`, ``finding``, ``relationship``)
check it through :func:`json_data` when they are built, whatever the path (a file, a
plugin's collector, a rule, ``db copy``):

- objects with string keys, lists, strings, booleans, null;
- integers from -2**63 to 2**64-1 (a signed or unsigned 64-bit number): orjson, SQLite's
  JSON functions and most JSON readers do not carry more exactly;
- finite floats (JSON has no NaN or Infinity; ``1e400`` overflows to infinity and is refused);
- text that is valid Unicode (no lone surrogates, which UTF-8 cannot encode); U+0000 is
  allowed inside JSON data, not in plain text fields (PostgreSQL's text cannot hold it);
- at most :data:`MAX_DEPTH` levels of nesting, the record itself counting as one.

The types SDKs return become their JSON form when the model is built, not when it is
written, so that the stored asset reads back equal to the one that was validated: times as
ISO 8601 UTC strings, Decimals as numbers, bytes as base64, tuples and sets as lists, other
objects as their text.

orjson rather than the standard library writes the text: encoding tags and properties
dominates writing a batch, and orjson does it about ten times faster.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import orjson

MIN_INTEGER: Final = -(2**63)
"""The smallest integer a store holds."""
MAX_INTEGER: Final = 2**64 - 1
"""The largest integer a store holds."""
MAX_DEPTH: Final = 64
"""The deepest nesting of objects and lists in a record (the record itself is level 1)."""
_PATH_SHOWN: Final = 8  # components of a field path shown in a message

_OPTIONS: Final = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
# Every type orjson would write in a form of its own raises instead (datetime, dataclass,
# subclasses of str, int, dict, list): json_data converts those itself.
_PROOF: Final = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS |
                 orjson.OPT_PASSTHROUGH_SUBCLASS)
_SORTED: Final = _OPTIONS | orjson.OPT_SORT_KEYS


class JsonDataError(ValueError):
    """A value that no store can hold as given: ``path`` is where, inside the field.

    A ``ValueError``, so that pydantic reports it as the model's validation error; callers
    that name fields read ``path`` from the error's context. Added in API 1.0.
    """

    def __init__(self, problem: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = path

    def within(self, *parents: str | int) -> JsonDataError:
        """The same error, located under ``parents``."""
        self.path = (*parents, *self.path)
        self.args = (str(self),)
        return self

    def __str__(self) -> str:
        where = dotted(self.path)
        return f"{where}: {self.problem}" if where else self.problem


def dotted(path: tuple[str | int, ...]) -> str:
    """``properties.a.0.b``, shortened after a few components (deep paths are long)."""
    # Keys may hold any text: a newline or a control character must not break the line.
    parts = [part if isinstance(part, str) and part.isprintable() and part else repr(part)
             if isinstance(part, str) else str(part) for part in path]
    if len(parts) > _PATH_SHOWN:
        parts = [*parts[:_PATH_SHOWN], f"…(+{len(parts) - _PATH_SHOWN})"]
    return ".".join(parts)


def json_default(value: Any) -> Any:
    """The JSON form of a type SDKs return: times as ISO 8601 UTC, Decimals as numbers,
    bytes as base64, tuples and sets as lists, anything else as its text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, (set, frozenset, tuple)):
        return _sequence(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _decimal(value: Decimal) -> int | float:
    if not value.is_finite():  # NaN and Infinity: refused by json_data as floats
        return float("nan") if value.is_nan() else float(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _sequence(value: set[Any] | frozenset[Any] | tuple[Any, ...]) -> list[Any]:
    if isinstance(value, tuple):
        return list(value)
    try:
        return sorted(value)  # a stable order: the same set is always the same list
    except TypeError:
        return list(value)


def check_text(text: str, *, nul: bool = True) -> None:
    """Raise JsonDataError unless ``text`` is valid Unicode (and, with ``nul=False``, free
    of U+0000)."""
    if text.isascii():
        if not nul and "\0" in text:
            raise JsonDataError("holds U+0000 (NUL), which text fields cannot hold")
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonDataError("holds a lone surrogate, which is not valid Unicode") from None
    if not nul and "\0" in text:
        raise JsonDataError("holds U+0000 (NUL), which text fields cannot hold")


FROM_JSON: Final = {"cloudscope.parsed": "json"}
"""Validation context of a model validated from JSON text: its data can only hold JSON's
types, which lets :func:`json_data` skip its walk (pass it as ``context=``)."""


def json_data(value: Any, depth: int = 2, *, from_json: bool = False) -> Any:
    """``value`` as data every store holds and reads back unchanged (see the module's rules).

    Returns ``value`` itself when it is already such data (no copy), else a converted copy;
    raises :class:`JsonDataError` naming the path inside ``value``. ``depth`` is the level
    of ``value`` in its record (2 for a record's field); ``from_json`` says that ``value``
    was parsed from JSON text, so holds only JSON's types. Added in API 1.0.
    """
    # This runs for every asset collected. The common case (plain data) is proven cheaply:
    # orjson refuses keys that are not strings, lone surrogates, integers beyond 64 bits
    # and (with these options) every non-JSON type; a lean walk sees floats and depth.
    if type(value) is not dict and type(value) is not list:
        return _checked(value, depth)
    try:
        text = orjson.dumps(value, option=_PROOF)
    except (orjson.JSONEncodeError, TypeError):
        return _checked(value, depth)
    if from_json:
        # Parsed JSON holds no tuple, enum or date: orjson writes NaN and Infinity as null,
        # and depth is bounded by the brackets written (those inside strings included).
        if b"null" not in text and \
                text.count(b"[") + text.count(b"{") <= MAX_DEPTH - depth + 1:
            return value
    elif _plain_data(value, depth):
        return value
    return _checked(value, depth)


def _plain_data(value: Any, depth: int) -> bool:
    """True when ``value`` (which orjson encoded) holds only finite floats, JSON types and at
    most MAX_DEPTH levels; False sends it to the precise check."""
    if depth > MAX_DEPTH:
        return False
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue  # orjson proved keys, text and integer ranges
        if kind is float:
            if item - item != 0.0:  # NaN and both infinities
                return False
        elif kind is dict or kind is list:
            if not _plain_data(item, depth + 1):
                return False
        else:
            return False  # a tuple, an enum...: orjson writes them, json_data converts them
    return True


def _checked(value: Any, depth: int) -> Any:
    """The precise check: converts what it can, names the path of what it cannot."""
    kind = type(value)
    if kind is str:
        if not value.isascii():
            check_text(value)
    elif kind is dict:
        return _object(value, depth)
    elif kind is list:
        return _array(value, depth)
    elif kind is int:
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            raise JsonDataError(f"integer {_digits(value)} is beyond 64 bits (-2**63 to "
                                "2**64-1); write it as a string")
    elif kind is float:
        if value - value != 0.0:  # NaN and both infinities, without a function call
            raise JsonDataError(f"{value} is not a finite number (JSON has no NaN or "
                                "Infinity; a number this large overflows)")
    elif kind is not bool and value is not None:
        return _checked(_plain(value), depth)
    return value


def _object(value: dict[Any, Any], depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise _too_deep()
    changed: dict[str, Any] | None = None
    for key, item in value.items():
        if type(key) is not str or not key.isascii():
            _check_key(key)
        # The scalar test is inlined: a call per value was most of the cost of the check.
        kind = type(item)
        if (kind is str and item.isascii()) or kind is bool or item is None or \
                (kind is int and MIN_INTEGER <= item <= MAX_INTEGER) or \
                (kind is float and item - item == 0.0):
            continue
        try:
            clean = _checked(item, depth + 1)
        except JsonDataError as error:
            raise error.within(key) from None
        if clean is not item:
            if changed is None:
                changed = dict(value)
            changed[key] = clean
    return value if changed is None else changed


def _check_key(key: Any) -> None:
    if type(key) is not str:
        raise JsonDataError(f"key {_shown(key)} is not a string ({type(key).__name__}); "
                            "keys must be strings", (_shown(key),))
    try:
        check_text(key)
    except JsonDataError as error:
        raise error.within(_shown(key)) from None


def _array(value: list[Any], depth: int) -> list[Any]:
    if depth > MAX_DEPTH:
        raise _too_deep()
    copied: list[Any] | None = None
    for index, item in enumerate(value):
        kind = type(item)
        if (kind is str and item.isascii()) or kind is bool or item is None or \
                (kind is int and MIN_INTEGER <= item <= MAX_INTEGER) or \
                (kind is float and item - item == 0.0):
            continue
        try:
            clean = _checked(item, depth + 1)
        except JsonDataError as error:
            raise error.within(index) from None
        if clean is not item:
            if copied is None:
                copied = list(value)
            copied[index] = clean
    return value if copied is None else copied


# Subclasses of the JSON types (StrEnum, IntEnum, OrderedDict...) become the types themselves.
_PLAIN: Final[tuple[tuple[type, Any], ...]] = (
    (bool, bool), (str, str.__str__), (int, int), (float, float), (Mapping, dict), (list, list))


def _plain(value: Any) -> Any:
    for kind, convert in _PLAIN:
        if isinstance(value, kind):
            return convert(value)
    return json_default(value)


def _shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 40 else text[:37] + "..."


def _digits(value: int) -> str:
    if abs(value) < 10**40:
        return str(value)
    # str() of an integer of thousands of digits is slow, and refused beyond 4,300 digits.
    return f"of about {int(value.bit_length() * 0.30103) + 1} digits"


def _too_deep() -> JsonDataError:
    return JsonDataError(f"nests deeper than {MAX_DEPTH} levels of objects and lists")


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text, keys in their given order (sorted with ``sort_keys``), non-ASCII
    kept. Raises JsonDataError for what no store may hold (see :func:`json_data`); models
    checked their data when they were built, so this is a last guard, not a check."""
    try:
        return orjson.dumps(value, default=json_default,
                            option=_SORTED if sort_keys else _OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError as error:
        # Integers beyond 64 bits, lone surrogates, keys that are not strings, deep nesting:
        # refused here too rather than written in a form some store cannot read back.
        raise JsonDataError(f"cannot be stored as JSON ({error})") from None


def loads(text: str | bytes) -> Any:
    """Parse JSON text."""
    return orjson.loads(text)


def describe_invalid(error: Any) -> str:
    """One line for a model that could not be built (a pydantic ``ValidationError``): the
    model, the id it was given, the field path and the problem, e.g. ``Asset 'arn:...':
    field 'properties.ratio': nan is not a finite number ...``."""
    details = error.errors(include_url=False)
    first = details[0]
    problem = first.get("ctx", {}).get("error")
    if isinstance(problem, JsonDataError):
        path, text = (*first["loc"], *problem.path), problem.problem
    else:
        path, text = tuple(first["loc"]), str(first["msg"]).removeprefix("Value error, ")
    given = first.get("input")
    name = ""
    if isinstance(given, Mapping):
        for key in ("id", "source_id", "asset_id"):
            if isinstance(given.get(key), str):
                name = f" {given[key][:200]!r}"
                break
    where = f" field {dotted(path)!r}:" if path else ""
    more = f" (and {len(details) - 1} more problems)" if len(details) > 1 else ""
    return f"{error.title}{name}:{where} {text}{more}"
