"""``GET /v1/export/{format}``: an exporter plugin streaming into the HTTP response.

The export runs on a thread of its own through the export use case (redaction included),
writing into a bounded queue that the response drains: memory stays flat whatever the
inventory's size, and a slow client slows the export down instead of filling memory.
The status is chosen once the first chunk exists or the export has ended, so an export
that fails at once (bad options, an empty format) is a problem response, not a 200. A
failure after the first chunk can no longer change the status: the connection is then
closed before the end of the chunked body, which clients report as an incomplete read,
never as a complete export.
"""

from __future__ import annotations

import argparse
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TextIO

from cloudscope.application.export import RepositorySource, StreamTarget, run_export
from cloudscope.domain.errors import UsageError
from cloudscope.domain.query import AssetQuery
from cloudscope.ports.exporter import Exporter
from cloudscope.ports.repository import Repository

CHUNK_BYTES: Final = 64 * 1024
QUEUE_CHUNKS: Final = 8
MEDIA_TYPES: Final = {".csv": "text/csv; charset=utf-8", ".json": "application/json",
                      ".jsonl": "application/x-ndjson", ".graphml": "application/graphml+xml",
                      ".dot": "text/vnd.graphviz; charset=utf-8"}
_END: Final = object()


class _Cancelled(Exception):
    """The client went away: the export stops."""


class _QueueWriter:
    """A text stream whose bytes go, in chunks, into a bounded queue."""

    def __init__(self, chunks: queue.Queue[Any], cancelled: threading.Event) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._buffer: list[bytes] = []
        self._size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self._buffer.append(data)
        self._size += len(data)
        if self._size >= CHUNK_BYTES:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._size:
            self.put(b"".join(self._buffer))
            self._buffer, self._size = [], 0

    def put(self, item: Any) -> None:
        while True:
            if self._cancelled.is_set():
                raise _Cancelled
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


class _HttpTarget(StreamTarget):
    """The response body; no extra files (a data dictionary) and no numbered parts."""

    def open_extra(self, path: str, *, option: str = "file") -> TextIO:
        """Refused: an HTTP export is one document."""
        raise UsageError(f"{option} cannot be written by an export over HTTP")


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(message)


def format_arguments(exporter: Exporter, parameters: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The format's options from query parameters: ``max_tokens=8000`` (or ``max-tokens``)
    for ``--max-tokens 8000``; a flag takes ``true`` or ``false``."""
    parser = _ArgumentParser(prog=f"export {type(exporter).__name__}", add_help=False)
    type(exporter).add_arguments(parser)
    flags = {option for action in parser._actions if action.nargs == 0
             for option in action.option_strings}
    known = {option for action in parser._actions for option in action.option_strings}
    argv: list[str] = []
    for name, value in parameters:
        option = "--" + name.replace("_", "-")
        if option not in known:
            names = ", ".join(sorted(o[2:].replace("-", "_") for o in known)) or "none"
            raise UsageError(f"unknown query parameter {name!r} (filters: provider, type, "
                             f"account, region, tag, include_deleted; format options: {names})")
        if option in flags:
            if value.lower() in ("", "true", "1", "yes"):
                argv.append(option)
            elif value.lower() not in ("false", "0", "no"):
                raise UsageError(f"{name}: expected true or false, got {value!r}")
        else:
            argv += [option, value]
    return vars(parser.parse_args(argv))


def start_export(exporter: Exporter, open_repository: Callable[[], Repository],
                 query: AssetQuery, options: Mapping[str, Any]) -> Iterator[bytes]:
    """Start the export; return its body once it has a first chunk or has ended. Raises
    what the export raised when it failed before writing anything."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
    cancelled = threading.Event()
    writer = _QueueWriter(chunks, cancelled)

    def produce() -> None:
        try:
            with open_repository() as repository:
                target = _HttpTarget(writer)  # type: ignore[arg-type]
                run_export(exporter, RepositorySource(repository, query), target, options)
                writer.flush()
            writer.put(_END)
        except _Cancelled:
            return
        except BaseException as error:  # handed to the response, which raises it
            try:
                writer.put(error)
            except _Cancelled:
                return

    thread = threading.Thread(target=produce, name="cloudscope-export", daemon=True)
    thread.start()
    first = chunks.get()
    if isinstance(first, BaseException):
        raise first

    def body() -> Iterator[bytes]:
        item = first
        try:
            while item is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
                item = chunks.get()
        finally:
            cancelled.set()  # the client left early, or the export ended: stop producing

    return body()


def media_type(exporter: Exporter) -> str:
    """The response's content type for the exporter's file extension."""
    return MEDIA_TYPES.get(type(exporter).extension, "application/octet-stream")
