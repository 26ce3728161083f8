"""AWS resource policies (and trust policies), evaluated as AWS evaluates them for the
question "may anyone, from any account, do this?".

A statement is open when it allows any principal (``Principal: "*"``, ``{"AWS": "*"}``, or
an Allow with ``NotPrincipal``: everyone but those listed) without a Condition that pins
the caller to fixed accounts, organizations, ARNs or networks (the keys and the positive
operators S3 Block Public Access reads as "not public": ``aws:PrincipalOrgID``,
``aws:SourceArn``, ``aws:SourceVpce``, ``aws:SourceIp``... with values that are not
wildcards). A Deny for any principal takes an open grant back when it covers the grant's
actions and either has no Condition or one that excludes every caller outside fixed values
(``StringNotEquals aws:PrincipalOrgID``, ``NotIpAddress aws:SourceIp``): IAM evaluates
Deny before Allow. Not evaluated: service control policies, session policies, and
conditions on other keys (a grant conditioned only on ``aws:SecureTransport`` stays open).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from cloudscope.domain.wildcards import matches_any, strings

RESTRICTING_KEYS: Final = frozenset({
    "aws:principalaccount", "aws:principalarn", "aws:principalorgid", "aws:principalorgpaths",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:userid",
    "kms:calleraccount",
})
"""Condition keys that narrow who (or where from) as S3 Block Public Access reads them,
and KMS's ``kms:CallerAccount``."""
_POSITIVE_OPERATORS: Final = frozenset({
    "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
    "ipaddress",
})
_NEGATED_OPERATORS: Final = frozenset({
    "stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals",
    "arnnotlike", "notipaddress",
})
_WORLD_VALUES: Final = frozenset({"*", "0.0.0.0/0", "::/0"})


def statements(document: Any) -> Iterator[Mapping[str, Any]]:
    """The statements of a decoded policy document (one statement or a list)."""
    found = document.get("Statement") if isinstance(document, Mapping) else None
    for statement in [found] if isinstance(found, Mapping) else found or []:
        if isinstance(statement, Mapping):
            yield statement


def effect(statement: Mapping[str, Any]) -> str:
    """``allow`` or ``deny`` (lower case)."""
    return str(statement.get("Effect", "")).lower()


def covers_action(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's ``Action`` (or ``NotAction``) covers ``action``, with IAM's
    wildcards and without regard to case; ``action`` may itself be a pattern
    (``sqs:*``), read literally."""
    if "Action" in statement:
        return matches_any(strings(statement["Action"]), action)
    if "NotAction" in statement:
        return not matches_any(strings(statement["NotAction"]), action)
    return False


def any_principal(statement: Mapping[str, Any]) -> bool:
    """Whether the statement names every principal: ``"*"``, ``{"AWS": "*"}`` or, in an
    Allow, ``NotPrincipal`` (everyone but the listed)."""
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, Mapping) and "*" in strings(principal.get("AWS")):
        return True
    return "NotPrincipal" in statement and effect(statement) == "allow"


def _fixed_tests(condition: Any, operators: frozenset[str]) -> Iterator[str]:
    """The restricting keys tested with one of ``operators`` against fixed values."""
    if not isinstance(condition, Mapping):
        return
    for operator, tests in condition.items():
        name = str(operator).lower().removeprefix("foranyvalue:").removeprefix("forallvalues:")
        if name not in operators or not isinstance(tests, Mapping):
            continue
        for key, values in tests.items():
            fixed = [value for value in strings(values) if value not in _WORLD_VALUES]
            if str(key).lower() in RESTRICTING_KEYS and fixed:
                yield str(key)


def restricting_condition(condition: Any) -> bool:
    """True when a Condition pins the caller to fixed accounts, organizations, ARNs or
    networks (positive operators, not ``...IfExists``, no ``*`` or world-wide value)."""
    return any(True for _ in _fixed_tests(condition, _POSITIVE_OPERATORS))


def excluding_condition(condition: Any) -> bool:
    """True when a Deny's Condition applies to every caller outside fixed values
    (``StringNotEquals aws:PrincipalOrgID``, ``NotIpAddress aws:SourceIp``)."""
    return any(True for _ in _fixed_tests(condition, _NEGATED_OPERATORS))


def _actions(statement: Mapping[str, Any]) -> list[str]:
    return strings(statement["Action"]) if "Action" in statement else ["*"]


def open_statements(document: Any, actions: Iterable[str] | None = None) -> list[int]:
    """Indexes of the statements of ``document`` that let anyone act (on ``actions`` when
    given, else on anything), as the module documentation says; none when a Deny for
    everyone takes each of them back."""
    probes = list(actions) if actions is not None else None
    every = list(statements(document))
    denials = [statement for statement in every
               if effect(statement) == "deny" and any_principal(statement)
               and (not statement.get("Condition")
                    or excluding_condition(statement.get("Condition")))]
    found = []
    for index, statement in enumerate(every):
        if effect(statement) != "allow" or not any_principal(statement):
            continue
        granted = [action for action in probes if covers_action(statement, action)] \
            if probes is not None else _actions(statement)
        if not granted or restricting_condition(statement.get("Condition")):
            continue
        if all(any(covers_action(denial, action) for denial in denials) for action in granted):
            continue
        found.append(index)
    return found
