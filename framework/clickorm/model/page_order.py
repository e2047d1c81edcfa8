"""A stable row order for pages (``paginate``, ``simple_paginate``).

Each page is a query of its own. Rows that tie on the ORDER BY may come back in another
order each time (ClickHouse reads parts in parallel; the 18.16 server did so in tests), so
a row would show on two pages and another on none. The order is completed until it
decides every row: a grouped query's group keys, a DISTINCT query's plain selected
columns, a model query's primary key and then its other scalar columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from clickorm.errors import QueryError
from clickorm.model.codecs import logical_types
from clickorm.query.expressions import Col, Star, Table

if TYPE_CHECKING:
    from clickorm.model.builder import QueryBuilder

R = TypeVar("R")

__all__ = ["page_order"]

#: column kinds every dialect orders by value (containers, JSON and raw types are left out)
_ORDERABLE = frozenset({"integer", "float", "decimal", "string", "fixed_string", "bytes",
                        "boolean", "date", "date32", "datetime", "datetime64", "uuid", "ipv4",
                        "ipv6", "enum"})


def page_order(builder: QueryBuilder[R], what: str) -> QueryBuilder[R]:
    """The builder ordered so that no two rows tie. A query of a model's table without
    ``order_by()`` is ordered by the model's primary key; any other unordered query is
    refused."""
    state = builder._state
    model: Any = builder._model
    if state.group_modifier == "WITH TOTALS":
        raise QueryError(
            f"{what}() of a WITH TOTALS query: the totals row would come with every page, "
            "beside the page's rows; read the totals with get() on the whole query")
    if not state.orders and not (_own_table(builder) and model.__primary_key__
                                 and not state.groups and not state.distinct):
        raise QueryError(
            f"{what}() reads each page with a query of its own; without order_by() the "
            "database may return the rows in another order each time (parallel reads do), "
            f"so rows would repeat or go missing between pages: add order_by(...) before "
            f"{what}()")
    ordered = {_name(o.expr) for o in state.orders} - {None}
    extra = [c for c in _deciding_columns(builder) if _name(c) not in ordered]
    return builder.order_by(*extra) if extra else builder


def _own_table(builder: QueryBuilder[Any]) -> bool:
    model: Any = builder._model
    source = builder._state.table
    return (model is not None and type(source) is Table
            and source.name == model.__table_name__ and not builder._state.unions)


def _name(expr: Any) -> str | None:
    return expr[0] if type(expr) is Col else None


def _deciding_columns(builder: QueryBuilder[Any]) -> list[Any]:
    """The columns that tell every row of the result apart, as far as the ORM knows."""
    state = builder._state
    if state.groups:
        return list(state.groups)
    if state.distinct:
        return [c for c in state.columns if type(c) is Col]
    if (not _own_table(builder) or state.joins or state.array_joins
            or any(type(c) not in (Col, Star) for c in state.columns)):
        return []  # rows the model's columns do not tell apart, or an aggregate's row
    model: Any = builder._model
    source = state.table
    qualifier = source.alias or source.name
    names = model.__clickorm_db_names__
    kinds = logical_types(model)
    fields = [*model.__primary_key__,
              *(f for f in names if f not in model.__primary_key__
                and _orderable(kinds.get(f)))]
    return [Col(names[f], qualifier) for f in fields]


def _orderable(logical: Any) -> bool:
    while getattr(logical, "kind", None) in ("nullable", "low_cardinality"):
        logical = logical.inner
    return getattr(logical, "kind", None) in _ORDERABLE
