"""Opening a store from its URL through the repository registry."""

from __future__ import annotations

import os
from typing import Final

from cloudscope.domain.errors import CloudScopeError, StoreError, describe_error
from cloudscope.ports.components import ComponentLookup
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


def open_repository(components: ComponentLookup, url: str) -> Repository:
    """The repository registered for the URL's scheme, opened and migrated."""
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
    registration = components.repositories.get(scheme)
    factory = registration.resolve()
    try:
        repository = factory(url)
    except (CloudScopeError, KeyboardInterrupt):
        raise
    except BaseException as error:  # plugin code, even sys.exit()
        raise StoreError(f"cannot open {redact_url(url)}: {describe_error(error)}") from error
    if not isinstance(repository, Repository):
        raise StoreError(f"repository {scheme!r} of plugin {registration.plugin!r} "
                         f"returned {type(repository).__name__}, not a Repository")
    return repository


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
