"""Collector fidelity: nextLink origins, subscription states, denied detail calls."""

from __future__ import annotations

import pytest
from cloudscope.api import CollectContext, CollectionError, RateLimiter
from cloudscope_azure.arm import ArmClient, ArmError, same_origin
from estate import storage_account

from tests.azure.conftest import PRODUCTION, STAGING

ARM = "https://management.azure.com"


@pytest.mark.parametrize(("link", "same"), [
    ("https://management.azure.com/subscriptions?$skiptoken=2", True),
    ("https://management.azure.com:443/subscriptions?$skiptoken=2", True),
    ("https://MANAGEMENT.azure.com:443/subscriptions", True),
    ("https://management.azure.com:8443/subscriptions", False),
    ("http://management.azure.com/subscriptions", False),
    ("http://management.azure.com:443/subscriptions", False),
    ("https://management.azure.com.evil.example/subscriptions", False),
    ("https://management.azure.com@evil.example/subscriptions", False),
    ("https://management.azure.com:notaport/subscriptions", False),
])
def test_a_next_link_keeps_to_resource_managers_origin(link, same):
    """Scheme, host and port decide, with the scheme's default port written or not: an
    explicit :443 is Resource Manager itself; another host or port never gets the token."""
    assert same_origin(link, ARM) is same


def test_disabled_and_deleted_subscriptions_are_skipped_with_a_note(collect, fake):
    """Listing every visible subscription skips the Disabled and Deleted ones and counts them
    in the run summary; a Warned (or PastDue) subscription still works and is collected."""
    fake.subscriptions[STAGING]["state"] = "Disabled"
    third = "cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    fake.add_subscription(third, "Gone")
    fake.subscriptions[third]["state"] = "Deleted"
    fake.subscriptions[PRODUCTION]["state"] = "Warned"
    result = collect()
    assert {asset.account for asset in result.assets.values()
            if asset.asset_type != "azure:management:management-group"} == {PRODUCTION}
    assert result.errors == {}
    assert result.counters["subscriptions_skipped"] == 2
    assert not fake.requests_to(f"/subscriptions/{STAGING}")


def test_a_disabled_subscription_named_explicitly_is_collected(collect, fake):
    """--subscription is the user's choice: its state is not second-guessed."""
    fake.subscriptions[STAGING]["state"] = "Disabled"
    result = collect({"subscription": [STAGING]})
    assert {asset.account for asset in result.assets.values()} == {STAGING}
    assert "subscriptions_skipped" not in result.counters


def test_no_enabled_subscription_is_a_clear_error(collect, fake):
    """Every visible subscription disabled: the plan fails with one line saying so."""
    for body in fake.subscriptions.values():
        body["state"] = "Disabled"
    with pytest.raises(CollectionError, match="the identity can see no enabled subscription"):
        collect()


@pytest.fixture
def ctx():
    return CollectContext("azure", limiter=RateLimiter("azure"), config={}, log=None)


@pytest.fixture
def arm(trust_fake, ctx):
    """The real ArmClient and azure-identity credential against the fake."""
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(trust_fake.tenant_id, trust_fake.client_id,
                                        trust_fake.client_secret, authority=trust_fake.url,
                                        disable_instance_discovery=True)
    client = ArmClient(ctx, credential, trust_fake.url, ARM, retry_backoff_s=0.01)
    yield client
    client.close()
    credential.close()


def blob_service_path(body) -> str:
    return body["id"] + "/blobServices/default"


def test_a_denied_detail_call_marks_the_asset_and_counts_a_warning(arm, ctx, fake):
    """403 AuthorizationFailed on a per-resource GET: the body records the call as
    unavailable with ARM's code, the run counts details_unavailable, nothing is raised."""
    body = storage_account(PRODUCTION)
    fake.deny(blob_service_path(body))
    assert arm.detail(body, "blobServiceProperties", "BlobServices_GetServiceProperties", blob_service_path(body),
                      "2023-05-01") is None
    assert body["_unavailable"] == {
        "blobServiceProperties": "BlobServices_GetServiceProperties: AuthorizationFailed"}
    assert ctx.counters["details_unavailable"] == 1


def test_an_allowed_detail_call_returns_its_body_and_marks_nothing(arm, ctx, fake):
    """The twin: the same call answered 200 is returned and the body stays as listed."""
    body = storage_account(PRODUCTION)
    assert arm.detail(body, "blobServiceProperties", "BlobServices_GetServiceProperties", blob_service_path(body),
                      "2023-05-01") is not None
    assert "_unavailable" not in body
    assert "details_unavailable" not in ctx.counters


def test_a_detail_call_failing_otherwise_still_fails_the_scope(arm, fake):
    """Only a denial is tolerated: a 404 or a 5xx after its retries raises as a list call does."""
    body = storage_account(PRODUCTION)
    fake.fail(blob_service_path(body), 500, times=100)
    with pytest.raises(ArmError, match="HTTP 500") as raised:
        arm.detail(body, "blobServiceProperties", "BlobServices_GetServiceProperties", blob_service_path(body),
                   "2023-05-01")
    assert raised.value.status_code == 500
    assert "_unavailable" not in body


def test_a_denied_listing_still_fails_its_scope(collect, fake):
    """A listing answered 403 loses what the scope would list: the scope fails, as before."""
    fake.deny(f"/subscriptions/{PRODUCTION}/providers/Microsoft.Storage")
    result = collect({"subscription": [PRODUCTION], "types": ["microsoft.storage/storageaccounts"]})
    assert list(result.errors.values()) == [
        f"GET /subscriptions/{PRODUCTION}/providers/Microsoft.Storage/storageAccounts: HTTP 403 "
        "AuthorizationFailed: injected 403"]
