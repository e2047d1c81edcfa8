"""The GC pause around large batches: it rests, resumes, promotes big results, and
never takes over a collector someone else controls."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from clickorm.gcpause import GC_PAUSE_ROWS, PROMOTE_FROM, paused_gc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


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


def test_a_large_result_is_promoted_to_the_oldest_generation() -> None:
    with paused_gc():
        result = [[i] for i in range(PROMOTE_FROM + 1_000)]
    assert _in_generation(result, 2) and _in_generation(result[-1], 2)
    with paused_gc():
        small = [[i] for i in range(100)]
    assert not _in_generation(small, 2)  # a small batch is left to the young collections


def test_objects_the_program_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            result = [[i] for i in range(PROMOTE_FROM + 1_000)]
        assert gc.get_freeze_count() == frozen
        assert not _in_generation(result, 2)  # no promotion while the program froze objects
    finally:
        gc.unfreeze()


def test_reference_cycles_made_during_a_batch_are_still_collected() -> None:
    with paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        probe = weakref.ref(a)
        _ballast = [[i] for i in range(PROMOTE_FROM + 1_000)]
        del a, b
    gc.collect()  # promoted or not, a full collection finds the cycle
    assert probe() is None
