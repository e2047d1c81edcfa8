"""Typed result rows without the table's model: ``rows()``, ``dicts()``, ``scalars()`` and
``as_(ResultModel)``.

An aggregate or a projection is not a row of the table, so these read it as what it is.
Every column that reads a model field unchanged (``"path"``, ``User.c.birthday``,
``"birthday as day"``, a column of ``SELECT *``) is decoded as that field, so a Date is a
``date`` on every dialect; computed columns (``count()``, ``uniq(...)``) keep the
driver's value. ``as_(ResultModel)`` validates the rows into a Pydantic model or a
dataclass (one Pydantic call for the whole result), so a result model says what the
query's columns are and a type checker knows it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic

from clickorm.connection.base import ColumnarRows
from clickorm.errors import QueryError, ValidationError
from clickorm.gcpause import paused_gc
from clickorm.model.bulk_validation import adapter_for, first_error
from clickorm.model.codecs import Codec, decoders_for
from clickorm.model.collection import Collection
from clickorm.model.execution import refuse_repeated_names, run
from clickorm.model.results import computed_decoder, field_of, qualified_columns
from clickorm.query.expressions import Star, Table

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.builder import QueryBuilder

__all__ = ["rows", "dicts", "scalars", "results", "column_fields", "column_decoders", "decoded_columns", "as_tuples", "as_dicts",
           "as_scalars", "as_results"]

T = TypeVar("T")


def column_fields(builder: QueryBuilder[Any], columns: Sequence[str]) -> list[str | None]:
    """The model field each result column reads unchanged, or None (computed, joined,
    or no model)."""
    model = builder._model
    if model is None:
        return [None] * len(columns)
    selected = builder._state.columns
    if selected and len(selected) == len(columns) and not any(
            type(e) is Star for e in selected):
        return [field_of(builder, e) for e in selected]
    if type(builder._state.table) is not Table:
        return [None] * len(columns)
    by_column: dict[str, str] = model.__clickorm_field_by_column__
    taken: set[str] = set()
    out: list[str | None] = []
    for name in columns:
        field = by_column.get(name)
        # a name seen twice (SELECT * over a join) is the model's the first time only
        if field is not None and field not in taken:
            taken.add(field)
            out.append(field)
        else:
            out.append(None)
    return out


def column_decoders(builder: QueryBuilder[Any], columns: Sequence[str],
                    conn: BaseConnection) -> list[Codec | None]:
    """One decoder per result column (None: the driver's value as it is)."""
    fields = column_fields(builder, columns)
    named = tuple(f for f in fields if f is not None)
    decoders = iter(decoders_for(builder._model, named, conn) if named else ())
    out = [next(decoders) if f is not None else None for f in fields]
    selected = builder._state.columns
    if builder._model is not None and len(selected) == len(columns):
        # an aggregate of a field reads as the terminal of its name (sum of a bool: int)
        for i, (f, expr) in enumerate(zip(fields, selected, strict=True)):
            if f is None:
                out[i] = computed_decoder(builder, expr, conn)
    return out


def _decode_column(values: Sequence[Any], dec: Codec | None) -> Sequence[Any]:
    if dec is None:
        return values
    return [None if v is None else dec(v) for v in values]


def decoded_columns(builder: QueryBuilder[Any], columns: Sequence[str],
                    rows: Sequence[tuple[Any, ...]], conn: BaseConnection
                    ) -> list[Sequence[Any]]:
    """The result column-major, each column decoded as its field."""
    if type(rows) is ColumnarRows:
        data: list[Sequence[Any]] = list(rows.data)
    elif rows:
        data = [list(c) for c in zip(*rows, strict=True)]
    else:
        data = [[] for _ in columns]
    decoders = column_decoders(builder, columns, conn)
    return [_decode_column(col, dec) for col, dec in zip(data, decoders, strict=True)]


def as_tuples(builder: QueryBuilder[Any], columns: Sequence[str],
              rows: Sequence[tuple[Any, ...]], conn: BaseConnection
              ) -> Collection[tuple[Any, ...]]:
    if not rows:
        return Collection()
    if not any(column_decoders(builder, columns, conn)):
        return Collection(rows)  # nothing to decode: the driver's tuples (zipped lazily)
    data = decoded_columns(builder, columns, rows, conn)
    return Collection(zip(*data, strict=True))


def as_dicts(builder: QueryBuilder[Any], columns: Sequence[str],
             rows: Sequence[tuple[Any, ...]], conn: BaseConnection
             ) -> Collection[dict[str, Any]]:
    """One dict per row; a column name that repeats (``SELECT *`` over a join) is an
    error, not a silently lost value."""
    refuse_repeated_names(columns, "dicts()")
    names = list(columns)
    return Collection(dict(zip(names, row, strict=True))
                      for row in as_tuples(builder, columns, rows, conn))


def as_scalars(builder: QueryBuilder[Any], columns: Sequence[str],
               rows: Sequence[tuple[Any, ...]], conn: BaseConnection) -> Collection[Any]:
    if len(columns) != 1:
        raise QueryError(f"scalars() reads one column; the query selects {len(columns)} "
                         f"({', '.join(columns)}): select() the one you want")
    if not rows:
        return Collection()
    return Collection(decoded_columns(builder, columns, rows, conn)[0])


def as_results(kind: type[T], builder: QueryBuilder[Any], columns: Sequence[str],
               rows: Sequence[tuple[Any, ...]], conn: BaseConnection) -> Collection[T]:
    """The rows validated into ``kind`` (a Pydantic model or a dataclass) by name."""
    if not (isinstance(kind, type) and (issubclass(kind, pydantic.BaseModel)
                                        or dataclasses.is_dataclass(kind))):
        raise QueryError(f"as_() takes a Pydantic model or a dataclass, not {kind!r}")
    dicts = as_dicts(builder, columns, rows, conn)
    try:
        with paused_gc(len(dicts)):
            items: list[T] = adapter_for(kind).validate_python(dicts)
    except pydantic.ValidationError as exc:
        index, field, reason = first_error(exc)
        raise ValidationError(
            f"Row {index} of the result does not fit {kind.__name__}: {field}: {reason} "
            f"(result columns: {', '.join(columns)})", model=kind.__name__) from None
    return Collection(items)


# -- the terminal operations (QueryBuilder.rows/dicts/scalars/as_) ----------------------
def _fetch(builder: QueryBuilder[Any]
           ) -> tuple[list[str], Sequence[tuple[Any, ...]], BaseConnection]:
    result, conn = run(builder)
    return qualified_columns(builder, result.columns), result.rows, conn


def rows(builder: QueryBuilder[Any]) -> Collection[tuple[Any, ...]]:
    with paused_gc():
        return as_tuples(builder, *_fetch(builder))


def dicts(builder: QueryBuilder[Any]) -> Collection[dict[str, Any]]:
    with paused_gc():
        return as_dicts(builder, *_fetch(builder))


def scalars(builder: QueryBuilder[Any]) -> Collection[Any]:
    with paused_gc():
        return as_scalars(builder, *_fetch(builder))


def results(builder: QueryBuilder[Any], kind: type[T]) -> Collection[T]:
    return as_results(kind, builder, *_fetch(builder))
