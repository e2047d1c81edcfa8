"""QueryState: the immutable description of one query.

A tuple subclass with named fields. Builders never mutate it: ``state.set(field, v)``
returns a new state sharing everything else, which is what makes a builder safe to
share, cache and reuse across threads.

The fields most queries touch sit in the outer tuple (copied on every builder call);
the rarely used ones (ClickHouse modifiers, CTEs, write payloads, model options) live in
one nested ``Extras`` tuple, so a builder step copies 10 slots instead of 24. Read
every field by name (``state.wheres``, ``state.final``); the index constants below are
for the few hot paths that need them.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

HOT_FIELDS = (
    "table",  # Table | Subquery | None
    "columns",  # tuple of expressions; () means *
    "wheres",  # tuple of (conjunction "AND"|"OR", condition)
    "joins",  # tuple of Join
    "groups",  # tuple of expressions
    "havings",  # tuple of (conjunction, condition)
    "orders",  # tuple of Order
    "limit",  # int | None
    "offset",  # int | None
)
EXTRA_FIELDS = (
    "distinct",  # bool
    "group_modifier",  # None | "WITH TOTALS" | "WITH ROLLUP" | "WITH CUBE"
    "final",  # bool (ClickHouse FINAL); "meta" when it comes from a model's Meta.final
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
FIELDS = HOT_FIELDS + EXTRA_FIELDS
TABLE, COLUMNS, WHERES, JOINS, GROUPS, HAVINGS, ORDERS, LIMIT, OFFSET, EXTRA = range(10)
_HOT_INDEX = {name: i for i, name in enumerate(HOT_FIELDS)}
_EXTRA_INDEX = {name: i for i, name in enumerate(EXTRA_FIELDS)}

_new = tuple.__new__


class Extras(tuple):
    """The rarely used fields of a QueryState (see ``EXTRA_FIELDS``)."""

    __slots__ = ()


class QueryState(tuple):
    """Immutable query description; read fields by name (see ``FIELDS``)."""

    __slots__ = ()

    # field accessors, spelled out so type checkers see them
    table = property(itemgetter(0))
    columns = property(itemgetter(1))
    wheres = property(itemgetter(2))
    joins = property(itemgetter(3))
    groups = property(itemgetter(4))
    havings = property(itemgetter(5))
    orders = property(itemgetter(6))
    limit = property(itemgetter(7))
    offset = property(itemgetter(8))
    distinct = property(lambda self: self[EXTRA][0])
    group_modifier = property(lambda self: self[EXTRA][1])
    final = property(lambda self: self[EXTRA][2])
    sample = property(lambda self: self[EXTRA][3])
    prewheres = property(lambda self: self[EXTRA][4])
    array_joins = property(lambda self: self[EXTRA][5])
    limit_by = property(lambda self: self[EXTRA][6])
    settings = property(lambda self: self[EXTRA][7])
    ctes = property(lambda self: self[EXTRA][8])
    unions = property(lambda self: self[EXTRA][9])
    action = property(lambda self: self[EXTRA][10])
    payload = property(lambda self: self[EXTRA][11])
    eager = property(lambda self: self[EXTRA][12])
    options = property(lambda self: self[EXTRA][13])

    def set(self, field: str, value: Any) -> QueryState:
        return self.set_many(**{field: value})

    def set_many(self, **changes: Any) -> QueryState:
        items = list(self)
        extra: list[Any] | None = None
        for field, value in changes.items():
            index = _HOT_INDEX.get(field)
            if index is not None:
                items[index] = value
                continue
            if field not in _EXTRA_INDEX:
                raise KeyError(f"QueryState has no field {field!r}")
            if extra is None:
                extra = list(items[EXTRA])
            extra[_EXTRA_INDEX[field]] = value
        if extra is not None:
            items[EXTRA] = _new(Extras, extra)
        return _new(QueryState, items)

    @property
    def has_extras(self) -> bool:
        """True when any rare field differs from its default (slow paths needed)."""
        return self[EXTRA] is not EMPTY_EXTRAS and self[EXTRA] != EMPTY_EXTRAS

    def option(self, name: str, default: Any = None) -> Any:
        for key, value in self[EXTRA][13]:
            if key == name:
                return value
        return default

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(HOT_FIELDS, self, strict=False)) | dict(
            zip(EXTRA_FIELDS, self[EXTRA], strict=True))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{n}={v!r}" for n, v in self.as_dict().items() if v not in ((), None, False)
        )
        return f"QueryState({shown})"


EMPTY_EXTRAS = _new(
    Extras, (False, None, False, None, (), (), None, (), (), (), "select", None, (), ())
)
EMPTY = _new(QueryState, (None, (), (), (), (), (), (), None, None, EMPTY_EXTRAS))
assert len(EMPTY_EXTRAS) == len(EXTRA_FIELDS) and len(EMPTY) == len(HOT_FIELDS) + 1


def initial_state(table: Any = None) -> QueryState:
    return EMPTY if table is None else EMPTY.set("table", table)
