"""Opening a store from its URL through the repository registry."""

from __future__ import annotations

import os
from typing import Final

from cloudscope.domain.errors import CloudScopeError, StoreError, describe_error
from cloudscope.ports.components import Component, ComponentLookup
from cloudscope.ports.repository import Repository

DEFAULT_DB_URL: Final = "sqlite:///cloudscope.db"


def choose_url(flag: str | None, configured: str | None) -> str:
    """``--db``, else ``CLOUDSCOPE_DB``, else the config file, else the default.

    An empty ``--db ''`` is refused rather than read as "not given": it is more likely an
    unset shell variable than a wish for ./cloudscope.db."""
    if flag is not None:
        if not flag.strip():
            raise StoreError("--db is empty", hint="give a store URL, e.g. "
                                                   "sqlite:///cloudscope.db")
        return flag
    return os.environ.get("CLOUDSCOPE_DB") or configured or DEFAULT_DB_URL


def open_repository(components: ComponentLookup, url: str, *, create: bool = True) -> Repository:
    """The repository registered for the URL's scheme, opened and migrated.

    With ``create=False`` a store that its repository says does not exist is a
    :class:`StoreError` (exit 2), and nothing is created."""
    registration = _registration(components, url)
    factory = registration.resolve()
    if not create and _exists(factory, url) is False:
        raise StoreError(f"no store at {redact_url(url)}",
                         hint="`cloudscope collect` creates one; or check --db, CLOUDSCOPE_DB "
                              "or db: in the config")
    try:
        repository = factory(url)
    except (CloudScopeError, KeyboardInterrupt):
        raise
    except BaseException as error:  # plugin code, even sys.exit()
        raise StoreError(f"cannot open {redact_url(url)}: {describe_error(error)}") from error
    if not isinstance(repository, Repository):
        raise StoreError(f"repository {registration.name!r} of plugin {registration.plugin!r} "
                         f"returned {type(repository).__name__}, not a Repository")
    return repository


def store_exists(components: ComponentLookup, url: str) -> bool | None:
    """Whether the store at ``url`` exists, without creating it (None: cannot tell)."""
    return _exists(_registration(components, url).resolve(), url)


def _registration(components: ComponentLookup, url: str) -> Component:
    scheme, separator, _ = url.partition(":")
    if not separator or not scheme:
        raise StoreError(f"--db {url!r} is not a store URL",
                         hint="expected e.g. sqlite:///cloudscope.db or file:///path/to/dir")
    scheme = scheme.split("+", 1)[0].lower()
    if scheme == "postgres":
        scheme = "postgresql"
    if scheme not in components.repositories:
        known = ", ".join(components.repositories.names()) or "none"
        raise StoreError(f"no repository for the {scheme!r} scheme of --db",
                         hint=f"available schemes: {known}")
    return components.repositories.get(scheme)


def _exists(factory: object, url: str) -> bool | None:
    exists = getattr(factory, "exists", None)
    if not callable(exists):
        return None  # a plain factory function: cannot tell, open as before
    try:
        answer = exists(url)
    except (CloudScopeError, KeyboardInterrupt):
        raise
    except BaseException as error:  # plugin code, even sys.exit()
        raise StoreError(f"cannot check {redact_url(url)}: {describe_error(error)}") from error
    return answer if isinstance(answer, bool) else None


def redact_url(url: str) -> str:
    """The URL with any password replaced, for messages. The user info is taken as
    urlsplit takes it (and the PostgreSQL adapter connects with it): up to the last ``@``
    of the authority, so a password holding ``@`` or a space is hidden whole."""
    from urllib.parse import urlsplit

    from cloudscope.domain.redaction import REDACTED, redact_text

    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return redact_text(url)
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        url = url.replace(netloc, f"{userinfo.partition(':')[0]}:{REDACTED}@{host}", 1)
    return redact_text(url)
