"""The cyclic garbage collector's threshold while a long loop owns the process."""

from __future__ import annotations

import gc

import pytest
from cloudscope.application.garbage import fewer_garbage_collections


def test_threshold_is_raised_inside_and_restored_after_even_on_error() -> None:
    """Inside the block the young generation is collected rarely; after it, as before."""
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_garbage_collections():
        assert gc.get_threshold()[0] == 50_000
        assert gc.get_threshold()[1:] == before[1:]
        raise RuntimeError("export failed")
    assert gc.get_threshold() == before
