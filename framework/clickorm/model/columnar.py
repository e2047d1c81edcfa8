"""A builder's result as Arrow, pandas or Polars, without building a model per row.

Where the connection's Arrow data is typed exactly (``BaseConnection.arrow_typed``:
ClickHouse, whose plugins turn chDB's Arrow result or the native driver's columns into
Arrow by each column's ClickHouse type) it is used as it comes. Elsewhere (SQLite) the
rows are decoded as the model's fields and each field's column gets the Arrow type of
its logical type: an unsigned integer stays unsigned, a DateTime keeps its zone, a
Date is a date, LowCardinality is dictionary-encoded; computed columns are inferred.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from clickorm.connection.columnar import require, same_schema, table_from_columns
from clickorm.errors import QueryError
from clickorm.gcpause import paused_gc
from clickorm.model.codecs import logical_types
from clickorm.model.execution import resolve_connection
from clickorm.model.results import qualified_columns
from clickorm.model.rows import column_fields, decoded_columns
from clickorm.types.logical import LowCardinality, Nullable

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.builder import QueryBuilder

__all__ = ["arrow_table", "arrow_batches", "pandas_frame", "polars_frame", "arrow_type"]

_TIME_UNITS = {0: "s", 1: "ms", 2: "ms", 3: "ms", 4: "us", 5: "us", 6: "us"}


def arrow_type(logical: Any) -> Any:
    """The Arrow type of a logical type, or None to infer it from the values."""
    pa = require("pyarrow")
    kind = getattr(logical, "kind", None)
    if kind in ("nullable", "low_cardinality"):
        return None if logical.inner is None else arrow_type(logical.inner)
    if kind == "integer":
        if logical.bits > 64:
            raise QueryError(f"Arrow has no {logical!r} integer type; read this column with "
                             "rows() or get()")
        return getattr(pa, f"{'int' if logical.signed else 'uint'}{logical.bits}")()
    if kind == "float":
        return pa.float32() if logical.bits == 32 else pa.float64()
    if kind == "decimal":
        make = pa.decimal128 if logical.precision <= 38 else pa.decimal256
        return make(logical.precision, logical.scale)
    if kind == "string":
        return pa.string()
    if kind == "bytes":
        return pa.binary()
    if kind == "boolean":
        return pa.bool_()
    if kind in ("date", "date32"):
        return pa.date32()
    if kind == "datetime":
        return pa.timestamp("s", tz=logical.timezone)
    if kind == "datetime64":
        return pa.timestamp(_TIME_UNITS.get(logical.precision, "ns"), tz=logical.timezone)
    if kind in ("uuid", "ipv4", "ipv6"):
        return pa.string()
    if kind == "array":
        inner = arrow_type(logical.item)
        return None if inner is None else pa.list_(inner)
    if kind == "map":
        key, value = arrow_type(logical.key), arrow_type(logical.value)
        return None if key is None or value is None else pa.map_(key, value)
    return None


def _is_low_cardinality(logical: Any) -> bool:
    while isinstance(logical, Nullable):
        logical = logical.inner
    return isinstance(logical, LowCardinality)


def _model_typed(builder: QueryBuilder[Any], columns: Sequence[str],
                 rows: Sequence[tuple[Any, ...]], conn: BaseConnection) -> Any:
    """Rows decoded as the model's fields, each field column typed by its logical type."""
    fields = column_fields(builder, columns)
    logical = logical_types(builder._model) if builder._model is not None else {}
    types = [arrow_type(logical.get(f)) if f is not None else None for f in fields]
    table = table_from_columns(columns, decoded_columns(builder, columns, rows, conn), types)
    for i, f in enumerate(fields):
        if f is not None and _is_low_cardinality(logical.get(f)):
            table = table.set_column(i, table.field(i).name,
                                     table.column(i).dictionary_encode())
    return table


def _conformed(builder: QueryBuilder[Any], table: Any) -> Any:
    """A dialect-typed table with each model field's column in the field's Arrow type
    where the two differ (a ``bool`` field stored as ``UInt8`` on an old server)."""
    if builder._model is None:
        return table
    pa = require("pyarrow")
    logical = logical_types(builder._model)
    for i, f in enumerate(column_fields(builder, table.column_names)):
        if f is None:
            continue
        target = arrow_type(logical.get(f))
        column = table.column(i)
        dictionary = _is_low_cardinality(logical.get(f))
        if target is None or column.type == (
                pa.dictionary(pa.int32(), target) if dictionary else target):
            continue
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        try:
            column = column.cast(target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise QueryError(f"Column {table.field(i).name!r} ({column.type}) cannot be read "
                             f"as {builder._model.__name__}.{f} ({target}): {exc}") from None
        if dictionary:
            column = column.dictionary_encode()
        table = table.set_column(i, table.field(i).name, column)
    return table


def _named(builder: QueryBuilder[Any], table: Any) -> Any:
    """The table with its columns named as ``rows()``/``dicts()`` name them: another
    table's column named like a model field qualified (``posts.id``) on every dialect
    (SQLite says ``id``, 18.16 ``database.posts.id``)."""
    names = qualified_columns(builder, list(table.column_names))
    return table if names == table.column_names else table.rename_columns(names)


def arrow_table(builder: QueryBuilder[Any]) -> Any:
    """The builder's result as one ``pyarrow.Table``."""
    require("pyarrow")
    conn = resolve_connection(builder)
    sql, params = conn.grammar.compile(builder._state)
    with paused_gc():
        if conn.arrow_typed or builder._model is None:
            return _conformed(builder, _named(builder, conn.execute_arrow(sql, params)))
        result = conn.execute(sql, params)
        return _model_typed(builder, qualified_columns(builder, result.columns), result.rows,
                            conn)


def arrow_batches(builder: QueryBuilder[Any], batch_size: int) -> Iterator[Any]:
    """The result as ``pyarrow.RecordBatch``es of at most ``batch_size`` rows, streamed."""
    if type(batch_size) is not int or batch_size < 1:
        raise QueryError(f"arrow_batches() needs a positive batch_size, got {batch_size!r}")
    require("pyarrow")
    conn = resolve_connection(builder)
    sql, params = conn.grammar.compile(builder._state)
    if conn.arrow_typed or builder._model is None:
        pa = require("pyarrow")
        for block in conn.stream_arrow(sql, params, batch_size=batch_size):
            yield from _conformed(builder, _named(builder, pa.Table.from_batches([block]))
                                  ).to_batches()
        return
    columns, rows = conn.stream_with_columns(sql, params, batch_size=batch_size)

    def tables() -> Iterator[Any]:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                yield _model_typed(builder, qualified_columns(builder, list(columns)), batch,
                                   conn)
                batch = []
        if batch:
            yield _model_typed(builder, qualified_columns(builder, list(columns)), batch, conn)

    # a computed column's type is inferred per batch: every batch keeps the first's
    yield from same_schema(tables())


def pandas_frame(table: Any) -> Any:
    """A pandas DataFrame of an Arrow table. Integer columns holding NULLs become pandas'
    nullable integer dtypes (never floats, which would round large values); a list column
    whose integers hold NULLs (``Array(Nullable(Int64))``) holds Python lists, for the
    same reason (pyarrow would make each cell a float array)."""
    pd = require("pandas")
    pa = require("pyarrow")
    nullable_ints = {f.type for f, col in zip(table.schema, table.columns, strict=True)
                     if pa.types.is_integer(f.type) and col.null_count}
    mapping = {t: getattr(pd, f"{'U' if pa.types.is_unsigned_integer(t) else ''}"
                              f"Int{t.bit_width}Dtype")() for t in nullable_ints}
    frame = table.to_pandas(types_mapper=mapping.get if mapping else None)
    for index, column in enumerate(table.columns):
        if _list_of_nullable_ints(pa, column):
            frame.isetitem(index, pd.Series(column.to_pylist(), index=frame.index,
                                            dtype=object))
    return frame


def _list_of_nullable_ints(pa: Any, column: Any) -> bool:
    """Whether ``column`` is a list (of lists ...) of integers with a NULL among them."""
    values = column
    while pa.types.is_list(values.type) or pa.types.is_large_list(values.type) or \
            pa.types.is_fixed_size_list(values.type):
        values = require("pyarrow.compute").list_flatten(values)
    return values is not column and pa.types.is_integer(values.type) and values.null_count > 0


def polars_frame(table: Any) -> Any:
    """A Polars DataFrame of an Arrow table (zero-copy where Polars can)."""
    pl = require("polars")
    return pl.from_arrow(table)
