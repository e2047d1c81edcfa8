"""Shared benchmark helpers: medians of many timed batches, ratios, a printed verdict.

Benchmarks report ratios against a reference measured in the same run, because absolute
times on shared machines are noise. Nothing here is a test; scripts print and exit 0
unless ``--strict`` is passed, in which case a missed target exits 1.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def per_call_seconds(fn: Callable[[], Any], *, number: int, repeat: int) -> list[float]:
    """Time ``repeat`` batches of ``number`` calls; return seconds per call per batch."""
    fn()  # warm caches and imports
    out = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            out.append((time.perf_counter() - start) / number)
    finally:
        if gc_was:
            gc.enable()
    return out


def median_us(fn: Callable[[], Any], *, number: int = 2000, repeat: int = 15) -> float:
    return statistics.median(per_call_seconds(fn, number=number, repeat=repeat)) * 1e6


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Wall time of the fastest of ``repeat`` runs of a heavy operation, in seconds.

    The result is dropped inside the clock, as ``timeit`` does: freeing 200,000 models
    costs more than freeing 200,000 tuples, and that is part of the ORM's price.
    """
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


@dataclass
class Report:
    title: str
    rows: list[tuple[str, str, bool | None]] = field(default_factory=list)

    def line(self, label: str, value: str, ok: bool | None = None) -> None:
        self.rows.append((label, value, ok))

    def print(self) -> bool:
        from clickorm import speedups

        loops = ("compiled (clickorm._speedups)" if speedups.active()
                 else "pure Python (CLICKORM_PURE_PYTHON or no compiler at install)")
        print(f"\n== {self.title} ==\n  per-row loops: {loops}")
        width = max(len(r[0]) for r in self.rows) if self.rows else 10
        all_ok = True
        for label, value, ok in self.rows:
            mark = "" if ok is None else ("  PASS" if ok else "  FAIL")
            all_ok = all_ok and ok is not False
            print(f"  {label:<{width}}  {value}{mark}")
        return all_ok


def finish(ok: bool) -> None:
    if "--strict" in sys.argv and not ok:
        sys.exit(1)
