"""Redacting JSON text without parsing it when the text shows that nothing can be a secret.

A listing of stored assets spends most of its time walking tags and properties through
:func:`cloudscope.domain.redaction.redact` only to find nothing to hide. Every rule of
that walk needs something visible in the JSON text itself: a secret's key, a name/value
pair naming a secret and a text detector all need a word of :data:`_STEMS` (or ``conn``
of ``ConnectionString``); user data needs ``user``/``custom`` then ``data``; key blocks,
URL passwords and bearer tokens need ``-----``, ``Private-Lines``, ``@`` with ``://``, ``earer ``; vendor
tokens need a run that ``secret_text._TOKEN_RUN`` finds or one of its literal prefixes; JSON held
in a string starts with ``{``, ``[``, a space or a line break right after its quote; and
containers deeper than the walk's limit need that many brackets. Text without a backslash
holds each string verbatim between its quotes, so a search of the whole text finds
whatever a search of one of its strings would. When none of these is found,
``redact(loads(text)) == loads(text)`` and the text is returned as it is; otherwise it is
parsed, redacted and encoded again. tests/core/test_redaction_json.py checks the
equivalence over the redaction corpus and generated documents.
"""

from __future__ import annotations

import re
from typing import Final

# plainly_clean looks for the words every key class but PLAIN, every name/value secret and
# the assignment detector need (SECRET_NOUNS, "<qualifier> key", the plural collections,
# the glued forms; "conn" for connection strings, which hold no stem) in the lower-cased
# text, and for the detectors' markers (the token shapes that need no long run) as written.
_USER_DATA: Final = re.compile(r"(?i)(?:user|custom)[^a-z0-9]*data")
_GITLAB: Final = re.compile(r"gl[a-z]{2,5}-")
_EMBEDDED_JSON: Final = re.compile(r'"[\[{ ]')
# Every byte that is not [A-Za-z0-9_-] (nor part of a non-ASCII character, counted as a word
# character here, as it may be one for the detectors) becomes a space: runs are then words.
_RUNS: Final = bytes(b if (chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-")) or b > 127
                     else 32 for b in range(256))
_TOKEN_LENGTH: Final = 20
_INNERMOST: Final = re.compile(r"\[\]|\{\}")
_NOT_BRACKETS: Final = re.compile(r'"[^"]*"|[^\[\]{}"]+')
_MAX_DEPTH: Final = 64
"""As :func:`cloudscope.domain.redaction._redact`: containers nested deeper are hidden."""


def _shallow(text: str) -> bool:
    """Whether no container of ``text`` is nested deeper than the walk's limit."""
    if text.count("[") + text.count("{") <= _MAX_DEPTH:
        return True
    brackets = _NOT_BRACKETS.sub("", text)
    for _ in range(_MAX_DEPTH + 1):
        if not brackets:
            return True
        brackets = _INNERMOST.sub("", brackets)
    return not brackets


def _token_run(text: str) -> bool:
    """Whether ``text`` holds a run of 20 or more word characters with an upper-case letter
    or an underscore: the first shape of ``_TOKEN_RUN``, found without its regular
    expression (which tries every position: ten times the cost of this whole test)."""
    runs = text.encode("utf-8").translate(_RUNS).split()
    if max(map(len, runs), default=0) < _TOKEN_LENGTH:
        return False
    return any(len(run) >= _TOKEN_LENGTH and (run.lower() != run or b"_" in run)
               for run in runs)


def plainly_clean(text: str) -> bool:
    """True only when redacting the JSON ``text`` (an object or an array, as stores write
    it) cannot change anything; False when it might, or when the text is not plain (an
    escape, NaN)."""
    # Spelled out rather than any() over the tuples: this runs twice per asset of a page.
    if ("\\" in text or "-----" in text or "earer " in text or "Private-Lines" in text
            or "NaN" in text or "Infinity" in text or "xox" in text or "dapi" in text
            or "-us" in text or "ya29." in text or "hooks.slack" in text
            or ("@" in text and "://" in text)):
        return False
    lower = text.lower()
    if ("key" in lower or "pass" in lower or "pwd" in lower or "secret" in lower
            or "token" in lower or "cred" in lower or "auth" in lower or "cookie" in lower
            or "sig" in lower or "sas" in lower or "conn" in lower):
        return False
    if "data" in lower and _USER_DATA.search(text) is not None:
        return False
    if "gl" in text and _GITLAB.search(text) is not None:
        return False
    return _EMBEDDED_JSON.search(text) is None and not _token_run(text) and _shallow(text)


def redact_json(*texts: str) -> list[str]:
    """Each JSON ``text`` with secrets redacted as :func:`redact` redacts its parsed value:
    the texts themselves when, together, they are :func:`plainly_clean` (one test for
    an asset's tags and properties: any marker found in one is found in both joined, and
    joined objects or arrays form no new string, run or depth); else each parsed,
    redacted and encoded again (compact JSON). A ValueError for a text that is not JSON.
    Added in API 1.1."""
    if plainly_clean("".join(texts)):
        return list(texts)
    from cloudscope.domain.redaction import redact
    from cloudscope.domain.serialization import dumps, loads

    return [text if plainly_clean(text) else dumps(redact(loads(text))) for text in texts]
