"""AWS resource policies evaluated as AWS does: who is "anyone", which conditions pin the
caller, and which denials take an open grant back (domain/resource_policy.py, the rules'
``allows_anyone`` operator)."""

from __future__ import annotations

from typing import Any

import pytest
from cloudscope.domain.resource_policy import open_statements
from cloudscope.domain.rule_operators import OPERATORS

ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}


def allow(principal: Any = "*", action: Any = "sqs:SendMessage", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*",
            **extra}


def deny(action: Any = "*", principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": "*", **extra}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(("policy", "open_"), [
    (doc(allow()), True),
    (doc(allow({"AWS": "*"})), True),
    (doc(allow({"AWS": ["arn:aws:iam::111122223333:root", "*"]})), True),
    (doc({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
          "Action": "sqs:*", "Resource": "*"}), True),
    (doc(allow({"AWS": "arn:aws:iam::111122223333:root"})), False),
    (doc(allow({"Service": "events.amazonaws.com"})), False),
    (doc(allow(Condition=ORG)), False),
    (doc(allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:t"}})), False),
    (doc(allow(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})), False),
    (doc(allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})), False),
    (doc(allow(Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}})), False),
    (doc(allow(Condition={"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": ["o-1/r-1/"]}})),
     False),
    (doc(allow(Condition={"Bool": {"aws:SecureTransport": "true"}})), True),
    (doc(allow(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})), True),
    (doc(allow(Condition={"StringLike": {"aws:PrincipalOrgID": "*"}})), True),
    (doc(allow(Condition={"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}})), True),
    (doc(allow({"AWS": "*"}), deny()), False),
    (doc(allow(action="sqs:*"), deny("sqs:*")), False),
    (doc(allow(action=["sqs:SendMessage", "sqs:ReceiveMessage"]), deny("sqs:SendMessage")), True),
    (doc(allow(), deny(Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
     False),
    (doc(allow(), deny(Condition={"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})), False),
    (doc(allow(), deny(Condition={"Bool": {"aws:SecureTransport": "false"}})), True),
    (doc(allow(), deny(principal={"AWS": "arn:aws:iam::111122223333:root"})), True),
    (doc({**allow(), "Effect": "allow"}), True),
    ({"Statement": allow()}, True),
    ({}, False),
])
def test_a_policy_is_open_when_anyone_may_act_and_nothing_takes_it_back(
        policy: dict[str, Any], open_: bool) -> None:
    """Principal "*" (or AWS "*", or an Allow's NotPrincipal) without a condition pinning the
    caller's organization, account, ARN or network is open, unless a Deny for everyone
    covers the grant unconditionally or for every caller outside fixed values."""
    assert bool(open_statements(policy)) is open_


def test_probed_actions_limit_the_question() -> None:
    """Asked about some actions, only statements granting them count."""
    policy = doc(allow(action="sts:TagSession"))
    assert open_statements(policy, ["sts:AssumeRole"]) == []
    assert open_statements(policy) == [0]


def test_the_rule_operator_reads_documents_and_their_json_text() -> None:
    """allows_anyone takes a decoded document or its JSON text; anything else is not open."""
    allows_anyone = OPERATORS["allows_anyone"]
    assert allows_anyone(doc(allow()), None)
    assert allows_anyone('{"Statement": [{"Effect": "Allow", "Principal": "*", '
                         '"Action": "*"}]}', None)
    assert not allows_anyone("not json", None)
    assert not allows_anyone(["*"], None)
