"""The circuit breaker: failures classified by kind, counted by place, open circuits refuse scopes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from cloudscope.adapters.sqlite_repository import SQLiteRepository
from cloudscope.application.circuit_breaker import CircuitBreaker, FailureKind, classify
from cloudscope.application.collect import CollectOptions, CollectRun
from cloudscope.domain.asset import Asset
from cloudscope.domain.errors import CollectionError
from cloudscope.domain.relationship import Relationship
from cloudscope.domain.scope import RunStatus, ScopeKey, ScopeStatus
from cloudscope.host.ratelimit import RateLimiter
from cloudscope.infrastructure.config import load_config
from cloudscope.ports.collector import CollectContext, Collector


def key(service: str, account: str = "acct", region: str | None = None) -> ScopeKey:
    return ScopeKey(provider="demo", account=account, region=region, service=service)


def failure(kind: str | None = None, status: int | None = None) -> CollectionError:
    """A plugin's error as plugins raise it: a failure kind or an HTTP status attached."""
    error = CollectionError(f"GET /things: {kind or status}")
    if kind is not None:
        error.failure_kind = kind  # type: ignore[attr-defined]
    if status is not None:
        error.status_code = status  # type: ignore[attr-defined]
    return error


class _Response:
    status_code = 503


class _HttpError(Exception):
    response = _Response()


def _hidden_cause() -> CollectionError:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError:
        try:
            raise CollectionError("cannot reach the endpoint") from None
        except CollectionError as error:
            return error


@pytest.mark.parametrize(("error", "kind"), [
    (failure("authentication"), FailureKind.AUTHENTICATION),
    (failure("throttling"), FailureKind.THROTTLING),
    (failure(status=401), FailureKind.AUTHENTICATION),
    (failure(status=429), FailureKind.THROTTLING),
    (failure(status=500), FailureKind.SERVER_ERROR),
    (failure(status=504), FailureKind.SERVER_ERROR),
    (failure(status=408), FailureKind.SERVER_ERROR),
    (_HttpError(), FailureKind.SERVER_ERROR),
    (ConnectionRefusedError(111, "Connection refused"), FailureKind.UNREACHABLE),
    (TimeoutError("timed out"), FailureKind.UNREACHABLE),
    (_hidden_cause(), FailureKind.UNREACHABLE),
    (failure(status=403), None),
    (failure(status=404), None),
    (failure("no-such-kind"), None),
    (ValueError("bad JSON"), None),
    (KeyboardInterrupt(), None),
])
def test_failures_are_classified_from_the_error_and_its_chain(error: BaseException,
                                                              kind: FailureKind | None) -> None:
    """An explicit failure_kind, then an HTTP status, then Python's connection errors name
    the kind; a denial (403) or a bug is not counted."""
    assert classify(error) is kind


def test_an_explicit_kind_wins_over_the_status() -> None:
    """A plugin that says what a failure is is believed (a 503 answered by a token endpoint
    is an authentication failure for the scope)."""
    assert classify(failure("authentication", status=503)) is FailureKind.AUTHENTICATION


def trip(breaker: CircuitBreaker, scope: ScopeKey, error: BaseException, times: int) -> None:
    for _ in range(times):
        breaker.record_failure(scope, error, f"root cause: {error}")


def test_a_circuit_opens_at_the_threshold_with_the_root_cause() -> None:
    """Two server errors leave the namespace open; the third opens it for its other scopes."""
    breaker = CircuitBreaker(3)
    trip(breaker, key("network/vnets"), failure(status=500), 2)
    assert breaker.refusal(key("network/nics")) is None
    trip(breaker, key("network/nsgs"), failure(status=500), 1)
    assert breaker.refusal(key("network/nics")) == \
        "circuit open after 3 server-error failures: root cause: GET /things: 500"


def test_server_errors_open_only_their_service_namespace() -> None:
    """A back end answering 5xx fails its own namespace, not the account's other services."""
    breaker = CircuitBreaker(2)
    trip(breaker, key("network/vnets"), failure(status=500), 2)
    assert breaker.refusal(key("network/lbs")) is not None
    assert breaker.refusal(key("compute/disks")) is None
    assert breaker.refusal(key("network/lbs", account="other")) is None
    assert breaker.refusal(key("network/lbs", region="eu-west-1")) is None


def test_authentication_failures_open_the_whole_account_only() -> None:
    """Credentials are per account: every scope of that account is refused, no other."""
    breaker = CircuitBreaker(2)
    trip(breaker, key("network/vnets"), failure(status=401), 2)
    assert breaker.refusal(key("compute/disks")) is not None
    assert breaker.refusal(key("compute/disks", account="other")) is None


def test_an_unreachable_endpoint_opens_every_account_of_the_region() -> None:
    """The network path is shared by every account: the region's scopes of all accounts
    are refused, other regions are not."""
    breaker = CircuitBreaker(2)
    trip(breaker, key("s1"), ConnectionRefusedError(111, "refused"), 2)
    assert breaker.refusal(key("s9", account="other")) is not None
    assert breaker.refusal(key("s9", region="eu-west-1")) is None


def test_a_success_in_between_resets_the_count() -> None:
    """Only consecutive failures count: a scope completed in the same place starts over."""
    breaker = CircuitBreaker(3)
    trip(breaker, key("network/a"), failure(status=502), 2)
    breaker.record_success(key("network/b"))
    trip(breaker, key("network/c"), failure(status=502), 2)
    assert breaker.refusal(key("network/d")) is None


def test_uncounted_failures_never_open_a_circuit() -> None:
    """Denials and unclassified errors are each the scope's own business."""
    breaker = CircuitBreaker(1)
    trip(breaker, key("a"), failure(status=403), 5)
    trip(breaker, key("a"), ValueError("bad JSON"), 5)
    assert breaker.refusal(key("b")) is None


def test_threshold_zero_turns_the_breaker_off() -> None:
    """collect.circuit_breaker_threshold: 0 never opens a circuit."""
    breaker = CircuitBreaker(0)
    trip(breaker, key("a"), failure(status=401), 10)
    assert breaker.refusal(key("b")) is None


# Through the collect use case ---------------------------------------------------------------
class FailingCollector(Collector):
    """Each planned scope raises its scripted error (None: yields one asset)."""

    def __init__(self, ctx: CollectContext, script: dict[ScopeKey, BaseException | None]) -> None:
        super().__init__(ctx, {})
        self.script = script
        self.collected: list[ScopeKey] = []

    def plan(self) -> Iterable[ScopeKey]:
        return list(self.script)

    def collect(self, scope: ScopeKey) -> Iterator[Asset | Relationship]:
        self.collected.append(scope)
        error = self.script[scope]
        if error is not None:
            raise error
        yield Asset(id=f"demo:{scope.service}", provider="demo", asset_type="demo:things:thing",
                    account=scope.account)


@pytest.fixture
def run_script(sqlite_url: str) -> Iterator[Callable[..., Any]]:
    repository = SQLiteRepository(sqlite_url)

    def run(script: dict[ScopeKey, BaseException | None], **options: Any) -> Any:
        ctx = CollectContext("demo", limiter=RateLimiter("demo"), config={}, log=None)
        collector = FailingCollector(ctx, script)
        summary = CollectRun("demo", collector, repository, ctx,
                             CollectOptions(concurrency=1, **options)).execute()
        return summary, collector, ctx

    yield run
    repository.close()


def test_an_open_circuit_fails_the_remaining_scopes_at_once(run_script: Callable[..., Any]) -> None:
    """After three 500s in a namespace its other scopes are not collected: each is listed
    failed with the root cause, and the account's other services are still collected."""
    script: dict[ScopeKey, BaseException | None] = {
        key(f"network/{name}"): failure(status=500) for name in ("a", "b", "c", "d", "e")}
    script[key("compute/disks")] = None
    summary, collector, _ = run_script(script)
    assert collector.collected == [key("network/a"), key("network/b"), key("network/c"),
                                   key("compute/disks")]
    errors = {scope.key.service: scope.error for scope in summary.scopes}
    assert errors["network/a"] == "GET /things: 500"
    assert errors["network/d"] == errors["network/e"] == \
        "circuit open after 3 server-error failures: GET /things: 500"
    assert errors["compute/disks"] is None
    assert {s.status for s in summary.scopes if s.key.service.startswith("network/")} == \
        {ScopeStatus.FAILED}
    assert len(summary.scopes) == 6
    assert summary.run.status is RunStatus.PARTIAL
    assert summary.as_json()["counters"]["circuit_open"] == 2


def test_with_the_breaker_off_every_scope_is_tried(run_script: Callable[..., Any]) -> None:
    """circuit_breaker_threshold 0: each scope fails on its own, as before."""
    script: dict[ScopeKey, BaseException | None] = {
        key(f"network/{name}"): failure(status=500) for name in ("a", "b", "c", "d")}
    summary, collector, _ = run_script(script, circuit_breaker_threshold=0)
    assert len(collector.collected) == 4
    assert all(s.error == "GET /things: 500" for s in summary.scopes)


def test_the_threshold_is_a_config_key_with_an_environment_variable(tmp_path: Any) -> None:
    """collect.circuit_breaker_threshold defaults to 3; CLOUDSCOPE_COLLECT_CIRCUIT_BREAKER_THRESHOLD
    overrides it."""
    no_file = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert load_config(environ=no_file).settings.collect.circuit_breaker_threshold == 3
    environ = {**no_file, "CLOUDSCOPE_COLLECT_CIRCUIT_BREAKER_THRESHOLD": "0"}
    assert load_config(environ=environ).settings.collect.circuit_breaker_threshold == 0
