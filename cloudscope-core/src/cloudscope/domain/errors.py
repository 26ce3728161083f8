"""Errors meant for users.

The CLI turns a :class:`CloudScopeError` into one line on stderr and its ``exit_code``;
any other exception is a bug (exit code 1). Errors carry structured attributes so that
callers and logs need not parse messages.
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_INTERNAL: Final = 1
EXIT_USAGE: Final = 2
EXIT_INCOMPLETE: Final = 3
EXIT_FINDINGS: Final = 4
"""``assess --fail-on``: a finding at or above the threshold (wins over 3)."""
EXIT_INTERRUPTED: Final = 130


class CloudScopeError(Exception):
    """Base class of every error whose message is meant for a user. Added in API 1.0."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(CloudScopeError):
    """A command line that cannot be run as given. Added in API 1.0."""


class ConfigError(CloudScopeError):
    """A configuration file, key or environment value that is invalid. Added in API 1.0."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None,
                 hint: str | None = None) -> None:
        prefix = ": ".join(part for part in (source, key) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message, hint=hint)
        self.source = source
        self.key = key


class InputError(CloudScopeError):
    """Input data (a file, a record, a field) that cannot be accepted. Added in API 1.0.

    ``location`` names the file and line or record, ``field`` the offending field; the
    message is prefixed with them (``estate.json:3, field 'id': ...``), except with what it
    already says: ``InputError(str(os_error), location=path)`` names the path once.
    """

    def __init__(self, message: str, *, location: str | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        # An OSError's text, or an author's own f-string, often quotes the path already.
        parts = [part for part in (location, f"field {field!r}" if field else None)
                 if part and part not in message]
        super().__init__(f"{', '.join(parts)}: {message}" if parts else message, hint=hint)
        self.location = location
        self.field = field


class StoreError(CloudScopeError):
    """A store that is unreachable, locked, read-only or not a CloudScope store. Added in API 1.0."""


class StoreFailedError(StoreError):
    """A store that failed after work had begun: a full disk, a server lost for longer than
    its retry window. What was written before stays; exit code 3. Added in API 1.1."""

    exit_code = EXIT_INCOMPLETE


class NotFoundError(CloudScopeError):
    """A named thing (asset, exporter, collector) that does not exist. Added in API 1.0."""


class PluginError(CloudScopeError):
    """A plugin that cannot be used, or that failed while it was used. Added in API 1.0."""

    def __init__(self, message: str, *, plugin: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"plugin {plugin!r}: {message}" if plugin else message, hint=hint)
        self.plugin = plugin


class CollectionError(CloudScopeError):
    """A scope that could not be collected; the run goes on with the other scopes.

    Collectors raise it (or any exception) from ``collect``; its message becomes the
    scope's ``error`` in the run summary, so it must not carry secrets. Added in API 1.0.
    """

    exit_code = EXIT_INCOMPLETE


def describe_error(error: BaseException) -> str:
    """One line for an error: a CloudScopeError's message, else its type and the first line
    of its message (``sys.exit`` from plugin code as ``SystemExit: sys.exit(0) called``);
    secrets redacted, at most 500 characters.

    A model a collector could not build (a value no store can hold, a missing field) is
    named with its id and the field path. Text that a store could not hold (a lone
    surrogate, U+0000) is replaced, so that the error itself can be recorded.
    """
    # Imported here: every command imports this module, and `--help` must not pay for
    # pydantic and the redaction patterns.
    from pydantic import ValidationError

    from cloudscope.domain.redaction import redact_text
    from cloudscope.domain.serialization import describe_invalid

    if isinstance(error, CloudScopeError):
        text = str(error)
    elif isinstance(error, SystemExit):
        text = f"SystemExit: sys.exit({error.code!r}) called"
    elif isinstance(error, ValidationError):
        text = describe_invalid(error)
    else:
        lines = str(error).strip().splitlines()
        text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    text = text.replace("\0", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return redact_text(text)[:500]
