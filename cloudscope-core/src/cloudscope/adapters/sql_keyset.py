"""Keyset pagination in SQL, shared by the SQLite and PostgreSQL read paths.

Listings are ordered by (provider, account, asset_type, id) with an absent account first,
and findings by (severity_rank, asset_id, rule_id). "After this key" is a row-value
comparison, which both databases evaluate as SQL defines it: left to right, and unknown
(so excluded) when the first unequal pair holds a NULL. For a key with an account, that is
exactly right: rows of the same provider without an account sort before it. A key without
one needs its own clause. Both stores compare text in byte order (SQLite's BINARY,
PostgreSQL's "C" collation), the order the listings use.
"""

from __future__ import annotations

from typing import Any

from cloudscope.domain.query import AssetKey, FindingKey


def asset_after(after: AssetKey, mark: str) -> tuple[str, list[Any]]:
    """The condition "comes after ``after`` in the listing order", and its parameters.
    ``mark`` is the driver's placeholder (``?`` or ``%s``)."""
    provider, account, asset_type, asset_id = after
    if account is not None:
        # The planners seek the listing index straight to the key with this form.
        return (f"(provider, account, asset_type, id) > ({mark}, {mark}, {mark}, {mark})",
                [provider, account, asset_type, asset_id])
    # "provider >= mark" alone lets the planner skip the providers before the key.
    return (f"provider >= {mark} AND (provider > {mark} OR (provider = {mark} AND"
            f" (account IS NOT NULL OR (asset_type, id) > ({mark}, {mark}))))",
            [provider, provider, provider, asset_type, asset_id])


def finding_after(after: FindingKey, mark: str, prefix: str = "") -> tuple[str, list[Any]]:
    """The condition "comes after ``after`` in the findings' order", and its parameters."""
    return (f"({prefix}severity_rank, {prefix}asset_id, {prefix}rule_id)"
            f" > ({mark}, {mark}, {mark})", list(after))
