"""An account's clients are shared by the scopes and threads using them, kept open a while
after the last lets go, then closed; a service's parsed models are dropped once none of
its clients is open, and the plan puts the scopes of one client next to each other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cloudscope.api import CollectContext, RateLimiter
from cloudscope_aws.clients import AccountClients, ClientSettings, RequestHooks, shared_loader
from cloudscope_aws.collector import AwsCollector
from cloudscope_aws.pool import ClientPool, ModelCache
from cloudscope_aws.services import units

REGION = "us-east-1"


@pytest.fixture
def account(aws: Any) -> Iterator[AccountClients]:
    """The current credentials' clients, as the collector builds them (against moto)."""
    ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
    loader = shared_loader()
    credentials = aws.session.get_credentials()
    clients = AccountClients(credentials, ClientSettings(), RequestHooks(ctx), loader, REGION)
    yield clients
    clients.close()


def test_scopes_and_threads_share_one_client_per_service_and_region(
        account: AccountClients) -> None:
    """Two scopes' views, and every thread of a view, get the same client of a pair."""
    first, second = account.scoped(), account.scoped()
    seen: list[Any] = []
    threads = [threading.Thread(target=lambda: seen.append(first.client("sqs", REGION)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in seen}) == 1
    assert second.client("sqs", REGION) is seen[0]
    assert second.client("sqs", "eu-west-1") is not seen[0]
    assert second.client("sqs", REGION).list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    first.release()
    second.release()


def test_a_client_stays_open_for_the_next_scope_within_the_idle_limit() -> None:
    """A released client is handed to the next scope while among the ``idle`` most
    recently released; an older one was closed, and the next scope gets a new one."""
    built: list[tuple[str, str]] = []
    closed: list[tuple[str, str]] = []

    class Fake:
        def __init__(self, key: tuple[str, str]) -> None:
            self.key = key

        def close(self) -> None:
            closed.append(self.key)

    def build(service: str, region: str) -> Any:
        built.append((service, region))
        return Fake((service, region))

    pool = ClientPool(build, None, idle=2)
    keys = [("sqs", "r1"), ("sqs", "r2"), ("sqs", "r3")]
    clients = [pool.acquire(key) for key in keys]
    held = pool.acquire(keys[0])  # a second scope holds the first client
    pool.release(keys)
    assert closed == []  # the first is still held; two idle are within the limit
    assert pool.acquire(keys[2]) is clients[2]
    pool.release([keys[2], keys[0]])  # three idle now: the oldest is closed
    assert closed == [keys[1]]
    assert pool.acquire(keys[0]) is held
    assert pool.acquire(keys[1]) is not clients[1]
    assert built == [*keys, keys[1]]
    pool.close()
    assert sorted(closed) == sorted([keys[1], *keys])


def test_a_services_models_are_parsed_again_once_its_last_client_closed(aws: Any) -> None:
    """The loader keeps a service's parsed model while one of its clients is open, and
    drops it when the last one closes (a run's models would otherwise all stay)."""
    ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
    loader = shared_loader()
    assert isinstance(loader, ModelCache)
    credentials = aws.session.get_credentials()
    account = AccountClients(credentials, ClientSettings(), RequestHooks(ctx), loader, REGION)
    view = account.scoped()
    view.client("sqs", REGION)
    view.client("sqs", "eu-west-1")
    model = loader.load_service_model("sqs", "service-2")
    view.release()
    assert loader.load_service_model("sqs", "service-2") is model  # idle clients still open
    account.close()
    assert loader.load_service_model("sqs", "service-2") is not model
    loader.forget_unheld("sqs")


def test_the_plan_puts_the_scopes_of_one_client_together(
        aws: Any, plan_scopes: Callable[..., list[Any]]) -> None:
    """Regional scopes come client by client, each unit's regions in turn, so that the
    threads share a few clients (and service models) at a time."""
    scopes = plan_scopes(region=[REGION, "eu-west-1"])
    clients = [units()[scope.service].client for scope in scopes if scope.region]
    runs = [client for index, client in enumerate(clients)
            if index == 0 or clients[index - 1] != client]
    assert len(runs) == len(set(runs))
    regional = [scope for scope in scopes if scope.region]
    assert [scope.region for scope in regional[:2]] == [REGION, "eu-west-1"]
    assert regional[0].service == regional[1].service


@pytest.fixture
def plan_scopes() -> Callable[..., list[Any]]:
    """The scopes a fresh collector plans for ``options``."""

    def plan(**options: Any) -> list[Any]:
        ctx = CollectContext("aws", limiter=RateLimiter("aws"), config={}, log=None)
        collector = AwsCollector(ctx, options)
        try:
            return list(collector.plan())
        finally:
            collector.close()

    return plan
