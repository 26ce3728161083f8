"""Fewer cyclic garbage collections for the long loops that build millions of objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_garbage_collections() -> Iterator[None]:
    """Raise the young-generation threshold for the duration of the block.

    A collection or an export allocates millions of short-lived dicts and models, none in
    reference cycles (reference counting frees them). At the default threshold (700) the
    cyclic collector ran every few assets, and objects alive across a chunk were promoted
    until full collections followed: a tenth of a collection's time, a fifth of an
    export's (gc.callbacks, 200,000 assets; docs/performance.md). Memory stays bounded by
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
