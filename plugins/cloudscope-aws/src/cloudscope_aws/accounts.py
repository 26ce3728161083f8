"""The accounts to collect: the current credentials, or each ``--role-arn`` assumed
through STS, with the account id and partition from ``GetCallerIdentity``.

Assumed-role credentials are botocore's own ``DeferredRefreshableCredentials`` over an
``AssumeRoleCredentialFetcher`` (what a profile with ``role_arn`` uses): the first
request assumes the role, and credentials are refreshed before they expire (15 minutes
ahead), so a long run never sends an expired token.
"""

from __future__ import annotations

import threading
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

from cloudscope_aws.calls import each
from cloudscope_aws.clients import AccountClients, ClientSettings, RequestHooks, new_session
from cloudscope_aws.errors import collection_error
from cloudscope_aws.shapes import account_of

ROLE_SESSION_NAME: Final = "cloudscope"


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
    """Builds an :class:`Account` for the current credentials or for a role to assume."""

    def __init__(self, settings: ClientSettings, hooks: RequestHooks, loader: Loader,
                 home_region: str | None) -> None:
        self._settings = settings
        self._hooks = hooks
        self._loader = loader
        self._session = new_session(settings.profile, loader)
        self.home_region: str = (home_region or self._session.get_config_variable("region")
                                 or "us-east-1")
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
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=self._sts_client, source_credentials=self._source_credentials(),
            role_arn=role_arn, extra_args={"RoleSessionName": ROLE_SESSION_NAME})
        credentials = DeferredRefreshableCredentials(refresh_using=fetcher.fetch_credentials,
                                                     method="assume-role")
        try:
            return self._describe(self._clients(credentials), role_arn, regions)
        except (ClientError, BotoCoreError) as error:
            partition = role_arn.split(":", 2)[1] if role_arn.count(":") >= 5 else "aws"
            failure = collection_error("sts", error)
            return Account(account_of(role_arn), partition, role_arn, error=CollectionError(
                f"{failure.message} (assuming {role_arn})", hint=failure.hint))

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
        partition = str(identity["Arn"]).split(":", 2)[1]
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
