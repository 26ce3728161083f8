"""Botocore clients for one account, shared by the threads, the core's rate limiter and
the run counters wired into every request.

botocore sessions are not thread-safe (boto3's documentation) but its clients are: each
account builds its clients one at a time on one session and hands the same client to
every thread (``pool.py`` closes them when the scopes are done with them). All share one
data loader, so the large service models are parsed once while in use. boto3's
``Session`` is a thin wrapper over exactly this; its resource layer is not used.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal, TypeVar

import botocore.session
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import CredentialProvider, Credentials
from botocore.loaders import Loader
from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

from cloudscope_aws import __version__
from cloudscope_aws.calls import Details
from cloudscope_aws.pool import ClientPool, ModelCache

RetryMode = Literal["standard", "adaptive"]
Value = TypeVar("Value")

# boto3 client names whose ARN service prefix differs: the rate limiter's scopes and the
# run's scopes use the ARN prefix (``elasticloadbalancing``), as asset types do.
_LIMITER_SCOPE: Final = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing",
                         "s3control": "s3"}


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How clients are built: botocore's retry mode and attempts, the profile to read.

    ``max_attempts`` counts every attempt, the first included: it is botocore's
    ``total_max_attempts`` (its ``max_attempts`` key counts retries only, one fewer).
    """

    retry_mode: RetryMode = "standard"
    max_attempts: int = 10
    profile: str | None = None
    # A client serves every scope of its service and region in flight, each with a few
    # detail workers (calls.DETAIL_WORKERS); connections are opened only when needed.
    max_pool_connections: int = 64

    def config(self) -> Config:
        """The botocore client configuration."""
        return Config(
            retries={"mode": self.retry_mode, "total_max_attempts": self.max_attempts},
            max_pool_connections=self.max_pool_connections,
            user_agent_extra=f"cloudscope-aws/{__version__}",
        )


class _SharedCredentials(CredentialProvider):  # type: ignore[misc]
    """A credential provider that hands every thread's session the same credentials."""

    METHOD = "cloudscope-shared"
    CANONICAL_NAME = "cloudscope-shared"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class RequestHooks:
    """The handlers put on every client: a rate-limiter token per HTTP attempt (retries
    included, as ``before-send`` fires for each), and the run counters ``requests`` (every
    attempt sent), ``retries`` (attempts after a request's first) and ``throttled``
    (throttling answers)."""

    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx
        self._throttling = ThrottlingErrorDetector(RetryEventAdapter())

    def install(self, client: BaseClient, service: str) -> BaseClient:
        """Register the handlers on ``client``'s event system; return the client."""
        scope = _LIMITER_SCOPE.get(service, service)
        client.meta.events.register("before-send", partial(self._before_send, scope))
        client.meta.events.register("needs-retry", self._after_attempt)
        return client

    def _before_send(self, scope: str, request: Any = None, **_: Any) -> None:
        self._ctx.limiter.acquire(scope=scope)
        self._ctx.count("requests")
        # botocore numbers the attempts of one call in the request context (the same
        # numbers it sends in the amz-sdk-request header): the second and later are retries.
        retries = getattr(request, "context", {}).get("retries") or {}
        if retries.get("attempt", 1) > 1:
            self._ctx.count("retries")

    def _after_attempt(self, **kwargs: Any) -> None:
        # Returns None, so botocore's own retry handler still decides and sleeps.
        if kwargs.get("response") is not None and self._throttling.is_throttling_error(**kwargs):
            self._ctx.count("throttled")

    def count(self, name: str) -> None:
        """Add one to the run counter ``name``."""
        self._ctx.count(name)

    def warn(self, event: str, **values: Any) -> None:
        """Log a warning (the core's logger redacts secrets)."""
        self._ctx.log.warning(event, **values)


class AccountClients:
    """The clients of one account, shared by every thread, plus a per-account memo.

    botocore clients are thread-safe (its sessions are not), and building one costs
    milliseconds of CPU (a class with a method and a docstring per operation, an SSL
    context): a client per thread and scope made that the largest cost of a run. So
    ``client(service, region)`` returns the account's one client for the pair, built on
    first use with the retry configuration and the hooks, and held by this view until
    :meth:`release`; :meth:`scoped` gives each scope its own view. ``credentials`` are
    shared (refreshable credentials lock internally). Global services (IAM, S3's
    ListBuckets, STS) use ``home_region``, so that their endpoint is the partition's
    (``aws-cn``, ``aws-us-gov``) and not the default one. ``run_accounts`` are the ids of
    every account the run collects (set once planned), for resources that several
    accounts see (organization trails).
    """

    def __init__(self, credentials: Credentials, settings: ClientSettings, hooks: RequestHooks,
                 loader: Loader, home_region: str) -> None:
        self.home_region = home_region
        self._hooks = hooks
        self._pool = ClientPool(_Builder(credentials, settings, hooks, loader),
                                loader if isinstance(loader, ModelCache) else None)
        self._memo: dict[str, Any] = {}
        self._memo_locks: dict[str, threading.Lock] = {}
        self._denials_logged: set[str] = set()
        self._lock = threading.Lock()  # the shared memo and denials
        self._held: dict[tuple[str, str], BaseClient] = {}
        self._held_lock = threading.Lock()
        self.run_accounts: frozenset[str] = frozenset()

    def scoped(self) -> AccountClients:
        """A view for one scope: the same clients, memo and counters; :meth:`release`
        lets go of the clients it used."""
        view = copy.copy(self)
        view._held = {}
        view._held_lock = threading.Lock()
        return view

    def client(self, service: str, region: str | None = None) -> BaseClient:
        """The account's ``service`` client in ``region`` (default: the home region)."""
        key = (service, region or self.home_region)
        with self._held_lock:
            client = self._held.get(key)
            if client is None:
                client = self._held[key] = self._pool.acquire(key)
        return client

    def memo(self, key: str, compute: Callable[[], Value]) -> Value:
        """``compute()`` once per account and run (other threads wait for the first)."""
        with self._lock:
            lock = self._memo_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[no-any-return]

    def count(self, name: str) -> None:
        """Add one to the run counter ``name``."""
        self._hooks.count(name)

    def warn(self, event: str, **values: Any) -> None:
        """Log a warning about this account's collection."""
        self._hooks.warn(event, **values)

    def details(self) -> Details:
        """A reader of one resource's secondary calls whose denials are counted in the
        run's ``details_unavailable`` and logged once per call and error."""
        return Details(self._detail_denied)

    def _detail_denied(self, reason: str) -> None:
        self._hooks.count("details_unavailable")
        with self._lock:
            first = reason not in self._denials_logged
            self._denials_logged.add(reason)
        if first:
            self._hooks.warn("aws.detail_unavailable", call=reason,
                             hint="assets name what is missing under properties._unavailable")

    def release(self) -> None:
        """Let go of the clients this view used (called when a scope ends)."""
        with self._held_lock:
            held, self._held = list(self._held), {}
        self._pool.release(held)

    def close(self) -> None:
        """Close every client of the account, in any view."""
        self._pool.close()


class _Builder:
    """Builds the clients of one account on one session, with the hooks. The pool calls
    it under its lock: botocore sessions are not thread-safe."""

    def __init__(self, credentials: Credentials, settings: ClientSettings,
                 hooks: RequestHooks, loader: Loader) -> None:
        self._credentials = credentials
        self._settings = settings
        self._config = settings.config()
        self._hooks = hooks
        self._loader = loader
        self._session: botocore.session.Session | None = None

    def __call__(self, service: str, region: str) -> BaseClient:
        if self._session is None:
            self._session = new_session(self._settings.profile, self._loader)
            self._session.get_component("credential_provider").insert_before(
                "env", _SharedCredentials(self._credentials))
        client = self._session.create_client(service, region_name=region, config=self._config)
        return self._hooks.install(client, service)


def new_session(profile: str | None, loader: Loader | None = None) -> botocore.session.Session:
    """A botocore session reading ``profile`` (or the default chain), sharing ``loader``."""
    session = botocore.session.Session(profile=profile)
    if loader is not None:
        session.register_component("data_loader", loader)
    return session


def shared_loader() -> ModelCache:
    """A data loader to share between sessions (its JSON cache is per loader), which
    drops a service's models once no client of the service is open."""
    return ModelCache()
