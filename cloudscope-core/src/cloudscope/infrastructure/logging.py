"""Logging: structlog, readable on a terminal, JSON lines otherwise, secrets redacted.

structlog (with rich, which it pulls in for tracebacks) costs about 0.3 s to import, so it is
configured on the first log call rather than at start-up: `cloudscope --help` and
`cloudscope plugins` never pay for it.
"""

from __future__ import annotations

import logging as stdlib_logging
import sys
import threading
from collections.abc import MutableMapping
from typing import Any, Final, TextIO

from cloudscope.domain.printable import printable
from cloudscope.domain.redaction import redact, redact_text

LEVELS: Final = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}

_state: dict[str, Any] = {"level": "warning", "format": "auto", "stream": None, "ready": False,
                          "handler": None}
_lock = threading.Lock()


class RedactingHandler(stdlib_logging.Handler):
    """The standard library's records (botocore, urllib3, azure-core, psycopg), redacted:
    without a handler they reach stderr through ``logging.lastResort`` as they are, and a
    retry warning may quote a URL with a SAS signature or a DSN with its password."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(stdlib_logging.Formatter("%(name)s: %(levelname)s: %(message)s"))

    def emit(self, record: stdlib_logging.LogRecord) -> None:
        """Write the formatted record, secrets redacted, to the configured stream."""
        try:
            stream = self.stream or sys.stderr
            stream.write(redact_text(self.format(record)) + "\n")
            stream.flush()
        except Exception:  # logging must never raise: the standard library's own rule
            self.handleError(record)


def configure_logging(level: str = "warning", format: str = "auto",
                      stream: TextIO | None = None) -> None:
    """Set the level and format; takes effect at the next log call. Records of the
    standard library's loggers go through :class:`RedactingHandler` from now on."""
    with _lock:
        root = stdlib_logging.getLogger()
        if _state["handler"] is not None:
            root.removeHandler(_state["handler"])
        handler = RedactingHandler(stream)
        root.addHandler(handler)
        # Libraries log through the standard library: keep them at our level, never at
        # DEBUG (with request headers) by default.
        root.setLevel(max(LEVELS[level], stdlib_logging.WARNING))
        _state.update(level=level, format=format, stream=stream, ready=False, handler=handler)


def redact_event(_logger: object, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: redact secrets by key name and by value shape."""
    return {key: value if key in ("timestamp", "level", "logger") else redact(value, key=key)
            for key, value in event.items()}


def printable_event(_logger: object, _method: str,
                    event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor for the console format: text values with control characters
    (a file name, an id from a cloud) shown escaped, as every human-readable printer does.
    JSON logs keep values exact, and a traceback (``exception``) keeps its lines."""
    return {key: printable(value) if isinstance(value, str) and key != "exception" else value
            for key, value in event.items()}


def _ensure_configured() -> None:
    if _state["ready"]:
        return
    with _lock:
        if _state["ready"]:
            return
        import structlog

        stream = _state["stream"] or sys.stderr
        as_json = _state["format"] == "json" or (_state["format"] == "auto" and not stream.isatty())
        # Tracebacks become text before redaction, in both formats: rich's pretty
        # tracebacks would print each frame's local variables, secrets included.
        renderer: Any = structlog.processors.JSONRenderer() if as_json else \
            structlog.dev.ConsoleRenderer(colors=stream.isatty(),
                                          exception_formatter=structlog.dev.plain_traceback)
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.format_exc_info,
                redact_event,
                *([] if as_json else [printable_event]),
                renderer,
            ],
            wrapper_class=structlog.make_filtering_bound_logger(LEVELS[_state["level"]]),
            logger_factory=structlog.PrintLoggerFactory(file=stream),
            cache_logger_on_first_use=False,
        )
        _state["ready"] = True


class Logger:
    """A structured logger configured on first use: ``log.info("event", key=value)``."""

    __slots__ = ("_bound", "_name")

    def __init__(self, name: str, **bound: Any) -> None:
        self._name = name
        self._bound = bound

    def bind(self, **values: Any) -> Logger:
        """A logger that adds ``values`` to every event."""
        return Logger(self._name, **{**self._bound, **values})

    def _log(self, method: str, event: str, values: dict[str, Any]) -> None:
        if LEVELS[method if method != "exception" else "error"] < LEVELS[_state["level"]]:
            return
        _ensure_configured()
        import structlog

        logger = structlog.get_logger(self._name).bind(logger=self._name, **self._bound)
        getattr(logger, method)(event, **values)

    def debug(self, event: str, **values: Any) -> None:
        """Log at debug level."""
        self._log("debug", event, values)

    def info(self, event: str, **values: Any) -> None:
        """Log at info level."""
        self._log("info", event, values)

    def warning(self, event: str, **values: Any) -> None:
        """Log at warning level."""
        self._log("warning", event, values)

    def error(self, event: str, **values: Any) -> None:
        """Log at error level."""
        self._log("error", event, values)


def get_logger(name: str, **bound: Any) -> Logger:
    """A structured logger named ``name``."""
    return Logger(name, **bound)
