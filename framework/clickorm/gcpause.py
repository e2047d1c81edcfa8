"""Pause Python's cyclic garbage collector around one large batch.

Building (or writing out) hundreds of thousands of objects that all survive makes the
cyclic GC walk the growing heap again and again while finding nothing; on 200,000 rows
that costs more than the work itself (2-3x). The batch loops create no reference
cycles, so pausing the collector for their duration is safe. Another thread that paused
it first keeps control (we only resume what we paused).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: below this many rows the collector is left alone (a pause is not worth it)
GC_PAUSE_ROWS = 2_000


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
        gc.enable()
