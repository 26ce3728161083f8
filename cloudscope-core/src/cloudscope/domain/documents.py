"""Untrusted documents: the guards every reader of a user's file applies.

Asset files (the file collector), the configuration file and rule files all come through
here, so that one set of limits holds everywhere (issue 12: a 453-byte alias bomb in the
config file exhausted memory, 5,000 nested ``[`` raised RecursionError, ``--config
/dev/zero`` a MemoryError and a FIFO hung):

- only a regular file is read (a FIFO would block, a device never ends), at most a given
  number of bytes, opened without blocking;
- JSON and YAML nest at most :data:`MAX_DEPTH` levels (the records' limit, from
  ``serialization``); YAML aliases cannot make a document hold more values than it has
  bytes;
- YAML is read with a safe loader (no tag builds a Python object), and a ``!!set``
  becomes a list sorted by type, then value (a set's order changes from run to run); what
  values a record may hold (finite numbers...) is the models' to check, naming the field;
- a UTF-8 byte order mark at the start of a file is accepted and skipped.

Every problem is an :class:`InputError` naming the file (and line) and what is wrong.
"""

from __future__ import annotations

import os
import stat
from functools import cache
from pathlib import Path
from typing import Any, Final

import pydantic_core

from cloudscope.domain.errors import InputError
from cloudscope.domain.serialization import MAX_DEPTH

__all__ = ["BOM", "MAX_DEPTH", "check_nesting", "decode_text", "describe_size", "kind_of",
           "load_yaml", "not_regular", "parse_json", "read_regular_file", "too_deep",
           "without_bom"]

BOM: Final = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark that some editors and spreadsheets write first."""
VALUE_ALLOWANCE: Final = 100
"""YAML values allowed beyond one per byte of the document (tiny documents)."""


# Files --------------------------------------------------------------------------------------
def not_regular(mode: int) -> str | None:
    """What is wrong with reading a file of this ``st_mode`` as a document; None for a
    regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def describe_size(size: int) -> str:
    """``3 MiB`` or ``1000000 bytes``: sizes for messages."""
    mib = 1024 * 1024
    return f"{size // mib} MiB" if size >= mib and size % mib == 0 else f"{size} bytes"


def read_regular_file(path: Path, limit: int, *, location: str | None = None,
                      hint: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Opened without blocking, then checked on the open descriptor (so a file swapped for a
    FIFO in between is caught too): a directory, FIFO, device or socket is refused, as is a
    file over ``limit`` bytes (``hint`` says what to do then). ``location`` names the file
    in messages (default: the path).
    """
    where = location or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("no such file", location=where) from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise InputError(f"cannot read it ({_reason(error)})", location=where) from None
    try:
        info = os.fstat(descriptor)
        problem = not_regular(info.st_mode)
        if problem:
            raise InputError(problem, location=where)
        if info.st_size > limit:
            raise InputError(f"{describe_size(info.st_size)} is over the limit of "
                             f"{describe_size(limit)}", location=where, hint=hint)
        chunks = []
        remaining = limit + 1  # one more than allowed: a file that grew is caught
        while remaining > 0 and (chunk := os.read(descriptor, min(remaining, 1 << 20))):
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise InputError(f"cannot read it ({_reason(error)})", location=where) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(f"over the limit of {describe_size(limit)}", location=where,
                         hint=hint)
    return data


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 byte order mark."""
    return data[len(BOM):] if data.startswith(BOM) else data


def decode_text(data: bytes, location: str) -> str:
    """UTF-8 text (a byte order mark skipped); an :class:`InputError` naming the line of the
    first invalid byte."""
    try:
        return without_bom(data).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(f"not UTF-8 text (invalid byte at offset {error.start})",
                         location=f"{location}:{line}") from None


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)


# Parsing ------------------------------------------------------------------------------------
def parse_json(data: bytes | str, location: str) -> Any:
    """Parse JSON text: no lone surrogates, bounded nesting (pydantic's parser stops at its
    recursion limit instead of overflowing the stack). NaN and Infinity are parsed, so that
    the models (or the configuration's settings) refuse them naming the field, as for
    every other source."""
    try:
        return pydantic_core.from_json(data, allow_inf_nan=True)
    except ValueError as error:
        raise InputError(f"invalid JSON: {error}", location=location) from None


def load_yaml(data: bytes | str, location: str) -> Any:
    """Parse one YAML document with the safe loader; check its nesting and size.

    None for an empty document. Errors name ``location`` and the line.
    """
    import yaml  # only when YAML is read: it is not needed to start the CLI

    try:
        document = yaml.load(data, Loader=_loader())  # the safe loader, below
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{location}:{mark.line + 1}:{mark.column + 1}" if mark else location
        problem = error.problem or "cannot parse"
        if isinstance(error, yaml.constructor.ConstructorError) and "tag" in problem:
            problem = f"{problem}: only plain data is allowed (no language-specific tags)"
        raise InputError(f"invalid YAML: {problem}", location=where) from None
    except yaml.YAMLError as error:
        raise InputError(f"invalid YAML: {str(error).splitlines()[0]}",
                         location=location) from None
    except RecursionError:
        # The pure-Python parser recurses once per level (the C one stops at 1,000).
        raise too_deep(location) from None
    except (ValueError, OverflowError) as error:
        # A date that does not exist (2024-13-01), an integer of 5,000 digits...
        raise InputError(f"invalid YAML: a value cannot be read ({error})",
                         location=location) from None
    if document is not None:
        # A YAML file cannot hold more values than it has bytes, unless aliases repeat them.
        check_nesting(document, location, budget=len(data) + VALUE_ALLOWANCE, strict_keys=True)
    return document


@cache
def _loader() -> type:
    import yaml

    # The C safe loader when PyYAML was built with it: the same SafeConstructor as
    # yaml.safe_load, several times faster.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type, misc]
        """The safe loader, with sets in order."""

    def sorted_set(loader: Any, node: Any) -> list[Any]:
        # A set iterates in hash order, which changes with every process (PYTHONHASHSEED):
        # the same file would be stored differently on each run.
        members = list(loader.construct_mapping(node))
        try:
            return sorted(members, key=lambda value: (type(value).__name__, value))
        except TypeError:
            return sorted(members, key=lambda value: (type(value).__name__, repr(value)))

    Loader.add_constructor("tag:yaml.org,2002:set", sorted_set)
    return Loader


# Limits -------------------------------------------------------------------------------------
def check_nesting(value: Any, location: str, *, budget: int | None = None,
                  strict_keys: bool = False) -> int:
    """Raise when ``value`` nests deeper than :data:`MAX_DEPTH`, holds more than ``budget``
    values (YAML aliases can expand a small file exponentially), or, with ``strict_keys``,
    has keys that are not strings or text that is not valid Unicode. Return the count.

    Iterative, so that it cannot overflow the stack however deep ``value`` is.
    """
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
                raise too_deep(location)
            for key, child in node.items():
                if strict_keys and not isinstance(key, str):
                    raise InputError(f"key {key!r} is {kind_of(key)}; keys must be strings",
                                     location=location)
                if strict_keys:
                    _check_text(key, location)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise too_deep(location)
            stack.extend((child, depth + 1) for child in node)
    return count


def too_deep(location: str) -> InputError:
    """The error for data nested deeper than :data:`MAX_DEPTH`."""
    return InputError(f"nests deeper than {MAX_DEPTH} levels of objects and lists",
                      location=location)


def kind_of(value: Any) -> str:
    """``an object``, ``a list``, ``a string``...: JSON's words for a value's type."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _check_text(text: str, location: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("holds text that is not valid Unicode (a lone surrogate)",
                         location=location) from None
