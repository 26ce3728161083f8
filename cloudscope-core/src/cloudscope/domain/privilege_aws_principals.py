"""Who is an administrator in AWS: each principal's whole policy set, joined from the stream.

A role, user or group carries its inline policies (``RolePolicyList``, ``UserPolicyList``,
``GroupPolicyList``) and the ARNs of its attached managed policies (``AttachedPolicies``,
and ``HAS_POLICY`` edges); a user names its groups (``GroupList``, ``MEMBER_OF`` edges).
Customer-managed policies carry their default version's document (``PolicyVersion``).
Each document is reduced to :class:`Grants` as it streams (a few probe names), so the index
holds a small summary per principal and policy, never the documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from typing import Final

from cloudscope.domain.asset import Asset
from cloudscope.domain.privilege_aws import (
    KNOWN_AWS_MANAGED,
    NO_GRANTS,
    Grants,
    Verdict,
    aws_managed_name,
    grants_of,
    judge,
    partition_of,
)
from cloudscope.domain.relationship import HAS_POLICY, MEMBER_OF, Relationship

POLICY: Final = "aws:iam:policy"
PRINCIPAL_TYPES: Final = {"aws:iam:role": ("role", "RolePolicyList"),
                          "aws:iam:user": ("user", "UserPolicyList"),
                          "aws:iam:group": ("group", "GroupPolicyList")}
"""Principal asset type -> (kind, the authorization-details list of its inline policies)."""


def inline_grants(asset: Asset) -> tuple[Grants, list[str]]:
    """A principal's inline policies together, and the names of those that matter."""
    _, key = PRINCIPAL_TYPES[asset.asset_type]
    partition = partition_of(asset.id)
    total, names = NO_GRANTS, list[str]()
    for policy in asset.properties.get(key) or []:
        if not isinstance(policy, dict):
            continue
        grants = grants_of(policy.get("PolicyDocument"), partition)
        if grants:
            total, names = total | grants, [*names, str(policy.get("PolicyName") or "?")]
    return total, names


@dataclass(slots=True)
class _Principal:
    kind: str
    name: str
    account: str
    inline: Grants = NO_GRANTS
    inline_names: list[str] = field(default_factory=list)
    attached: set[str] = field(default_factory=set)
    group_names: set[str] = field(default_factory=set)
    group_ids: set[str] = field(default_factory=set)
    observed: bool = False


@dataclass(frozen=True, slots=True)
class AwsAdmin:
    """A principal's administrative verdict, what grants it, and the path tail (the one
    attached policy that grants it alone, when there is one)."""

    verdict: Verdict
    granted_by: list[str]
    tail: list[str]
    principal: str

    @property
    def note(self) -> str:
        """One line for a finding's detail."""
        condition = " (under a Condition)" if self.verdict.conditional else ""
        return f"{self.principal} {self.verdict.reason}{condition}: " \
               f"granted by {', '.join(self.granted_by)}"


def _arn_kind(arn: str) -> tuple[str, str, str]:
    """(kind, name, account) read from a principal ARN."""
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 else arn
    kind, _, name = resource.partition("/")
    return kind, name.rsplit("/", 1)[-1], parts[4] if len(parts) == 6 else ""


class AwsPrincipals:
    """Policy sets of AWS principals, observed as assets and edges stream."""

    def __init__(self) -> None:
        self.policies: dict[str, Grants] = {}
        self.principals: dict[str, _Principal] = {}
        self._groups: dict[tuple[str, str], str] = {}

    def _principal(self, arn: str) -> _Principal:
        found = self.principals.get(arn)
        if found is None:
            kind, name, account = _arn_kind(arn)
            found = self.principals[arn] = _Principal(kind, name, account)
        return found

    def observe(self, asset: Asset) -> None:
        """Keep a policy's grants, or a principal's inline grants and attachments."""
        properties = asset.properties
        if asset.asset_type == POLICY:
            document = (properties.get("PolicyVersion") or {}).get("Document")
            grants = grants_of(document, partition_of(asset.id))
            if grants:
                self.policies[asset.id] = grants
            return
        if asset.asset_type not in PRINCIPAL_TYPES:
            return
        principal = self._principal(asset.id)
        principal.kind, principal.observed = PRINCIPAL_TYPES[asset.asset_type][0], True
        principal.name = asset.name or principal.name
        principal.inline, principal.inline_names = inline_grants(asset)
        principal.attached.update(str(p["PolicyArn"]) for p in properties.get("AttachedPolicies")
                                  or [] if isinstance(p, dict) and p.get("PolicyArn"))
        principal.group_names.update(str(g) for g in properties.get("GroupList") or [])
        if principal.kind == "group":
            self._groups[(asset.account or principal.account, principal.name)] = asset.id

    def observe_relationship(self, relationship: Relationship) -> None:
        """``HAS_POLICY`` adds an attached policy, ``MEMBER_OF`` a group."""
        if not relationship.source_id.startswith("arn:"):
            return
        if relationship.type == HAS_POLICY:
            self._principal(relationship.source_id).attached.add(relationship.target_id)
        elif relationship.type == MEMBER_OF:
            self._principal(relationship.source_id).group_ids.add(relationship.target_id)

    def policy_grants(self, arn: str) -> Grants:
        """A managed policy's grants: its collected document, else a known AWS-managed one."""
        grants = self.policies.get(arn)
        if grants is not None:
            return grants
        name = aws_managed_name(arn)
        if name is not None and name in KNOWN_AWS_MANAGED:
            return grants_of(KNOWN_AWS_MANAGED[name], partition_of(arn))
        return NO_GRANTS  # a policy that was not collected is not evaluated

    def _sources(self, arn: str, principal: _Principal) -> Iterable[tuple[str, Grants, bool]]:
        """(label, grants, is an attached policy ARN) of the principal's policy set."""
        for policy in sorted(principal.attached):
            yield policy, self.policy_grants(policy), True
        if principal.inline:
            yield (f"inline {'policies' if len(principal.inline_names) > 1 else 'policy'} "
                   f"{', '.join(principal.inline_names)}", principal.inline, False)
        if principal.kind != "user":
            return
        groups = set(principal.group_ids)
        groups.update(g for name in principal.group_names
                      if (g := self._groups.get((principal.account, name))))
        for group_id in sorted(groups):
            group = self.principals.get(group_id)
            if group is None:
                continue
            for label, grants, _ in self._sources(group_id, group):
                yield f"group {group.name}: {label}", grants, False

    def admin(self, arn: str) -> AwsAdmin | None:
        """The principal's verdict over its whole policy set, or None."""
        principal = self.principals.get(arn)
        if principal is None:
            return None
        sources = [s for s in self._sources(arn, principal) if s[1]]
        total = reduce(lambda a, b: a | b, (grants for _, grants, _ in sources), NO_GRANTS)
        verdict = judge(total)
        if verdict is None:
            return None
        # The single policy that grants it alone (under the set's denies) ends the path.
        alone = [(label, is_policy) for label, grants, is_policy in sources
                 if (v := judge(grants.under(total.denied))) and v.level == verdict.level]
        granted_by = [label for label, _ in alone] or [label for label, _, _ in sources]
        tail = [alone[0][0]] if len(alone) == 1 and alone[0][1] else []
        return AwsAdmin(verdict, granted_by, tail, f"{principal.kind} {principal.name}")

    def observed(self) -> list[str]:
        """The ARNs of the principals seen as assets (not only named by an edge)."""
        return sorted(arn for arn, principal in self.principals.items() if principal.observed)

