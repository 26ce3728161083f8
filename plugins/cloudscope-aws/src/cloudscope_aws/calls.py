"""API call helpers: every element across an operation's pages, calls whose "not found"
answer means "not configured" (a bucket without a policy, a function without one), and
per-resource calls that AWS may deny without losing the resource."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Final, TypeVar

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from cloudscope_aws.errors import denial, error_code, is_denied, is_unsupported

__all__ = ["Details", "chunks", "each", "each_transformed", "error_code", "fan_out", "optional"]

Item = TypeVar("Item")
Result = TypeVar("Result")

DETAIL_WORKERS: Final = 4
"""Threads per scope for per-resource calls (a bucket's seven configuration calls, a
function's tags and policy): a scope of many buckets would otherwise be one long serial
chain. Each worker has its own clients; the rate limiter still bounds the total."""


def each(client: BaseClient, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every element of the list ``key`` in the responses of ``operation`` (snake case),
    following pagination when botocore knows how."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key) or ()
    else:
        yield from getattr(client, operation)(**kwargs).get(key) or ()


def each_transformed(client: BaseClient, listings: Sequence[tuple[str, str, Callable[..., Any]]],
                     *leading: Any) -> Iterator[Any]:
    """For each ``(operation, key, transform)``, every element of the listing passed
    through ``transform(*leading, element)``, whose items are yielded in turn."""
    for operation, key, transform in listings:
        for element in each(client, operation, key):
            yield from transform(*leading, element)


def optional(call: Callable[[], dict[str, Any]], *absent: str) -> dict[str, Any] | None:
    """``call()``'s response, or None when AWS answers with one of the ``absent`` error
    codes (``NoSuchBucketPolicy``, ``ResourceNotFoundException``...)."""
    try:
        return call()
    except ClientError as error:
        if error_code(error) in absent:
            return None
        raise


class Details:
    """The secondary calls about one resource (a bucket's policy, a key's rotation).

    :meth:`read` returns a call's response, or None when the resource has no such
    configuration (one of the ``absent`` error codes) or when AWS denied the call (or the
    endpoint has no such operation): one unreadable detail never loses the resource or
    its scope. A denial is recorded in
    ``unavailable`` (the property it would have filled -> ``s3 GetBucketPolicy:
    AccessDenied``), which the transforms store as ``properties._unavailable``, and
    reported to ``on_denied`` (the run's ``details_unavailable`` counter and a warning).
    Any other error propagates and fails the scope.
    """

    __slots__ = ("_on_denied", "unavailable")

    def __init__(self, on_denied: Callable[[str], None]) -> None:
        self._on_denied = on_denied
        self.unavailable: dict[str, str] = {}

    def read(self, name: str, client: BaseClient, method: str, /, *absent: str,
             **kwargs: Any) -> dict[str, Any] | None:
        """``client.method(**kwargs)``'s response for the property ``name``, or None."""
        try:
            return optional(partial(getattr(client, method), **kwargs), *absent)
        except ClientError as error:
            self._denied(name, client, error)
            return None

    def read_all(self, name: str, client: BaseClient, method: str, key: str, /,
                 **kwargs: Any) -> list[Any] | None:
        """Every element of ``key`` across the pages of ``client.method(**kwargs)``, or
        None when denied."""
        try:
            return list(each(client, method, key, **kwargs))
        except ClientError as error:
            self._denied(name, client, error)
            return None

    def _denied(self, name: str, client: BaseClient, error: ClientError) -> None:
        # An operation the endpoint does not have is as unreadable as a denied one.
        if not (is_denied(error) or is_unsupported(error)):
            raise error
        self.mark(name, denial(client.meta.service_model.service_name, error))

    def mark(self, name: str, reason: str) -> None:
        """Record ``name`` as unavailable for ``reason`` and report it (also for a denial
        shared by many resources, such as the account's public access block: the counter
        counts what each asset misses)."""
        self.unavailable[name] = reason
        self._on_denied(reason)


def chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    """``items`` in lists of at most ``size`` (APIs that take up to 20 ARNs per call)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def fan_out(function: Callable[[Item], Result], items: Iterable[Item],
            workers: int = DETAIL_WORKERS) -> Iterator[Result]:
    """``function(item)`` for every item, ``workers`` at a time, results in order.

    A failure is raised when its result is reached; the calls not yet started are then
    cancelled, so a failing scope stops quickly.
    """
    pending = list(items)
    if workers <= 1 or len(pending) <= 1:
        yield from map(function, pending)
        return
    pool = ThreadPoolExecutor(max_workers=min(workers, len(pending)),
                              thread_name_prefix="cloudscope-aws-detail")
    try:
        yield from pool.map(function, pending)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
