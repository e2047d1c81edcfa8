"""Default table names: the class name in snake_case, pluralised.

``User`` -> ``users``, ``PageView`` -> ``page_views``, ``Category`` -> ``categories``,
``Address`` -> ``addresses``, ``HTTPLog`` -> ``http_logs``. The rules are deliberately
simple English ones (consonant + y -> ies; s, x, z, ch, sh -> es; otherwise s) plus a
handful of common irregular nouns; set ``Meta.table_name`` whenever they guess wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["snake_case", "pluralize", "default_table_name", "did_you_mean"]

_BOUNDARY_1 = re.compile(r"(.)([A-Z][a-z]+)")
_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")

_IRREGULAR = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "foot": "feet",
    "tooth": "teeth",
    "datum": "data",
    "index": "indices",
    "matrix": "matrices",
    "vertex": "vertices",
    "status": "statuses",
}
_UNCOUNTABLE = frozenset({"data", "metadata", "info", "news", "series", "species", "money",
                          "equipment", "information", "sheep", "fish", "feedback"})


def snake_case(name: str) -> str:
    """``PageView`` -> ``page_view``; ``HTTPLog`` -> ``http_log``."""
    return _BOUNDARY_2.sub(r"\1_\2", _BOUNDARY_1.sub(r"\1_\2", name)).lower()


def pluralize(word: str) -> str:
    """English plural of the last ``_``-separated word of ``word``."""
    head, sep, last = word.rpartition("_")
    low = last.lower()
    if low in _UNCOUNTABLE:
        plural = last
    elif low in _IRREGULAR:
        plural = _IRREGULAR[low]
    elif low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    elif low.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    else:
        plural = last + "s"
    return head + sep + plural


def default_table_name(class_name: str) -> str:
    """The table a model class maps to when ``Meta.table_name`` is not set."""
    return pluralize(snake_case(class_name))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x', 'y'?`` for the names closest to ``name`` (else empty)."""
    close = difflib.get_close_matches(name, sorted(choices), n=3)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
