"""Compact JSON for storage and exports, tolerant of SDK types (datetime, Decimal, bytes)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def json_default(value: Any) -> Any:
    """Turn the non-JSON types SDKs return into JSON: times as ISO 8601 UTC, sets as lists."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)


# One encoder for every call: json.dumps builds a new JSONEncoder whenever it is given
# options, which cost a third of the time of writing a batch of assets.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=json_default)


def dumps(value: Any) -> str:
    """Compact JSON text, keys in their given order, non-ASCII kept."""
    if not value and isinstance(value, dict):
        return "{}"
    return _ENCODER.encode(value)


def loads(text: str) -> Any:
    """Parse JSON text."""
    return json.loads(text)
