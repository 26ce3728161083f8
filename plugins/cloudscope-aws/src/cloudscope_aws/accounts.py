"""The accounts to collect: the current credentials, each ``--role-arn`` assumed through
STS, or every account of the organization (``--org-role-name``), with the account id and
partition from ``GetCallerIdentity``.

Assumed-role credentials are botocore's own ``DeferredRefreshableCredentials`` over an
``AssumeRoleCredentialFetcher`` (what a profile with ``role_arn`` uses): the first
request assumes the role, and credentials are refreshed before they expire (15 minutes
ahead), so a long run never sends an expired token.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.client import BaseClient
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    Credentials,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound
from botocore.loaders import Loader
from cloudscope.api import CollectionError, ConfigError

from cloudscope_aws.calls import each, fan_out
from cloudscope_aws.clients import AccountClients, ClientSettings, RequestHooks, new_session
from cloudscope_aws.errors import collection_error
from cloudscope_aws.partitions import (
    DEFAULT_PARTITION,
    home_region,
    partition_of_arn,
    partition_of_region,
)
from cloudscope_aws.shapes import account_of

ROLE_SESSION_NAME: Final = "cloudscope"
PLAN_WORKERS: Final = 8
"""Accounts described at once while planning (AssumeRole, GetCallerIdentity and
DescribeRegions each): an organization of hundreds of accounts plans in seconds."""
_ORG_HINT: Final = ("--org-role-name lists the accounts with the credentials of the "
                    "organization's management account or of a delegated administrator")


@dataclass(slots=True)
class Account:
    """An account to collect. ``error`` is set (and ``clients`` is None) when it could not
    be reached while planning: its scopes then fail with that error."""

    id: str
    partition: str
    source: str
    clients: AccountClients | None = None
    regions: list[str] = field(default_factory=list)
    error: CollectionError | None = None


class AccountResolver:
    """Builds an :class:`Account` for the current credentials or for a role to assume.

    The home region (global services, ``DescribeRegions``) is the home region of the
    partition named by the first role ARN, else by the first of ``regions``, else by the
    profile's region, else of ``aws``.
    """

    def __init__(self, settings: ClientSettings, hooks: RequestHooks, loader: Loader, *,
                 regions: Sequence[str] = (), role_arns: Sequence[str] = (),
                 external_id: str | None = None) -> None:
        self._settings = settings
        self._hooks = hooks
        self._loader = loader
        self._session = new_session(settings.profile, loader)
        self._external_id = external_id
        if role_arns:
            partition = partition_of_arn(role_arns[0])
        else:
            region = regions[0] if regions else self._session.get_config_variable("region")
            partition = partition_of_region(loader, region) if region else DEFAULT_PARTITION
        self.home_region: str = home_region(loader, partition)
        self._session_lock = threading.Lock()
        self._base_credentials: Credentials | None = None

    def current(self, regions: list[str]) -> Account:
        """The account of the current credentials (the error propagates: nothing can run)."""
        try:
            return self._describe(self._clients(self._source_credentials()), "current credentials",
                                  regions)
        except (ClientError, BotoCoreError) as error:
            raise collection_error("sts", error) from error

    def assumed(self, role_arn: str, regions: list[str]) -> Account:
        """The account reached through ``role_arn``; one that cannot be assumed is returned
        with its error, so that the other accounts are still collected."""
        extra: dict[str, str] = {"RoleSessionName": ROLE_SESSION_NAME}
        if self._external_id:
            extra["ExternalId"] = self._external_id
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._sts_client, source_credentials=self._source_credentials(),
            role_arn=role_arn, extra_args=extra)
        credentials = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials,
                                                     method="assume-role")
        try:
            return self._describe(self._clients(credentials), role_arn, regions)
        except (ClientError, BotoCoreError) as error:
            failure = collection_error("sts", error)
            return Account(account_of(role_arn), partition_of_arn(role_arn), role_arn,
                           error=CollectionError(f"{failure.message} (assuming {role_arn})",
                                                 hint=failure.hint))

    def roles(self, role_arns: list[str], regions: list[str]) -> list[Account]:
        """The accounts of ``role_arns``, described a few at once, in the given order."""
        self._source_credentials()  # before the threads: a configuration error stops here
        return list(fan_out(lambda arn: self.assumed(arn, regions), role_arns, PLAN_WORKERS))

    def organization(self, role_name: str, regions: list[str]) -> list[Account]:
        """Every active account of the organization, listed with the current credentials
        (``organizations:ListAccounts``, from the management account or a delegated
        administrator): the role ``role_name`` assumed in each, and the current
        credentials for their own account. The listing's failure fails the run."""
        source = self._clients(self._source_credentials())
        try:
            caller = source.client("sts").get_caller_identity()
            members = list(each(source.client("organizations"), "list_accounts", "Accounts"))
        except (ClientError, BotoCoreError) as error:
            failure = collection_error("organizations", error)
            raise CollectionError(failure.message, hint=_ORG_HINT) from error
        finally:
            source.close()
        own, partition = str(caller["Account"]), partition_of_arn(str(caller["Arn"]))
        active = sorted(str(m["Id"]) for m in members if _state(m) == "ACTIVE")
        if not active:  # AWS lists at least the management account
            raise CollectionError("organizations ListAccounts: no active account listed",
                                  hint=_ORG_HINT)
        for member in members:
            if _state(member) != "ACTIVE":
                self._hooks.warn("aws.org_account_skipped", account=member.get("Id"),
                                 state=_state(member))
                self._hooks.count("org_accounts_skipped")

        def describe(account: str) -> Account:
            if account == own:
                return self.current(regions)
            return self.assumed(f"arn:{partition}:iam::{account}:role/{role_name}", regions)

        return list(fan_out(describe, active, PLAN_WORKERS))

    def _source_credentials(self) -> Credentials:
        # Missing credentials or an unknown profile are the operator's configuration to fix:
        # a one-line ConfigError (exit 2) before anything is collected or stored.
        if self._base_credentials is None:
            try:
                credentials = self._session.get_credentials()
            except ProfileNotFound as error:
                raise ConfigError(str(error), hint="check --profile or AWS_PROFILE") from None
            if credentials is None:
                raise ConfigError("no AWS credentials found",
                                  hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                                       "AWS_SECRET_ACCESS_KEY, or pass --profile")
            self._base_credentials = credentials
        return self._base_credentials

    def _clients(self, credentials: Credentials) -> AccountClients:
        return AccountClients(credentials, self._settings, self._hooks, self._loader,
                              self.home_region)

    def _describe(self, clients: AccountClients, source: str, regions: list[str]) -> Account:
        identity = clients.client("sts").get_caller_identity()
        partition = partition_of_arn(str(identity["Arn"]))
        if not regions:
            regions = sorted(region["RegionName"] for region in each(
                clients.client("ec2"), "describe_regions", "Regions"))
        return Account(str(identity["Account"]), partition, source, clients, regions)

    def _sts_client(self, service: str, **kwargs: Any) -> BaseClient:
        # Called by the fetcher on each refresh, from whichever thread needs credentials;
        # the shared session is not thread-safe, hence the lock.
        with self._session_lock:
            client = self._session.create_client(service, region_name=self.home_region,
                                                 config=self._settings.config(), **kwargs)
        return self._hooks.install(client, service)


def _state(member: dict[str, Any]) -> str:
    # ListAccounts' ``Status`` is being replaced by ``State`` (same values for active
    # accounts); read the new field first.
    return str(member.get("State") or member.get("Status") or "")
