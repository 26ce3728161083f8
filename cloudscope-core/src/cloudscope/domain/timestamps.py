"""UTC timestamps: every time the domain holds is timezone-aware and in UTC."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def utc_now() -> datetime:
    """The current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def require_utc(value: datetime) -> datetime:
    """Reject naive datetimes and normalise aware ones to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a timezone (e.g. a trailing 'Z' or '+00:00')")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(require_utc)]
"""A datetime validated to be timezone-aware and normalised to UTC."""


# Cached: an export writes two times per asset, and the assets of one collected scope
# share their last_seen. Equal datetimes are the same instant (or the same naive time),
# which this formats the same way.
@functools.lru_cache(maxsize=4096)
def isoformat(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and an explicit ``Z``: fixed width, so it sorts as
    text. The format of every stored and exported time; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
