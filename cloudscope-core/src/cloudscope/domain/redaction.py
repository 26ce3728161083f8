"""Secret redaction, shared by the exports, ``assets show``, the logs and every error shown.

A value is redacted when the key it is stored under names a secret
(:mod:`cloudscope.domain.secret_keys`: ``storageAccountKey``, ``agent_password``,
``image_pull_secret``, numbers included), when it is the value of a name/value pair whose
name does (``{"name": "DB_PASSWORD", "value": ...}``, AWS tags, CloudFormation parameters,
GCP metadata items), or when text holds one (:mod:`cloudscope.domain.secret_text`: key
blocks, URL passwords, ``KEY=value`` and ``key: value`` assignments, vendor tokens). JSON
held in a string (kubectl's last-applied-configuration, policy documents) is redacted as
structure, and base64 user data is decoded, redacted and encoded again.

What is not redacted, on purpose: facts about secrets (``PasswordLastUsed``, ``KeyId``,
``SecretArn``), references to where one is kept (ARNs, Key Vault and CloudFormation
references), access key *ids*, and public keys and certificates. The corpus in
tests/core/redaction_corpus.py measures both sides; docs/exporters.md quotes its counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from cloudscope.domain.secret_keys import KEY_CLASSES, KeyClass, classify_key, is_secret_key
from cloudscope.domain.secret_text import REDACTED, is_reference, may_hold_secret, redact_patterns

if TYPE_CHECKING:  # the models (pydantic) only for hints: logging imports this module early
    from cloudscope.domain.asset import Asset
    from cloudscope.domain.change import Change
    from cloudscope.domain.finding import Finding
    from cloudscope.domain.relationship import Relationship

__all__ = ["REDACTED", "encoded_user_data_kept", "is_secret_key", "redact", "redact_asset",
           "redact_change", "redact_finding", "redact_relationship", "redact_text"]

_NUMBERS: Final = frozenset({int, float})
_SCALARS: Final = frozenset({bool, type(None)})
_CONTAINERS: Final = frozenset({dict, list, tuple})
_SIMPLE: Final = _NUMBERS | _SCALARS
_SECRET, _COLLECTION, _ABOUT, _USER_DATA = (KeyClass.SECRET, KeyClass.COLLECTION,
                                            KeyClass.ABOUT, KeyClass.USER_DATA)
_PLAIN: Final = KeyClass.PLAIN
# Name/value pairs: AWS tags, ECS and Kubernetes env, CloudFormation parameters, GCP metadata.
VALUE_KEYS: Final = ("value", "Value", "ParameterValue")
"""The keys of the value of a name/value pair (also read by :mod:`cloudscope.domain.redaction_json`)."""
_NAME_KEYS: Final = ("name", "Name", "key", "Key", "ParameterKey")
_BASE64: Final = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_MAX_USER_DATA: Final = 1 << 20
# Texts redacted lately: an inventory repeats most of its values (states, types, zones,
# profile ARNs), and a lookup is far cheaper than the detectors. Bounded (a few MB).
_TEXTS: dict[str, str] = {}
_CACHE_SIZE: Final = 50_000
_CACHED_LENGTH: Final = 200


def redact_text(text: str) -> str:
    """``text`` with every secret in it replaced by ``[REDACTED]``. Added in API 1.0."""
    if len(text) < 8:
        return text
    known = _TEXTS.get(text)
    if known is not None:
        return known
    result = None
    if text[0] in "{[ \n" and text.rstrip()[-1:] in "}]":
        result = _redact_json_text(text)  # None when the brackets do not hold JSON
    if result is None:
        result = redact_patterns(text) if may_hold_secret(text) else text
    if len(text) <= _CACHED_LENGTH:
        if len(_TEXTS) >= _CACHE_SIZE:
            _TEXTS.clear()
        _TEXTS[text] = result
    return result


def redact(value: Any, *, key: str | None = None, depth: int = 0) -> Any:
    """A copy of ``value`` (JSON-like) with secrets redacted, by the key it is stored under,
    by name/value pairs and by shape. Added in API 1.0."""
    return _redact(value, _PLAIN if key is None else classify_key(key), depth)


def _redact(value: Any, context: KeyClass, depth: int) -> Any:
    kind = type(value)
    if kind is str:
        return _redact_string(value, context)
    if kind in _NUMBERS:
        # Numeric passwords and PINs; a count or a duration is never named like a secret.
        return REDACTED if context is _SECRET else value
    if kind in _SCALARS or depth > 64:
        # Too deep to walk (a hostile value): hidden rather than shown.
        return value if kind in _SCALARS else REDACTED
    if kind is dict or (kind not in _CONTAINERS and isinstance(value, Mapping)):
        return _redact_mapping(value, context, depth)
    if kind in (list, tuple) or isinstance(value, (list, tuple)):
        # Items of a secret or of a collection of secrets are secrets themselves; mappings
        # in them are judged by their own keys.
        scalar = _SECRET if context is _SECRET or context is _COLLECTION else context
        return [_redact(item, context if type(item) in _CONTAINERS else scalar, depth + 1)
                for item in value]
    return _redact_string(str(value), context) if isinstance(value, str) else value


def _redact_string(value: str, context: KeyClass) -> str:
    if context is _SECRET:
        return REDACTED if value and not is_reference(value) else value
    if context is _USER_DATA:
        return _redact_user_data(value)
    return redact_text(value)


def _redact_mapping(mapping: Mapping[Any, Any], context: KeyClass, depth: int) -> dict[Any, Any]:
    holds_secret = context is _SECRET or context is _COLLECTION or (
        # VALUE_KEYS spelled out: this runs for every mapping walked.
        ("value" in mapping or "Value" in mapping or "ParameterValue" in mapping)
        and _names_a_secret(mapping))
    known = KEY_CLASSES.get
    result = {}
    for k, v in mapping.items():
        child = known(k)
        if child is None:
            child = classify_key(k if type(k) is str else str(k))
        kind = type(v)
        if child is _PLAIN and not holds_secret:
            # The commonest case inline: a plain key over a string or a scalar (exports, #7).
            if kind is str:
                result[k] = redact_text(v)
            elif kind in _SIMPLE:
                result[k] = v
            else:
                result[k] = _redact(v, _PLAIN, depth + 1)
            continue
        if child is _SECRET and context is _ABOUT:
            child = _PLAIN  # TokenValidityUnits.AccessToken is "hours", not a token
        elif holds_secret and k in VALUE_KEYS:
            child = _SECRET
        result[k] = _redact(v, child, depth + 1)
    return result


def _names_a_secret(mapping: Mapping[Any, Any]) -> bool:
    """True for ``{"name": "DB_PASSWORD", "value": ...}`` and its kin."""
    for key in _NAME_KEYS:
        name = mapping.get(key)
        if type(name) is str and is_secret_key(name):
            return True
    return False


def _redact_json_text(text: str) -> str | None:
    """JSON held in a string, redacted as structure; the text itself when nothing changed,
    None when it is not JSON."""
    # Imported here, as the codecs below: logging imports this module on its first line,
    # and most runs never meet JSON in a string.
    import orjson

    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, (dict, list)):
        return None
    redacted = _redact(parsed, _PLAIN, 1)
    if redacted == parsed:
        return text
    import json

    compact = '": ' not in text
    return json.dumps(redacted, ensure_ascii=False,
                      separators=(",", ":") if compact else (", ", ": "))


def _redact_user_data(value: str) -> str:
    """User data is text or base64 (EC2 returns base64, sometimes of gzip): decoded,
    redacted, and encoded again only when something was redacted."""
    text = redact_text(value)
    return text if text != value else _redact_encoded(value)


def encoded_user_data_kept(value: str) -> bool:
    """Whether user data that :func:`redact_text` keeps is kept whole: not base64, or its
    decoded text holds no secret (the last step of the walk's test, for
    :mod:`cloudscope.domain.redaction_json`)."""
    return _redact_encoded(value) == value


def _redact_encoded(value: str) -> str:
    if len(value) % 4 or _BASE64.fullmatch(value) is None:
        return value
    import base64
    import binascii
    import zlib

    try:
        raw = base64.b64decode(value, validate=True)
        if raw[:2] == b"\x1f\x8b":
            decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            raw = decompressor.decompress(raw, _MAX_USER_DATA)
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error):
        return value
    redacted = redact_text(decoded)
    return value if redacted == decoded else base64.b64encode(redacted.encode()).decode()


def redact_asset(asset: Asset) -> Asset:
    """The asset with its name, tags and properties redacted."""
    # A shallow copy with three fields replaced: the stored asset was validated on the way
    # in, and this is half the cost of model_construct on a million rows.
    copy = asset.__copy__()
    copy.__dict__.update(name=redact_text(asset.name) if asset.name else asset.name,
                         tags=redact(asset.tags), properties=redact(asset.properties))
    return copy


def redact_relationship(relationship: Relationship) -> Relationship:
    """The relationship with its properties redacted."""
    if not relationship.properties:
        return relationship
    return relationship.model_copy(update={"properties": redact(relationship.properties)})


def redact_finding(finding: Finding) -> Finding:
    """The finding with its texts and evidence redacted."""
    return finding.model_copy(update={
        "title": redact_text(finding.title), "detail": redact_text(finding.detail),
        "remediation": redact_text(finding.remediation), "evidence": redact(finding.evidence)})


def redact_change(change: Change) -> Change:
    """The change with its name, changed values and finding title redacted. The change
    log stores values redacted in their context already; this is the last guard, each
    value judged by the last key of its path (``...Variables.DB_PASSWORD``)."""
    fields = [f.model_copy(update={"before": redact(f.before, key=_last_key(f.path)),
                                   "after": redact(f.after, key=_last_key(f.path))})
              for f in change.fields]
    finding = change.finding
    if finding is not None:
        finding = finding.model_copy(update={"title": redact_text(finding.title)})
    return change.model_copy(update={"name": redact_text(change.name) if change.name else
                                     change.name, "fields": fields, "finding": finding})


_LAST_KEY: Final = re.compile(r'(?:^|\.)([^.\[\]"]+)$|\["((?:[^"\\]|\\.)*)"\]$')


def _last_key(path: str) -> str | None:
    """The last key of a change's path (None when it ends with an index)."""
    match = _LAST_KEY.search(path)
    if match is None:
        return None
    return match[1] if match[1] is not None else match[2]
