"""Fields AWS changes by itself, on every read or every few minutes, by asset type.

Change tracking (API 1.1, ``Collector.volatile_fields``) never reports them; the stored
asset still takes their new values. Paths are under ``properties``, in FieldPath syntax.
"""

from __future__ import annotations

from typing import Final

VOLATILE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    # The latest point in time a restore can reach: moves every few minutes (moto answers
    # the current time on every call).
    "aws:rds:db-instance": ("LatestRestorableTime",),
    # Timestamps of last use, from ListUsers and GetAccountAuthorizationDetails.
    "aws:iam:user": ("PasswordLastUsed",),
    "aws:iam:role": ("RoleLastUsed",),
    # GetTrailStatus: when the trail last delivered, tried, notified (every few minutes).
    "aws:cloudtrail:trail": tuple(f"Status.{name}" for name in (
        "LatestDeliveryTime", "LatestDigestDeliveryTime", "LatestNotificationTime",
        "LatestCloudWatchLogsDeliveryTime", "LatestDeliveryAttemptTime",
        "LatestNotificationAttemptTime", "LatestDeliveryAttemptSucceeded",
        "LatestNotificationAttemptSucceeded")),
}
