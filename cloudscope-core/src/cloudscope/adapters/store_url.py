"""What the file-based stores' URLs share: the path they name and their ``?timeout=``.

A URL is user input like any other (issue 12): a ``%00`` or a percent-encoded byte that is
not UTF-8 in the path, or a timeout of ``nan`` or ``1e999``, is a one-line StoreError
naming the URL, not a Python error half way through opening the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final
from urllib.parse import unquote

from cloudscope.domain.errors import StoreError

DEFAULT_TIMEOUT_S: Final = 30.0
MAX_TIMEOUT_S: Final = 86_400.0


def url_path(url: str, encoded: str) -> str:
    """The percent-decoded path ``encoded`` of ``url``: UTF-8, without NUL."""
    try:
        path = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        raise StoreError(f"--db {url!r}: the path is not UTF-8 once %-decoded",
                         hint="encode the path's characters in UTF-8") from None
    if "\0" in path:
        raise StoreError(f"--db {url!r}: the path holds a NUL byte (%00)")
    return path


def timeout_option(url: str, options: Mapping[str, Sequence[str]]) -> float:
    """``?timeout=SECONDS``: how long a writer waits for another (default 30)."""
    text = (options.get("timeout") or [str(DEFAULT_TIMEOUT_S)])[-1]
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= MAX_TIMEOUT_S):
        raise StoreError(f"--db {url!r}: ?timeout={text} is not a number of seconds from 0 "
                         f"to {MAX_TIMEOUT_S:.0f}")
    return value
