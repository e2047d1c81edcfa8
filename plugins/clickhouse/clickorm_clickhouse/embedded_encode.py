"""Python values -> Arrow arrays for chDB inserts, by the target column's ClickHouse type.

A bulk insert is sent to chDB as one Arrow IPC stream per block (``INSERT INTO t (...)
FORMAT ArrowStream``), so values never become SQL text. Most columns convert in C++
(``pa.array(values, type)``) after a cheap check of the Python types present; the rest
(IPv6, enum members, naive datetimes in a non-UTC zone, tuples, wide ints) get a
per-value conversion first. A value that does not fit its column raises a QueryError
naming the column, the type and the value's Python type.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from clickorm.dialects import value_types
from clickorm.errors import QueryError
from clickorm_clickhouse.embedded_decode import zone
from clickorm_clickhouse.embedded_types import ChType, parse_type

__all__ = ["ColumnEncoder", "encoder_for", "ipc_stream", "settings_clause"]

Encode = Callable[[Sequence[Any]], pa.Array]

_NONE = type(None)
_INTS = {
    "Int8": pa.int8(),
    "Int16": pa.int16(),
    "Int32": pa.int32(),
    "Int64": pa.int64(),
    "UInt8": pa.uint8(),
    "UInt16": pa.uint16(),
    "UInt32": pa.uint32(),
    "UInt64": pa.uint64(),
}
_WIDE = frozenset({"Int128", "Int256", "UInt128", "UInt256"})
_FLOATS = {"Float32": pa.float32(), "Float64": pa.float64(), "BFloat16": pa.float32()}


class ColumnEncoder:
    """Builds the Arrow array of one insert column from a sequence of Python values."""

    __slots__ = ("name", "ch", "_encode")

    def __init__(self, name: str, ch: ChType, server_tz: str) -> None:
        self.name = name
        self.ch = ch
        self._encode = _encoder(ch, server_tz)

    def encode(self, values: Sequence[Any]) -> pa.Array:
        try:
            return self._encode(values)
        except QueryError:
            raise
        except (
            pa.ArrowInvalid,
            pa.ArrowTypeError,
            TypeError,
            ValueError,
            OverflowError,
            KeyError,
            decimal.InvalidOperation,
        ) as exc:
            # only this module's own reasons are shown: pyarrow's and Python's conversion
            # messages quote the value ("Could not convert 'secret' with type str")
            reason = str(exc) if isinstance(exc, NotOfType) else (
                f"a value does not fit it ({type(exc).__name__}; the message is left out: "
                "it can quote the value)")
            raise QueryError(
                f"Cannot insert into column {self.name!r} of type {self.ch}: {reason}. "
                "Give values of the column's Python type (see the ClickHouse type mapping)."
            ) from None


class NotOfType(TypeError):
    """A value of a type the column's encoder does not take (its message names the type,
    never the value)."""


def encoder_for(name: str, type_name: str, server_tz: str) -> ColumnEncoder:
    return ColumnEncoder(name, parse_type(type_name), server_tz)


def ipc_stream(batch: pa.RecordBatch) -> bytes:
    """One record batch as Arrow IPC stream bytes (what ``FORMAT ArrowStream`` reads)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data


# -- building encoders ---------------------------------------------------------------------
def _encoder(ch: ChType, server_tz: str) -> Encode:
    name = ch.name
    if name in ("Nullable", "LowCardinality", "SimpleAggregateFunction"):
        return _encoder(ch.args[-1], server_tz)
    if name in _INTS:
        return _typed(_INTS[name], (int,), _to_int)
    if name in _WIDE:
        return _wide_int
    if name in _FLOATS:
        return _typed(_FLOATS[name], (float, int), float, plain=True)
    if name == "Bool":
        return _typed(pa.bool_(), (bool,), _to_bool, plain=True)
    if name == "String":
        return _with_plain(_string, pa.string())
    if name == "FixedString":
        return _fixed_string(int(ch.params[0]))
    if name.startswith("Decimal"):
        return _decimal(ch)
    if name in ("Date", "Date32"):
        return _typed(pa.date32(), (_dt.date,), _to_date)
    if name == "DateTime":
        return _datetime(ch.tz or server_tz, "us")
    if name == "DateTime64":
        return _datetime(ch.tz or server_tz, "us" if int(ch.params[0]) <= 6 else "ns")
    if name == "UUID":
        return _uuid
    if name == "IPv4":
        return _ipv4
    if name == "IPv6":
        return _ipv6
    if name in ("Enum8", "Enum16"):
        return _enum(ch)
    if name in ("JSON", "Object", "Dynamic"):
        return _json
    if name == "Array":
        return _array(_encoder(ch.inner, server_tz))
    if name == "Nested":
        return _array(_tuple(ChType("Tuple", ch.args, ch.names), server_tz))
    if name == "Map":
        return _map(_encoder(ch.args[0], server_tz), _encoder(ch.args[1], server_tz))
    if name == "Tuple":
        return _tuple(ch, server_tz)
    if name == "Nothing":
        return lambda values: pa.nulls(len(values))
    if name == "AggregateFunction":
        raise QueryError(
            f"Cannot insert Python values into an {ch} column; insert with "
            "INSERT ... SELECT ...State(...) instead"
        )
    return _inferred


def _with_plain(encode: Encode, arrow_type: pa.DataType) -> Encode:
    """Mark ``encode`` as one whose lists pyarrow converts exactly in one C++ call.

    Only types where pyarrow refuses every wrong Python type qualify (it would silently
    truncate 2.5 into an int column, so integer arrays go element-wise).
    """
    encode.plain_type = arrow_type  # type: ignore[attr-defined]
    return encode


def _typed(
    arrow_type: pa.DataType,
    accepted: tuple[type, ...],
    coerce: Callable[[Any], Any],
    *,
    plain: bool = False,
) -> Encode:
    """Convert in C++ when every value already has an accepted type, else coerce first."""
    exact = set(accepted) | {_NONE}

    def encode(values: Sequence[Any]) -> pa.Array:
        if value_types(values) <= exact:
            return pa.array(values, type=arrow_type)
        return pa.array([None if v is None else coerce(v) for v in values], type=arrow_type)

    return _with_plain(encode, arrow_type) if plain else encode


def _to_int(value: Any) -> int:
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, enum.Enum):
        return _to_int(value.value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return int(value)
    raise NotOfType(f"a {type(value).__name__} value is not an integer")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise NotOfType(f"a {type(value).__name__} value is not a bool")


def _to_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        return _dt.date.fromisoformat(value)
    raise NotOfType(f"a {type(value).__name__} value is not a date")


def _wide_int(values: Sequence[Any]) -> pa.Array:
    # ClickHouse parses the decimal text exactly; Arrow has no 128/256-bit integers
    return pa.array([None if v is None else str(_to_int(v)) for v in values], type=pa.string())


def _string(values: Sequence[Any]) -> pa.Array:
    kinds = value_types(values)
    if kinds <= {str, _NONE}:
        return pa.array(values, type=pa.string())
    if kinds <= {str, bytes, _NONE}:
        return pa.array(values, type=pa.binary())
    return pa.array([None if v is None else _to_bytes(v) for v in values], type=pa.binary())


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, enum.Enum):
        return _to_bytes(value.value)
    raise NotOfType(f"a {type(value).__name__} value is not a str or bytes")


def _fixed_string(length: int) -> Encode:
    def encode(values: Sequence[Any]) -> pa.Array:
        data = [None if v is None else _to_bytes(v) for v in values]
        for item in data:
            if item is not None and len(item) > length:
                raise ValueError(f"{item!r} is longer than {length} bytes")
        return pa.array(data, type=pa.binary())

    return encode


def _decimal(ch: ChType) -> Encode:
    precision, scale = _decimal_params(ch)
    arrow_type = (
        pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
    )
    quantum = decimal.Decimal(1).scaleb(-scale)

    def coerce(value: Any) -> decimal.Decimal:
        if isinstance(value, decimal.Decimal):
            out = value
        elif isinstance(value, int | str):
            out = decimal.Decimal(value)
        elif isinstance(value, float):
            out = decimal.Decimal(repr(value))
        else:
            raise NotOfType(f"a {type(value).__name__} value is not a Decimal")
        # ClickHouse truncates extra fractional digits on insert; do the same
        exponent = out.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            out = out.quantize(quantum, rounding=decimal.ROUND_DOWN)
        return out

    def encode(values: Sequence[Any]) -> pa.Array:
        if value_types(values) <= {decimal.Decimal, _NONE}:
            try:
                return pa.array(values, type=arrow_type)
            except pa.ArrowInvalid:
                pass  # more fractional digits than the scale: truncate below
        return pa.array([None if v is None else coerce(v) for v in values], type=arrow_type)

    return encode


def _decimal_params(ch: ChType) -> tuple[int, int]:
    if ch.name == "Decimal":
        return int(ch.params[0]), int(ch.params[1])
    width = {"Decimal32": 9, "Decimal64": 18, "Decimal128": 38, "Decimal256": 76}[ch.name]
    return width, int(ch.params[0])


def _datetime(tz_name: str, unit: str) -> Encode:
    tzinfo = zone(tz_name)
    arrow_type = pa.timestamp(unit, tz="UTC")
    utc = tzinfo is _dt.UTC

    def localize(value: Any) -> Any:
        if isinstance(value, _dt.datetime):
            if value.tzinfo is None:
                return value.replace(tzinfo=tzinfo)
            return value
        if isinstance(value, _dt.date):
            return _dt.datetime(value.year, value.month, value.day, tzinfo=tzinfo)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _dt.datetime.fromtimestamp(value, _dt.UTC)
        if isinstance(value, str):
            return localize(_dt.datetime.fromisoformat(value))
        raise NotOfType(f"a {type(value).__name__} value is not a datetime")

    def encode(values: Sequence[Any]) -> pa.Array:
        kinds = value_types(values)
        if kinds <= {_dt.datetime, _NONE}:
            # pyarrow reads naive datetimes as UTC: exact for UTC columns; aware values
            # are converted to UTC by pyarrow itself
            if utc or all(v is None or v.tzinfo is not None for v in values):
                return pa.array(values, type=arrow_type)
        return pa.array([None if v is None else localize(v) for v in values], type=arrow_type)

    return encode


def _uuid(values: Sequence[Any]) -> pa.Array:
    def raw(value: Any) -> bytes:
        if isinstance(value, uuid.UUID):
            return value.bytes
        if isinstance(value, str):
            return uuid.UUID(value).bytes
        if isinstance(value, bytes) and len(value) == 16:
            return value
        raise NotOfType(f"a {type(value).__name__} value is not a UUID")

    data = [None if v is None else raw(v) for v in values]
    return pa.array(data, type=pa.uuid())


def _ipv4(values: Sequence[Any]) -> pa.Array:
    to_int = int
    addr = ipaddress.IPv4Address
    out = [None if v is None else to_int(v if isinstance(v, addr) else addr(v)) for v in values]
    return pa.array(out, type=pa.uint32())


def _ipv6_bytes(value: Any) -> bytes:
    if isinstance(value, ipaddress.IPv6Address):
        return value.packed
    if isinstance(value, ipaddress.IPv4Address):
        return ipaddress.IPv6Address("::ffff:" + str(value)).packed
    if isinstance(value, str | int | bytes):
        return _ipv6_bytes(ipaddress.ip_address(value))
    raise NotOfType(f"a {type(value).__name__} value is not an IP address")


def _ipv6(values: Sequence[Any]) -> pa.Array:
    return pa.array([None if v is None else _ipv6_bytes(v) for v in values], type=pa.binary(16))


def _enum(ch: ChType) -> Encode:
    by_number = dict(ch.enum)
    names = set(by_number.values())

    def label(value: Any) -> str:
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, str):
            if value not in names:
                raise NotOfType(f"the label is not one of {sorted(names)}")
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return by_number[value]
        raise NotOfType(f"a {type(value).__name__} value is not an enum label or number")

    def encode(values: Sequence[Any]) -> pa.Array:
        return pa.array([None if v is None else label(v) for v in values], type=pa.string())

    return encode


def _json(values: Sequence[Any]) -> pa.Array:
    def text(value: Any) -> str:
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str)

    return pa.array([None if v is None else text(v) for v in values], type=pa.string())


def _array(inner: Encode) -> Encode:
    def encode(values: Sequence[Any]) -> pa.Array:
        offsets = [0]
        flat: list[Any] = []
        mask: list[bool] = []
        total = 0
        for v in values:
            if v is None:
                mask.append(True)
            else:
                mask.append(False)
                flat.extend(v)
                total += len(v)
            offsets.append(total)
        child = inner(flat)
        has_nulls = any(mask)
        return pa.ListArray.from_arrays(
            pa.array(offsets, type=pa.int32()),
            child,
            mask=pa.array(mask, type=pa.bool_()) if has_nulls else None,
        )

    return _fast_list(inner, encode)


def _fast_list(inner: Encode, slow: Encode) -> Encode:
    """Lists of plain values convert in one C++ call; anything else goes element-wise."""
    plain = getattr(inner, "plain_type", None)
    if plain is None:
        return slow

    def encode(values: Sequence[Any]) -> pa.Array:
        try:
            return pa.array(values, type=pa.list_(plain))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return slow(values)

    return encode


def _map(keys: Encode, items: Encode) -> Encode:
    def encode(values: Sequence[Any]) -> pa.Array:
        offsets = [0]
        flat_k: list[Any] = []
        flat_v: list[Any] = []
        total = 0
        for v in values:
            if v is None:
                raise TypeError("a Map value cannot be None (ClickHouse Maps are not Nullable)")
            pairs = v.items() if hasattr(v, "items") else v
            for k, item in pairs:
                flat_k.append(k)
                flat_v.append(item)
                total += 1
            offsets.append(total)
        return pa.MapArray.from_arrays(
            pa.array(offsets, type=pa.int32()), keys(flat_k), items(flat_v)
        )

    return encode


def _tuple(ch: ChType, server_tz: str) -> Encode:
    children = [_encoder(a, server_tz) for a in ch.args]
    names = list(ch.names) if ch.names else [str(i + 1) for i in range(len(ch.args))]
    width = len(children)

    def encode(values: Sequence[Any]) -> pa.Array:
        columns: list[list[Any]] = [[] for _ in range(width)]
        mask = []
        for v in values:
            if v is None:
                mask.append(True)
                for col in columns:
                    col.append(None)
                continue
            mask.append(False)
            items = [v.get(n) for n in names] if isinstance(v, dict) else list(v)
            if len(items) != width:
                raise ValueError(f"{v!r} has {len(items)} elements, the Tuple has {width}")
            for col, item in zip(columns, items, strict=True):
                col.append(item)
        arrays = [enc(col) for enc, col in zip(children, columns, strict=True)]
        if not arrays:
            return pa.array([{}] * len(values), type=pa.struct([]))
        return pa.StructArray.from_arrays(
            arrays, names=names, mask=pa.array(mask, type=pa.bool_()) if any(mask) else None
        )

    return encode


def _inferred(values: Sequence[Any]) -> pa.Array:
    """Types this module does not know: let pyarrow infer and ClickHouse cast."""
    return pa.array(values)


_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SETTING_TEXT = re.compile(r"^[A-Za-z0-9_.:-]*$")


def settings_clause(settings: Mapping[str, Any]) -> str:
    """`` SETTINGS a = 1, b = 'x'`` for an INSERT's own settings (the writer's names,
    booleans, integers and token-like strings only; anything else is refused)."""
    if not settings:
        return ""
    parts = []
    for name, value in settings.items():
        if not _SETTING_NAME.match(name):
            raise QueryError(f"Not a setting name: {name!r}")
        if isinstance(value, bool | int):
            parts.append(f"{name} = {int(value)}")
        elif isinstance(value, str) and _SETTING_TEXT.match(value):
            parts.append(f"{name} = '{value}'")
        else:
            raise QueryError(f"Setting {name}: unsupported value {value!r}")
    return " SETTINGS " + ", ".join(parts)
