"""The compiled per-row loops (``clickorm._speedups``), when they are available.

Hydration, bulk-insert extraction and marking inserted rows persisted each run one tiny
loop per row, and the interpreter's dispatch is a third to a half of their time. The C
module (``_speedups.c``, built by ``pip install``) runs the same loops compiled. It is
optional: without a C compiler the install still succeeds and the generated Python loops
(``model/hydration.py``, ``model/extraction.py``) run instead. Those are the reference
behaviour: the tests that hydrate and insert run a second time without the C loops (tox
env ``pure``), and ``tests/test_speedups.py`` compares the two paths directly. The
compiler's plain WHERE conditions (``BaseGrammar.conditions``) and the builders' copy
step are compiled the same way, checked by ``tests/test_compiled_conditions.py`` and
``tests/test_builder_steps.py``.

``CLICKORM_PURE_PYTHON=1`` in the environment turns the C loops off, e.g. to debug.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from types import ModuleType
from typing import Any

__all__ = ["compiled", "active", "value_types"]


def _load() -> ModuleType | None:
    if os.environ.get("CLICKORM_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:  # optional C extension: loaded by name (not `from clickorm import`, which is the
        # whole public package to the import-layer check)
        return importlib.import_module("clickorm._speedups")
    except ImportError:
        return None


#: the C module, or None (not built, or turned off); tests swap it to run both paths
compiled: ModuleType | None = _load()


def active() -> bool:
    """Whether the C loops are in use (part of the memo keys of generated loops)."""
    return compiled is not None


def value_types(values: Iterable[Any]) -> set[type]:
    """``set(map(type, values))``: the exact types in a column, which bulk-insert
    encoders check before converting it in one call. With the C loops a list or tuple
    is read in one pass that compares each item's type with the last one added (ten
    times faster on a column of one type)."""
    if compiled is not None and type(values) in (list, tuple):
        found: set[type] = compiled.types(values)
        return found
    return set(map(type, values))
