"""The GC pause around large batches: it rests, resumes, and never takes over a
collector someone else controls."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from clickorm.gcpause import GC_PAUSE_ROWS, paused_gc


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_a_large_batch_pauses_the_collector_and_resumes_it() -> None:
    with paused_gc(GC_PAUSE_ROWS):
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():  # resumed on errors too
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_small_batches_and_foreign_pauses_are_left_alone() -> None:
    with paused_gc(GC_PAUSE_ROWS - 1):
        assert gc.isenabled()
    gc.disable()  # someone else paused it: they resume it, not us
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
