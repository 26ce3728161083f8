"""Fewer cyclic garbage collections for the long loops that build millions of objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_garbage_collections() -> Iterator[None]:
    """Raise the young-generation threshold for the duration of the block.

    A collection, an assessment or an export allocates millions of short-lived dicts and
    models, none in reference cycles (reference counting frees them). At the default
    threshold (700) the cyclic collector ran every few assets, and objects alive across a
    chunk were promoted until full collections followed: a tenth of a collection's time, a
    fifth of an export's, a twentieth of an assessment's at 90,000 assets, whose rule
    indexes make each full collection longer as the estate grows (gc.callbacks;
    docs/performance.md). Memory stays bounded by
    the chunks, which reference counting frees.

    The threshold is process-wide: use it where one operation owns the process (the CLI),
    not around work that runs beside other threads' (the server's exports).
    """
    previous = gc.get_threshold()
    gc.set_threshold(50_000, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
