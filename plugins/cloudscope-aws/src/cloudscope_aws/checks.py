"""``cloudscope doctor`` for AWS: who the credentials are, the accounts they reach, and one
cheap read per service with the IAM action a denial names.

The reads are the first page, at the smallest page size, of a call the collector makes,
in the first region (the home region for global services), in the first reachable account.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from cloudscope.api import Check, CloudScopeError

from cloudscope_aws.accounts import Account, AccountResolver
from cloudscope_aws.errors import collection_error, is_denied

PROBES: Final = {
    # scope service: (client, operation, arguments, the list in the answer, IAM action)
    "ec2": ("ec2", "describe_vpcs", {"MaxResults": 5}, "Vpcs", "ec2:DescribeVpcs"),
    "elasticloadbalancing": ("elbv2", "describe_load_balancers", {"PageSize": 1},
                             "LoadBalancers", "elasticloadbalancing:DescribeLoadBalancers"),
    "lambda": ("lambda", "list_functions", {"MaxItems": 1}, "Functions",
               "lambda:ListFunctions"),
    "rds": ("rds", "describe_db_instances", {"MaxRecords": 20}, "DBInstances",
            "rds:DescribeDBInstances"),
    "kms": ("kms", "list_keys", {"Limit": 1}, "Keys", "kms:ListKeys"),
    "eks": ("eks", "list_clusters", {"maxResults": 1}, "clusters", "eks:ListClusters"),
    "cloudtrail": ("cloudtrail", "describe_trails", {}, "trailList", "cloudtrail:DescribeTrails"),
    "iam": ("iam", "list_roles", {"MaxItems": 1}, "Roles", "iam:ListRoles"),
    "s3": ("s3", "list_buckets", {}, "Buckets", "s3:ListAllMyBuckets"),
}
_READ_HINT: Final = ("grant {action} (the AWS managed policy SecurityAudit or ReadOnlyAccess "
                     "has it; docs/aws.md lists every permission)")


def account_checks(resolver: AccountResolver, *, regions: list[str], role_arns: Sequence[str],
                   org_role_name: str | None) -> Iterator[Check | Account]:
    """Identity, then the accounts to collect; yields each reachable :class:`Account` after
    its check, for the caller to read with and close."""
    try:
        current = resolver.current(regions)
    except CloudScopeError as error:
        yield Check.fail("identity", error.message, error.hint or
                         "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        return
    assert current.clients is not None  # current() raises rather than leave them unset
    try:
        arn = current.clients.client("sts").get_caller_identity()["Arn"]
    except (ClientError, BotoCoreError) as error:
        arn = collection_error("sts", error).message
    yield Check.ok("identity", f"{arn} (account {current.id}, partition {current.partition})")
    shown = ", ".join(current.regions[:6]) + (" ..." if len(current.regions) > 6 else "")
    yield Check.ok("regions", f"{len(current.regions)}: {shown}" if current.regions else
                   "none enabled")
    if org_role_name:
        try:
            accounts = resolver.organization(org_role_name, regions)
        except CloudScopeError as error:
            yield Check.fail("organization", error.message, error.hint)
            accounts = []
        else:
            yield Check.ok("organization", f"{len(accounts)} active accounts listed")
    elif role_arns:
        accounts = resolver.roles(list(role_arns), regions)
    else:
        yield current
        return
    current.clients.close()
    for account in accounts:
        if account.error is not None:
            yield Check.fail(f"account {account.id}", account.error.message,
                             account.error.hint or "check the role's trust policy and "
                                                   "--external-id")
        else:
            yield Check.ok(f"account {account.id}", f"reached through {account.source}")
            yield account


def read_checks(account: Account, services: Sequence[Any]) -> Iterator[Check]:
    """One first-page read per service in ``account``."""
    assert account.clients is not None
    for service in services:
        if service.name not in PROBES:
            continue
        client_name, operation, arguments, key, action = PROBES[service.name]
        region = None if service.is_global or not account.regions else account.regions[0]
        where = region or "global"
        name = f"read {service.name} {where}"
        try:
            answer = getattr(account.clients.client(client_name, region), operation)(**arguments)
        except (ClientError, BotoCoreError) as error:
            failure = collection_error(service.name, error, region=region)
            hint = _READ_HINT.format(action=action) if is_denied(error) else failure.hint
            yield Check.fail(name, failure.message, hint, service=service.name)
            continue
        count = len(answer.get(key) or ())
        more = "+" if answer.get("NextToken") or answer.get("Marker") or \
            answer.get("nextToken") or answer.get("IsTruncated") else ""
        yield Check.ok(name, f"{operation} answered, {count}{more} in the first page",
                       service=service.name)
