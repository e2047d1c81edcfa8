"""QueryState: the immutable description of one query.

A tuple subclass with named fields. Builders never mutate it: ``state.set(field, v)``
returns a new state sharing everything else, which is what makes a builder safe to
share, cache and reuse across threads.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

FIELDS = (
    "table",  # Table | Subquery | None
    "columns",  # tuple of expressions; () means *
    "distinct",  # bool
    "wheres",  # tuple of (conjunction "AND"|"OR", condition)
    "joins",  # tuple of Join
    "groups",  # tuple of expressions
    "group_modifier",  # None | "WITH TOTALS" | "WITH ROLLUP" | "WITH CUBE"
    "havings",  # tuple of (conjunction, condition)
    "orders",  # tuple of Order
    "limit",  # int | None
    "offset",  # int | None
    "final",  # bool (ClickHouse FINAL)
    "sample",  # None | (ratio, offset | None)
    "prewheres",  # tuple of (conjunction, condition)
    "array_joins",  # tuple of (is_left, tuple of expressions)
    "limit_by",  # None | (n, tuple of expressions, offset | None)
    "settings",  # tuple of (name, value)
    "ctes",  # tuple of (name, Subquery)
    "unions",  # tuple of (all: bool, QueryState)
    "action",  # "select" | "insert" | "update" | "delete"
    "payload",  # action data: update -> tuple of Assign; insert -> (columns, rows)
    "eager",  # tuple of relation paths for eager loading ("posts.comments")
    "options",  # tuple of (name, value): hydration and write options
)
INDEX = {name: i for i, name in enumerate(FIELDS)}

_new = tuple.__new__


class QueryState(tuple):
    """Immutable query description; see ``FIELDS`` for the meaning of each slot."""

    __slots__ = ()

    def set(self, field: str, value: Any) -> QueryState:
        items = list(self)
        items[INDEX[field]] = value
        return _new(QueryState, items)

    def set_many(self, **changes: Any) -> QueryState:
        items = list(self)
        for field, value in changes.items():
            items[INDEX[field]] = value
        return _new(QueryState, items)

    def option(self, name: str, default: Any = None) -> Any:
        for key, value in self[22]:
            if key == name:
                return value
        return default

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{n}={v!r}" for n, v in zip(FIELDS, self, strict=True) if v not in ((), None, False)
        )
        return f"QueryState({shown})"


for _i, _name in enumerate(FIELDS):
    setattr(QueryState, _name, property(itemgetter(_i)))

EMPTY = _new(
    QueryState,
    (None, (), False, (), (), (), None, (), (), None, None, False, None, (), (), None, (), (),
     (), "select", None, (), ()),
)
assert len(EMPTY) == len(FIELDS)


def initial_state(table: Any = None) -> QueryState:
    return EMPTY if table is None else EMPTY.set("table", table)
