"""ClickHouse results as Arrow, typed by each column's ClickHouse type.

Both connections feed this module: the embedded one its chDB Arrow table (whose types
are ambiguous: a ``DateTime`` arrives as ``uint32``, an ``Enum8`` as ``int8``), the
native one the driver's Python columns. Each column gets the Arrow type of its
ClickHouse type: integers keep their width and sign, ``DateTime``/``DateTime64`` are
timestamps in the column's zone (naive, as the server's wall clock, without one),
``LowCardinality`` is dictionary-encoded, ``Array``/``Map``/``Tuple`` nest, ``Nullable``
is Arrow's validity; ``Enum`` is its labels, UUIDs and IP addresses their text. A type
Arrow has no exact form for (``Int128`` and wider) is refused rather than rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from clickorm.dialects import column_values
from clickorm.errors import QueryError
from clickorm_clickhouse.embedded_decode import ColumnDecoder, zone
from clickorm_clickhouse.embedded_types import ChType

__all__ = ["arrow_type", "embedded_column", "native_table"]

_INTS = {f"{p}Int{b}": getattr(pa, f"{p.lower()}int{b}")()
         for p in ("", "U") for b in (8, 16, 32, 64)}
_SIMPLE = {
    **_INTS,
    "Float32": pa.float32(), "Float64": pa.float64(), "BFloat16": pa.float32(),
    "String": pa.string(), "Bool": pa.bool_(), "Date": pa.date32(), "Date32": pa.date32(),
    "UUID": pa.string(), "IPv4": pa.string(), "IPv6": pa.string(),
    "Enum8": pa.string(), "Enum16": pa.string(), "Nothing": pa.null(),
}
_WIDE = ("Int128", "Int256", "UInt128", "UInt256")
_DECIMAL_DIGITS = {"Decimal32": 9, "Decimal64": 18, "Decimal128": 38, "Decimal256": 76}
_UNITS = ("s", "ms", "ms", "ms", "us", "us", "us", "ns", "ns", "ns")
#: types whose chDB Arrow form a plain Arrow cast turns into the target faithfully
_CASTABLE = frozenset({*_INTS, "Float32", "Float64", "String", "Bool", "Date", "Date32",
                       "Decimal", *_DECIMAL_DIGITS, "Array", "Map", "Tuple", "Nullable",
                       "Nothing"})
_UTC = zone("UTC")


def arrow_type(ch: ChType) -> pa.DataType | None:
    """The Arrow type of a ClickHouse type; None where values decide (JSON, geo ...)."""
    name = ch.name
    if name in ("Nullable", "SimpleAggregateFunction"):
        return arrow_type(ch.args[-1])
    if name == "LowCardinality":
        inner = arrow_type(ch.inner)
        return None if inner is None else pa.dictionary(pa.int32(), inner)
    simple = _SIMPLE.get(name)
    if simple is not None:
        return simple
    if name in _WIDE:
        raise QueryError(f"Arrow has no {name} integer type; read this column with rows() "
                         "or get(), or CAST it to a String or Decimal in the query")
    if name == "DateTime":
        return pa.timestamp("s", tz=ch.tz)
    if name == "DateTime64":
        precision = int(ch.params[0]) if ch.params else 3
        return pa.timestamp(_UNITS[precision], tz=ch.tz)
    if name == "Decimal" or name in _DECIMAL_DIGITS:
        if name == "Decimal":
            precision, scale = int(ch.params[0]), int(ch.params[1]) if len(ch.params) > 1 else 0
        else:
            precision, scale = _DECIMAL_DIGITS[name], int(ch.params[0])
        return (pa.decimal128 if precision <= 38 else pa.decimal256)(precision, scale)
    if name == "FixedString":
        return pa.binary(int(ch.params[0]))
    if name == "Array":
        inner = arrow_type(ch.inner)
        return None if inner is None else pa.list_(inner)
    if name == "Map":
        key, value = arrow_type(ch.args[0]), arrow_type(ch.args[1])
        return None if key is None or value is None else pa.map_(key, value)
    if name == "Tuple":
        fields = [arrow_type(a) for a in ch.args]
        if any(f is None for f in fields):
            return None
        names = ch.names or tuple(str(i + 1) for i in range(len(fields)))
        return pa.struct(list(zip(names, fields, strict=True)))
    return None


def _castable(ch: ChType) -> bool:
    return ch.name in _CASTABLE and all(_castable(a) for a in ch.args)


def _wall_clock(arr: Any, tz: str | None, server_tz: str) -> Any:
    """Timestamps that are UTC instants as the column's zone, or (no zone) as naive
    wall-clock times of the server's zone."""
    unit = arr.type.unit
    if tz is not None:
        return arr.cast(pa.timestamp(unit, tz=tz))
    if zone(server_tz) is _UTC:
        return arr.cast(pa.timestamp(unit))
    return pc.local_timestamp(arr.cast(pa.timestamp(unit, tz=server_tz)))


def embedded_column(column: Any, decoder: ColumnDecoder, server_tz: str) -> Any:
    """One column of a chDB Arrow table, typed by its ClickHouse type (vectorised for the
    common types; through the row decoder's Python values for the rest)."""
    ch = decoder.ch
    target = arrow_type(ch)
    if target is None:
        return pa.array(column_values(decoder.decode(column)))
    if column.type == target:
        return column
    base = ch.unwrapped()
    dictionary = pa.types.is_dictionary(target)
    plain = target.value_type if dictionary else target
    if base.name == "DateTime" and pa.types.is_uint32(column.type):
        out = _wall_clock(column.cast(pa.int64()).cast(pa.timestamp("s", tz="UTC")),
                          base.tz, server_tz)
    elif base.name == "DateTime64" and pa.types.is_timestamp(column.type):
        out = _wall_clock(column.cast(pa.timestamp(plain.unit, tz="UTC")), base.tz, server_tz)
    elif _castable(base):
        out = column.cast(plain)
    else:
        out = pa.array(column_values(decoder.decode(column)), type=plain)
    return out.dictionary_encode() if dictionary else out


def _fixed_bytes(values: Sequence[Any], size: int) -> list[Any]:
    """A FixedString column as its stored bytes: the driver reads each value as text with
    the trailing NUL padding stripped, which Arrow's fixed-size binary cannot take (and
    chDB's Arrow result keeps); the padding is put back, so both answer the same bytes."""
    return [v if v is None else (v.encode() if isinstance(v, str) else bytes(v))
            .ljust(size, b"\0") for v in values]


def native_table(names: Sequence[str], types: Sequence[ChType],
                 data: Sequence[Sequence[Any]]) -> pa.Table:
    """A table of Python columns (the native driver's), each typed by its ClickHouse type."""
    arrays = []
    for name, ch, values in zip(names, types, data, strict=True):
        target = arrow_type(ch)
        base = ch.unwrapped()
        if base.name == "FixedString":
            values = _fixed_bytes(values, int(base.params[0]))
        try:
            if target is not None and pa.types.is_dictionary(target):
                arrays.append(pa.array(column_values(values), type=target.value_type)
                              .dictionary_encode())
            else:
                arrays.append(pa.array(column_values(values), type=target))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            # the message is left out: pyarrow's quotes the value
            raise QueryError(f"Column {name!r} ({ch.name}) has a value Arrow cannot hold as "
                             f"{target}; read it with rows() or get()") from exc
    if not arrays:
        return pa.table({})
    return pa.Table.from_arrays(arrays, names=list(names))
