"""Secrets inside text: user data, scripts, manifests, headers, URLs and error messages.

Five detectors, each tested by the corpus in tests/core/redaction_corpus.py:

- private key blocks (PEM, PGP, OpenSSH, PuTTY), replaced by a well-formed block whose body
  is ``[REDACTED]``, and base64-encoded PEM private keys (Kubernetes secrets, kubeconfigs);
- passwords in URLs (``scheme://user:password@host``), up to the *last* ``@`` before the
  host, so that a password containing ``@`` is hidden whole;
- assignments to a secret name (:func:`cloudscope.domain.secret_keys.is_secret_key`), in
  every syntax: ``DB_PASSWORD=x``, ``AWS_SECRET_ACCESS_KEY="x"``, ``password: x``,
  ``"password": "x"`` (also escaped, inside JSON in JSON), ``--password x``,
  ``Authorization: Basic x``, ``Password=x;`` and ``?sig=x&``;
- name/value pairs whose name is a secret's (``- name: DB_PASS`` / ``value: x``);
- tokens with a vendor's published shape, wherever they are (Slack, GitHub, GitLab, Stripe,
  SendGrid, Google, npm, PyPI, OpenAI, Anthropic, Vault, DigitalOcean, Databricks,
  Shopify, Square, Mailchimp, Telegram, JWTs, bearer tokens). The shapes follow
  detect-secrets' detectors (Yelp, Apache-2.0) and the vendors' documentation.
"""

from __future__ import annotations

import re
from typing import Final

from cloudscope.domain.secret_keys import is_secret_key

REDACTED: Final = "[REDACTED]"

_BLOCK: Final = re.compile(
    r"(-{4,5} ?BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?) ?-{4,5})(.*?)"
    r"(-{4,5} ?END \2 ?-{4,5}|\Z)", re.S)
_PUTTY: Final = re.compile(r"(Private-Lines: *\d+)(.*?)(Private-(?:MAC|Hash):[^\r\n]*|\Z)", re.S)
_BASE64_PEM: Final = "LS0tLS1CRUdJTi"  # base64 of "-----BEGIN"
_URL_PASSWORD: Final = re.compile(
    r"(://[^\s/?#@:'\"`<>\\]*:)([^\s'\"`<>\\]+)(?=@[^\s/?#@'\"`<>\\]+(?:[/?#\s'\"`<>\\]|$))")
# A name that may be a secret's (it holds a stem: is_secret_key decides), then a separator,
# then a value: quoted, escaped-quoted (JSON inside JSON), or bare up to the end of the line.
_STEM: Final = r"(?=[\w.-]*?(?i:pass|pwd|secret|token|cred|auth|cookie|key|sig|sas))"
_ASSIGNMENT: Final = re.compile(
    r"(?<![\w.\-/])(?P<flag>--?)?(?P<q>\\?[\"'`]?)" + _STEM + r"(?P<key>[A-Za-z_][\w.\-]*)(?P=q)"
    r"(?P<sep>(?(flag)[ \t]*=[ \t]*|[ \t]*(?:=>|=|:(?=[\s\"'`\\]|$))[ \t]*)|(?(flag)[ \t]+|(?!)))"
    r"(?P<value>\\[\"'](?:[^\"'\\]|\\[^\"'])*\\[\"']|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'"
    r"|`[^`\n]*`|[^\n\r\"'`\\,}\]]*)")
_NAME_VALUE: Final = re.compile(
    r"(?P<q>\\?[\"']?)(?:name|Name|key|Key|ParameterKey)(?P=q)[ \t]*[:=][ \t]*"
    r"(?P<q2>\\?[\"']?)(?P<name>[A-Za-z_][\w.\-]*)(?P=q2)[ \t]*,?\s*(?:-[ \t]+)?"
    r"(?P<q3>\\?[\"']?)(?:value|Value|ParameterValue)(?P=q3)[ \t]*[:=][ \t]*"
    r"(?P<value>\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\n\r,}\]]+)")
_TOKEN: Final = re.compile(
    r"(?<![\w-])(?:"
    r"xox[abposr]-[0-9A-Za-z-]{10,}"                        # Slack
    r"|gh[pousr]_[A-Za-z0-9_]{30,}|github_pat_[A-Za-z0-9_]{22,}"  # GitHub
    r"|gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|[rs]k_(?:live|test)_[0-9A-Za-z]{20,}"                 # Stripe
    r"|SG\.[\w-]{16,}\.[\w-]{16,}"                           # SendGrid
    r"|AIza[0-9A-Za-z_-]{35}|ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[0-9A-Za-z_-]{20,}"  # Google
    r"|npm_[A-Za-z0-9]{36}|pypi-AgE[A-Za-z0-9_-]{50,}"       # npm, PyPI
    r"|sk-(?:proj-|ant-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"  # OpenAI, Anthropic
    r"|hv[sbr]\.[A-Za-z0-9_-]{20,}"                          # HashiCorp Vault
    r"|do[por]_v1_[a-f0-9]{64}|dapi[a-f0-9]{32}(?:-\d)?"     # DigitalOcean, Databricks
    r"|shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}|sq0(?:csp|atp)-[0-9A-Za-z_-]{22,}"  # Shopify, Square
    r"|[0-9a-f]{32}-us\d{1,2}|\d{8,10}:[\w-]{35}"            # Mailchimp, Telegram
    r"|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"  # JSON web tokens
    r")(?![\w-])"
    r"|(?<=hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9/_+-]+"
    r"|(?<=[Bb]earer )[A-Za-z0-9._~+/-]{8,}=*(?![\w=-])")  # RFC 6750 token68
_SCHEMES: Final = re.compile(r"(?i)(?:basic|bearer|digest|token|negotiate|ntlm|aws4-hmac-sha256)"
                             r"\s+")
# A value that names where a secret is kept is not the secret: an ARN, a Key Vault or
# CloudFormation reference, a Secret Manager resource name, a ${VARIABLE}.
_REFERENCE: Final = re.compile(
    r"arn:aws[\w-]*:|@Microsoft\.KeyVault\(|\{\{resolve:|\$\{[\w.:-]+\}$|\$\([\w.:-]+\)$"
    r"|projects/[^/\s]+/secrets/|https://[\w-]+\.vault\.azure\.net/")
_BARE_END: Final = re.compile(r"[\s;&,)<>]")
_NOT_SECRETS: Final = frozenset({"", "true", "false", "null", "none", "[]", "{}", '""', "''"})


def is_reference(value: str) -> bool:
    """True when ``value`` names where a secret is kept rather than holding it."""
    return _REFERENCE.match(value) is not None


# Cheap tests first decide whether any detector can apply: most values (ids, names, times,
# ARNs) hold no separator followed by a secret's name and no long token, and these scans in
# C are far cheaper than the detectors (exports of large stores, #7).
_COLON_SEPARATOR: Final = re.compile(r":(?:[\s\"'`\\]|$)")
_STEMS: Final = re.compile(r"(?i)pass|pwd|secret|token|cred|auth|cookie|key|sig|sas")
# Every token shape above is a run of 20 or more word characters holding an upper-case
# letter or "_", or starts with one of these lower-case prefixes; AWS ids and GUIDs
# (lower-case hex) are not.
_TOKEN_RUN: Final = re.compile(
    r"(?<![\w-])(?=[\w-]{20})[\w-]*?[A-Z_]|xox|dapi|-us\d|gl[a-z]{2,5}-|ya29\.|hooks\.slack")


def _has_separator(text: str) -> bool:
    return "=" in text or "--" in text or (":" in text and
                                            _COLON_SEPARATOR.search(text) is not None)


def may_hold_secret(text: str) -> bool:
    """False when no detector of this module can find anything in ``text``."""
    if "-----" in text or "earer " in text or "Private-Lines" in text or (
            "@" in text and "://" in text):
        return True
    if _has_separator(text) and _STEMS.search(text) is not None:
        return True
    return len(text) >= 20 and _TOKEN_RUN.search(text) is not None


def redact_patterns(text: str) -> str:
    """``text`` with every detector of this module applied."""
    if "-----" in text:
        text = _BLOCK.sub(_block, text)
    if "Private-Lines" in text:
        text = _PUTTY.sub(_block, text)
    if text.startswith(_BASE64_PEM) and _is_base64_private_key(text):
        return REDACTED
    if "@" in text and "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED, text)
    if _has_separator(text) and _STEMS.search(text) is not None:
        text = _redact_assignments(text)
        if "alue" in text:
            text = _NAME_VALUE.sub(_name_value, text)
    if "earer " in text or _TOKEN_RUN.search(text) is not None:
        text = _TOKEN.sub(REDACTED, text)
    return text


def _block(match: re.Match[str]) -> str:
    # Keep the armour lines (with the body's own line breaks, literal "\n" in JSON too) so
    # that the result is still a well-formed block; add the END line a truncation lost.
    begin, body, end = match.group(1), match.group(match.re.groups - 1), match.group(match.re.groups)
    breaks = [(body.find(candidate), candidate) for candidate in ("\\r\\n", "\\n", "\r\n", "\n")
              if candidate in body]
    newline = min(breaks)[1] if breaks else " "
    if not end:
        end = f"-----END {match.group(2)}-----" if match.re is _BLOCK else "Private-MAC:"
    return f"{begin}{newline}{REDACTED}{newline}{end}"


def _is_base64_private_key(text: str) -> bool:
    import base64
    import binascii

    try:
        head = base64.b64decode(text[:120] + "=" * (-min(len(text), 120) % 4))
    except (binascii.Error, ValueError):
        return False
    return b"PRIVATE KEY" in head


def _redact_assignments(text: str) -> str:
    # A search loop rather than sub(): after a name that is not a secret's, scanning goes
    # on right after the name, so that its (bare, greedy) value can still hold one.
    parts: list[str] = []
    done = position = 0
    while (match := _ASSIGNMENT.search(text, position)) is not None:
        key = match.group("key")
        if not is_secret_key(key):
            position = match.end("key")
            continue
        start, end = _secret_span(match)
        if start == end:
            position = match.end()
            continue
        parts += (text[done:start], REDACTED)
        done = position = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _secret_span(match: re.Match[str]) -> tuple[int, int]:
    """Where the secret of an assignment is: inside its quotes; after an auth scheme; for
    ``=`` and flags up to the first space (``PASSWORD=x ./run.sh``); for a ``key:`` that
    starts a line (YAML, a header) the rest of the line; for a ``key:`` in the middle of a
    sentence its first word, unless that is a plain short word: prose such as
    ``default credentials: File ... was not found`` names no secret."""
    value = match.group("value")
    start = match.start("value")
    mid_line = False
    if value[:2] in ('\\"', "\\'"):
        start, value = start + 2, value[2:-2]
    elif value[:1] in "\"'`" and len(value) > 1:
        start, value = start + 1, value[1:-1]
    elif ":" not in match.group("sep") or match.group("flag") or (mid_line := _is_mid_line(match)):
        cut = _BARE_END.search(value, _scheme_end(value))
        value = value[:cut.start()] if cut else value
    else:
        value = value.split(" #", 1)[0].rstrip()
    if (scheme := _SCHEMES.match(value)) is not None:
        start, value = start + scheme.end(), value[scheme.end():]
    if value.lower() in _NOT_SECRETS or value.startswith((REDACTED, "{", "[")) \
            or is_reference(value) or (mid_line and value.isalpha() and len(value) < 12):
        return start, start
    return start, start + len(value)


def _scheme_end(value: str) -> int:
    scheme = _SCHEMES.match(value)
    return scheme.end() if scheme is not None else 0


def _is_mid_line(match: re.Match[str]) -> bool:
    """True when other words precede the key on its line (not YAML, not a header line)."""
    text, key_start = match.string, match.start()
    line_start = text.rfind("\n", 0, key_start) + 1
    return text[line_start:key_start].strip(" \t-#") != ""


def _name_value(match: re.Match[str]) -> str:
    if not is_secret_key(match.group("name")):
        return match.group(0)
    value = match.group("value")
    quote = '\\"' if value.startswith('\\"') else value[:1] if value[:1] in "\"'" else ""
    inner = value[len(quote):len(value) - len(quote)] if quote else value.rstrip()
    if inner.startswith(("[", "{")) or is_reference(inner):  # [REDACTED] already, or a list
        return match.group(0)
    return match.group(0)[:match.start("value") - match.start()] + quote + REDACTED + quote
