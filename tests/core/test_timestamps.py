"""Stored and exported times: one fixed-width UTC text per instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from cloudscope.domain.timestamps import isoformat


def test_equal_instants_format_the_same_whatever_their_zone() -> None:
    """The same instant in two zones is one text (the cache keys on equal datetimes)."""
    utc = datetime(2024, 5, 1, 9, 0, 0, 123, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=2)))
    assert isoformat(paris) == isoformat(utc) == "2024-05-01T09:00:00.000123Z"


def test_naive_time_is_taken_as_utc_and_not_confused_with_an_aware_one() -> None:
    """A naive time is read as UTC; an aware time of another instant stays its own."""
    assert isoformat(datetime(2024, 5, 1, 9)) == "2024-05-01T09:00:00.000000Z"
    later = datetime(2024, 5, 1, 9, tzinfo=timezone(timedelta(hours=-1)))
    assert isoformat(later) == "2024-05-01T10:00:00.000000Z"
