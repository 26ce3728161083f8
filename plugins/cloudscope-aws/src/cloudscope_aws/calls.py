"""API call helpers: every element across an operation's pages, and calls whose "not
found" answer means "not configured" (a bucket without a policy, a function without one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError


def each(client: BaseClient, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every element of the list ``key`` in the responses of ``operation`` (snake case),
    following pagination when botocore knows how."""
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key) or ()
    else:
        yield from getattr(client, operation)(**kwargs).get(key) or ()


def optional(call: Callable[[], dict[str, Any]], *absent: str) -> dict[str, Any] | None:
    """``call()``'s response, or None when AWS answers with one of the ``absent`` error
    codes (``NoSuchBucketPolicy``, ``ResourceNotFoundException``...)."""
    try:
        return call()
    except ClientError as error:
        if error_code(error) in absent:
            return None
        raise


def error_code(error: ClientError) -> str:
    """The AWS error code of a client error (``AccessDenied``)."""
    return str(error.response.get("Error", {}).get("Code") or "Unknown")


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    """``items`` in lists of at most ``size`` (APIs that take up to 20 ARNs per call)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
