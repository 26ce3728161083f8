"""Paging, throttling, server errors, failing scopes and the rate limiter."""

from __future__ import annotations

import pytest
from cloudscope.api import CollectionError, RateLimit, RateLimiter
from cloudscope_azure.catalogue import CATALOGUE
from estate import network_interface

from tests.azure.conftest import PRODUCTION, STAGING, service_principal

NICS = f"/subscriptions/{PRODUCTION}/providers/Microsoft.Network/networkInterfaces"
DISKS = f"/subscriptions/{PRODUCTION}/providers/Microsoft.Compute/disks"


def nic_ids(result) -> set[str]:
    return {a.id for a in result.assets.values()
            if a.asset_type == "azure:network:network-interface"}


def test_next_link_pages_are_followed_to_the_end(collect, fake):
    """A list spread over several pages is collected whole, one request per page."""
    fake.page_size = 2
    fake.add(NICS, [network_interface(PRODUCTION, f"extra{i}", None) for i in range(4)])
    result = collect({"subscription": [PRODUCTION],
                      "types": ["microsoft.network/networkinterfaces"]})
    assert len(nic_ids(result)) == 5
    pages = fake.requests_to(NICS)
    assert len(pages) == 3
    assert [p.query.get("$skiptoken") for p in pages] == [None, ["2"], ["4"]]
    assert all(p.query["api-version"] == ["2024-05-01"] for p in pages)


def test_throttling_is_retried_after_retry_after_and_counted(collect, fake):
    """A 429 with Retry-After is retried by azure-core; the run counts it as throttled."""
    fake.fail(NICS, 429, times=2, Retry_After="0")
    result = collect({"subscription": [PRODUCTION],
                      "types": ["microsoft.network/networkinterfaces"]})
    assert result.errors == {}
    assert len(nic_ids(result)) == 1
    assert result.counters["throttled"] == 2
    assert [seen.status for seen in fake.requests_to(NICS)] == [429, 429, 200]


def test_retry_after_is_waited_before_the_retry(collect, fake):
    """The retry after a 429 waits at least the Retry-After seconds Resource Manager asked."""
    fake.fail(NICS, 429, times=1, Retry_After="1")
    collect({"subscription": [PRODUCTION], "types": ["microsoft.network/networkinterfaces"]})
    throttled, retried = fake.requests_to(NICS)
    assert (throttled.status, retried.status) == (429, 200)
    assert retried.at - throttled.at >= 0.9


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(collect, fake, status):
    """A transient 5xx is retried and the scope completes."""
    fake.fail(DISKS, status, times=1)
    result = collect({"subscription": [PRODUCTION], "types": ["microsoft.compute/disks"]})
    assert result.errors == {}
    assert [seen.status for seen in fake.requests_to(DISKS)] == [status, 200]


def test_a_forbidden_subscription_fails_only_its_own_scopes(collect, fake):
    """403 on one subscription fails each of its scopes; the other subscription completes."""
    fake.fail(f"/subscriptions/{STAGING}", 403, times=10_000)
    result = collect({"subscription": [PRODUCTION, STAGING]})
    failed = set(result.errors)
    assert failed and all(f"/{STAGING}/" in key for key in failed)
    assert len(failed) == len(CATALOGUE)
    assert {a.account for a in result.assets.values()} == {PRODUCTION}
    assert any("HTTP 403" in message for message in result.errors.values())


def test_a_failing_type_fails_only_its_scope(collect, fake):
    """A type whose list call keeps failing marks that one scope failed."""
    fake.fail(DISKS, 500, times=10_000)
    result = collect({"subscription": [PRODUCTION]})
    assert list(result.errors) == [f"azure/{PRODUCTION}/-/microsoft.compute/disks"]
    assert "HTTP 500" in result.errors[f"azure/{PRODUCTION}/-/microsoft.compute/disks"]


def test_every_request_takes_a_token_scoped_by_subscription(collect, fake):
    """Each ARM request (retries included) takes a token from the subscription's bucket."""
    waits: list[float] = []
    limiter = RateLimiter("azure", scope_limits={PRODUCTION: RateLimit(per_second=1, burst=1)},
                          clock=lambda: 0.0, sleep=waits.append)
    fake.fail(NICS, 429, times=1, Retry_After="0")
    collect({"subscription": [PRODUCTION]}, limiter=limiter)
    requests = [s for s in fake.seen if s.path.lower().startswith(f"/subscriptions/{PRODUCTION}")]
    # A frozen clock and a burst of one: every request after the first waits.
    assert len(waits) == len(requests) - 1
    assert limiter.acquired == len(requests)


def test_next_link_to_another_host_is_refused(collect, fake):
    """A nextLink off Resource Manager's host is not followed (the token would go with it)."""
    fake.page_size = 1
    fake.add(NICS, [network_interface(PRODUCTION, "extra", None)])
    fake.url_for_links = "https://elsewhere.example"
    result = collect({"subscription": [PRODUCTION],
                      "types": ["microsoft.network/networkinterfaces"]})
    assert "nextLink leaves" in next(iter(result.errors.values()))


def test_an_unreachable_resource_manager_fails_the_plan(collect, fake):
    """Listing subscriptions that fails for good raises a one-line CollectionError."""
    fake.fail("/subscriptions", 403, times=10_000)
    with pytest.raises(CollectionError, match=r"^GET /subscriptions: HTTP 403 Fault"):
        collect()


def test_server_errors_have_a_smaller_budget_than_throttling(collect, fake):
    """A 5xx is retried azure.server_retries times (3) and then fails the scope, while
    throttling keeps azure.retries (6): ARM asks to wait out a 429, a 500 that stays is down."""
    fake.fail(DISKS, 500, times=4)
    fake.fail(NICS, 429, times=5, Retry_After="0")
    result = collect({"subscription": [PRODUCTION],
                      "types": ["microsoft.compute/disks", "microsoft.network/networkinterfaces"]})
    assert [seen.status for seen in fake.requests_to(DISKS)] == [500] * 4
    assert "HTTP 500" in result.errors[f"azure/{PRODUCTION}/-/microsoft.compute/disks"]
    assert [seen.status for seen in fake.requests_to(NICS)] == [429] * 5 + [200]
    assert len(nic_ids(result)) == 1


def test_the_server_error_budget_is_a_setting(collect, fake, trust_fake):
    """azure.server_retries: 0 fails a scope on its first 5xx."""
    fake.fail(DISKS, 503, times=1)
    result = collect({"subscription": [PRODUCTION], "types": ["microsoft.compute/disks"]},
                     settings=service_principal(trust_fake, server_retries=0))
    assert [seen.status for seen in fake.requests_to(DISKS)] == [503]
    assert "HTTP 503" in next(iter(result.errors.values()))
