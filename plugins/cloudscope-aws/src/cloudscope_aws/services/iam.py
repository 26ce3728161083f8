"""IAM users, groups, roles, customer-managed policies and instance profiles (global scope
service ``iam``, once per account).

``GetAccountAuthorizationDetails`` returns every principal with its attached policies,
its inline policies (``UserPolicyList``, ``GroupPolicyList``, ``RolePolicyList``: name and
document), group memberships (``GroupList``), trust policy and the customer-managed
policies' versions in a few pages, where the per-entity list calls would take one request
per principal and policy. Every policy document arrives decoded to JSON (botocore decodes
IAM's URL-encoded ``policyDocumentType``), as the privilege evaluation reads it
(docs/privilege.md). Users add ``ListUsers`` (``PasswordLastUsed``) and three calls each:
MFA devices, access keys and login profile. IAM returns ARNs for everything; attached
AWS-managed policies are HAS_POLICY targets by ARN (``arn:aws:iam::aws:policy/NAME``)
though not collected (``AdministratorAccess`` is recognised by that ARN).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any, Final

from cloudscope.api import Relationship

from cloudscope_aws.calls import each, fan_out, optional
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.shapes import Item, Kind, Location, edges

USER: Final = Kind("aws:iam:user", "AWS::IAM::User")
GROUP: Final = Kind("aws:iam:group", "AWS::IAM::Group")
ROLE: Final = Kind("aws:iam:role", "AWS::IAM::Role")
POLICY: Final = Kind("aws:iam:policy", "AWS::IAM::ManagedPolicy")
INSTANCE_PROFILE: Final = Kind("aws:iam:instance-profile", "AWS::IAM::InstanceProfile")

Element = Mapping[str, Any]
_DETAIL_LISTS: Final = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """Every IAM principal, customer-managed policy and instance profile of the account."""
    iam = clients.client("iam")
    details: dict[str, list[dict[str, Any]]] = {name: [] for name in _DETAIL_LISTS}
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "Role", "Group", "LocalManagedPolicy"])
    for page in pages:
        for name in _DETAIL_LISTS:
            details[name] += page.get(name) or ()
    group_arns = {g["GroupName"]: g["Arn"] for g in details["GroupDetailList"]}
    listed = {u["UserName"]: u for u in each(iam, "list_users", "Users")}
    for user, secondary in fan_out(partial(_user_details, clients), details["UserDetailList"]):
        yield from transform_user(location, {**user, **listed.get(user["UserName"], {})},
                                  secondary, group_arns)
    for detail in details["GroupDetailList"]:
        yield from transform_group(location, detail)
    for detail in details["RoleDetailList"]:
        yield from transform_role(location, detail)
    for detail in details["Policies"]:
        yield from transform_policy(location, detail)
    for profile in each(iam, "list_instance_profiles", "InstanceProfiles"):
        yield from transform_instance_profile(location, profile)


def _user_details(clients: AccountClients,
                  user: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A user's MFA devices, access keys and login profile (three calls)."""
    iam = clients.client("iam")
    name = user["UserName"]
    login = optional(lambda: iam.get_login_profile(UserName=name), "NoSuchEntity") or {}
    return user, {
        "MFADevices": list(each(iam, "list_mfa_devices", "MFADevices", UserName=name)),
        "AccessKeys": list(each(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)),
        "LoginProfile": login.get("LoginProfile"),
    }


def _principal(detail: Element, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The element with ``AttachedManagedPolicies`` renamed ``AttachedPolicies`` (the name
    of the ``ListAttached*Policies`` response element the rules read)."""
    properties = {key: value for key, value in detail.items()
                  if key not in drop and key != "AttachedManagedPolicies"}
    properties["AttachedPolicies"] = list(detail.get("AttachedManagedPolicies") or ())
    return properties


def _policies(arn: str, detail: Element) -> Iterator[Relationship]:
    return edges(arn, "HAS_POLICY", (policy["PolicyArn"]
                                     for policy in detail.get("AttachedManagedPolicies") or ()))


def transform_user(location: Location, user: Element, secondary: Mapping[str, Any],
                   group_arns: Mapping[str, str]) -> list[Item]:
    """A user: ``ListUsers`` fields, ``MFADevices``, ``AccessKeys``, ``AttachedPolicies``,
    ``LoginProfile`` (only when console access is on); HAS_POLICY, MEMBER_OF its groups."""
    properties = _principal(user)
    properties.update({key: value for key, value in secondary.items() if value is not None})
    groups = (group_arns.get(name) or location.arn("iam", f"group/{name}", region="")
              for name in user.get("GroupList") or ())
    return [location.asset(USER, user["Arn"], properties, name=user["UserName"]),
            *_policies(user["Arn"], user), *edges(user["Arn"], "MEMBER_OF", groups)]


def transform_group(location: Location, group: Element) -> list[Item]:
    """A group with ``AttachedPolicies``: HAS_POLICY."""
    return [location.asset(GROUP, group["Arn"], _principal(group), name=group["GroupName"]),
            *_policies(group["Arn"], group)]


def transform_role(location: Location, role: Element) -> list[Item]:
    """A role with its trust policy (``AssumeRolePolicyDocument``, decoded JSON), its inline
    policies (``RolePolicyList``) and ``AttachedPolicies``: HAS_POLICY; each AWS principal
    it trusts ASSUMES it."""
    properties = _principal(role, drop=("InstanceProfileList",))
    return [location.asset(ROLE, role["Arn"], properties, name=role["RoleName"]),
            *_policies(role["Arn"], role),
            *(Relationship(source_id=principal, type="ASSUMES", target_id=role["Arn"])
              for principal in trusted_principals(location, role.get("AssumeRolePolicyDocument")))]


def trusted_principals(location: Location, document: Any) -> list[str]:
    """The AWS principals (as ARNs; an account id becomes its ``:root`` ARN) that a trust
    policy allows to assume the role. ``*`` is no principal: rules judge it."""
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, Mapping) else statements
    found: list[str] = []
    for statement in statements:
        principal = statement.get("Principal") if statement.get("Effect") == "Allow" else None
        aws = principal.get("AWS") if isinstance(principal, Mapping) else None
        for value in [aws] if isinstance(aws, str) else aws or []:
            if value.isdigit():
                value = location.arn("iam", "root", region="", account=value)
            if value.startswith("arn:") and value not in found:
                found.append(value)
    return found


def transform_policy(location: Location, policy: Element) -> list[Item]:
    """A customer-managed policy: the ``ListPolicies`` fields plus ``PolicyVersion``, its
    default version (``IsDefaultVersion``, not the newest) with the decoded ``Document``;
    the other versions are dropped: IAM enforces the default version only."""
    properties = {key: value for key, value in policy.items() if key != "PolicyVersionList"}
    default = next((version for version in policy.get("PolicyVersionList") or ()
                    if version.get("IsDefaultVersion")), None)
    if default is not None:
        properties["PolicyVersion"] = default
    name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]
    return [location.asset(POLICY, policy["Arn"], properties, name=name)]


def transform_instance_profile(location: Location, profile: Element) -> list[Item]:
    """An instance profile (``ListInstanceProfiles`` element): HAS_ROLE its roles."""
    return [location.asset(INSTANCE_PROFILE, profile["Arn"], profile,
                           name=profile["InstanceProfileName"]),
            *edges(profile["Arn"], "HAS_ROLE",
                   (role["Arn"] for role in profile.get("Roles") or ()))]
