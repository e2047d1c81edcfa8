"""Pause Python's cyclic garbage collector around one large batch.

Building (or writing out) hundreds of thousands of objects that all survive makes the
cyclic GC walk the growing heap again and again while finding nothing; on 200,000 rows
that costs more than the work itself (2-3x). The batch loops create no reference
cycles, so pausing the collector for their duration is safe. Another thread that paused
it first keeps control (we only resume what we paused).

On resume, a batch that allocated many objects (its result) is promoted straight to the
oldest generation (see :func:`_promote_batch`), instead of being walked by the young
collections that would otherwise run at once and find nothing to free.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: below this many rows the collector is left alone (a pause is not worth it)
GC_PAUSE_ROWS = 2_000

#: a pause during which at least this many container objects were created (net) promotes
#: them on resume; small batches leave the young generations to the collector
PROMOTE_FROM = 50_000


@contextmanager
def paused_gc(rows: int = GC_PAUSE_ROWS) -> Iterator[None]:
    """Pause for a batch of ``rows`` (the default: unknown size, assume large)."""
    if rows < GC_PAUSE_ROWS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        _promote_batch()
        gc.enable()


def _promote_batch() -> None:
    """Move what the batch created into the oldest generation, unexamined.

    The batch's objects are its result and survive: the young collection that runs on
    resume would walk every one of them (45 ms for 200,000 models with their dicts and
    lists) and free nothing, and the next generation would walk them again.
    ``gc.freeze()`` + ``gc.unfreeze()`` moves every tracked object to the oldest
    generation in constant time, where full collections examine them as usual; objects
    without cycles are freed by reference counting whatever their generation.

    Only after large batches, and never when the program froze objects itself (unfreeze
    would release them). The trade-off: reference cycles other code left in the young
    generations at that moment are freed at the next full collection instead of the
    next young one.
    """
    if gc.get_count()[0] >= PROMOTE_FROM and gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
