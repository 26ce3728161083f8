"""Redacting JSON text without parsing it when the text shows that nothing can be a secret.

A listing of stored assets spends most of its time walking tags and properties through
:func:`cloudscope.domain.redaction.redact` only to find nothing to hide. Text without a
backslash holds each string verbatim between its quotes, so the walk's decisions can be
read from the text itself, in two tests:

- quick: every rule of the walk needs something a search of the whole text finds. A
  secret's key, a name/value pair naming a secret and the assignment detector need a word
  of a secret (``key``, ``pass``, ``pwd``, ``secret``, ``token``, ``cred``, ``auth``,
  ``cookie``, ``sig``, ``sas``, or ``conn`` of ``ConnectionString``); user data needs
  ``user``/``custom`` then ``data``; key blocks, URL passwords and bearer tokens need
  ``-----``, ``Private-Lines``, ``@`` with ``://``, ``earer ``; vendor tokens a long run
  with an upper-case letter or ``_``, or a literal prefix; JSON held in a string starts
  with ``{``, ``[`` or a space right after its quote;
- exact, when the quick one finds something: the strings are split into keys and values;
  every key must classify as plain, every value be one ``redact_text`` leaves unchanged
  (what the walk tests, with its cache), and no ``value`` key sit beside a word of a
  secret.

Containers nested deeper than the walk's limit, escapes and NaN always take the walk.
When a test passes, ``redact(loads(text)) == loads(text)`` and the text is answered as it
is; otherwise it is parsed, redacted and encoded again. tests/core/test_redaction_json.py
checks the equivalence over the redaction corpus and generated documents.

:func:`redact_json` remembers its recent answers by the texts themselves (bounded): a page
read again costs a dictionary lookup per asset.
"""

from __future__ import annotations

import re
from typing import Final

from cloudscope.domain.secret_keys import KEY_CLASSES, KeyClass, classify_key

# plainly_clean looks for the words every key class but PLAIN, every name/value secret and
# the assignment detector need (SECRET_NOUNS, "<qualifier> key", the plural collections,
# the glued forms; "conn" for connection strings, which hold no stem) in the lower-cased
# text, and for the detectors' markers (the token shapes that need no long run) as written.
_USER_DATA: Final = re.compile(r"(?i)(?:user|custom)[^a-z0-9]*data")
_GITLAB: Final = re.compile(r"gl[a-z]{2,5}-")
_MAILCHIMP: Final = re.compile(r"-us\d")
_EMBEDDED_JSON: Final = re.compile(r'"[\[{ ]')
# Every string of a text without escapes, in order; group 2 is set for a key.
_STRINGS: Final = re.compile(r'"([^"]*)"(\s*:)?')
_VALUE_KEYS: Final = frozenset({"value", "Value", "ParameterValue"})
# Every byte that is not [A-Za-z0-9_-] (nor part of a non-ASCII character, counted as a word
# character here, as it may be one for the detectors) becomes a space: runs are then words.
_RUNS: Final = bytes(b if (chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-")) or b > 127
                     else 32 for b in range(256))
_TOKEN_LENGTH: Final = 20
_INNERMOST: Final = re.compile(r"\[\]|\{\}")
_NOT_BRACKETS: Final = re.compile(r'"[^"]*"|[^\[\]{}"]+')
_MAX_DEPTH: Final = 64
"""As :func:`cloudscope.domain.redaction._redact`: containers nested deeper are hidden."""
# Answers lately given, keyed by the texts themselves (never a hash of them: equal keys are
# equal texts, so a hit is the answer the tests would give again; redaction has no
# settings). A page is read again and again (clients walking a listing, dashboards
# polling), and a lookup costs a twentieth of the tests. Bounded as redact_text's cache:
# short texts only, cleared when full (a few MB at most; no lock, dict operations are
# atomic). A ValueError (text not JSON) is not cached: it is raised again.
_VERDICTS: dict[tuple[str, ...], tuple[str, ...]] = {}
_CACHE_SIZE: Final = 10_000
_CACHED_LENGTH: Final = 1_024


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
    if "\\" in text or "NaN" in text or "Infinity" in text or not _shallow(text):
        return False
    return _nothing_anywhere(text) or _nothing_in_parts(text)


def _nothing_anywhere(text: str) -> bool:
    """The quick test: no marker of a text detector and no word of a secret anywhere,
    keys included, and no string that may hold JSON."""
    # Spelled out rather than any() over a tuple: this runs for every asset of a page.
    if ("-----" in text or "earer " in text or "Private-Lines" in text or "xox" in text
            or "dapi" in text or "ya29." in text or "hooks.slack" in text
            or ("-us" in text and _MAILCHIMP.search(text) is not None)
            or ("@" in text and "://" in text)
            or ("gl" in text and _GITLAB.search(text) is not None)):
        return False
    lower = text.lower()
    if ("key" in lower or "pass" in lower or "pwd" in lower or "secret" in lower
            or "token" in lower or "cred" in lower or "auth" in lower or "cookie" in lower
            or "sig" in lower or "sas" in lower or "conn" in lower):
        return False
    if "data" in lower and _USER_DATA.search(text) is not None:
        return False
    return _EMBEDDED_JSON.search(text) is None and not _token_run(text)


def _nothing_in_parts(text: str) -> bool:
    """The exact test, for text with a word of a secret or a marker somewhere (``KeyName``,
    ``HttpTokens``, a KMS key's ARN, a long identifier): every key classifies plain (so no
    value is judged as a secret, a collection or user data), every value is one that
    :func:`redact_text` leaves as it is (the test the walk makes, cached), and no ``value``
    key sits beside a word of a secret (a name/value pair that may name one)."""
    from cloudscope.domain.redaction import redact_text

    keys: list[str] = []
    values: list[str] = []
    for match in _STRINGS.finditer(text):
        (keys if match.group(2) else values).append(match.group(1))
    known = KEY_CLASSES.get
    for key in keys:
        kind = known(key)
        if (kind if kind is not None else classify_key(key)) is not KeyClass.PLAIN:
            return False
    if not _VALUE_KEYS.isdisjoint(keys):
        lower = "\n".join(values).lower()
        if ("key" in lower or "pass" in lower or "pwd" in lower or "secret" in lower
                or "token" in lower or "cred" in lower or "auth" in lower
                or "cookie" in lower or "sig" in lower or "sas" in lower or "conn" in lower):
            return False
    return all(redact_text(value) == value for value in values)


def redact_json(*texts: str) -> list[str]:
    """Each JSON ``text`` with secrets redacted as :func:`redact` redacts its parsed value:
    the texts themselves when, together, they are :func:`plainly_clean` (one test for
    an asset's tags and properties: any marker found in one is found in both joined, and
    joined objects or arrays form no new string, run or depth); else each parsed,
    redacted and encoded again (compact JSON). A ValueError for a text that is not JSON.
    Added in API 1.1."""
    known = _VERDICTS.get(texts)
    if known is not None:
        return list(known)
    result = _redact_texts(texts)
    if sum(map(len, texts)) <= _CACHED_LENGTH:
        if len(_VERDICTS) >= _CACHE_SIZE:
            _VERDICTS.clear()
        _VERDICTS[texts] = tuple(result)
    return result


def _redact_texts(texts: tuple[str, ...]) -> list[str]:
    if plainly_clean("".join(texts)):
        return list(texts)
    from cloudscope.domain.redaction import redact
    from cloudscope.domain.serialization import dumps, loads

    return [text if plainly_clean(text) else dumps(redact(loads(text))) for text in texts]
