"""A service, an endpoint or a sign-in that stays down: bounded retries, then the circuit
breaker fails what is left at once, each scope still listed with the root cause."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from cloudscope_azure.catalogue import CATALOGUE

from tests.azure.conftest import PRODUCTION

NETWORK = f"/subscriptions/{PRODUCTION}/providers/Microsoft.Network"
NETWORK_SCOPES = {t.service for t in CATALOGUE if t.service.startswith("microsoft.network/")}


@pytest.fixture
def collect_production(cloudscope, cli_env, tmp_path: Path):
    """``collect azure --subscription PRODUCTION --format json`` with extra flags or
    environment; returns (exit code, summary, stderr, wall-clock seconds)."""

    def run(*flags: str, **env: str):
        started = time.monotonic()
        done = cloudscope("collect", "azure", "--subscription", PRODUCTION, "--db",
                          f"sqlite:///{tmp_path / 'inventory.db'}", "--format", "json", *flags,
                          env={**cli_env, **env})
        return done.code, done.json(), done.stderr, time.monotonic() - started

    return run


def errors_by_service(summary) -> dict[str, str | None]:
    return {scope["service"]: scope["error"] for scope in summary["scopes"]}


@pytest.mark.slow
def test_a_network_api_answering_500_no_longer_holds_the_run(collect_production, fake):
    """With the default retry settings (backoff 0.8 s), a subscription whose network
    provider answers 500 to everything finishes in seconds, not the 50 s it took when each
    scope retried to exhaustion; each network scope is failed with the HTTP 500, the
    subscription's other services complete."""
    fake.fail(NETWORK, 500, times=100_000)
    code, summary, _, wall = collect_production(CLOUDSCOPE_AZURE_RETRY_BACKOFF_S="0.8")
    errors = errors_by_service(summary)
    assert code == 3 and summary["status"] == "partial"
    assert len(errors) == len(CATALOGUE)  # less management groups, plus the generic scope
    assert {service for service, error in errors.items() if error} == NETWORK_SCOPES
    assert all("HTTP 500" in errors[service] for service in NETWORK_SCOPES)
    # Measured here: about 5 s (0 + 1.6 + 3.2 s of backoff); the bound leaves a wide margin
    # for a loaded machine.
    assert summary["duration_s"] < 20
    assert wall < 30
    # One request and three retries per network list call, never azure-core's six.
    assert len(fake.requests_to(f"{NETWORK}/virtualNetworks")) <= 4


def test_one_worker_fails_the_rest_of_the_namespace_at_once(collect_production, fake):
    """Collected one scope at a time, three network scopes fail on their own; those after
    them are failed by the open circuit without a request, naming the root cause."""
    fake.fail(NETWORK, 500, times=100_000)
    code, summary, _, _ = collect_production("--concurrency", "1")
    errors = errors_by_service(summary)
    opened = {s for s in NETWORK_SCOPES if errors[s].startswith("circuit open")}
    assert len(opened) == len(NETWORK_SCOPES) - 3
    for service in opened:
        assert errors[service].startswith("circuit open after 3 server-error failures: GET "
                                          f"{NETWORK}/")
        assert errors[service].endswith("HTTP 500 Fault: injected 500")
    assert fake.requests_to(f"{NETWORK}/publicIPAddresses") == []
    assert fake.requests_to(f"{NETWORK}/loadBalancers") == []
    assert fake.requests_to(f"{NETWORK}/applicationGateways") == []
    assert code == 3
    assert summary["counters"]["circuit_open"] == len(NETWORK_SCOPES) - 3
    # The subscription's other services are not part of the network provider's circuit.
    assert errors["microsoft.storage/storageaccounts"] is None


def test_a_refused_sign_in_fails_the_subscription_after_three_tries(collect_production, fake):
    """A token endpoint refusing the credentials: three scopes each try to sign in, every
    other scope of the subscription fails at once with Entra ID's reason; no secret shows."""
    code, summary, stderr, _ = collect_production(
        "--concurrency", "1", CLOUDSCOPE_AZURE_CLIENT_SECRET="not-the-secret")
    errors = list(errors_by_service(summary).values())
    assert code == 3 and summary["status"] == "failed"
    signed_out = "Azure sign-in failed: Authentication failed: AADSTS7000215: Invalid client secret"
    assert all(error.startswith(signed_out) for error in errors[:3])
    assert all(error.startswith(f"circuit open after 3 authentication failures: {signed_out}")
               for error in errors[3:])
    assert len(errors) == len(CATALOGUE)  # less management groups, plus the generic scope
    token_requests = fake.requests_to(f"/{fake.tenant_id}/oauth2/v2.0/token")
    assert len(token_requests) == 3
    assert fake.requests_to("/subscriptions") == []
    assert "not-the-secret" not in stderr + str(summary)


def test_an_unreachable_resource_manager_opens_the_circuit(collect_production):
    """Nothing listens at Resource Manager's address: three scopes fail with the connection
    error, the rest at once as an unreachable endpoint."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{probe.getsockname()[1]}"
    code, summary, _, _ = collect_production(
        "--concurrency", "1", CLOUDSCOPE_AZURE_RESOURCE_MANAGER_URL=closed)
    errors = list(errors_by_service(summary).values())
    assert code == 3 and summary["status"] == "failed"
    assert all(error.startswith("GET /subscriptions/") for error in errors[:3])
    assert all(error.startswith("circuit open after 3 unreachable-endpoint failures: GET ")
               for error in errors[3:])
