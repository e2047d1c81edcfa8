"""Typed scalar results: ``pluck``, ``value``, aggregates and selected aliases of a model
query decode through the field's codec, so one query gives the same Python types on
every dialect (a Date is a ``date`` on SQLite too, a bool a ``bool`` on ClickHouse 18.16).

What is typed, and how:

* a selected model column (``"birthday"``, ``"users.birthday"``, ``User.c.birthday``,
  ``"birthday as day"``) reads as the field does;
* ``min``/``max`` of a field read as the field; ``sum`` of an integer or boolean field is
  an ``int``, of a float field a ``float``; ``avg`` of a number is a ``float``; ``sum`` and
  ``avg`` of a Decimal field are a ``Decimal`` whichever form the engine computes in
  (``sum`` at the field's scale; ``avg`` as the exact sum over the count, since engines
  average decimals in floats or truncate to the scale); ``count`` is an ``int``;
* anything else (raw SQL, functions, other tables' columns, builders without a model)
  is the driver's value, as the engine returned it.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from clickorm.connection.base import ColumnarRows
from clickorm.errors import QueryError
from clickorm.model.codecs import Codec, decoders_for, logical_types
from clickorm.query.expressions import Alias, Col, Func, Table
from clickorm.types.logical import LowCardinality, Nullable

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.model.builder import QueryBuilder

__all__ = ["field_of", "decoder_of", "decode", "first_column", "aggregate_decoder",
           "is_decimal_field", "decimal_average", "decode_aliases", "computed_decoder",
           "computed_as_fields", "qualified_columns", "affected_rows"]


def field_of(builder: QueryBuilder[Any], expr: Any) -> str | None:
    """The model field ``expr`` reads unchanged (a column of the model's table, maybe
    aliased), or None when the ORM cannot type it."""
    model = builder._model
    if model is None:
        return None
    if type(expr) is Alias:
        expr = expr[0]
    if type(expr) is not Col:
        return None
    name, table = expr
    source = builder._state.table
    if type(source) is not Table:
        return None
    if table is not None and table != source.name and table != source.alias:
        return None
    field: str | None = model.__clickorm_field_by_column__.get(name)
    return field


def decoder_of(builder: QueryBuilder[Any], expr: Any, conn: BaseConnection) -> Codec | None:
    """The decoder of the field ``expr`` reads on ``conn`` (None: keep the driver's value)."""
    field = field_of(builder, expr)
    if field is None:
        return None
    return decoders_for(builder._model, (field,), conn)[0]


def decode(value: Any, decoder: Codec | None) -> Any:
    return value if decoder is None or value is None else decoder(value)


def first_column(rows: Sequence[Sequence[Any]], decoder: Codec | None) -> list[Any]:
    """The first column of ``rows``, decoded (a platform's decoders let None through)."""
    column = rows.data[0] if type(rows) is ColumnarRows and rows.data else map(
        itemgetter(0), rows)
    return list(column) if decoder is None else list(map(decoder, column))


def _base_type(logical: Any) -> Any:
    while isinstance(logical, Nullable | LowCardinality) and logical.inner is not None:
        logical = logical.inner
    return logical


def is_decimal_field(builder: QueryBuilder[Any], expr: Any) -> bool:
    """Whether ``expr`` reads a Decimal field of the builder's model."""
    field = field_of(builder, expr)
    if field is None:
        return False
    return getattr(_base_type(logical_types(builder._model).get(field)), "kind", None) \
        == "decimal"


def decimal_average(total: Any, count: int) -> decimal.Decimal | None:
    """``avg`` of a Decimal field from its exact sum and its count of non-NULL values."""
    if not count or total is None:
        return None
    exact = _to_decimal(total)
    # 28 significant digits after the integer part, however wide the integer part is
    places = decimal.Context(prec=28 + max(0, exact.adjusted()))
    return places.divide(exact, count)


def aggregate_decoder(builder: QueryBuilder[Any], fn: str, expr: Any,
                      conn: BaseConnection) -> Codec | None:
    """How the result of ``fn(expr)`` is typed (see the module docstring)."""
    if fn in ("min", "max"):
        return decoder_of(builder, expr, conn)
    field = field_of(builder, expr)
    if field is None or fn not in ("sum", "avg"):
        return None
    logical = _base_type(logical_types(builder._model).get(field))
    kind = getattr(logical, "kind", None)
    if kind == "decimal":
        if fn == "sum":
            step = decimal.Decimal(1).scaleb(-logical.scale)
            return lambda v: _to_decimal(v).quantize(step, context=_WIDE)
        return _to_decimal  # avg: computed as sum / count (see decimal_average)
    if kind in ("integer", "boolean"):
        return _exact_int if fn == "sum" else float
    if kind == "float":
        return float
    return None


def _exact_int(value: Any) -> int:
    """A sum of integers; an engine that summed them in floats (SQLite over 128/256-bit
    integers stored as text) past 2**53 has lost digits, which is an error, not a guess."""
    if isinstance(value, float) and not abs(value) < 2.0 ** 53:
        raise QueryError(f"The database summed these integers in floating point ({value!r}) "
                         "and lost precision; sum them in Python (pluck) instead")
    return int(value)


#: room for every ClickHouse decimal (Decimal256 has 76 digits): the default context's 28
#: digits would make quantize() fail on a wide sum
_WIDE = decimal.Context(prec=80)


def _to_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, decimal.Decimal):
        return value
    # a float the engine computed: its shortest repr is the value it meant
    return decimal.Decimal(repr(value) if isinstance(value, float) else str(value))


def qualified_columns(builder: QueryBuilder[Any], columns: list[str]) -> list[str]:
    """Result column names with another table's column named like a model field
    qualified (``b.id``), as chDB names it. SQLite names ``select("b.id")`` just ``id``,
    which would be read as the model's own id, or lost beside ``a.id``; ClickHouse 18.16
    prefixes the database (``shop.b.id``), a key that would change with the database."""
    model = builder._model
    selected = builder._state.columns
    if len(selected) != len(columns):
        return columns
    # a builder without a model: a bare name is qualified where it repeats an earlier one
    by_column = model.__clickorm_field_by_column__ if model is not None else {}
    out = columns
    for i, (expr, name) in enumerate(zip(selected, columns, strict=True)):
        if type(expr) is not Col or expr[1] is None or field_of(builder, expr) is not None:
            continue
        qualified = f"{expr[1]}.{expr[0]}"
        bare = name == expr[0] and (name in by_column if model is not None
                                    else name in columns[:i])
        if bare or (name != qualified and name.endswith("." + qualified)):
            if out is columns:
                out = list(columns)
            out[i] = qualified
    return out


def computed_decoder(builder: QueryBuilder[Any], expr: Any,
                     conn: BaseConnection) -> Codec | None:
    """How a selected ``min``/``max``/``sum`` of a model field (``aggregate("sum", "n")``,
    ``func.max(User.c.at).label("last")``) is typed: as the terminal of that name types
    it, on every dialect. Other computed columns keep the driver's value."""
    if type(expr) is Alias:
        expr = expr[0]
    if type(expr) is not Func or expr[2] is not None or len(expr[1]) != 1:
        return None
    fn = expr[0].lower()
    if fn not in ("min", "max", "sum"):
        return None
    return aggregate_decoder(builder, fn, expr[1][0], conn)


def computed_as_fields(builder: QueryBuilder[Any], columns: Sequence[str]) -> frozenset[int]:
    """Positions of the result columns named like a field that do not read it (a computed
    value aliased to the field's name: ``aggregate("sum", "flag")`` is not a bool)."""
    model = builder._model
    if model is None or not builder._state.columns:
        return frozenset()
    by_column = model.__clickorm_field_by_column__
    out = set()
    for expr in builder._state.columns:
        if type(expr) is Alias and expr[1] in by_column and expr[1] in columns \
                and field_of(builder, expr) is None:
            out.add(list(columns).index(expr[1]))
    return frozenset(out)


def decode_aliases(builder: QueryBuilder[Any], columns: Sequence[str],
                   rows: Sequence[tuple[Any, ...]], conn: BaseConnection
                   ) -> Sequence[tuple[Any, ...]]:
    """Rows whose aliased model columns (``select("birthday as day")``) are decoded as the
    field and whose aggregates of a field as :func:`computed_decoder` says; other columns
    named like a field are left to hydration, which decodes those."""
    if not rows:
        return rows
    model = builder._model
    by_column = model.__clickorm_field_by_column__  # type: ignore[union-attr]
    decoders: dict[int, Codec] = {}
    for expr in builder._state.columns:
        if type(expr) is not Alias or expr[1] not in columns:
            continue
        field = field_of(builder, expr)
        if field is not None:
            dec = None if expr[1] in by_column else decoder_of(builder, expr, conn)
        else:
            dec = computed_decoder(builder, expr, conn)
        if dec is not None:
            decoders[list(columns).index(expr[1])] = dec
    if not decoders:
        return rows
    if type(rows) is ColumnarRows:
        data = list(rows.data)
        for i, dec in decoders.items():
            data[i] = [decode(v, dec) for v in data[i]]
        return ColumnarRows(data)
    out = []
    for row in rows:
        values = list(row)
        for i, dec in decoders.items():
            values[i] = decode(values[i], dec)
        out.append(tuple(values))
    return out


def affected_rows(rowcount: int, conn: BaseConnection) -> int | None:
    """The row count of an UPDATE/DELETE where the connection reports it, else None."""
    if not conn.reports_affected_rows or rowcount is None or rowcount < 0:
        return None
    return rowcount
