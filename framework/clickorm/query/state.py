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

try:  # the C slot getter namedtuple uses; property(itemgetter) where it is missing
    from _collections import _tuplegetter
except ImportError:  # pragma: no cover - other Python implementations
    def _tuplegetter(index: int, doc: str | None) -> Any:
        return property(itemgetter(index), doc=doc)

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
#: hot field name -> its slot (for the compiler's clause walk)
HOT_INDEX = _HOT_INDEX = {name: i for i, name in enumerate(HOT_FIELDS)}
_EXTRA_INDEX = {name: i for i, name in enumerate(EXTRA_FIELDS)}

_new = tuple.__new__


def _field(index: int) -> Any:
    """A C-level getter for one tuple slot (what namedtuple uses)."""
    return _tuplegetter(index, None)


def _extra_field(index: int) -> property:
    """A property reading one field of the nested Extras."""
    return property(lambda self: self[EXTRA][index])


class Extras(tuple[Any, ...]):
    """The rarely used fields of a QueryState (see ``EXTRA_FIELDS``), read by name."""

    __slots__ = ()

    distinct = _field(0)
    group_modifier = _field(1)
    final = _field(2)
    sample = _field(3)
    prewheres = _field(4)
    array_joins = _field(5)
    limit_by = _field(6)
    settings = _field(7)
    ctes = _field(8)
    unions = _field(9)
    action = _field(10)
    payload = _field(11)
    eager = _field(12)
    options = _field(13)


class QueryState(tuple[Any, ...]):
    """Immutable query description; read fields by name (see ``FIELDS``)."""

    __slots__ = ()

    # hot fields: C-level slot getters (as namedtuple's), spelled out for type checkers
    table = _field(TABLE)
    columns = _field(COLUMNS)
    wheres = _field(WHERES)
    joins = _field(JOINS)
    groups = _field(GROUPS)
    havings = _field(HAVINGS)
    orders = _field(ORDERS)
    limit = _field(LIMIT)
    offset = _field(OFFSET)
    #: the nested Extras (compare it with ``EMPTY_EXTRAS`` by identity for the common case)
    extra = _field(EXTRA)
    distinct = _extra_field(0)
    group_modifier = _extra_field(1)
    final = _extra_field(2)
    sample = _extra_field(3)
    prewheres = _extra_field(4)
    array_joins = _extra_field(5)
    limit_by = _extra_field(6)
    settings = _extra_field(7)
    ctes = _extra_field(8)
    unions = _extra_field(9)
    action = _extra_field(10)
    payload = _extra_field(11)
    eager = _extra_field(12)
    options = _extra_field(13)

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
            # back to the defaults: the shared EMPTY_EXTRAS, so the compiler's common
            # path (an identity check) applies again, e.g. to a model's Meta.final=False
            items[EXTRA] = EMPTY_EXTRAS if _all_default(extra) else _new(Extras, extra)
        return _new(QueryState, items)

    @property
    def has_extras(self) -> bool:
        """True when any rare field differs from its default (slow paths needed)."""
        return self[EXTRA] is not EMPTY_EXTRAS and self[EXTRA] != EMPTY_EXTRAS

    def option(self, name: str, default: Any = None) -> Any:
        for key, value in self[EXTRA][_EXTRA_INDEX["options"]]:
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


def _all_default(extra: list[Any]) -> bool:
    """Every rare field at its default. Only identity, str and tuple compare: an
    expression's ``==`` builds SQL (an empty tuple is unequal to any other by length)."""
    for value, default in zip(extra, EMPTY_EXTRAS, strict=True):
        if value is not default and not (type(value) is type(default)
                                         and type(value) in (str, tuple) and value == default):
            return False
    return True
assert len(EMPTY_EXTRAS) == len(EXTRA_FIELDS) and len(EMPTY) == len(HOT_FIELDS) + 1
assert all(getattr(EMPTY, f) is v for f, v in zip(HOT_FIELDS, EMPTY, strict=False))
assert [getattr(EMPTY_EXTRAS, f) for f in EXTRA_FIELDS] == list(EMPTY_EXTRAS)


def initial_state(table: Any = None) -> QueryState:
    return EMPTY if table is None else EMPTY.set("table", table)
