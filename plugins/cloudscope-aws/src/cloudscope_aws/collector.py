"""The AWS collector: accounts and regions planned into scopes, each scope collected by
its hand-written modules or, for a declarative resource, by the engine, on this thread's
clients.

Imported only when ``cloudscope collect aws`` runs (the plugin registers it by name), so
botocore stays out of every other command.
"""

from __future__ import annotations

import argparse
import importlib
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import Loader
from botocore.session import Session
from cloudscope.api import (
    Check,
    CollectContext,
    CollectionError,
    Collector,
    ScopeKey,
    UsageError,
)

from cloudscope_aws import engine
from cloudscope_aws.accounts import Account, AccountResolver
from cloudscope_aws.clients import ClientSettings, RequestHooks, new_session, shared_loader
from cloudscope_aws.errors import collection_error, is_denied, is_scp_denial
from cloudscope_aws.pool import ModelCache
from cloudscope_aws.services import Unit, service_names, type_names, units
from cloudscope_aws.shapes import Item, Location

if TYPE_CHECKING:
    from cloudscope.api import AssetTypeInfo

_REGION: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ROLE_ARN: Final = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_ROLE_NAME: Final = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_EXTERNAL_ID: Final = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
ACCOUNT_SERVICE: Final = "sts"
"""The service of the one scope planned for an account that could not be reached."""


class AwsCollector(Collector):
    """Amazon Web Services: every resource type of the catalogue (``cloudscope types
    --provider aws``), from EC2, S3 and IAM to SQS, ECS, API Gateway and Organizations.

    Credentials and endpoints come from botocore's standard chain (profiles, SSO,
    environment, instance roles, ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``).
    Scopes are (account, region, unit), global units (IAM, S3, Route 53...) once per
    account; a unit is a hand-written service (``ec2``) or one declarative resource type
    (``sqs/queue``). Added in API 1.0.
    """

    default_concurrency: ClassVar[int] = 8

    @classmethod
    def asset_types(cls) -> tuple[AssetTypeInfo, ...]:
        """Every type of the catalogue, hand-written and declarative. Added in API 1.1."""
        from cloudscope.api import AssetTypeInfo

        return tuple(AssetTypeInfo(asset_type=doc.asset_type, native_type=doc.native_type,
                                   api_calls=doc.api_calls, relationships=doc.relationships,
                                   volatile_fields=doc.volatile, id_format=doc.id_format)
                     for unit in units().values() for doc in unit.types)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """``--region``, ``--profile``, ``--role-arn``, ``--org-role-name``,
        ``--external-id``, ``--service``, ``--type``, ``--retry-mode``, ``--max-attempts``."""
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
        parser.add_argument("--service", action="append", metavar="SERVICE",
                            help="collect only the types of this service, the ARN's service "
                                 "prefix such as ec2, sqs or apigateway (repeatable; default: "
                                 "all; see `cloudscope types --provider aws`)")
        parser.add_argument("--type", action="append", metavar="TYPE", dest="types",
                            help="collect only this asset type, such as aws:sqs:queue "
                                 "(repeatable; a hand-written service's scope collects all "
                                 "its types: --type aws:ec2:vpc collects the ec2 scope)")
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
        self._units = _chosen_units(options.get("service"), options.get("types"))
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
        offered = _Offered(account.partition, self._loader)
        # The scopes of one client next to each other, each unit's regions in turn: the
        # threads then share a few clients and service models at a time (pool.py), and
        # the scopes in flight spread over regions, where AWS throttles.
        first = {unit.client: index for index, unit in reversed(list(enumerate(self._units)))}
        by_client = sorted(self._units, key=lambda unit: first[unit.client])
        return [
            *(ScopeKey(provider="aws", account=account.id, region=region, service=unit.name)
              for unit in by_client if not unit.is_global
              for region in account.regions if offered(unit.client, region)),
            *(ScopeKey(provider="aws", account=account.id, service=unit.name)
              for unit in by_client if unit.is_global),
        ]

    def collect(self, scope: ScopeKey) -> Iterator[Item]:
        """The scope's assets and relationships; a botocore error fails the scope with a
        one-line :class:`CollectionError`."""
        account = self._accounts.get(scope.account)
        unit = units().get(scope.service)
        if account is None or (account.error is None and unit is None):
            raise CollectionError(f"scope {scope.key} was not planned by this collector")
        if account.error is not None or account.clients is None or unit is None:
            raise account.error or CollectionError(f"account {scope.account} is unreachable")
        location = Location(account.partition, account.id, scope.region)
        clients = account.clients.scoped()
        try:
            if unit.resource is not None:
                yield from engine.collect(unit.resource, clients, location)
            for module_name in unit.modules:
                module = importlib.import_module(module_name)
                yield from module.collect(clients, location)
        except (ClientError, BotoCoreError) as error:
            if is_denied(error):
                self._listing_denied(scope, error)
            raise collection_error(unit.service, error, region=scope.region) from error
        finally:
            clients.release()

    def _listing_denied(self, scope: ScopeKey, error: Exception) -> None:
        """Log a denied listing once for what it is about: a service control policy's
        denial once per (account, region), since such a policy usually denies whole
        regions; any other denial once per (account, service), since an IAM policy
        usually lacks a service's permission in every region. Each scope still fails with
        its own line."""
        scp = bool(scope.region) and is_scp_denial(error)
        service = scope.service.split("/", 1)[0]
        key = f"{scope.account}/region/{scope.region}" if scp else \
            f"{scope.account}/service/{service}"
        with self._lock:
            first = key not in self._denials_logged
            self._denials_logged.add(key)
        if first:
            self.ctx.log.warning("aws.region_denied" if scp else "aws.listing_denied",
                                 account=scope.account, region=scope.region,
                                 service=service, error=collection_error(service, error).message)

    def check(self) -> Iterator[Check]:
        """``cloudscope doctor``: the credentials' identity and regions, the accounts of
        ``--role-arn`` or ``--org-role-name``, and one read per service in the first
        reachable account. Added in cloudscope-aws 0.1 (plugin API 1.1)."""
        from cloudscope_aws.checks import account_checks, read_checks

        resolver = AccountResolver(self._settings, self._hooks, self._loader,
                                   regions=self._regions, role_arns=self._role_arns,
                                   external_id=self._external_id)
        services = self._units
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


def _chosen_units(services: Any, types: Any) -> list[Unit]:
    """The units ``--service`` and ``--type`` choose, together: every unit of each service
    named and each unit yielding a type named (all without either); unknown names are one
    usage error naming every one of them."""
    services, types = set(services or ()), set(types or ())
    problems = [f"--service {name!r}" for name in sorted(services - set(service_names()))]
    problems += [f"--type {name!r}" for name in sorted(types - set(type_names()))]
    if problems:
        raise UsageError(f"{', '.join(problems)}: not collected by the aws collector",
                         hint="see `cloudscope types --provider aws`")
    return [unit for unit in units().values()
            if (not services and not types) or unit.service in services
            or any(doc.asset_type in types for doc in unit.types)]


class _Offered:
    """Whether botocore's endpoint data offers a service in a region, so that a service
    absent from a region (CodeCommit in a newer region) plans no scope there. A region
    botocore does not know (newer than the installed botocore) is always planned. The
    session shares the run's loader: botocore parses a service's model to answer, which
    is then dropped until the service is collected (all 80 at once were 150 MB)."""

    def __init__(self, partition: str, loader: Loader) -> None:
        self._partition = partition
        self._loader = loader
        self._session = new_session(None, loader)
        self._regions: dict[str, frozenset[str]] = {}
        self._known = self._offering("ec2")

    def _offering(self, client: str) -> frozenset[str]:
        if client not in self._regions:
            self._regions[client] = frozenset(
                self._session.get_available_regions(client, self._partition))
            if isinstance(self._loader, ModelCache):  # parsed again when collected
                self._loader.forget_unheld(client)
        return self._regions[client]

    def __call__(self, client: str, region: str) -> bool:
        if region not in self._known:
            return True
        regions = self._offering(client)
        return not regions or region in regions


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
