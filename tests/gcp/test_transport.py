"""The Cloud Asset transport in-process: rate limiter per request, a session per thread."""

from __future__ import annotations

import threading

import pytest
from cloudscope.api import CollectContext, RateLimiter
from cloudscope_gcp.collector import GcpCollector
from cloudscope_gcp.transport import _retry_after
from gcp_fake import Fault


class _Quiet:
    def __getattr__(self, name):
        return lambda *args, **values: None


@pytest.fixture
def collector(gcp_env, fake, estate):
    ctx = CollectContext("gcp", limiter=RateLimiter("gcp"), log=_Quiet(), config={
        "gcp": {"api_endpoint": fake.root, "retry_backoff_s": 0, "page_size": 3}})
    built = GcpCollector(ctx, {"scope": ["projects/alpha-prod", "projects/beta-dev"]})
    yield built
    built.close()


def test_every_request_takes_a_rate_limit_token(collector, fake):
    """Each HTTP request to Cloud Asset, retries included, acquires one limiter token."""
    fake.faults.append(Fault(503, 2))
    for scope in collector.plan():
        list(collector.collect(scope))
    assert collector.ctx.limiter.acquired == len(fake.recorded)
    assert collector.ctx.counters["retries"] == 2


def test_each_thread_gets_its_own_session(collector):
    """Scopes collected from two threads use two HTTP sessions."""
    scopes = collector.plan()[:2]
    threads = [threading.Thread(target=lambda s=s: list(collector.collect(s))) for s in scopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(collector.api._sessions) == 2


@pytest.mark.parametrize(("header", "seconds"), [
    ("3", 3.0), ("0", 0.0), ("100000", 120.0), ("soon", None), (None, None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_retry_after_is_read_as_seconds_or_a_date_and_capped(header, seconds):
    """Retry-After: delta seconds or an HTTP date (past: no wait), capped at 120 s."""
    assert _retry_after(header) == seconds
