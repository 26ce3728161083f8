"""Secret redaction rules, shared by the logs and the exports.

A value is redacted when its key names a secret (secret, password, token, credential,
private key, ...) or when the value itself looks like one (an AWS secret access key, a
bearer token, a PEM block, a connection string with a password).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[REDACTED]"

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


def is_secret_key(key: str) -> bool:
    """True when a mapping key names a secret (``client_secret``, ``Password``)."""
    return bool(_SECRET_KEY.search(key)) and not _HARMLESS_KEY.search(key)


def redact_text(text: str) -> str:
    """``text`` with every secret-looking part replaced by ``[REDACTED]``."""
    if len(text) < 8:
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
    if isinstance(value, str):
        return redact_text(value)
    if depth > 64:
        return value
    if isinstance(value, Mapping):
        return {k: redact(v, key=str(k), depth=depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, depth=depth + 1) for v in value]
    return value
