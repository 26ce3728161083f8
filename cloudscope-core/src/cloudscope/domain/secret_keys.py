"""Which mapping keys and variable names name a secret.

A key is split into words whatever its style (``storageAccountKey``, ``AWS_SECRET_ACCESS_KEY``,
``x-api-key``, ``tls.key``, ``PGPASSWORD``), and it names a secret when its *last* words do:
``agent_password``, ``managementToken``, ``image_pull_secret`` and ``SecretString`` name
secrets; ``PasswordLastUsed``, ``SecretArn``, ``KeyId`` and ``passwordAuthentication`` name
facts about one. Trailing words that only say how a secret is encoded (``value``, ``data``,
``hash``, ``b64``...) are skipped first, so ``client-key-data`` and ``password_hash`` count.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import Final


class KeyClass(IntEnum):
    """What a key says about the value under it."""

    PLAIN = 0
    SECRET = 1
    """The value is a secret (``password``, ``storageAccountKey``)."""
    COLLECTION = 2
    """The value holds secrets: a list of them, or entries whose ``value`` is one
    (``tokens``, ``apiKeys``, ``keys``). Its plain scalar is not one (``HttpTokens: required``)."""
    ABOUT = 3
    """The value describes secrets without holding any (``TokenValidityUnits``,
    ``secretKeyRef``): keys under it are not judged by name."""
    USER_DATA = 4
    """Instance user data or custom data: text, often base64, that scripts secrets."""


_WORDS: Final = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

SECRET_NOUNS: Final = frozenset({
    "password", "passwd", "passphrase", "passcode", "pwd", "pass", "secret", "token",
    "credential", "credentials", "auth", "authorization", "cookie", "cookies", "apikey",
    "sig", "signature", "sas", "passwords",
})
# "<qualifier> key" is a secret key; a bare "key" (a tag's Key, a KMS key) is not, nor is a
# public, host or SSH key.
KEY_QUALIFIERS: Final = frozenset({
    "access", "account", "api", "auth", "private", "master", "primary", "secondary",
    "shared", "signing", "sign", "encryption", "decryption", "storage", "client", "service",
    "db", "database", "hmac", "secret", "session", "admin", "management", "function", "query",
    "subscription", "app", "application", "webhook", "deploy", "root", "consumer", "data",
    "tls", "ssl", "gpg", "pgp", "symmetric", "aes", "license", "sas", "raw", "encrypted",
})
# Trailing words that say how a secret is held, not what it is about.
_FILLERS: Final = frozenset({
    "value", "values", "data", "string", "str", "text", "binary", "bin", "b", "base",
    "hex", "pem", "der", "raw", "plain", "plaintext", "enc", "encrypted", "hash", "hashed",
    "digest", "old", "new", "current", "previous", "prev", "override",
})
_PLURAL_COLLECTIONS: Final = frozenset({"tokens", "secrets", "keys", "sigs", "auths",
                                        "signatures"})
_ABOUT_ENDINGS: Final = frozenset({"units", "validity", "ref", "refs", "reference",
                                   "references", "policy", "policies", "rules", "metadata"})
# Glued names without separators or case changes (PGPASSWORD, accountkey, clientsecret).
_GLUED: Final = re.compile(
    r"(?:password|passwd|passphrase|secret|token|credentials?|connectionstring|"
    r"(?:" + "|".join(sorted(KEY_QUALIFIERS)) + r")key)$")

KEY_CLASSES: Final[dict[str, KeyClass]] = {}
"""Keys classified so far: a dict lookup is the fast path of :func:`classify_key` for the
hot loops of the exports, which meet the same few hundred keys millions of times."""


def words_of(key: str) -> list[str]:
    """``storageAccountKey`` -> ``["storage", "account", "key"]``, for every naming style."""
    return [word.lower() for word in _WORDS.findall(key)]


def _names_secret(words: list[str]) -> bool:
    while len(words) > 1 and (words[-1] in _FILLERS or words[-1].isdigit()) and not (
            words[-1] == "string" and words[-2] in ("connection", "conn")):
        words = words[:-1]
    last = words[-1]
    if last in SECRET_NOUNS:
        return True
    if last in ("string", "str") and len(words) > 1 and words[-2] in ("connection", "conn"):
        return True
    if last == "key" and len(words) > 1 and words[-2] in KEY_QUALIFIERS:
        return True
    return len(last) > 6 and _GLUED.search(last) is not None


def _mentions_secret(words: list[str]) -> bool:
    return any(word in SECRET_NOUNS or word in _PLURAL_COLLECTIONS or word == "key"
               for word in words)


def classify_key(key: str) -> KeyClass:
    """What ``key`` says about its value."""
    found = KEY_CLASSES.get(key)
    if found is None:
        found = _classify(key)
        if len(KEY_CLASSES) < 65_536:
            KEY_CLASSES[key] = found
    return found


def _classify(key: str) -> KeyClass:
    words = words_of(key)
    if not words:
        return KeyClass.PLAIN
    if _names_secret(words):
        return KeyClass.SECRET
    last = words[-1]
    if last in _PLURAL_COLLECTIONS and (len(words) == 1 or last != "keys"
                                        or words[-2] in KEY_QUALIFIERS):
        return KeyClass.COLLECTION
    if last in _ABOUT_ENDINGS and _mentions_secret(words[:-1]):
        return KeyClass.ABOUT
    if len(words) > 1 and last == "data" and words[-2] in ("user", "custom"):
        return KeyClass.USER_DATA
    return KeyClass.PLAIN


def is_secret_key(key: str) -> bool:
    """True when a mapping key or variable name names a secret (``client_secret``,
    ``storageAccountKey``, ``PGPASSWORD``), not a fact about one (``PasswordLastUsed``)."""
    return classify_key(key) is KeyClass.SECRET
