"""The AWS collector: accounts and regions planned into scopes, each scope collected by
its service modules on this thread's clients.

Imported only when ``cloudscope collect aws`` runs (the plugin registers it by name), so
botocore stays out of every other command.
"""

from __future__ import annotations

import argparse
import importlib
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Final

from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import Session
from cloudscope.api import (
    Check,
    CollectContext,
    CollectionError,
    Collector,
    ScopeKey,
    UsageError,
)

from cloudscope_aws.accounts import Account, AccountResolver
from cloudscope_aws.clients import ClientSettings, RequestHooks, shared_loader
from cloudscope_aws.errors import collection_error, is_denied, is_scp_denial
from cloudscope_aws.services import SERVICES
from cloudscope_aws.shapes import Item, Location
from cloudscope_aws.volatile import VOLATILE_FIELDS

_REGION: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ROLE_ARN: Final = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_ROLE_NAME: Final = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_EXTERNAL_ID: Final = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
ACCOUNT_SERVICE: Final = "sts"
"""The service of the one scope planned for an account that could not be reached."""


class AwsCollector(Collector):
    """Amazon Web Services: EC2 and VPC, S3, IAM, Lambda, RDS, ELBv2, KMS, EKS, CloudTrail.

    Credentials and endpoints come from botocore's standard chain (profiles, SSO,
    environment, instance roles, ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``).
    Scopes are (account, region, service), global services (IAM, S3) once per account.
    Added in API 1.0.
    """

    default_concurrency: ClassVar[int] = 8

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--region``, ``--profile``, ``--role-arn``, ``--org-role-name``,
        ``--external-id``, ``--service``, ``--retry-mode``, ``--max-attempts``."""
        parser.add_argument("--region", action="append", metavar="REGION",
                            help="region to collect (repeatable; default: every region "
                                 "enabled in the account)")
        parser.add_argument("--profile", metavar="NAME",
                            help="AWS profile of the credentials (default: the standard chain)")
        parser.add_argument("--role-arn", action="append", metavar="ARN",
                            help="role to assume in each account to collect (repeatable; "
                                 "default: the current credentials' account)")
        parser.add_argument("--org-role-name", metavar="NAME",
                            help="collect every active account of the organization, assuming "
                                 "the role NAME in each (needs the management account's or a "
                                 "delegated administrator's credentials)")
        parser.add_argument("--external-id", metavar="ID",
                            help="the ExternalId to pass when assuming --role-arn or "
                                 "--org-role-name roles")
        parser.add_argument("--service", action="append", choices=sorted(SERVICES),
                            help="service to collect (repeatable; default: all)")
        parser.add_argument("--retry-mode", choices=("standard", "adaptive"), default="standard",
                            help="botocore retry mode (default: standard)")
        parser.add_argument("--max-attempts", type=int, default=10, metavar="N",
                            help="attempts per request, first included (default: 10)")

    def __init__(self, ctx: CollectContext, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._regions = _checked(options.get("region"), _REGION, "--region",
                                 "a region name such as eu-west-1")
        self._role_arns = _checked(options.get("role_arn"), _ROLE_ARN, "--role-arn",
                                   "an IAM role ARN such as arn:aws:iam::123456789012:role/Audit")
        self._services = list(options.get("service") or SERVICES)
        self._org_role_name = options.get("org_role_name") or None
        self._external_id = options.get("external_id") or None
        _check_roles(self._role_arns, self._org_role_name, self._external_id)
        attempts = options.get("max_attempts")
        attempts = 10 if attempts is None else int(attempts)
        if attempts < 1:
            raise UsageError(f"--max-attempts {attempts}: must be at least 1")
        profile = options.get("profile")
        if profile and profile not in Session().available_profiles:
            raise UsageError(f"--profile {profile!r}: no such profile in the AWS config files",
                             hint="see `aws configure list-profiles`")
        self._settings = ClientSettings(retry_mode=options.get("retry_mode") or "standard",
                                        max_attempts=attempts, profile=profile)
        self._hooks = RequestHooks(ctx)
        self._loader = shared_loader()
        self._accounts: dict[str, Account] = {}
        self._lock = threading.Lock()
        self._denials_logged: set[str] = set()

    @classmethod
    def volatile_fields(cls) -> dict[str, tuple[str, ...]]:
        """Fields AWS changes by itself (RDS ``LatestRestorableTime``, last-use times, a
        trail's delivery times), never reported as changes. API 1.1 (unused by 1.0 cores)."""
        return dict(VOLATILE_FIELDS)

    def plan(self) -> list[ScopeKey]:
        """Regional services per (account, region), then global services per account."""
        resolver = AccountResolver(self._settings, self._hooks, self._loader,
                                   regions=self._regions, role_arns=self._role_arns,
                                   external_id=self._external_id)
        if self._org_role_name:
            accounts = resolver.organization(self._org_role_name, self._regions)
        elif self._role_arns:
            accounts = resolver.roles(self._role_arns, self._regions)
        else:
            accounts = [resolver.current(self._regions)]
        scopes: list[ScopeKey] = []
        for account in accounts:
            if account.id in self._accounts:
                self.ctx.log.warning("aws.duplicate_account", account=account.id,
                                     source=account.source)
                continue
            self._accounts[account.id] = account
            scopes += self._scopes(account)
        for account in self._accounts.values():
            if account.clients is not None:
                account.clients.run_accounts = frozenset(self._accounts)
        return scopes

    def _scopes(self, account: Account) -> list[ScopeKey]:
        if account.error is not None:
            return [ScopeKey(provider="aws", account=account.id, service=ACCOUNT_SERVICE)]
        services = [SERVICES[name] for name in SERVICES if name in self._services]
        return [
            *(ScopeKey(provider="aws", account=account.id, region=region, service=service.name)
              for region in account.regions for service in services if not service.is_global),
            *(ScopeKey(provider="aws", account=account.id, service=service.name)
              for service in services if service.is_global),
        ]

    def collect(self, scope: ScopeKey) -> Iterator[Item]:
        """The scope's assets and relationships; a botocore error fails the scope with a
        one-line :class:`CollectionError`."""
        account = self._accounts.get(scope.account)
        if account is None or (account.error is None and scope.service not in SERVICES):
            raise CollectionError(f"scope {scope.key} was not planned by this collector")
        if account.error is not None or account.clients is None:
            raise account.error or CollectionError(f"account {scope.account} is unreachable")
        location = Location(account.partition, account.id, scope.region)
        try:
            for module_name in SERVICES[scope.service].modules:
                module = importlib.import_module(module_name)
                yield from module.collect(account.clients, location)
        except (ClientError, BotoCoreError) as error:
            if is_denied(error):
                self._listing_denied(scope, error)
            raise collection_error(scope.service, error, region=scope.region) from error
        finally:
            account.clients.release()

    def _listing_denied(self, scope: ScopeKey, error: Exception) -> None:
        """Log a denied listing once for what it is about: a service control policy's
        denial once per (account, region), since such a policy usually denies whole
        regions; any other denial once per (account, service), since an IAM policy
        usually lacks a service's permission in every region. Each scope still fails with
        its own line."""
        scp = bool(scope.region) and is_scp_denial(error)
        key = f"{scope.account}/region/{scope.region}" if scp else \
            f"{scope.account}/service/{scope.service}"
        with self._lock:
            first = key not in self._denials_logged
            self._denials_logged.add(key)
        if first:
            self.ctx.log.warning("aws.region_denied" if scp else "aws.listing_denied",
                                 account=scope.account, region=scope.region,
                                 service=scope.service,
                                 error=collection_error(scope.service, error).message)

    def check(self) -> Iterator[Check]:
        """``cloudscope doctor``: the credentials' identity and regions, the accounts of
        ``--role-arn`` or ``--org-role-name``, and one read per service in the first
        reachable account. Added in cloudscope-aws 0.1 (plugin API 1.1)."""
        from cloudscope_aws.checks import account_checks, read_checks

        resolver = AccountResolver(self._settings, self._hooks, self._loader,
                                   regions=self._regions, role_arns=self._role_arns,
                                   external_id=self._external_id)
        services = [SERVICES[name] for name in SERVICES if name in self._services]
        read = False
        for item in account_checks(resolver, regions=self._regions, role_arns=self._role_arns,
                                   org_role_name=self._org_role_name):
            if isinstance(item, Check):
                yield item
                continue
            try:
                if not read:
                    yield from read_checks(item, services)
                    read = True
            finally:
                if item.clients is not None:
                    item.clients.close()

    def close(self) -> None:
        """Close every client of every account."""
        for account in self._accounts.values():
            if account.clients is not None:
                account.clients.close()


def _check_roles(role_arns: list[str], org_role_name: str | None,
                 external_id: str | None) -> None:
    """The role options fit together; a usage error names every problem at once."""
    problems = []
    if role_arns and org_role_name:
        problems.append("--role-arn and --org-role-name: give one or the other")
    if org_role_name and not _ROLE_NAME.match(org_role_name):
        problems.append(f"--org-role-name {org_role_name!r}: expected a role name such as "
                        "CloudScopeAudit")
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        problems.append("--external-id: expected 2 to 1224 letters, digits or +=,.@:/-")
    if external_id is not None and not (role_arns or org_role_name):
        problems.append("--external-id: only used with --role-arn or --org-role-name")
    if problems:
        raise UsageError("; ".join(problems))


def _checked(values: Any, pattern: re.Pattern[str], flag: str, expected: str) -> list[str]:
    """``values`` (a list or None) with every entry matching ``pattern``, else a usage
    error naming all the bad ones at once."""
    unique: list[str] = list(dict.fromkeys(values or ()))
    bad = [value for value in unique if not pattern.match(value)]
    if bad:
        raise UsageError(f"{flag} {', '.join(map(repr, bad))}: expected {expected}")
    return unique
