"""Asset file formats: JSON Lines and CSV stream; JSON and YAML load whole, under a size limit.

Every reader yields :class:`Record` objects (the item, where it was, a fingerprint of its
text) and keeps a digest of every byte it read, so that a second pass can prove it read
the same file as the first. Limits are documented in ``docs/files.md``.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar, Final, NamedTuple

import pydantic_core

from cloudscope.adapters.file_records import (
    ASSET_FIELDS,
    RELATIONSHIP_FIELDS,
    Item,
    asset_from_json_line,
    item_from_validated_line,
    to_item,
)
from cloudscope.domain.documents import (
    BOM,
    load_yaml,
    parse_json,
    read_regular_file,
    without_bom,
)
from cloudscope.domain.errors import InputError

MIB: Final = 1024 * 1024
MAX_LINE_BYTES: Final = 16 * MIB
"""The longest line of a JSON Lines or CSV file, and the largest CSV cell."""
MAX_JSON_BYTES: Final = 256 * MIB
MAX_YAML_BYTES: Final = 32 * MIB
CHUNK_LINES: Final = 1000
CHUNK_BYTES: Final = MIB
"""A chunk of a streamed file ends after this many lines or bytes (or at the end): the
first pass keeps a digest of each, and the second pass trusts a chunk only once its
digest is the first pass's."""

EXTENSIONS: Final = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
                     ".yaml": "yaml", ".yml": "yaml"}
FORMATS: Final = ("csv", "json", "jsonl", "yaml")


class Record(NamedTuple):
    """One item read from a file: ``position`` is its line (CSV, JSON Lines) or index.
    A named tuple: one is made per record, and a frozen dataclass costs three times more."""

    position: int
    item: Item
    fingerprint: int


def format_of(path: Path, override: str | None) -> str:
    """The format named by ``--file-format``, else by the file's extension."""
    if override:
        return override
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise InputError(f"cannot tell the format from the extension {path.suffix or '(none)'!r}",
                         location=str(path), hint=f"use one of {known}, or --file-format")
    return found


class RecordReader:
    """Reads one file once. ``records()`` may be called once; ``digest()`` after it."""

    format: ClassVar[str]

    def __init__(self, path: Path, display: str) -> None:
        self.path = path
        self.display = display
        # One hash per byte read: of the current chunk, whose digest joins the list when
        # the chunk ends. SHA-256 rather than BLAKE2: processors hash it in hardware (SHA
        # extensions), twice as fast here, and hashing was a tenth of a file's first pass.
        self._hash = hashlib.sha256()
        self._chunks: list[bytes] = []

    def digest(self) -> bytes:
        """A digest of every byte read so far (of the chunks' digests and the rest)."""
        whole = hashlib.sha256(b"".join(self._chunks))
        whole.update(self._hash.digest())
        return whole.digest()

    def chunk_digests(self) -> list[bytes]:
        """A digest per chunk of lines read so far (streamed formats; see CHUNK_LINES)."""
        return self._chunks

    def location(self, position: int) -> str:
        """Where a record is, for messages: ``file.csv:12``."""
        return f"{self.display}:{position}"

    def describe(self, position: int) -> str:
        """A record's position without the file: ``line 12``."""
        return f"line {position}"

    def records(self) -> Iterator[Record]:
        """Every record in file order, fully checked; an InputError at the first bad one."""
        raise NotImplementedError

    def items(self, proven: list[bytes]) -> Iterator[Item]:
        """The items again, for a second pass over the bytes a first pass validated;
        ``proven`` is that pass's :meth:`chunk_digests`. Formats may skip the checks the
        first pass made, for bytes proven the same; the caller compares :meth:`digest`."""
        return (record.item for record in self.records())

    def _empty(self) -> InputError:
        return InputError("the file is empty", location=self.display,
                          hint="an empty inventory is written [] in JSON or YAML, or a CSV "
                               "header alone")

    def _lines(self, stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
        """Physical lines with their numbers, each checked for size; a byte order mark
        before the first line is skipped (the digest still covers it)."""
        number = 0
        while line := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            self._hash.update(line)  # not a bound method kept: _end_chunk starts a new hash
            if number == 1 and line.startswith(BOM):
                line = line[len(BOM):]
                if not line:
                    continue
            if len(line) > MAX_LINE_BYTES:
                raise InputError(f"line longer than {MAX_LINE_BYTES // MIB} MiB",
                                 location=self.location(number),
                                 hint="split the record or its properties")
            yield number, line
        if number == 0:
            raise self._empty()

    def _chunked(self, stream: IO[bytes]) -> Iterator[list[tuple[int, bytes]]]:
        """:meth:`_lines` in chunks, the digest of each noted in :meth:`chunk_digests`
        before it is yielded. At most CHUNK_BYTES plus one line are held."""
        chunk: list[tuple[int, bytes]] = []
        size = 0
        for number, line in self._lines(stream):  # which hashes every byte it reads
            chunk.append((number, line))
            size += len(line)
            if len(chunk) >= CHUNK_LINES or size >= CHUNK_BYTES:
                self._end_chunk()
                yield chunk
                chunk, size = [], 0
        if chunk:
            self._end_chunk()
            yield chunk

    def _end_chunk(self) -> None:
        self._chunks.append(self._hash.digest())
        self._hash = hashlib.sha256()

    def _proven(self, stream: IO[bytes], proven: list[bytes]) -> Iterator[tuple[int, bytes]]:
        """The lines again, a chunk at a time, each chunk only once its bytes are proven
        to be those of the same chunk in the first pass (else an InputError)."""
        for index, chunk in enumerate(self._chunked(stream)):
            if index >= len(proven) or proven[index] != self._chunks[index]:
                raise InputError("the file is not the one validated",
                                 location=self.location(chunk[0][0]))
            yield from chunk


class JsonLinesReader(RecordReader):
    """One asset per line; a line with ``source_id`` and ``target_id`` is a relationship."""

    format = "jsonl"

    def records(self) -> Iterator[Record]:
        """Stream the lines; blank lines are skipped."""
        with self.path.open("rb") as stream:
            for chunk in self._chunked(stream):
                for number, line in chunk:
                    if not line.isspace():
                        item = asset_from_json_line(line, self.location(number))
                        yield Record(number, item, hash(line))

    def items(self, proven: list[bytes]) -> Iterator[Item]:
        """Stream the lines again, proven chunk by chunk to be the validated ones, and
        build their items without validating them again (issue 16: the models' checks were
        half of the cost of collecting a file)."""
        with self.path.open("rb") as stream:
            for number, line in self._proven(stream, proven):
                if not line.isspace():
                    yield item_from_validated_line(line, self.location(number))


class CsvReader(RecordReader):
    """A header of Asset (or Relationship) field names; ``tags`` and ``properties`` cells
    hold JSON objects; empty cells are absent values."""

    format = "csv"
    _JSON_COLUMNS: ClassVar[frozenset[str]] = frozenset({"tags", "properties"})

    def records(self) -> Iterator[Record]:
        """Stream the rows; a row's position is the line it starts on."""
        # The csv module's limit is process-wide and 128 KiB by default: raise it to ours.
        csv.field_size_limit(MAX_LINE_BYTES)
        with self.path.open("rb") as stream:
            reader = csv.reader(self._text_lines(stream), strict=True)
            header = self._header(reader)
            relationship = "source_id" in header
            ended = reader.line_num
            try:
                for row in reader:
                    start, ended = ended + 1, reader.line_num
                    if not row:
                        continue
                    yield self._record(header, row, start, relationship)
            except csv.Error as error:
                raise InputError(f"malformed CSV ({error}; an unbalanced quote?)",
                                 location=self.location(ended + 1)) from None

    def _text_lines(self, stream: IO[bytes]) -> Iterator[str]:
        for number, line in self._lines(stream):
            if b"\0" in line:
                raise InputError("NUL byte (is this a binary file?)",
                                 location=self.location(number))
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise InputError(f"invalid UTF-8 at byte {error.start + 1} of the line",
                                 location=self.location(number)) from None

    def _header(self, reader: Any) -> list[str]:
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise InputError(f"malformed CSV header ({error})", location=self.location(1)) \
                from None
        if not header:
            raise InputError("the first line must be a header of field names",
                             location=self.location(1))
        header = [name.strip() for name in header]
        fields = RELATIONSHIP_FIELDS if "source_id" in header else ASSET_FIELDS
        unknown = [name for name in header if name not in fields]
        required = ("source_id", "type", "target_id") if fields is RELATIONSHIP_FIELDS \
            else ("id", "provider", "asset_type")
        missing = [name for name in required if name not in header]
        if unknown or missing or len(set(header)) != len(header):
            problem = f"unknown columns {unknown}" if unknown else \
                f"missing columns {missing}" if missing else "repeated columns"
            raise InputError(f"header: {problem}", location=self.location(1),
                             hint=f"columns are {', '.join(fields)}")
        return header

    def _record(self, header: list[str], row: list[str], line: int,
                relationship: bool) -> Record:
        location = self.location(line)
        if len(row) != len(header):
            raise InputError(f"{len(row)} cells, the header has {len(header)}",
                             location=location, hint="quote cells that contain commas")
        record: dict[str, Any] = {}
        for name, cell in zip(header, row, strict=True):
            if cell == "":
                continue
            if name in self._JSON_COLUMNS:
                try:
                    # NaN is parsed, for the model to refuse naming the field.
                    record[name] = pydantic_core.from_json(cell, allow_inf_nan=True)
                except ValueError as error:
                    raise InputError(f"expected a JSON object ({error})", location=location,
                                     field=name) from None
            else:
                record[name] = cell
        return Record(line, to_item(record, location, relationship=relationship, from_json=True),
                      hash(tuple(row)))


class DocumentReader(RecordReader):
    """A whole document (JSON or YAML): a list of assets, or an object with ``assets`` and
    optionally ``relationships``. Positions are indexes in those lists."""

    limit: ClassVar[int]
    _from_json: ClassVar[bool] = True  # parsed from JSON text: only JSON's types

    def location(self, position: int) -> str:
        """``file.json: assets[3]``: lists count from 0."""
        return f"{self.display}: {self._section(position)}"

    def describe(self, position: int) -> str:
        """``assets[3]``."""
        return self._section(position)

    def _section(self, position: int) -> str:
        count = getattr(self, "_asset_count", None)
        if count is None or position < count:
            return f"assets[{position}]" if self._keyed else f"[{position}]"
        return f"relationships[{position - count}]"

    _keyed = False

    def _read(self) -> bytes:
        data = read_regular_file(self.path, self.limit, location=self.display,
                                 hint="split it, or use JSON Lines, which streams")
        self._hash.update(data)
        data = without_bom(data)
        if not data.strip():
            raise self._empty()
        nul = data.find(b"\0")
        if nul >= 0:
            line = data.count(b"\n", 0, nul) + 1
            raise InputError("NUL byte (is this a binary file?)",
                             location=f"{self.display}:{line}")
        return data

    def _parse(self, data: bytes) -> Any:
        raise NotImplementedError

    def records(self) -> Iterator[Record]:
        """Load the document, check its shape, then yield its records in order."""
        document = self._parse(self._read())
        if isinstance(document, dict):
            extra = sorted(set(document) - {"assets", "relationships"})
            if extra:
                raise InputError(f"unexpected top-level keys {extra}", location=self.display,
                                 hint="expected a list of assets, or an object with 'assets' "
                                      "and 'relationships'")
            self._keyed = True
            assets, relationships = document.get("assets", []), document.get("relationships", [])
        elif isinstance(document, list):
            assets, relationships = document, []
        else:
            raise InputError(f"expected a list of assets, or an object with 'assets' and "
                             f"'relationships'; got {type(document).__name__}",
                             location=self.display)
        for name, value in (("assets", assets), ("relationships", relationships)):
            if not isinstance(value, list):
                raise InputError(f"'{name}' must be a list, got {type(value).__name__}",
                                 location=self.display)
        self._asset_count = len(assets)
        for index, record in enumerate(assets):
            location = self.location(index)
            if isinstance(record, dict) and "source_id" in record and "target_id" in record:
                raise InputError("a relationship among the assets", location=location,
                                 hint="put relationships under 'relationships'")
            item = to_item(record, location, relationship=False, from_json=self._from_json)
            yield Record(index, item, hash(item.model_dump_json()))
        for index, record in enumerate(relationships, start=len(assets)):
            item = to_item(record, self.location(index), relationship=True,
                           from_json=self._from_json)
            yield Record(index, item, hash(item.model_dump_json()))


class JsonReader(DocumentReader):
    """A JSON document, at most :data:`MAX_JSON_BYTES`."""

    format = "json"
    limit = MAX_JSON_BYTES

    def _parse(self, data: bytes) -> Any:
        # Records are checked by the models (depth included), with the path of the value.
        return parse_json(data, self.display)


class YamlReader(DocumentReader):
    """A YAML document, at most :data:`MAX_YAML_BYTES`, read with a safe loader only: tags
    that would build Python objects (and so run code) are refused."""

    format = "yaml"
    limit = MAX_YAML_BYTES
    _from_json = False  # timestamps and !!binary are Python types, converted by the models

    def _parse(self, data: bytes) -> Any:
        document = load_yaml(data, self.display)
        if document is None:
            raise self._empty()
        return document


READERS: Final[dict[str, type[RecordReader]]] = {
    "jsonl": JsonLinesReader, "csv": CsvReader, "json": JsonReader, "yaml": YamlReader,
}
