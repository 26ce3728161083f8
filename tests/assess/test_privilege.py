"""Privilege as each cloud evaluates it (docs/privilege.md): AWS policy sets, Azure role
definitions at an assignment's scope, GCP roles and VM access scopes. Each case is a
document or an estate and the verdict the cloud would give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cloudscope.api import Asset, Finding, Relationship
from cloudscope.domain.privilege_aws import (
    aws_managed_name,
    grants_of,
    is_aws_managed_admin,
    judge,
    judge_document,
    open_trust_statements,
)
from cloudscope.domain.privilege_aws_principals import AwsPrincipals
from cloudscope.domain.privilege_azure import AzureRoles, assignment_scope, role_power
from cloudscope.domain.privilege_gcp import GcpBindings, custom_role_power, usable_accounts

ACCOUNT = "arn:aws:iam::123456789012:"


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def level(document: Any) -> str | None:
    verdict = judge_document(document)
    return verdict.level if verdict else None


# AWS: one document -------------------------------------------------------------------
@pytest.mark.parametrize(("document", "expected"), [
    (doc(allow("*")), "full"),
    (doc(allow("*:*")), "full"),
    (doc(allow(["s3:*", "ec2:*", "iam:*", "sts:*", "kms:*", "lambda:*"])), "grant"),
    (doc(allow("IAM:PUT*POLICY")), "grant"),
    (doc(allow("iam:*")), "grant"),
    (doc(allow("iam:CreatePolicyVersion")), "grant"),
    (doc(allow(["iam:PassRole", "ec2:RunInstances"])), "pass-role"),
    (doc(allow("iam:PassRole"), allow("lambda:CreateFunction")), "pass-role"),
    (doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}), "grant"),
    (doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
          "Resource": "*"}), None),
    (doc(allow("s3:*")), None),
    (doc(allow(["iam:Get*", "iam:List*"])), None),
    (doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/app"), allow("ec2:RunInstances")),
     None),
    (doc(allow("ec2:RunInstances")), None),
    (doc(allow("*", "arn:aws:s3:::logs/*")), None),
    (doc(allow("*", ["arn:aws:s3:::logs", "arn:aws:*:*:*:*"])), "full"),
    (doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}), "full"),
    (doc(allow("*"), deny("*")), None),
    (doc(allow("*"), deny("iam:*")), None),
    (doc(allow("*"), deny("*", "arn:aws:s3:::logs/*")), "full"),
    (doc(allow("*"), deny("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})),
     "full"),
    (doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}), None),
    ({"Statement": allow("*")}, "full"),
    ('{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}', "full"),
    ("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C"
     "%22Resource%22%3A%22%2A%22%7D%5D%7D", "full"),
    ("not json", None),
    (None, None),
], ids=lambda value: None)
def test_a_policy_document_is_judged_as_iam_evaluates_it(document: Any,
                                                          expected: str | None) -> None:
    """Wildcards match case-insensitively, NotAction covers what it does not list, only
    statements on every resource count, and an unconditional Deny beats the Allow."""
    assert level(document) == expected


def test_a_conditional_allow_counts_and_is_marked_conditional() -> None:
    """An Allow under a Condition grants whenever the condition holds: admin, conditional."""
    verdict = judge_document(doc(allow("*", Condition={"IpAddress": {
        "aws:SourceIp": "203.0.113.0/24"}})))
    assert verdict is not None and (verdict.level, verdict.conditional) == ("full", True)


def test_resource_patterns_are_read_in_the_policy_partition() -> None:
    """``arn:aws-cn:*`` covers every resource of the China partition, not of ``aws``."""
    document = doc(allow("*", "arn:aws-cn:*"))
    assert judge(grants_of(document, "aws-cn")) is not None
    assert judge(grants_of(document, "aws")) is None


@pytest.mark.parametrize(("arn", "name"), [
    ("arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
    ("arn:aws-cn:iam::aws:policy/AdministratorAccess", "AdministratorAccess"),
    ("arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess", "ViewOnlyAccess"),
    ("arn:aws:iam::123456789012:policy/AdministratorAccess", None),
    ("arn:aws:iam::aws:policy/AdministratorAccessX", "AdministratorAccessX"),
    (None, None),
])
def test_aws_managed_policies_are_known_by_their_aws_managed_arn(arn: Any, name: str | None) -> None:
    """Only ``arn:PARTITION:iam::aws:policy/...`` is AWS-managed; a customer policy named
    AdministratorAccess is not AWS's."""
    assert aws_managed_name(arn) == name
    assert is_aws_managed_admin(arn) is (name == "AdministratorAccess")


# AWS: trust policies ------------------------------------------------------------------
def trust(principal: Any, condition: dict[str, Any] | None = None, effect: str = "Allow",
          action: Any = "sts:AssumeRole") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.mark.parametrize(("statements", "open_"), [
    ([trust("*")], True),
    ([trust({"AWS": "*"})], True),
    ([trust({"AWS": ["arn:aws:iam::111122223333:root", "*"]})], True),
    ([trust("*", action="sts:*")], True),
    ([trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})], False),
    ([trust("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}})], False),
    ([trust("*", {"StringLike": {"aws:PrincipalAccount": "*"}})], True),
    ([trust("*", {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}})], True),
    ([trust("*", {"StringEquals": {"sts:ExternalId": "shared-secret"}})], True),
    ([trust("*", {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})], True),
    ([trust({"AWS": "arn:aws:iam::111122223333:root"})], False),
    ([trust({"Service": "ec2.amazonaws.com"})], False),
    ([trust("*"), trust("*", effect="Deny")], False),
    ([trust("*", action="sts:TagSession")], False),
])
def test_trust_policy_open_to_any_principal(statements: list[dict[str, Any]], open_: bool) -> None:
    """Principal * (or AWS *) may assume the role unless a positive Condition pins the
    caller's account, organization, ARN or network, or an unconditional Deny stops it."""
    assert bool(open_trust_statements(doc(*statements))) is open_


# AWS: a principal's whole policy set --------------------------------------------------
def iam_asset(make_asset: Callable[..., Asset], kind: str, name: str, **properties: Any) -> Asset:
    return make_asset(f"{ACCOUNT}{kind}/{name}", f"aws:iam:{kind}", properties, name=name,
                      region=None)


def inline(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyDocument": document}


def attached(*arns: str) -> list[dict[str, str]]:
    return [{"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in arns]


@pytest.fixture
def principals(make_asset: Callable[..., Asset]) -> Callable[..., AwsPrincipals]:
    """An index fed with ``(kind, name, properties)`` principals and customer policies."""

    def build(*entries: tuple[str, str, dict[str, Any]],
              edges: tuple[Relationship, ...] = ()) -> AwsPrincipals:
        index = AwsPrincipals()
        for kind, name, properties in entries:
            index.observe(iam_asset(make_asset, kind, name, **properties))
        for relationship in edges:
            index.observe_relationship(relationship)
        return index

    return build


EVERYTHING = ("policy", "everything", {"PolicyVersion": {"Document": doc(allow("*"))}})


def test_a_deny_in_an_inline_policy_beats_an_attached_allow(principals: Callable[..., AwsPrincipals]) -> None:
    """Allow * from an attached customer policy and Deny * inline: not an administrator."""
    index = principals(EVERYTHING, ("role", "app", {
        "AttachedPolicies": attached(f"{ACCOUNT}policy/everything"),
        "RolePolicyList": [inline("guard", doc(deny("*")))]}))
    assert index.admin(f"{ACCOUNT}role/app") is None


def test_the_single_attached_policy_that_grants_admin_ends_the_path(
        principals: Callable[..., AwsPrincipals]) -> None:
    """One attached policy granting admin alone is the path's tail; the known AWS-managed
    AdministratorAccess counts without being collected."""
    index = principals(EVERYTHING, ("role", "ops", {
        "AttachedPolicies": attached(f"{ACCOUNT}policy/everything")}),
        ("role", "admin", {"AttachedPolicies": attached(
            "arn:aws:iam::aws:policy/AdministratorAccess")}))
    ops = index.admin(f"{ACCOUNT}role/ops")
    assert ops is not None and ops.tail == [f"{ACCOUNT}policy/everything"]
    admin = index.admin(f"{ACCOUNT}role/admin")
    assert admin is not None and admin.tail == ["arn:aws:iam::aws:policy/AdministratorAccess"]


def test_policies_that_grant_admin_only_together_name_both(
        principals: Callable[..., AwsPrincipals]) -> None:
    """PassRole from one policy, RunInstances from another: admin together, path ends at
    the role, both named."""
    index = principals(
        ("policy", "pass", {"PolicyVersion": {"Document": doc(allow("iam:PassRole"))}}),
        ("policy", "run", {"PolicyVersion": {"Document": doc(allow("ec2:RunInstances"))}}),
        ("role", "ci", {"AttachedPolicies": attached(f"{ACCOUNT}policy/pass",
                                                     f"{ACCOUNT}policy/run")}))
    admin = index.admin(f"{ACCOUNT}role/ci")
    assert admin is not None and admin.verdict.level == "pass-role" and admin.tail == []
    assert admin.granted_by == [f"{ACCOUNT}policy/pass", f"{ACCOUNT}policy/run"]


def test_a_user_inherits_its_groups_policies_by_name_or_edge(
        principals: Callable[..., AwsPrincipals], edge: Callable[..., Relationship]) -> None:
    """A user is admin through a group's inline policy, whether the group is named in
    ``GroupList`` or by a ``MEMBER_OF`` edge; its own Deny still beats the group's Allow."""
    group = ("group", "admins", {"GroupPolicyList": [inline("all", doc(allow("*")))]})
    index = principals(group, ("user", "ann", {"GroupList": ["admins"]}),
                       ("user", "bob", {}),
                       ("user", "eve", {"GroupList": ["admins"],
                                        "UserPolicyList": [inline("no", doc(deny("*")))]}),
                       edges=(edge(f"{ACCOUNT}user/bob", "MEMBER_OF", f"{ACCOUNT}group/admins"),))
    ann = index.admin(f"{ACCOUNT}user/ann")
    assert ann is not None and ann.granted_by == ["group admins: inline policy all"]
    assert index.admin(f"{ACCOUNT}user/bob") is not None
    assert index.admin(f"{ACCOUNT}user/eve") is None


def test_attachments_written_only_as_edges_count(principals: Callable[..., AwsPrincipals],
                                                 edge: Callable[..., Relationship]) -> None:
    """A HAS_POLICY edge attaches a policy as ``AttachedPolicies`` does; a policy that was
    never collected (nor known) is not evaluated."""
    index = principals(EVERYTHING, ("role", "a", {}), ("role", "b", {}), edges=(
        edge(f"{ACCOUNT}role/a", "HAS_POLICY", f"{ACCOUNT}policy/everything"),
        edge(f"{ACCOUNT}role/b", "HAS_POLICY", f"{ACCOUNT}policy/not-collected")))
    assert index.admin(f"{ACCOUNT}role/a") is not None
    assert index.admin(f"{ACCOUNT}role/b") is None
    assert index.observed() == [f"{ACCOUNT}role/a", f"{ACCOUNT}role/b"]


def test_iam_full_access_is_known_by_its_aws_managed_arn(
        principals: Callable[..., AwsPrincipals]) -> None:
    """IAMFullAccess (iam:*) lets the holder grant itself anything."""
    index = principals(("user", "ops", {"AttachedPolicies": attached(
        "arn:aws:iam::aws:policy/IAMFullAccess")}))
    admin = index.admin(f"{ACCOUNT}user/ops")
    assert admin is not None and admin.verdict.level == "grant"


# Azure --------------------------------------------------------------------------------
@pytest.mark.parametrize(("permissions", "admin"), [
    ([{"actions": ["*"], "notActions": []}], "can assign any role"),
    ([{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]}], "every action but"),
    ([{"actions": ["*/read", "Microsoft.Authorization/*"]}], "can assign any role"),
    ([{"actions": ["microsoft.authorization/roleassignments/WRITE"]}], "can assign any role"),
    ([{"actions": ["Microsoft.Authorization/*"], "notActions": ["Microsoft.Authorization/*/Write"]}],
     None),
    ([{"actions": ["*/read"]}], None),
    ([{"actions": ["Microsoft.Compute/*"]}], None),
    ([{"actions": ["*"], "notActions": ["*"]}], None),
    (None, None),
])
def test_azure_role_permissions(permissions: Any, admin: str | None) -> None:
    """A role is administrative when it can write role assignments (Owner: ``*``) or do
    every action (Contributor: ``*`` but Authorization writes); notActions of the same
    block subtract; actions compare case-insensitively."""
    power = role_power(permissions)
    assert (power is None) if admin is None else (power is not None and admin in power)


@pytest.mark.parametrize(("scope", "kind", "broad"), [
    ("/", "root management group", True),
    ("/providers/Microsoft.Management/managementGroups/corp", "management group", True),
    ("/subscriptions/s-1", "subscription", True),
    ("/subscriptions/s-1/resourceGroups/rg-web", "resource group", False),
    ("/subscriptions/s-1/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm1",
     "resource", False),
])
def test_azure_assignment_scope(scope: str, kind: str, broad: bool) -> None:
    """Management groups and subscriptions cover subscriptions; resource groups and
    resources cover themselves only."""
    found = assignment_scope(scope)
    assert (found.kind, found.broad) == (kind, broad)


def test_azure_assignment_uses_the_collected_definition_else_the_built_in_ids(
        make_asset: Callable[..., Asset]) -> None:
    """A custom role is judged by its collected permissions; a built-in Contributor without
    a collected definition is still known; the scope is in the note."""
    base = "/subscriptions/sub-1/providers/microsoft.authorization/"
    roles = AzureRoles()
    roles.observe(make_asset(base + "roledefinitions/c0ffee00-0000-4000-8000-000000000001",
                             "azure:authorization:role-definition", {"properties": {
                                 "roleName": "Everything", "type": "CustomRole",
                                 "permissions": [{"actions": ["*"]}]}}))
    for name, guid, scope in (("a1", "c0ffee00-0000-4000-8000-000000000001", "/subscriptions/sub-1"),
                              ("a2", "b24988ac-6180-42a0-ab88-20f7382dd24c",
                               "/subscriptions/sub-1/resourceGroups/rg-web")):
        roles.observe(make_asset(base + f"roleassignments/{name}",
                                 "azure:authorization:role-assignment", {"properties": {
                                     "roleDefinitionId": f"/subscriptions/sub-1/providers/Microsoft."
                                                         f"Authorization/roleDefinitions/{guid}",
                                     "scope": scope}}, name=name))
    custom = roles.admin(base + "roleassignments/a1")
    assert custom is not None and custom.scope.broad and "grants Everything" in custom.note
    scoped = roles.admin(base + "roleassignments/a2")
    assert scoped is not None and not scoped.scope.broad
    assert "not of the subscription" in scoped.note and str(scoped.scope) == "resource group rg-web"


# GCP ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("permissions", "privileged"), [
    (["resourcemanager.projects.setIamPolicy"], True),
    (["storage.buckets.setIamPolicy", "storage.buckets.get"], True),
    (["iam.serviceAccounts.actAs"], True),
    (["iam.serviceAccounts.getAccessToken"], True),
    (["iam.serviceAccountKeys.create"], True),
    (["compute.instances.get", "compute.instances.list"], False),
    (["resourcemanager.projects.getIamPolicy"], False),
    ([], False),
])
def test_gcp_custom_role_permissions(permissions: list[str], privileged: bool) -> None:
    """setIamPolicy, impersonation and key creation make a custom role privileged."""
    assert (custom_role_power(permissions) is not None) is privileged


@pytest.mark.parametrize(("scopes", "usable"), [
    (["https://www.googleapis.com/auth/cloud-platform"], True),
    (None, True),
    (["https://www.googleapis.com/auth/devstorage.read_only",
      "https://www.googleapis.com/auth/logging.write"], False),
    ([], False),
])
def test_gcp_vm_scopes_bound_the_service_account(scopes: list[str] | None, usable: bool) -> None:
    """Only cloud-platform lets a VM use its account's IAM power (unrecorded: assumed)."""
    account: dict[str, Any] = {"email": "app@p.iam.gserviceaccount.com"}
    if scopes is not None:
        account["scopes"] = scopes
    found = usable_accounts({"serviceAccounts": [account]})
    assert (found["app@p.iam.gserviceaccount.com"] is None) is usable


def test_gcp_binding_prefers_broad_unconditional_grants_and_quotes_conditions(
        make_asset: Callable[..., Asset]) -> None:
    """A project-wide conditional owner binding is reported with its condition; a custom
    role is judged once collected."""
    member = "serviceAccount:app@proj-1.iam.gserviceaccount.com"
    bindings = GcpBindings()
    bindings.observe(make_asset("//cloudresourcemanager.googleapis.com/projects/proj-1",
                                "gcp:cloudresourcemanager:project", {"iamPolicy": {"bindings": [
                                    {"role": "roles/owner", "members": [member], "condition": {
                                        "title": "office hours", "expression": "request.time < x"}},
                                    {"role": "projects/proj-1/roles/deployer",
                                     "members": [member]}]}}, name="proj-1"))
    owner = bindings.admin("app@proj-1.iam.gserviceaccount.com")
    assert owner is not None and owner.condition == "office hours: request.time < x"
    bindings.observe(make_asset("//iam.googleapis.com/projects/proj-1/roles/deployer",
                                "gcp:iam:role", {"name": "projects/proj-1/roles/deployer",
                                                 "includedPermissions": ["iam.serviceAccounts.actAs"]}))
    custom = bindings.admin("app@proj-1.iam.gserviceaccount.com")
    assert custom is not None and custom.condition is None and "deployer" in custom.note


# Through an assessment ------------------------------------------------------------------
def test_principal_admin_rule_reads_policies_and_edges_from_the_store(
        write_estate: Callable[..., None], make_asset: Callable[..., Asset],
        edge: Callable[..., Relationship], assess: Callable[..., Any],
        findings_of: Callable[..., list[Finding]]) -> None:
    """aws.iam.principal-admin names every administrative principal with what grants it."""
    write_estate([iam_asset(make_asset, "policy", "everything",
                            PolicyVersion={"Document": doc(allow("*"))}),
                  iam_asset(make_asset, "user", "ann"), iam_asset(make_asset, "user", "bob")],
                 [edge(f"{ACCOUNT}user/ann", "HAS_POLICY", f"{ACCOUNT}policy/everything")])
    (finding,) = findings_of(assess(), "aws.iam.principal-admin")
    assert finding.asset_id == f"{ACCOUNT}user/ann"
    assert finding.evidence["granted_by"] == [f"{ACCOUNT}policy/everything"]
    assert finding.severity.value == "info"


def test_identity_rules_are_registered_under_their_own_ids() -> None:
    """The light catalog names each identity rule class under the id the class declares."""
    from cloudscope.adapters.rules import catalog, identity

    assert {cls.rule_id: cls.__name__ for cls in identity.IDENTITY_RULES} == catalog.IDENTITY_RULES
