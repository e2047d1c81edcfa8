"""Epoch seconds of a column of naive datetimes: the native driver's DateTime fast path.

clickhouse-driver takes epoch seconds as plain ints for a ``DateTime`` column and skips
its own per-value conversion. The compiled loop (``_datetimes.c``, built by ``pip
install`` where a C compiler exists) converts a column in one pass; it is optional, and
:func:`naive_epoch_seconds_python` is the reference it must match (the plugin's tests
compare the two). ``CLICKORM_PURE_PYTHON=1`` turns the compiled loop off, like the core's.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["compiled", "naive_epoch_seconds", "naive_epoch_seconds_python"]

_EPOCH = _dt.datetime(1970, 1, 1)
_SECOND = _dt.timedelta(seconds=1)


def _load() -> ModuleType | None:
    if os.environ.get("CLICKORM_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:  # the optional C extension, loaded by name (it has no stub for `from ... import`)
        return importlib.import_module("clickorm_clickhouse._datetimes")
    except ImportError:  # built without a C compiler: the Python loop runs
        return None


#: the C module, or None (not built, or turned off); tests swap it to run both paths
compiled: ModuleType | None = _load()


def naive_epoch_seconds_python(values: Sequence[Any]) -> list[int] | None:
    """``(v - 1970-01-01) // 1 s`` for each value, or None unless every value is a naive
    ``datetime.datetime`` (exact type): Nullable columns, aware values and subclasses
    keep the driver's own path."""
    for v in values:
        if type(v) is not _dt.datetime or v.tzinfo is not None:
            return None
    epoch, second = _EPOCH, _SECOND
    return [(v - epoch) // second for v in values]


def naive_epoch_seconds(values: Sequence[Any]) -> list[int] | None:
    """:func:`naive_epoch_seconds_python`, compiled where the extension is built."""
    if compiled is not None:
        result: list[int] | None = compiled.naive_epoch_seconds(values)
        return result
    return naive_epoch_seconds_python(values)
