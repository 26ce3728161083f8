"""Secret redaction rules, shared by the logs and the exports.

A value is redacted when its key names a secret (secret, password, token, credential,
private key, ...) or when the value itself looks like one (an AWS secret access key, a
bearer token, a PEM block, a connection string with a password).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[REDACTED]"
_SCALARS: Final = frozenset({int, float, bool, type(None)})
_CONTAINERS: Final = frozenset({dict, list})

_SECRET_KEY: Final = re.compile(
    r"(secret|passw(or)?d|passphrase|token|credential|private[_-]?key|api[_-]?key|"
    r"access[_-]?key[_-]?secret|client[_-]?secret|connection[_-]?string|sas[_-]?key|"
    r"account[_-]?key|authorization|^auth$|cookie)",
    re.IGNORECASE,
)
# Keys that contain a secret-looking word but hold no secret (AWS reports key *ages* and ids).
_HARMLESS_KEY: Final = re.compile(
    r"(token_?uri|tokenendpoint|_at$|_date$|date$|age|expir|last_?used|created|status|"
    r"^access_?key_?id$|accesskeyid|^(has|is|enable|require)|count$|_count$|type$|"
    r"metadata_?options|http_?tokens|rotation|keyid$|key_?id$)",
    re.IGNORECASE,
)
_SECRET_VALUE: Final = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    # AWS secret access keys: 40 characters of base64 alphabet next to a hint of their role.
    re.compile(r"(?i)(aws_?secret_?access_?key\s*[=:]\s*)[A-Za-z0-9/+=]{40}"),
    # Credentials inside URLs and connection strings: scheme://user:password@host.
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    re.compile(r"(?i)((?:password|pwd|accountkey|sharedaccesskey|sig)=)[^;&\s]+"),
    # JSON web tokens (three base64url parts, the first an encoded JSON header).
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b"),
]


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True when a mapping key names a secret (``client_secret``, ``Password``)."""
    return bool(_SECRET_KEY.search(key)) and not _HARMLESS_KEY.search(key)


def _may_hold_secret(text: str) -> bool:
    # A literal each pattern of _SECRET_VALUE needs: most values (ids, names, times) have
    # none, and one scan in C is far cheaper than six regex substitutions (exports, #7).
    if "=" in text or "-----BEGIN" in text or "eyJ" in text or ("@" in text and "://" in text):
        return True
    lower = text.lower()
    return "bearer" in lower or "secret" in lower


def redact_text(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[REDACTED]``."""
    if len(text) < 8 or not _may_hold_secret(text):
        return text
    for pattern in _SECRET_VALUE:
        if pattern.groups:
            text = pattern.sub(lambda match: (match.group(1) or "") + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def redact(value: Any, *, key: str | None = None, depth: int = 0) -> Any:
    """A copy of ``value`` (JSON-like) with secrets redacted, by key name and by shape."""
    if key is not None and is_secret_key(key) and value not in (None, "", {}, []) \
            and not isinstance(value, (bool, int, float)):
        return REDACTED
    kind = type(value)
    # Exact-type checks first: ABC isinstance checks dominated large exports (#7).
    if kind is str or (kind not in _CONTAINERS and isinstance(value, str)):
        return redact_text(value)
    if kind in _SCALARS or depth > 64:
        return value
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        return _redact_mapping(value, depth)
    if isinstance(value, (list, tuple)):
        return [redact(v, depth=depth + 1) for v in value]
    return value


def _redact_mapping(mapping: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    # redact() applied to each item, with its two commonest cases inlined: scalars are
    # never redacted, strings are redacted by key or by shape (exports of large stores, #7).
    result = {}
    for k, v in mapping.items():
        kind = type(v)
        if kind in _SCALARS:
            result[k] = v
        elif kind is str:
            result[k] = REDACTED if v and is_secret_key(str(k)) else redact_text(v)
        else:
            result[k] = redact(v, key=str(k), depth=depth + 1)
    return result
