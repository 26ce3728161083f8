"""Identity rules: who holds administrative rights, and who may become a principal.

The evaluation lives in the domain (``privilege_aws``, ``privilege_aws_principals``,
``privilege_azure``, ``privilege_gcp``; docs/privilege.md); these classes give it the Rule
interface. The exposure rule (``baseline.InternetToAdminExposure``) uses the same
evaluation, so a principal is administrative for both or for neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cloudscope.domain.asset import Asset
from cloudscope.domain.finding import Finding, Severity
from cloudscope.domain.privilege_aws import judge, open_trust_statements, statements
from cloudscope.domain.privilege_aws_principals import (
    POLICY,
    PRINCIPAL_TYPES,
    AwsPrincipals,
    inline_grants,
)
from cloudscope.domain.privilege_azure import ROLE_DEFINITION, definition_power, is_custom_role
from cloudscope.domain.privilege_gcp import CUSTOM_ROLE, custom_role_power, role_name
from cloudscope.domain.relationship import HAS_POLICY, MEMBER_OF, Relationship
from cloudscope.ports.rule import AssetRule, RiskRule, RuleGraph


class AwsRoleTrustAnyPrincipal(AssetRule):
    """A role whose trust policy lets any AWS principal assume it."""

    rule_id = "aws.iam.role-trust-any-principal"
    title = "IAM role can be assumed by any AWS principal"
    severity = Severity.CRITICAL
    remediation = ("Name the accounts or roles allowed to assume the role in the trust "
                   "policy, or add a Condition on aws:PrincipalOrgID or aws:PrincipalAccount.")
    asset_types = frozenset({"aws:iam:role"})

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding listing the open statements (``Principal: "*"`` or ``{"AWS": "*"}``
        allowing sts:AssumeRole without a Condition that pins the caller)."""
        document = asset.properties.get("AssumeRolePolicyDocument")
        found = open_trust_statements(document)
        if not found:
            return ()
        every = list(statements(document))
        return (self.finding(asset.id, detail="the trust policy allows Principal * to assume "
                                              "the role without a restricting Condition",
                             evidence={"statements": [every[i] for i in found]}),)


class AwsInlinePolicyAdmin(AssetRule):
    """Inline policies of a user, role or group that grant administrative rights."""

    rule_id = "aws.iam.inline-policy-admin"
    title = "Inline IAM policy grants administrative rights"
    severity = Severity.HIGH
    remediation = ("Replace the inline policy with managed policies scoped to the duties of "
                   "the principal.")
    references = ("CIS AWS 1.16",)
    asset_types = frozenset(PRINCIPAL_TYPES)

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding when the principal's inline policies, together, are administrative."""
        grants, names = inline_grants(asset)
        verdict = judge(grants)
        if verdict is None:
            return ()
        return (self.finding(asset.id, detail=f"inline {', '.join(names)}: {verdict.reason}",
                             evidence={"policies": names, "level": verdict.level,
                                       "reason": verdict.reason,
                                       "conditional": verdict.conditional}),)


class AwsPrincipalAdmin(RiskRule):
    """Users, roles and groups whose whole policy set is administrative (who the admins are)."""

    rule_id = "aws.iam.principal-admin"
    title = "IAM principal holds administrative rights"
    severity = Severity.INFO
    remediation = ("Keep administrators few, prefer roles assumed with MFA to users, and "
                   "review that each still needs the rights.")
    references = ("CIS AWS 1.16",)
    asset_types = frozenset({POLICY, *PRINCIPAL_TYPES})
    relationship_types = frozenset({HAS_POLICY, MEMBER_OF})

    def __init__(self) -> None:
        self.principals = AwsPrincipals()

    def observe(self, asset: Asset) -> Iterable[Finding]:
        """Summarise the asset's grants and attachments."""
        self.principals.observe(asset)
        return ()

    def observe_relationship(self, relationship: Relationship) -> None:
        """Attachments and memberships written as edges."""
        self.principals.observe_relationship(relationship)

    def conclude(self, graph: RuleGraph) -> Iterator[Finding]:
        """A finding per administrative principal, naming what grants it."""
        for arn in self.principals.observed():
            admin = self.principals.admin(arn)
            if admin is not None:
                yield self.finding(arn, detail=admin.note, evidence={
                    "level": admin.verdict.level, "reason": admin.verdict.reason,
                    "granted_by": admin.granted_by, "conditional": admin.verdict.conditional})


class AzureCustomAdminRole(AssetRule):
    """A custom role definition with administrative permissions."""

    rule_id = "azure.authorization.custom-admin-role"
    title = "Custom role definition grants administrative rights"
    severity = Severity.MEDIUM
    remediation = ("Use the built-in roles for administrators, and limit custom roles to the "
                   "actions a duty needs.")
    references = ("CIS Azure 1.23",)
    asset_types = frozenset({ROLE_DEFINITION})

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding when a CustomRole allows every action or role assignments."""
        power = definition_power(asset) if is_custom_role(asset) else None
        if power is None:
            return ()
        body = asset.properties.get("properties") or {}
        return (self.finding(asset.id, detail=power, evidence={
            "reason": power, "assignableScopes": body.get("assignableScopes") or []}),)


class GcpCustomRolePrivileged(AssetRule):
    """A custom role holding permissions that grant roles or act as service accounts."""

    rule_id = "gcp.iam.custom-role-privileged"
    title = "Custom IAM role can grant roles or act as service accounts"
    severity = Severity.MEDIUM
    remediation = ("Remove setIamPolicy, service-account impersonation and admin permissions "
                   "from the role, or grant them through a reviewed predefined role.")
    asset_types = frozenset({CUSTOM_ROLE})

    def check(self, asset: Asset) -> Iterable[Finding]:
        """A finding naming the permission that makes the role privileged."""
        power = custom_role_power(asset.properties.get("includedPermissions"))
        if power is None:
            return ()
        return (self.finding(asset.id, detail=f"{role_name(asset)} {power}",
                             evidence={"reason": power}),)


IDENTITY_RULES: tuple[type[RiskRule], ...] = (
    AwsRoleTrustAnyPrincipal, AwsInlinePolicyAdmin, AwsPrincipalAdmin, AzureCustomAdminRole,
    GcpCustomRolePrivileged,
)
"""The identity rules, registered by ``rule_id`` with ``module:Class`` factories."""
