"""An endpoint or a sign-in that stays down: bounded retries, then the circuit breaker
fails the project's remaining scopes at once, each listed with the root cause."""

from __future__ import annotations

import socket

import pytest

ALPHA = "projects/alpha-prod"
# One --type per API service: the project's scopes become one per service.
SERVICES = ("gcp:compute:instance", "gcp:container:cluster", "gcp:storage:bucket",
            "gcp:sqladmin:instance", "gcp:iam:role", "gcp:run:service",
            "gcp:cloudfunctions:function", "gcp:cloudkms:key-ring",
            "gcp:cloudresourcemanager:project")
SCOPES = len(SERVICES)
TYPES = tuple(arg for service in SERVICES for arg in ("--type", service))


@pytest.fixture
def closed_endpoint() -> str:
    """An http:// root where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def errors(result) -> list[str]:
    return [scope["error"] for scope in result.summary["scopes"]]


@pytest.mark.slow
def test_an_unreachable_endpoint_no_longer_holds_the_run(collect_gcp, estate, closed_endpoint):
    """With the default retry settings (backoff 0.5 s), a project behind an unreachable Cloud
    Asset endpoint finishes in seconds, not the 87 s it took when each scope retried six
    times; every scope is listed failed with the endpoint it could not reach."""
    result = collect_gcp("--scope", ALPHA, *TYPES, env={"CLOUDSCOPE_GCP_API_ENDPOINT": closed_endpoint,
                                                "CLOUDSCOPE_GCP_RETRY_BACKOFF_S": "0.5"})
    assert result.exit_code == 3 and result.summary["status"] == "failed"
    assert len(errors(result)) == SCOPES
    assert all(f"cannot reach the Cloud Asset API at {closed_endpoint} (ConnectionError)" in error
               for error in errors(result))
    # Measured here: 4.8 to 5.5 s (two rounds of 3 jittered retries, concurrency 8).
    assert result.summary["duration_s"] < 20


def test_one_worker_fails_the_rest_of_the_project_at_once(collect_gcp, estate, closed_endpoint):
    """Three scopes fail on their own; every other one fails at once, naming the root cause."""
    result = collect_gcp("--scope", ALPHA, *TYPES, "--concurrency", "1",
                         env={"CLOUDSCOPE_GCP_API_ENDPOINT": closed_endpoint})
    found = errors(result)
    root = f"projects/alpha-prod: cannot reach the Cloud Asset API at {closed_endpoint} (ConnectionError)"
    assert found[:3] == [root] * 3
    assert found[3:] == [f"circuit open after 3 unreachable-endpoint failures: {root}"] * (SCOPES - 3)
    assert result.summary["counters"]["circuit_open"] == SCOPES - 3


def test_a_refused_token_fails_the_project_after_three_tries(collect_gcp, estate, fake):
    """The token endpoint refusing the key (invalid_grant): three scopes each ask for a
    token, the others fail at once as an authentication failure, no asset request is made."""
    fake.public_keys.clear()
    result = collect_gcp("--scope", ALPHA, *TYPES, "--concurrency", "1")
    found = errors(result)
    assert result.exit_code == 3 and result.summary["status"] == "failed"
    assert all("cannot obtain a Google access token" in error for error in found)
    assert [e.startswith("circuit open after 3 authentication failures: ") for e in found] == \
        [False] * 3 + [True] * (SCOPES - 3)
    assert fake.recorded == []


def test_the_breaker_can_be_turned_off(collect_gcp, estate, closed_endpoint):
    """collect.circuit_breaker_threshold 0: each scope tries on its own, as before."""
    result = collect_gcp("--scope", ALPHA, *TYPES, "--concurrency", "1",
                         env={"CLOUDSCOPE_GCP_API_ENDPOINT": closed_endpoint,
                              "CLOUDSCOPE_COLLECT_CIRCUIT_BREAKER_THRESHOLD": "0"})
    assert not any(error.startswith("circuit open") for error in errors(result))
    assert "circuit_open" not in result.summary["counters"]
