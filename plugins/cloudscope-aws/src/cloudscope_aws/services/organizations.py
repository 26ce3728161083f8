"""AWS Organizations as assets: the organization, its root, organizational units, accounts
and service control policies (global scope service ``organizations``).

They are collected from the organization's management account only, as named by
``DescribeOrganization`` (``MasterAccountId``): in a member account (whose credentials
cannot list the organization) and in an account outside any organization the scope
completes empty, so that one run over every account (``--org-role-name``) stores the
organization once, with the management account. The hierarchy is walked from the root:
each root and OU lists its child OUs and its accounts, and CONTAINS them. Each policy's
``Content`` (its JSON text) is decoded, and the policy is ATTACHED_TO each of its targets
(``ListTargetsForPolicy``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from cloudscope.api import Relationship

from cloudscope_aws.calls import each, error_code
from cloudscope_aws.catalogue import Detail, Resource, arn
from cloudscope_aws.clients import AccountClients
from cloudscope_aws.engine import Entry, decoded, read_detail, transform
from cloudscope_aws.shapes import Item, Location

_NOT_IN_USE: Final = "AWSOrganizationsNotInUseException"
_TAGS: Final = Detail("Tags", "ListTagsForResource", {"ResourceId": "{Id}"}, key="Tags",
                      paginate=True)

ORGANIZATION: Final = Resource(
    "AWS::Organizations::Organization", "organizations", "DescribeOrganization", "Organization",
    arn="Arn", name="Id", is_global=True,
)
ROOT: Final = Resource(
    "AWS::Organizations::Root", "organizations", "ListRoots", "Roots", arn="Arn", name="Name",
    is_global=True,
)
ORGANIZATIONAL_UNIT: Final = Resource(
    "AWS::Organizations::OrganizationalUnit", "organizations",
    "ListOrganizationalUnitsForParent", "OrganizationalUnits", arn="Arn", name="Name",
    is_global=True, tags=_TAGS,
)
ACCOUNT: Final = Resource(
    "AWS::Organizations::Account", "organizations", "ListAccountsForParent", "Accounts",
    arn="Arn", name="Name", is_global=True, tags=_TAGS,
)
POLICY: Final = Resource(
    "AWS::Organizations::Policy", "organizations", "ListPolicies", "Policies", arn="Arn",
    name="Name", is_global=True, params={"Filter": "SERVICE_CONTROL_POLICY"},
    edges=(arn("ATTACHED_TO", "Targets[].Arn", "(the root, OUs and accounts it applies to)"),),
)
TYPES: Final = (ORGANIZATION, ROOT, ORGANIZATIONAL_UNIT, ACCOUNT, POLICY)
"""What the module yields, described as declarative resources (their ids, names, tags)."""


def collect(clients: AccountClients, location: Location) -> Iterator[Item]:
    """The organization, when this is its management account."""
    here = location.in_region(None)
    client = clients.client("organizations")
    try:
        organization = client.describe_organization()["Organization"]
    except ClientError as error:
        if error_code(error) == _NOT_IN_USE:
            return
        raise
    if organization.get("MasterAccountId") != location.account:
        clients.count("organization_member_accounts")
        return
    yield from transform(ORGANIZATION, here, Entry(organization))
    for root in each(client, "list_roots", "Roots"):
        yield from transform(ROOT, here, Entry(root))
        yield Relationship(source_id=organization["Arn"], type="CONTAINS", target_id=root["Arn"])
        yield from _children(clients, client, here, root)
    for policy in each(client, "list_policies", "Policies", Filter="SERVICE_CONTROL_POLICY"):
        yield from transform(POLICY, here, _policy(clients, client, policy))


def _children(clients: AccountClients, client: BaseClient, here: Location,
              parent: dict[str, Any]) -> Iterator[Item]:
    """The OUs and accounts below ``parent``, depth first."""
    pending = [parent]
    while pending:
        node = pending.pop()
        for unit in each(client, "list_organizational_units_for_parent", "OrganizationalUnits",
                         ParentId=node["Id"]):
            yield from _with_tags(ORGANIZATIONAL_UNIT, clients, client, here, unit)
            yield Relationship(source_id=node["Arn"], type="CONTAINS", target_id=unit["Arn"])
            pending.append(unit)
        for account in each(client, "list_accounts_for_parent", "Accounts", ParentId=node["Id"]):
            yield from _with_tags(ACCOUNT, clients, client, here, account)
            yield Relationship(source_id=node["Arn"], type="CONTAINS", target_id=account["Arn"])


def _with_tags(resource: Resource, clients: AccountClients, client: BaseClient,
               here: Location, element: dict[str, Any]) -> list[Item]:
    details = clients.details()
    entry = Entry(element)
    if isinstance(resource.tags, Detail):
        entry.tags = {str(t["Key"]): str(t.get("Value", "")) for t in
                      read_detail(resource.tags, client, element, details) or ()}
    entry.unavailable.update(details.unavailable)
    return transform(resource, here, entry)


def _policy(clients: AccountClients, client: BaseClient, summary: dict[str, Any]) -> Entry:
    """A policy with its decoded ``Content`` and its ``Targets``; denials are recorded."""
    details = clients.details()
    entry = Entry(dict(summary))
    described = details.read("Content", client, "describe_policy", "PolicyNotFoundException",
                             PolicyId=summary["Id"])
    if described is not None:
        entry.element["Content"] = decoded((described.get("Policy") or {}).get("Content"))
    targets = details.read_all("Targets", client, "list_targets_for_policy", "Targets",
                               PolicyId=summary["Id"])
    if targets is not None:
        entry.element["Targets"] = targets
    entry.unavailable.update(details.unavailable)
    return entry
