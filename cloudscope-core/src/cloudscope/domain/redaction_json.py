"""Redacting JSON text without parsing it when the text shows that nothing can be a secret.

A listing of stored assets spends most of its time walking tags and properties through
:func:`cloudscope.domain.redaction.redact` only to find nothing to hide. The walk's
decisions can be read from the text itself. Escaped backslashes and quotes are first set
aside (read in pairs from the left, as a parser reads them), so that every quote left
delimits a string; the text split at its quotes gives every string, and what follows each
tells a key (a colon) from a value. Each string, decoded as JSON decodes it, is learnt
once (bounded caches, keyed by the string as written):

- plain both ways, when it could be neither a key of another class nor a value the walk
  changes. Every key class but PLAIN, every name/value secret and the assignment detector
  need a word of a secret (``key``, ``pass``, ``pwd``, ``secret``, ``token``, ``cred``,
  ``auth``, ``cookie``, ``sig``, ``sas``, or ``conn`` of ``ConnectionString``); user data
  needs ``user``/``custom`` then ``data``; key blocks, URL passwords and bearer tokens need
  ``-----``, ``Private-Lines``, ``@`` with ``://``, ``earer ``; vendor tokens a long run
  with an upper-case letter or ``_``, or a literal prefix; JSON held in a string starts
  with ``{``, ``[``, a space or a line break. A batch of new strings without any of these
  (the quick test, over the strings joined by quotes) is plain at once; otherwise each is
  classified as a key and tested as ``redact_text`` tests a value (with its cache). A
  ``value`` key is never plain;
- else its key class, whether ``redact_text`` keeps it, and its decoded text. Such a
  string is judged where it stands, as the walk judges it:

  - as a value: ``redact_text`` must keep it; a secret's name (``DB_PASSWORD``) may stand
    only where no ``value`` key is (a name/value pair would make the walk hide a value);
  - as a key of class PLAIN: nothing more;
  - SECRET: its value must be one the walk keeps: ``""``, a reference (an ARN, a Key
    Vault reference), ``true``, ``false`` or ``null``; a number or any other string is
    hidden by the walk;
  - COLLECTION and ABOUT over a scalar: the walk judges a string under them as under a
    plain key and keeps numbers (``HttpTokens: "required"``);
  - USER_DATA over a string: the walk's own user data test (base64 decoded, gzip too, and
    its text tested) must keep it (``UserData``, ``customData``);
  - any key but PLAIN over an object or an array: not plainly clean (the walk would judge
    the keys and items under it in that key's context).

  So every object is judged in the plain context, where the walk changes nothing else.

Containers nested deeper than the walk's limit, NaN, unbalanced quotes and strings that
do not decode always take the walk. When the test passes, ``redact(loads(text)) ==
loads(text)`` and the text is answered as it is; otherwise it is parsed, redacted and
encoded again. tests/core/test_redaction_json.py and tests/core/test_redaction_text.py
check the equivalence over the redaction corpus and generated documents written compact,
ASCII-escaped and indented.

:func:`redact_json` remembers its recent answers by the texts themselves (bounded): a page
read again costs a dictionary lookup per asset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from cloudscope.domain.redaction import VALUE_KEYS, encoded_user_data_kept, redact_text
from cloudscope.domain.secret_keys import KeyClass, classify_key
from cloudscope.domain.secret_text import is_reference

# plainly_clean looks for the words every key class but PLAIN, every name/value secret and
# the assignment detector need (SECRET_NOUNS, "<qualifier> key", the plural collections,
# the glued forms; "conn" for connection strings, which hold no stem) in the lower-cased
# text, and for the detectors' markers (the token shapes that need no long run) as written.
_USER_DATA: Final = re.compile(r"(?i)(?:user|custom)[^a-z0-9]*data")
_GITLAB: Final = re.compile(r"gl[a-z]{2,5}-")
_MAILCHIMP: Final = re.compile(r"-us\d")
# A quote then what redact_text reads as the start of JSON ("{[ \n"): the line break only
# appears in decoded values (a text's own line breaks are escaped).
_EMBEDDED_JSON: Final = re.compile(r'"[\[{ \n]')
# A string as written (escapes included), for the depth test.
_STRING: Final = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_SPACE: Final = " \t\n\r"
# The keys whose value a name/value pair naming a secret hides: the walk's own.
_VALUE_KEYS: Final = frozenset(VALUE_KEYS)
# Strings as written between quotes (escapes, stand-ins included) that are plain both as a
# key (class PLAIN, not a "value" key) and as a value (redact_text keeps them, and they name
# no secret): a text made of them only is clean, told by one set difference. The others,
# with what the walk makes of them (key class, kept as a value, decoded text). Learnt
# facts are functions of the string (redaction has no settings); bounded (a few MB),
# cleared when full, and no lock: set and dict operations are atomic.
_CLEAN: set[str] = set()
_FACTS: dict[str, tuple[KeyClass, bool, str]] = {}
_CACHE_STRINGS: Final = 50_000
# User data (as written) that the walk's user data test keeps, base64 decoded and tested.
_KEPT_USER_DATA: set[str] = set()
# Every byte that is not [A-Za-z0-9_-] (nor part of a non-ASCII character, counted as a word
# character here, as it may be one for the detectors) becomes a space: runs are then words.
_RUNS: Final = bytes(b if (chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-")) or b > 127
                     else 32 for b in range(256))
_TOKEN_LENGTH: Final = 20
_INNERMOST: Final = re.compile(r"\[\]|\{\}")
_NOT_BRACKETS: Final = re.compile(_STRING + r'|[^\[\]{}"]+', re.S)
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
    it) cannot change anything; False when it might, or when the text is not plain (NaN,
    an escape that does not decode)."""
    if "NaN" in text or "Infinity" in text or not _shallow(text):
        return False
    escaped = "\\" in text
    if escaped:
        if "\0" in text:
            return False  # not JSON (the stand-ins below must be unambiguous)
        # Escaped backslashes, then escaped quotes, out of the way (pairs read from the
        # left, as a parser reads them): every quote left delimits a string. NUL cannot
        # appear unescaped in JSON text, so the stand-ins are unambiguous.
        text = text.replace("\\\\", "\0\0").replace('\\"', "\0\1")
    parts = text.split('"')
    if not len(parts) & 1:
        return False  # an unbalanced quote: not JSON (its parse refuses it)
    bodies = parts[1::2]
    unknown = set(bodies).difference(_CLEAN)
    if not unknown:
        return True
    try:
        fresh = [body for body in unknown if body not in _FACTS]
        if fresh:
            _learn(fresh, escaped)
            unknown.difference_update(_CLEAN)
        return not unknown or _kept_in_place(unknown, parts, bodies)
    except ValueError:
        return False  # a string that does not decode: the parse refuses it


def may_name_secret(lower: str) -> bool:
    """Whether the lower-cased ``lower`` holds a word that every key class but PLAIN (user
    data aside: ``data``), every name/value secret and the assignment detector need: the
    stems of :data:`cloudscope.domain.secret_keys.SECRET_NOUNS`, ``key`` and ``conn``
    (tests/core/test_redaction_json.py checks that every noun holds one)."""
    # Spelled out rather than any() over a tuple: this runs for every string learnt.
    return ("key" in lower or "pass" in lower or "pwd" in lower or "secret" in lower
            or "token" in lower or "cred" in lower or "auth" in lower or "cookie" in lower
            or "sig" in lower or "sas" in lower or "conn" in lower)


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
    if may_name_secret(lower):
        return False
    if "data" in lower and _USER_DATA.search(text) is not None:
        return False
    return _EMBEDDED_JSON.search(text) is None and not _token_run(text)


def _learn(bodies: list[str], escaped: bool) -> None:
    """Learn what each string (as written between quotes) is: plain, as a key and as a
    value (added to :data:`_CLEAN`), or what the walk makes of it (:data:`_FACTS`). Most
    strings of an inventory are plain and learnt at once by the quick test."""
    texts = _decoded(bodies) if escaped and any("\\" in body or "\0" in body
                                                for body in bodies) else bodies
    if _VALUE_KEYS.isdisjoint(texts) and _nothing_anywhere('"' + '"'.join(texts) + '"'):
        _remember(_CLEAN, bodies)
        return
    for body, text in zip(bodies, texts, strict=True):
        facts = _facts_of(text)
        if facts is None:
            _remember(_CLEAN, (body,))
        else:
            if len(_FACTS) >= _CACHE_STRINGS:
                _FACTS.clear()
            _FACTS[body] = facts


def _facts_of(text: str) -> tuple[KeyClass, bool, str] | None:
    """None for a string that is plain both as a key and as a value; else its key class,
    whether ``redact_text`` keeps it as a value, and the text itself."""
    lower = text.lower()
    # Every class but PLAIN needs one of these words (see the module's docstring).
    kind = classify_key(text) if may_name_secret(lower) or "data" in lower else KeyClass.PLAIN
    kept = redact_text(text) == text
    if kind is KeyClass.PLAIN and kept and text not in _VALUE_KEYS:
        return None
    return kind, kept, text


def _remember(cache: set[str], bodies: Iterable[str]) -> None:
    if len(cache) >= _CACHE_STRINGS:
        cache.clear()
    cache.update(bodies)


def _kept_in_place(unknown: set[str], parts: list[str], bodies: list[str]) -> bool:
    """The exact test for the strings that are not plain both ways, by where each stands:
    as a key, by its class (the module's docstring has the branches); as a value, kept by
    ``redact_text``; a secret's name as a value only where no ``value`` key is."""
    after = parts[2::2]  # what follows each string up to the next one
    value_key = names_secret = False
    user_data: list[str] = []
    for body in unknown:
        facts = _FACTS.get(body)
        if facts is None:  # forgotten meanwhile (the cache was full): learnt again
            facts = _facts_of(_decoded([body])[0] if "\\" in body or "\0" in body else body)
            if facts is None:
                continue
        kind, kept, text = facts
        index = -1
        while True:
            try:
                index = bodies.index(body, index + 1)
            except ValueError:
                break
            role = after[index]
            if role[:1] in _SPACE:
                role = role.lstrip(_SPACE)
            if role[:1] != ":":  # a value (or the top level's string)
                if not kept:
                    return False
                names_secret = names_secret or kind is KeyClass.SECRET
                continue
            value_key = value_key or text in _VALUE_KEYS
            if kind is KeyClass.PLAIN:
                continue
            rest = role[1:].lstrip(_SPACE)
            first = rest[:1] or '"'
            if first in "[{":
                return False  # the keys and items under it are judged in its context
            if kind is KeyClass.SECRET:
                # Kept: "", a reference, true, false, null; hidden: other text, a number.
                if first != '"':
                    if first not in "tfn":
                        return False
                elif bodies[index + 1] and not is_reference(_text_of(bodies[index + 1])):
                    return False
            elif kind is KeyClass.USER_DATA and first == '"':
                user_data.append(bodies[index + 1])
    if value_key and names_secret:
        return False  # a name/value pair may name a secret: the walk judges it
    return all(map(_user_data_kept, user_data))


def _user_data_kept(body: str) -> bool:
    """Whether the walk keeps this user data (as written between quotes), remembered."""
    if body in _KEPT_USER_DATA:
        return True
    if not encoded_user_data_kept(_text_of(body)):
        return False
    _remember(_KEPT_USER_DATA, (body,))
    return True


def _text_of(body: str) -> str:
    """A string as decoded from how it is written between quotes."""
    return _decoded([body])[0] if "\\" in body or "\0" in body else body


def _decoded(raw: list[str] | tuple[str, ...]) -> list[str]:
    """Strings as written between quotes (the stand-ins of escaped backslashes and quotes
    put back), decoded as JSON decodes them, in one call of orjson; a ValueError when one
    does not decode."""
    import orjson

    joined = '","'.join(raw).replace("\0\1", '\\"').replace("\0\0", "\\\\")
    decoded = orjson.loads('["' + joined + '"]')
    if type(decoded) is not list or len(decoded) != len(raw):
        raise ValueError("the strings do not decode one by one")
    return decoded


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
