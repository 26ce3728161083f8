"""AWS policy documents, evaluated as IAM evaluates them for the question CloudScope asks:
can the holder of this set of policies do anything in the account, or make itself able to?

A policy set (a principal's inline policies, its attached managed policies and, for a user,
its groups') is probed with a fixed list of actions on every resource of the account:

- ``Action`` and ``NotAction`` with IAM's wildcards (``*``, ``?``), action names compared
  without regard to case; ``NotAction`` covers every action it does not list;
- a statement counts when it covers every resource (``Resource: "*"``, an ARN pattern that
  matches every ARN, or ``NotResource``): an Allow of ``*`` on one bucket is no account admin;
- an explicit Deny without a Condition anywhere in the set beats every Allow of the same
  action; a Deny with a Condition holds only sometimes, so it does not cancel the grant;
- an Allow with a Condition counts, and the verdict says it is conditional.

Verdicts, most severe first: ``full`` (every probed action, a service AWS adds tomorrow
included), ``grant`` (an IAM write that lets the holder give itself any permission),
``pass-role`` (``iam:PassRole`` on every role with an action that starts compute, which
then runs as any role). Not evaluated: service control policies, permission boundaries,
session policies, resource policies, and the values of conditions (docs/privilege.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from cloudscope.domain.resource_policy import covers_action, effect, open_statements
from cloudscope.domain.wildcards import matches, strings

FUTURE_ACTION: Final = "zzz-any-future-service:AnyAction"
"""Covered only by wildcards that cover every service: ``*``, ``*:*``, a ``NotAction``."""
FULL_PROBES: Final = frozenset({
    "iam:CreateUser", "iam:PutRolePolicy", "sts:AssumeRole", "ec2:RunInstances",
    "ec2:DeleteVpc", "s3:GetObject", "s3:PutBucketPolicy", "kms:Decrypt",
    "lambda:UpdateFunctionCode", "organizations:LeaveOrganization", "cloudtrail:StopLogging",
    "secretsmanager:GetSecretValue", "rds:DeleteDBInstance", FUTURE_ACTION,
})
"""Allowed all together on every resource: the holder can do anything."""
GRANT_ACTIONS: Final = frozenset({
    "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
    "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy",
})
"""Any one on every resource lets the holder grant itself (or a role it can use) anything."""
PASS_ROLE: Final = "iam:PassRole"
COMPUTE_ACTIONS: Final = frozenset({
    "ec2:RunInstances", "lambda:CreateFunction", "ecs:RunTask", "cloudformation:CreateStack",
    "glue:CreateDevEndpoint", "sagemaker:CreateNotebookInstance", "codebuild:CreateProject",
})
"""With ``iam:PassRole`` on every role: start compute that runs as any role."""
PROBES: Final = FULL_PROBES | GRANT_ACTIONS | COMPUTE_ACTIONS | {PASS_ROLE}

_SAMPLE_RESOURCES: Final = (
    "arn:{p}:iam::123456789012:role/any-role", "arn:{p}:s3:::any-bucket/any-key",
    "arn:{p}:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
    "arn:{p}:kms:eu-west-1:123456789012:key/0000-1111",
)
"""A pattern matching all of these (in the policy's partition) covers every resource."""
_AWS_MANAGED: Final = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::aws:policy/(?:[^/]+/)*([^/]+)$")

KNOWN_AWS_MANAGED: Final[Mapping[str, dict[str, Any]]] = {
    "AdministratorAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "IAMFullAccess": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "organizations:DescribeAccount",
                                       "organizations:DescribeOrganization",
                                       "organizations:ListRoots"], "Resource": "*"}]},
}
"""The AWS-managed policies whose documents CloudScope knows without collecting them
(the collector lists customer-managed policies only), recognised only by their AWS-managed
ARN in any partition: a customer policy named ``AdministratorAccess`` is judged by its own
document. The IAMFullAccess excerpt keeps the statement that matters (``iam:*``)."""


def aws_managed_name(arn: Any) -> str | None:
    """The name of an AWS-managed policy ARN (``arn:aws-cn:iam::aws:policy/X`` -> ``X``)."""
    match = _AWS_MANAGED.match(arn) if isinstance(arn, str) else None
    return match.group(1) if match else None


def is_aws_managed_admin(arn: Any) -> bool:
    """True for ``AdministratorAccess`` by its AWS-managed ARN, in any partition."""
    return aws_managed_name(arn) == "AdministratorAccess"


def partition_of(arn: str) -> str:
    """The partition field of an ARN (``aws`` when it is none)."""
    parts = arn.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "arn" and parts[1] else "aws"


def decode_document(document: Any) -> Any:
    """A policy document as JSON data: IAM returns it URL-encoded, SDKs and files decoded."""
    if not isinstance(document, str):
        return document
    for text in (document, unquote(document)):
        try:
            return json.loads(text)
        except ValueError:
            continue
    return None


def statements(document: Any) -> Iterator[Mapping[str, Any]]:
    """The statements of a policy document (one statement or a list)."""
    document = decode_document(document)
    found = document.get("Statement") if isinstance(document, Mapping) else None
    for statement in [found] if isinstance(found, Mapping) else found or []:
        if isinstance(statement, Mapping):
            yield statement


def covers_every_resource(statement: Mapping[str, Any], partition: str = "aws") -> bool:
    """True when the statement applies to every resource of the account."""
    if "NotResource" in statement:  # everything but what it lists
        return "*" not in strings(statement["NotResource"])
    samples = [sample.format(p=partition) for sample in _SAMPLE_RESOURCES]
    return any(all(matches(pattern, sample, fold=False) for sample in samples)
               for pattern in strings(statement.get("Resource")))


@dataclass(frozen=True, slots=True)
class Grants:
    """What a set of statements allows and denies on every resource, among the probes.

    ``conditional``: probes allowed only by statements with a Condition.
    """

    allowed: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()
    conditional: frozenset[str] = frozenset()

    def __or__(self, other: Grants) -> Grants:
        return Grants(self.allowed | other.allowed, self.denied | other.denied,
                      self.conditional | other.conditional)

    def __bool__(self) -> bool:
        return bool(self.allowed or self.denied)

    @property
    def effective(self) -> frozenset[str]:
        """The probes allowed and not explicitly denied."""
        return self.allowed - self.denied

    def under(self, denied: frozenset[str]) -> Grants:
        """These allows under another set's denies (a policy judged inside its set)."""
        return Grants(self.allowed, self.denied | denied, self.conditional)


NO_GRANTS: Final = Grants()


def grants_of(document: Any, partition: str = "aws") -> Grants:
    """The probes a policy document allows and denies on every resource."""
    allowed: set[str] = set()
    denied: set[str] = set()
    conditional: set[str] = set()
    unconditional: set[str] = set()
    for statement in statements(document):
        kind = effect(statement)
        if kind not in ("allow", "deny") or not covers_every_resource(statement, partition):
            continue
        covered = {probe for probe in PROBES if covers_action(statement, probe)}
        if kind == "allow":
            allowed |= covered
            (conditional if statement.get("Condition") else unconditional).update(covered)
        elif not statement.get("Condition"):  # a conditional Deny holds only sometimes
            denied |= covered
    if not allowed and not denied:
        return NO_GRANTS
    return Grants(frozenset(allowed), frozenset(denied), frozenset(conditional - unconditional))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a policy set is administrative: ``level`` is ``full``, ``grant`` or ``pass-role``."""

    level: str
    reason: str
    conditional: bool = False


LEVELS: Final = ("full", "grant", "pass-role")


def judge(grants: Grants) -> Verdict | None:
    """The most severe administrative verdict a policy set earns, or None."""
    effective = grants.effective
    if effective >= FULL_PROBES:
        return Verdict("full", "allows every action on every resource",
                       bool(FULL_PROBES & grants.conditional))
    grant = sorted(GRANT_ACTIONS & effective)
    if grant:
        return Verdict("grant", f"allows {grant[0]} on every resource, so it can grant itself "
                                "any permission", grant[0] in grants.conditional)
    compute = sorted(COMPUTE_ACTIONS & effective)
    if PASS_ROLE in effective and compute:
        return Verdict("pass-role", f"allows {PASS_ROLE} and {compute[0]} on every resource, "
                                    "so it can start compute that runs as any role",
                       bool({PASS_ROLE, compute[0]} & grants.conditional))
    return None


def judge_document(document: Any, partition: str = "aws") -> Verdict | None:
    """The verdict on one policy document alone."""
    return judge(grants_of(document, partition))


# Trust policies -------------------------------------------------------------------------
_ASSUME_ACTIONS: Final = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity",
                          "sts:AssumeRoleWithSAML")


def open_trust_statements(document: Any) -> list[int]:
    """Indexes of the trust-policy statements that let any AWS principal assume the role
    (``Principal: "*"`` or ``{"AWS": "*"}``, no restricting Condition); none when a Deny
    for any principal takes it back (resource_policy.py says how)."""
    return open_statements(decode_document(document), _ASSUME_ACTIONS)
