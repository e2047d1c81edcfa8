"""Grouping a session's statement updates (MergeTree mutations) into few statements.

A mutation rewrites parts, so rows given identical changes share one
``ALTER TABLE ... UPDATE ... WHERE key IN (...)``. Grouping must never change what is
written: changes group only when they would be written identically, writes to one row
keep their order, and each statement's key list stays under the server's max_query_size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from clickorm.dialects import primary_key_values

__all__ = ["KEYS_PER_STATEMENT", "KEY_TEXT_PER_STATEMENT", "same_changes", "statement_parts",
           "frozen_changes"]

#: limits of one grouped UPDATE: the native driver writes the key list into the SQL text,
#: and the server refuses statements longer than max_query_size (256 KiB by default)
KEYS_PER_STATEMENT = 2_000
KEY_TEXT_PER_STATEMENT = 100_000


def same_changes(statements: Sequence[tuple[Any, Mapping[str, Any], str]]
                 ) -> list[tuple[list[Any], Mapping[str, Any], str]]:
    """Statement updates grouped by (model, engine family, identical changes).

    Only models with a one-column primary key group; the others stay alone. The order of
    writes to one row is kept: when a row's key comes back (two loaded copies of it),
    the groups gathered so far are closed first, so the later change still lands last.
    """
    out: list[tuple[list[Any], Mapping[str, Any], str]] = []
    groups: dict[Any, tuple[list[Any], Mapping[str, Any], str]] = {}
    seen: set[Any] = set()
    for instance, changes, family in statements:
        cls = type(instance)
        key: Any = None
        row: Any = None
        if len(cls.__primary_key__) == 1:
            try:
                key = (cls, family, frozen_changes(changes))
                row = (cls, _frozen(primary_key_values(instance)))
                hash(key), hash(row)
            except TypeError:  # a value that cannot be compared or hashed: no grouping
                key = row = None
        if row is None or row in seen:
            out.extend(groups.values())
            groups.clear()
            seen.clear()
        if key is None:
            out.append(([instance], changes, family))
            continue
        seen.add(row)
        groups.setdefault(key, ([], changes, family))[0].append(instance)
    out.extend(groups.values())
    return out


def statement_parts(group: list[Any]) -> list[list[Any]]:
    """A group cut so each statement's key list stays well under max_query_size."""
    parts: list[list[Any]] = []
    part: list[Any] = []
    size = 0
    for instance in group:
        width = len(repr(primary_key_values(instance)[0])) + 4  # quotes, escapes, ", "
        if part and (len(part) >= KEYS_PER_STATEMENT or size + width > KEY_TEXT_PER_STATEMENT):
            parts.append(part)
            part, size = [], 0
        part.append(instance)
        size += width
    if part:
        parts.append(part)
    return parts


def frozen_changes(changes: Mapping[str, Any]) -> Any:
    """A hashable stand-in for a change set: field names sorted, values as they are."""
    return tuple(sorted((name, _frozen(value)) for name, value in changes.items()))


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a value, keeping what equality forgets: types (1, 1.0 and
    True stay apart), the order of a mapping's items, the sign of a zero."""
    if isinstance(value, Mapping):
        return (type(value), tuple((_frozen(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_frozen(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return (type(value), frozenset(_frozen(v) for v in value))
    if isinstance(value, float):
        return (float, value, math.copysign(1.0, value))
    return (type(value), value)
