"""Arrow columns from chDB -> Python values, by ClickHouse type.

chDB's Arrow output is the fastest way out of the engine (C++ builds the Python
objects in ``to_pylist``), but Arrow loses some ClickHouse types: ``DateTime`` arrives
as ``uint32``, ``Enum8`` as ``int8``, ``Int128``/``IPv6`` as 16 raw bytes, a naive
``DateTime64`` as a timestamp in the server's zone. A :class:`ColumnDecoder` restores
each column from its ClickHouse type: identity columns go through ``to_pylist`` alone,
the others through one vectorised or per-value conversion.

Python values: ints, floats, Decimal, bool, str (bytes when a String is not UTF-8),
date, datetime (aware when the column has a time zone, naive wall-clock time in the
server's zone otherwise), UUID, IPv4Address/IPv6Address, Enum names as str, list for
Array, dict for Map, tuple for Tuple (named too), dict/list for JSON, None for NULL.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import struct
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from clickorm_clickhouse.embedded_types import ChType, parse_type

__all__ = [
    "ColumnDecoder",
    "decoders_for",
    "infer_type",
    "needs_clickhouse_types",
    "rows_from_columns",
    "zone",
]

Convert = Callable[[Any], Any]

_UTC = _dt.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_TD = _dt.timedelta
_FROMTS = _dt.datetime.fromtimestamp
_UTC_NAMES = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "Etc/Universal",
        "Universal",
        "Zulu",
        "Etc/Zulu",
        "GMT",
        "Etc/GMT",
        "UCT",
        "Etc/UCT",
    }
)
_SIGNED_WIDE = {"Int128": True, "Int256": True, "UInt128": False, "UInt256": False}
_IDENTITY = frozenset(
    {
        "Int8",
        "Int16",
        "Int32",
        "Int64",
        "UInt8",
        "UInt16",
        "UInt32",
        "UInt64",
        "Float32",
        "Float64",
        "Decimal",
        "Decimal32",
        "Decimal64",
        "Decimal128",
        "Decimal256",
        "Bool",
        "String",
        "Date",
        "Date32",
        "UUID",
        "Nothing",
        "Time",
        "Time64",
    }
)
_GEO = {
    "Point": "Tuple(Float64, Float64)",
    "Ring": "Array(Tuple(Float64, Float64))",
    "LineString": "Array(Tuple(Float64, Float64))",
    "MultiLineString": "Array(Array(Tuple(Float64, Float64)))",
    "Polygon": "Array(Array(Tuple(Float64, Float64)))",
    "MultiPolygon": "Array(Array(Array(Tuple(Float64, Float64))))",
}




# -- time zones --------------------------------------------------------------------------
@lru_cache(maxsize=256)
def zone(name: str) -> _dt.tzinfo:
    """A tzinfo for a ClickHouse time zone name (``datetime.UTC`` for the UTC aliases)."""
    if name in _UTC_NAMES:
        return _UTC
    return ZoneInfo(name)


# -- which results need the ClickHouse types ---------------------------------------------
def needs_clickhouse_types(schema: pa.Schema) -> bool:
    """Whether Arrow alone is ambiguous for this result (DateTime vs UInt32, Enum vs Int8...)."""
    return any(_ambiguous(f.type) for f in schema)


def _ambiguous(t: pa.DataType) -> bool:
    if pa.types.is_uint32(t) or pa.types.is_int8(t) or pa.types.is_int16(t):
        return True
    if pa.types.is_fixed_size_binary(t) or pa.types.is_timestamp(t):
        return True
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return True
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _ambiguous(t.value_type)
    if pa.types.is_map(t):
        return _ambiguous(t.key_type) or _ambiguous(t.item_type)
    if pa.types.is_struct(t):
        return any(_ambiguous(t.field(i).type) for i in range(t.num_fields))
    return False


def infer_type(t: pa.DataType, server_tz: str) -> ChType:
    """The ClickHouse type an Arrow type most likely came from (when DESCRIBE is unavailable)."""
    return parse_type(_infer_name(t, server_tz))


def _infer_name(t: pa.DataType, server_tz: str) -> str:
    if pa.types.is_boolean(t):
        return "Bool"
    if pa.types.is_integer(t):
        return ("UInt" if pa.types.is_unsigned_integer(t) else "Int") + str(t.bit_width)
    if pa.types.is_floating(t):
        return f"Float{t.bit_width}"
    if pa.types.is_decimal(t):
        return f"Decimal({t.precision}, {t.scale})"
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "String"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "String"
    if pa.types.is_fixed_size_binary(t):
        return f"FixedString({t.byte_width})"
    if pa.types.is_date(t):
        return "Date32"
    if pa.types.is_timestamp(t):
        scale = {"s": 0, "ms": 3, "us": 6, "ns": 9}[t.unit]
        tz = t.tz or server_tz
        return f"DateTime64({scale}, '{tz}')"
    if pa.types.is_time(t):
        return "Time"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return f"Array({_infer_name(t.value_type, server_tz)})"
    if pa.types.is_map(t):
        return f"Map({_infer_name(t.key_type, server_tz)}, {_infer_name(t.item_type, server_tz)})"
    if pa.types.is_struct(t):
        return (
            "Tuple("
            + ", ".join(_infer_name(t.field(i).type, server_tz) for i in range(t.num_fields))
            + ")"
        )
    if pa.types.is_null(t):
        return "Nullable(Nothing)"
    if isinstance(t, pa.ExtensionType):
        name = t.extension_name
        if name == "arrow.uuid":
            return "UUID"
        if name == "arrow.json":
            return "JSON"
    return "Unknown"


# -- per-value converters (for values inside containers and the generic path) ------------
def _text(value: bytes) -> str | bytes:
    """A String that is not valid UTF-8 stays bytes rather than failing the whole result."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        return value


def _fixed_text(value: bytes) -> str | bytes:
    try:
        return value.rstrip(b"\x00").decode()
    except UnicodeDecodeError:
        return value


def _json(value: str) -> Any:
    return json.loads(value)


def _bfloat16(value: bytes) -> float:
    return float(struct.unpack("<f", b"\x00\x00" + value)[0])


def element_converter(ch: ChType, server_tz: str, lenient: bool = False) -> Convert | None:
    """A function fixing one ``to_pylist`` value of type ``ch``; None when it is already right."""
    name = ch.name
    if name in ("Nullable", "LowCardinality", "SimpleAggregateFunction"):
        return element_converter(ch.args[-1], server_tz, lenient)
    if name in _GEO:
        return element_converter(parse_type(_GEO[name]), server_tz, lenient)
    if name == "String":
        return _text if lenient else None
    if name in _IDENTITY:
        return None
    if name in _SIGNED_WIDE:
        signed = _SIGNED_WIDE[name]
        return lambda b: int.from_bytes(b, "little", signed=signed)
    if name == "FixedString":
        return _fixed_text
    if name == "DateTime":
        tz = ch.tz
        if tz:
            tzinfo = zone(tz)
            return lambda x: _FROMTS(x, tzinfo)
        server = zone(server_tz)
        return lambda x: _FROMTS(x, server).replace(tzinfo=None)
    if name == "DateTime64":
        # pyarrow made an aware datetime in the Arrow zone (the column's or the server's)
        if ch.tz:
            return None
        return lambda d: d.replace(tzinfo=None)
    if name == "IPv4":
        return ipaddress.IPv4Address
    if name == "IPv6":
        return ipaddress.IPv6Address
    if name in ("Enum8", "Enum16"):
        labels = dict(ch.enum)
        return labels.__getitem__
    if name in ("JSON", "Object", "Dynamic"):
        return _json
    if name == "BFloat16":
        return _bfloat16
    if name == "Array":
        inner = element_converter(ch.inner, server_tz, lenient)
        if inner is None:
            return None
        return lambda items: [None if v is None else inner(v) for v in items]
    if name == "Nested":
        tup = element_converter(ChType("Tuple", ch.args, ch.names), server_tz, lenient)
        assert tup is not None
        return lambda items: [tup(v) for v in items]
    if name == "Map":
        kc = element_converter(ch.args[0], server_tz, lenient) or _same
        vc = element_converter(ch.args[1], server_tz, lenient) or _same
        return lambda pairs: {kc(k): (None if v is None else vc(v)) for k, v in pairs}
    if name == "Tuple":
        convs = [element_converter(a, server_tz, lenient) or _same for a in ch.args]
        if not convs:
            return lambda d: ()
        return lambda d: tuple(
            None if v is None else c(v) for c, v in zip(convs, d.values(), strict=True)
        )
    return None


def _same(value: Any) -> Any:
    return value


# -- whole columns -----------------------------------------------------------------------
class ColumnDecoder:
    """Turns the Arrow chunks of one result column into a list of Python values."""

    __slots__ = ("ch", "server_tz", "_convert", "_fast", "_lenient_convert", "_arrow_fix")

    def __init__(self, ch: ChType, server_tz: str) -> None:
        self.ch = ch
        self.server_tz = server_tz
        self._convert = element_converter(ch, server_tz)
        self._lenient_convert: Convert | None = None
        self._fast = _fast_path(ch, server_tz)
        self._arrow_fix = _contains(ch, "DateTime64")

    def decode(self, column: pa.ChunkedArray | pa.Array) -> list[Any]:
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        if len(chunks) == 1:
            return self._chunk(chunks[0])
        out: list[Any] = []
        for chunk in chunks:
            out.extend(self._chunk(chunk))
        return out

    def _chunk(self, arr: pa.Array) -> list[Any]:
        if self._fast is not None:
            return self._fast(arr)
        if self._arrow_fix:
            arr = _cast_nanoseconds(arr)
        try:
            values: list[Any] = arr.to_pylist()
        except UnicodeDecodeError:
            return self._lenient(arr)
        convert = self._convert
        if convert is None:
            return values
        return [None if v is None else convert(v) for v in values]

    def _lenient(self, arr: pa.Array) -> list[Any]:
        """Re-read a column holding non-UTF-8 Strings as bytes and decode value by value."""
        if self._lenient_convert is None:
            self._lenient_convert = element_converter(self.ch, self.server_tz, lenient=True)
        convert = self._lenient_convert
        values: list[Any] = arr.cast(_retype(arr.type, _string_to_binary)).to_pylist()
        if convert is None:
            return values
        return [None if v is None else convert(v) for v in values]


def _fast_path(ch: ChType, server_tz: str) -> Callable[[pa.Array], list[Any]] | None:
    """Vectorised decoders for the common top-level time columns."""
    base = ch.unwrapped()
    if base.name == "DateTime":
        return _datetime_seconds(base.tz, server_tz)
    if base.name == "DateTime64":
        return _datetime64(base.tz, server_tz)
    return None


def _datetime_seconds(tz: str | None, server_tz: str) -> Callable[[pa.Array], list[Any]]:
    if tz is None and zone(server_tz) is _UTC:
        return lambda arr: _masked(arr, _naive_utc(arr.fill_null(0), "s"))
    tzinfo = zone(tz or server_tz)
    if tz is None:

        def naive(arr: pa.Array) -> list[Any]:
            return [
                None if x is None else _FROMTS(x, tzinfo).replace(tzinfo=None)
                for x in arr.to_pylist()
            ]

        return naive

    def aware(arr: pa.Array) -> list[Any]:
        return [None if x is None else _FROMTS(x, tzinfo) for x in arr.to_pylist()]

    return aware


def _datetime64(tz: str | None, server_tz: str) -> Callable[[pa.Array], list[Any]]:
    def decode(arr: pa.Array) -> list[Any]:
        unit = arr.type.unit
        ints = arr.fill_null(0).view(pa.int64()) if arr.null_count else arr.view(pa.int64())
        if tz is None and zone(server_tz) is _UTC:
            return _masked(arr, _naive_utc(ints, unit))
        scale = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 1}[unit]
        micros = ints.to_numpy()
        if unit == "ns":
            micros = micros // 1000
        elif scale != 1:
            micros = micros * scale
        epoch, td = _EPOCH, _TD
        values = [epoch + td(microseconds=x) for x in micros.tolist()]
        tzinfo = zone(tz or server_tz)
        if tzinfo is not _UTC:
            values = [v.astimezone(tzinfo) for v in values]
        if tz is None:
            values = [v.replace(tzinfo=None) for v in values]
        return _masked(arr, values)

    return decode


def _naive_utc(ints: pa.Array, unit: str) -> list[Any]:
    """Epoch numbers as naive UTC datetimes, built by numpy (about 50 ns a value)."""
    values = ints.to_numpy(zero_copy_only=False).astype(f"datetime64[{unit}]")
    if unit == "ns":
        values = values.astype("datetime64[us]")
    result: list[Any] = values.astype(object).tolist()
    return result


def _masked(arr: pa.Array, values: list[Any]) -> list[Any]:
    if not arr.null_count:
        return values
    for i, valid in enumerate(arr.is_valid().to_pylist()):
        if not valid:
            values[i] = None
    return values


def _contains(ch: ChType, name: str) -> bool:
    return ch.name == name or any(_contains(a, name) for a in ch.args)


def _retype(t: pa.DataType, leaf: Callable[[pa.DataType], pa.DataType]) -> pa.DataType:
    if pa.types.is_list(t):
        return pa.list_(pa.field("item", _retype(t.value_type, leaf), t.value_field.nullable))
    if pa.types.is_large_list(t):
        return pa.large_list(_retype(t.value_type, leaf))
    if pa.types.is_map(t):
        return pa.map_(_retype(t.key_type, leaf), _retype(t.item_type, leaf))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _retype(f.type, leaf), f.nullable) for f in t])
    return leaf(t)


def _string_to_binary(t: pa.DataType) -> pa.DataType:
    if pa.types.is_string(t):
        return pa.binary()
    if pa.types.is_large_string(t):
        return pa.large_binary()
    return t


def _ns_to_us(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t) and t.unit == "ns":
        return pa.timestamp("us", tz=t.tz)
    return t


def _cast_nanoseconds(arr: pa.Array) -> pa.Array:
    """pyarrow makes pandas Timestamps for nanoseconds; truncate to microseconds first."""
    target = _retype(arr.type, _ns_to_us)
    if target.equals(arr.type):
        return arr
    return arr.cast(target, safe=False)


# -- results -------------------------------------------------------------------------------
def decoders_for(types: Sequence[ChType], server_tz: str) -> list[ColumnDecoder]:
    return [ColumnDecoder(t, server_tz) for t in types]


def rows_from_columns(columns: list[list[Any]], num_rows: int) -> list[tuple[Any, ...]]:
    """Transpose decoded columns into row tuples (the caller holds :func:`paused_gc`)."""
    if not columns:
        return [()] * num_rows
    return list(zip(*columns, strict=False))
