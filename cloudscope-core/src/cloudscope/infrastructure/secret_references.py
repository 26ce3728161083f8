"""Secrets by reference: configuration values written ``SCHEME:REFERENCE``.

``client_secret: env:AZURE_SECRET`` or ``file:/run/secrets/azure`` (the built-in schemes),
or any scheme a plugin registers with ``cloudscope_register_secret_resolvers`` (a vault),
is replaced by what the resolver returns when the configuration is loaded, so that no
secret needs to sit in the file. Only registered schemes are references, and never a URL
(``https://...``: the reference starts with ``//``); the ``db`` key's ``file:`` is a file
store's URL, not a reference. Errors name the file or variable, the key and the
reference, never a resolved value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from cloudscope.domain.errors import CloudScopeError, ConfigError

Resolver = Callable[[str], str]
"""``resolver(reference) -> secret``: the text after ``SCHEME:``."""

_REFERENCE: Final = re.compile(r"^([a-z][a-z0-9+.-]*):(?!//)(.+)$", re.DOTALL)
# Keys whose values are URLs in which a scheme names something else than a reference.
_NOT_REFERENCES: Final[dict[tuple[str, ...], frozenset[str]]] = {("db",): frozenset({"file"})}


class ReferenceResolver:
    """Resolves the references of configuration data, and remembers where each came from."""

    def __init__(self, resolvers: Mapping[str, Resolver]) -> None:
        self._resolvers = dict(resolvers)
        #: The key path of every resolved value, and the reference it was written as.
        self.references: dict[tuple[str, ...], str] = {}

    def resolve(self, data: Any, *, source: Callable[[tuple[str, ...]], str],
                path: tuple[str, ...] = ()) -> Any:
        """A copy of ``data`` with every reference resolved. ``source(path)`` names where
        the value at ``path`` was read (the file, the environment variable) for errors."""
        if isinstance(data, Mapping):
            return {key: self.resolve(value, source=source, path=(*path, str(key)))
                    for key, value in data.items()}
        if isinstance(data, list):
            return [self.resolve(value, source=source, path=(*path, str(index)))
                    for index, value in enumerate(data)]
        if isinstance(data, str):
            return self._resolve_text(data, source, path)
        return data

    def _resolve_text(self, text: str, source: Callable[[tuple[str, ...]], str],
                      path: tuple[str, ...]) -> str:
        match = _REFERENCE.match(text)
        if match is None:
            return text
        scheme, reference = match.groups()
        resolver = self._resolvers.get(scheme)
        if resolver is None or scheme in _NOT_REFERENCES.get(path, ()):
            return text
        key = ".".join(path)
        try:
            value = resolver(reference)
        except KeyboardInterrupt:
            raise
        except CloudScopeError as error:
            raise ConfigError(error.message, source=source(path), key=key,
                              hint=error.hint) from None
        except BaseException as error:  # a plugin's resolver, even sys.exit()
            # Only the type: a resolver's own message may quote what it resolved.
            raise ConfigError(f"{scheme}: the secret resolver raised {type(error).__name__}",
                              source=source(path), key=key) from None
        if not isinstance(value, str):
            raise ConfigError(f"{scheme}: the secret resolver returned "
                              f"{type(value).__name__}, not a string",
                              source=source(path), key=key)
        self.references[path] = f"{scheme}:{reference}"
        return value
