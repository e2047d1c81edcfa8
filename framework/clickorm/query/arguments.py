"""Turning the builder's arguments into expression nodes.

``where("age", ">", 18)``, ``order_by("name desc, id")``, ``"users as u"``, a callable
group, a builder used as a subquery: every loose spelling the two builder surfaces accept
is read here, once, into the frozen nodes of :mod:`clickorm.query.expressions`. Names
that repeat endlessly (columns, tables, order clauses) are memoised: parsing is a pure
function, so the caches are safe to share between threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from clickorm.errors import QueryError
from clickorm.query.expressions import (
    Alias,
    And,
    Between,
    Compare,
    Exists,
    Expr,
    InList,
    IsNull,
    Not,
    Or,
    Order,
    Raw,
    Star,
    Subquery,
    Table,
    _tuple_new,
    column,
    table,
)
from clickorm.query.state import QueryState

#: operators accepted by ``where(col, op, value)``, normalised to their SQL spelling.
#: A dialect may refuse some at compile time (ILIKE on SQLite, say).
OPERATORS: Mapping[str, str] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "like": "LIKE",
    "not like": "NOT LIKE",
    "ilike": "ILIKE",
    "not ilike": "NOT ILIKE",
    "in": "IN",
    "not in": "NOT IN",
    "global in": "GLOBAL IN",
    "global not in": "GLOBAL NOT IN",
}
_ACCEPTED = ", ".join(repr(k) for k in OPERATORS)
#: operators that compare with a scalar and need no special node
_PLAIN_OPS = {k: v for k, v in OPERATORS.items() if "IN" not in v} | {
    k.upper(): v for k, v in OPERATORS.items() if "IN" not in v}
_CONDITIONS = (Compare, InList, Between, IsNull, And, Or, Not, Exists, Raw)


@lru_cache(maxsize=8192)
def _parse_col(name: str) -> Any:
    """Column names repeat endlessly; parse each once (a pure, thread-safe memo)."""
    if name == "*":
        return Star(None)
    if name.endswith(".*"):
        return Star(name[:-2])
    if " as " in name.lower():
        # "age as n" is a select item: as a column name it would be quoted whole and
        # name no column (sum("age as n") once summed that text as a string on SQLite)
        raise QueryError(
            f"{name!r} names an alias, which only a select item, an aggregate or a join "
            "target can take; here write the column alone"
        )
    return column(name)


@lru_cache(maxsize=2048)
def _parse_order(text: str) -> tuple[Order, ...]:
    """``"name desc, id"`` -> Order nodes (memoised like column names)."""
    items = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise QueryError(
                f"order_by() could not read {part.strip()!r}; use 'column', "
                "'column asc' or 'column desc'"
            )
        desc = len(words) == 2 and words[1].lower() == "desc"
        items.append(_tuple_new(Order, (_parse_col(words[0]), desc, None)))
    return tuple(items)


@lru_cache(maxsize=1024)
def _parse_table(name: str) -> Table:
    return table(name)


_SCALARS = frozenset({int, float, str, bool, bytes})


def _to_col(value: Any) -> Any:
    """A column argument: a name (``"users.id"``, ``"*"``) or an expression."""
    if type(value) is str:
        return _parse_col(value)
    if isinstance(value, Expr):
        return value
    state = getattr(value, "_state", None)
    if isinstance(state, QueryState):
        return Subquery.of(state)
    raise QueryError(
        f"Expected a column name or an expression, got {value!r} ({type(value).__name__})"
    )


def _to_select_item(value: Any) -> Any:
    """Select items also accept ``"name as alias"``."""
    if type(value) is str:
        name, alias = split_alias(value)
        if alias is not None:
            return Alias.__new__(Alias, (_to_col(name), alias))
    return _to_col(value)


def split_alias(text: str) -> tuple[str, str | None]:
    """``"age as number"`` -> ``("age", "number")``; ``"age"`` -> ``("age", None)``
    (``as`` in any case, the last one wins: ``"a as b as c"`` is ``a as b`` aliased c,
    which the column check then refuses)."""
    low = text.lower()
    if " as " not in low:
        return text, None
    idx = low.rindex(" as ")
    name, alias = text[:idx].strip(), text[idx + 4:].strip()
    if not name or not alias or " " in alias:
        raise QueryError(f"Could not read {text!r} as 'column as alias'")
    return name, alias


def _to_value(value: Any) -> Any:
    """Right-hand side of a comparison: a subquery when a builder, else kept (bound)."""
    if type(value) in _SCALARS:
        return value
    state = getattr(value, "_state", None)
    if isinstance(state, QueryState):
        return Subquery.of(state)
    if isinstance(value, QueryState):
        return Subquery.of(value)
    return value


def _to_table(value: Any) -> Any:
    if type(value) is str:
        return _parse_table(value)
    if isinstance(value, (Table, Subquery, Raw)):
        return value
    name = getattr(value, "__table_name__", None)
    if isinstance(name, str):
        return Table(name, None)
    state = getattr(value, "_state", None)
    if isinstance(state, QueryState):
        return Subquery.of(state)
    raise QueryError(f"Expected a table name, a model or a subquery, got {value!r}")


def _operator(op: Any) -> str:
    try:
        return OPERATORS[op.lower() if type(op) is str else op]
    except (KeyError, AttributeError, TypeError):
        raise QueryError(
            f"Unsupported operator {op!r}. Accepted operators: {_ACCEPTED}"
        ) from None


def _condition(col: Any, args: tuple[Any, ...]) -> Expr:
    """Turn ``where`` arguments into one condition node."""
    n = len(args)
    if n == 0:
        if isinstance(col, _CONDITIONS):
            return col
        if isinstance(col, Mapping):
            if not col:
                raise QueryError("where() got an empty dict")
            return And.of(*(_condition(k, (v,)) for k, v in col.items()))
        raise QueryError(
            f"where() needs (column, value), (column, operator, value), a condition "
            f"expression, a dict or a callable; got {col!r}"
        )
    left = _to_col(col)
    if n == 1:
        value = args[0]
        if value is None:
            return IsNull.of(left, False)
        return Compare.of(left, "=", _to_value(value))
    if n == 2:
        op = _operator(args[0])
        value = args[1]
        if op == "IN" or op == "NOT IN":
            return InList.of(left, _to_value(value), op == "NOT IN")
        if op == "GLOBAL IN" or op == "GLOBAL NOT IN":
            return InList.of(left, _to_value(value), op == "GLOBAL NOT IN", True)
        if value is None and op in ("=", "!="):
            return IsNull.of(left, op == "!=")
        return Compare.of(left, op, _to_value(value))
    raise QueryError(f"where() takes at most 3 arguments, got {n + 1}: {(col, *args)!r}")


def _combine(pairs: Sequence[tuple[str, Expr]]) -> Expr:
    """Fold (conjunction, condition) pairs with SQL precedence (AND before OR)."""
    ors: list[Expr] = []
    current: list[Expr] = []
    for conj, cond in pairs:
        if conj == "OR" and current:
            ors.append(current[0] if len(current) == 1 else And.of(*current))
            current = []
        current.append(cond)
    ors.append(current[0] if len(current) == 1 else And.of(*current))
    return ors[0] if len(ors) == 1 else Or.of(*ors)


def and_group(pairs: Sequence[tuple[str, Expr]], added: Sequence[tuple[str, Expr]]
              ) -> tuple[tuple[str, Expr], ...]:
    """``pairs AND added`` where each side that has an OR becomes one group.

    For conditions the ORM adds to a user's (``find``, relation loads, scopes): appending
    ``("AND", c)`` to ``a OR b`` would read ``a OR (b AND c)``.
    """
    def side(group: Sequence[tuple[str, Expr]]) -> tuple[tuple[str, Expr], ...]:
        if not group:
            return ()
        if any(conj != "AND" for conj, _ in group[1:]):
            return (("AND", _combine(group)),)
        return (("AND", group[0][1]),) + tuple(group[1:])

    return side(pairs) + side(added)


def _positive_int(name: str, value: Any) -> int:
    if type(value) is not int or value < 0:
        raise QueryError(f"{name}() expects a non-negative int, got {value!r}")
    return value


def _flatten_bindings(bindings: tuple[Any, ...]) -> tuple[Any, ...]:
    """``where_raw("a = ? and b = ?", [1, 2])`` and ``where_raw(sql, 1, 2)`` both work."""
    if len(bindings) == 1 and isinstance(bindings[0], (list, tuple)):
        return tuple(bindings[0])
    return bindings


def rows_of(values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
            ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """dict or list of dicts -> (columns, row tuples); every row needs the same keys."""
    if isinstance(values, Mapping):
        values = [values]
    if not values:
        return (), []
    columns = tuple(values[0].keys())
    keys = set(columns)
    rows = []
    for i, row in enumerate(values):
        if not isinstance(row, Mapping):
            raise QueryError(f"insert() row {i} is {type(row).__name__}, expected a dict")
        if row.keys() != keys:
            raise QueryError(
                f"insert() row {i} has columns {sorted(row)}, expected {sorted(columns)}; "
                "every row of a bulk insert needs the same columns"
            )
        rows.append(tuple(row[c] for c in columns))
    return columns, rows
