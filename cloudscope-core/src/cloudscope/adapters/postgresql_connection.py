"""PostgreSQL store URLs and errors: what CloudScope reads from ``--db``, what it hands to
libpq, and how a psycopg error becomes one line for the user (never with a password).

URL: ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]`` (also ``postgres://``
and ``postgresql+psycopg://``). libpq's own options (``sslmode``, ``connect_timeout``, ...)
pass through; CloudScope's are removed first:

- ``schema=NAME``: the PostgreSQL schema holding the inventory (default ``cloudscope``);
- ``pool_size=N``: connections kept per process (default 4);
- ``retry_window=SECONDS``: how long a write waits for a lost server to come back (default 30).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from cloudscope.adapters.postgresql_schema import DEFAULT_SCHEMA
from cloudscope.domain.errors import StoreError
from cloudscope.domain.redaction import redact_text

SCHEMA_NAME: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
DEFAULT_POOL_SIZE: Final = 4
DEFAULT_RETRY_WINDOW_S: Final = 30.0
DEFAULT_CONNECT_TIMEOUT_S: Final = "10"
# SQLSTATEs after which a transaction may simply be run again: the connection was lost
# (class 08), the server shut down or restarted (57P01-57P03), or a deadlock or
# serialization failure was resolved by rolling us back (40001, 40P01).
TRANSIENT_STATES: Final = frozenset({"57P01", "57P02", "57P03", "40001", "40P01"})
INSTALL_HINT: Final = "pip install 'cloudscope-core[postgresql]'"


@dataclass(frozen=True, slots=True)
class PostgreSQLUrl:
    """A parsed ``postgresql://`` store URL."""

    conninfo: str
    schema: str
    explicit_schema: bool
    pool_size: int
    retry_window_s: float
    where: str

    @classmethod
    def parse(cls, url: str) -> PostgreSQLUrl:
        """Split CloudScope's options from libpq's; reject what cannot work, naming it."""
        scheme, _, rest = url.partition("://")
        if scheme.split("+", 1)[0].lower() not in ("postgresql", "postgres") or not rest:
            raise StoreError(f"--db {redact_text(url)!r} is not a postgresql:// URL",
                             hint="e.g. postgresql://user@host:5432/inventory")
        parts = urlsplit("postgresql://" + rest)
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        schema = options.pop("schema", None)
        pool_size = _number(options.pop("pool_size", None), "pool_size", int,
                            DEFAULT_POOL_SIZE)
        retry_window = _number(options.pop("retry_window", None), "retry_window", float,
                               DEFAULT_RETRY_WINDOW_S)
        options.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT_S)
        options.setdefault("application_name", "cloudscope")
        if schema is not None and not SCHEMA_NAME.match(schema):
            raise StoreError(f"--db option schema={schema!r} is not a plain schema name",
                             hint="lower-case letters, digits and _, e.g. schema=inventory")
        if pool_size < 2:
            # One connection streams a listing while another writes (assess does both).
            raise StoreError(f"--db option pool_size={pool_size} is too small",
                             hint="at least 2")
        conninfo = urlunsplit(parts._replace(netloc=_encoded_netloc(parts.netloc),
                                             query=urlencode(options)))
        host = parts.hostname or "localhost"
        where = f"{host}:{parts.port or 5432}{parts.path or '/'}"
        return cls(conninfo=conninfo, schema=schema or DEFAULT_SCHEMA,
                   explicit_schema=schema is not None, pool_size=pool_size,
                   retry_window_s=retry_window, where=where)

    def connection_options(self) -> dict[str, Any]:
        """Keyword arguments for every connection: the schema first on the search path,
        and UTC, so that timestamps come back in UTC whatever the server's zone."""
        return {"options": f"-c search_path={self.schema} -c TimeZone=UTC"}


def _encoded_netloc(netloc: str) -> str:
    """``user:pa@ss@host`` as ``user:pa%40ss@host``. urlsplit (and the user) take the
    user info up to the *last* ``@``, libpq up to the first: it would connect to host
    ``ss@host`` and name it in its error, quoting part of the password. Spaces and other
    characters libpq rejects in a URI, with a message that quotes them, are encoded too."""
    userinfo, at, host = netloc.rpartition("@")
    if not at:
        return netloc
    user, colon, password = userinfo.partition(":")
    encoded = quote(unquote(user), safe="")
    if colon:
        encoded += ":" + quote(unquote(password), safe="")
    return f"{encoded}@{host}"


def _number(text: str | None, name: str, kind: type[int] | type[float],
            default: float) -> Any:
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise StoreError(f"--db option {name}={text!r} is not a number") from None
    if value < 0:
        raise StoreError(f"--db option {name}={text!r} must not be negative")
    return value


def first_line(error: BaseException) -> str:
    """The first line of an error's message, without libpq's ``connection failed:`` prefix,
    with secrets redacted."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    text = text.removeprefix("connection failed: ")
    return redact_text(" ".join(text.split()))


def is_transient(error: BaseException, connection_broken: bool) -> bool:
    """True when running the same transaction again may succeed."""
    state = getattr(error, "sqlstate", None)
    if state is not None:
        return state.startswith("08") or state in TRANSIENT_STATES
    # Errors raised by the client itself (no SQLSTATE) are transient only when they lost
    # the connection, e.g. the server restarted.
    return connection_broken
