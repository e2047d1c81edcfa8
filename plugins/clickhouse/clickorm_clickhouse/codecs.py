"""Python values as ClickHouse server-side query parameters, exact for every type.

:func:`clickhouse_type_for_value` + :func:`encode_param`: the type name and the text of a
server-side typed parameter ``{p0:Type}``. The server parses the text with the type's
*escaped* text format (the one TSV uses), so only backslash escapes matter at the top
level; elements of arrays, maps and tuples use the *quoted* format. SQL literals are
written by :mod:`clickorm_clickhouse.literals` (the one literal writer).
"""

from __future__ import annotations

import datetime as _dt
import enum
import ipaddress
import math
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from clickorm.errors import QueryError
from clickorm_clickhouse.literals import quote_string

__all__ = [
    "clickhouse_type_for_value",
    "encode_param",
    "encode_params",
]

_INT_TYPES = (
    ("Int64", -(2**63), 2**63 - 1),
    ("UInt64", 0, 2**64 - 1),
    ("Int128", -(2**127), 2**127 - 1),
    ("UInt128", 0, 2**128 - 1),
    ("Int256", -(2**255), 2**255 - 1),
    ("UInt256", 0, 2**256 - 1),
)
_DATE_MIN, _DATE_MAX = _dt.date(1970, 1, 1), _dt.date(2149, 6, 6)
_DT_MIN = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_DT_MAX = _dt.datetime(2106, 2, 7, 6, 28, 15, tzinfo=_dt.UTC)
_MAX_DECIMAL_PRECISION = 76

# escaped format (top-level parameter text): backslash escapes only
_ESCAPED = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0", "\b": "\\b", "\f": "\\f"}
)

# -- type names ----------------------------------------------------------------------------
def clickhouse_type_for_value(value: Any) -> str:
    """The ClickHouse type a parameter holding ``value`` is declared with.

    ints take the narrowest of Int64/UInt64/Int128/UInt128/Int256/UInt256 that holds
    them; dates and datetimes take Date/DateTime when in range, else Date32/DateTime64(6);
    aware datetimes are sent in UTC (``DateTime64(6, 'UTC')``); lists, tuples and dicts
    become Array/Tuple/Map of their unified element types; None is ``Nullable(Nothing)``.
    """
    return _type_of(value)


def _type_of(value: Any) -> str:
    if value is None:
        return "Nullable(Nothing)"
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, enum.Enum):
        return _type_of(value.value)
    if isinstance(value, int):
        return _int_type(value, value)
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, str | bytes | bytearray | memoryview):
        return "String"
    if isinstance(value, Decimal):
        p, s = _decimal_shape(value)
        return f"Decimal({p}, {s})"
    if isinstance(value, _dt.datetime):
        return _datetime_type(value)
    if isinstance(value, _dt.date):
        return "Date" if _DATE_MIN <= value <= _DATE_MAX else "Date32"
    if isinstance(value, _dt.time):
        return "String"  # ClickHouse has no time-of-day type before Time (25.x); ISO text
    if isinstance(value, uuid.UUID):
        return "UUID"
    if isinstance(value, ipaddress.IPv4Address):
        return "IPv4"
    if isinstance(value, ipaddress.IPv6Address):
        return "IPv6"
    if isinstance(value, Mapping):
        if not value:
            return "Map(String, String)"
        key = _unify(list(value.keys()), "map key")
        val = _unify(list(value.values()), "map value")
        return f"Map({key}, {val})"
    if isinstance(value, tuple):
        return "Tuple(" + ", ".join(_type_of(v) for v in value) + ")"
    if isinstance(value, list | set | frozenset):
        items = list(value)
        if not items:
            return "Array(Nothing)"
        return f"Array({_unify(items, 'array element')})"
    raise QueryError(
        f"Cannot bind a {type(value).__name__} as a ClickHouse parameter. Supported: int, "
        "float, Decimal, str, bytes, bool, date, datetime, UUID, IPv4/IPv6 addresses, Enum, "
        "list, tuple, dict and None; convert the value first."
    )


def _int_type(lo: int, hi: int) -> str:
    for name, tmin, tmax in _INT_TYPES:
        if tmin <= lo and hi <= tmax:
            return name
    far = lo if lo < 0 else hi
    raise QueryError(f"An integer of {len(str(abs(far)))} digits ({far.bit_length()} bits) does "
                     "not fit any ClickHouse integer type (256 bits at most; the value is not "
                     "shown)")


def _decimal_shape(value: Decimal) -> tuple[int, int]:
    if not value.is_finite():
        raise QueryError("ClickHouse Decimal cannot hold a NaN or infinite Decimal; use a float "
                         "instead")
    sign_, digits, exponent = value.as_tuple()
    del sign_
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent)
    precision = max(1, integer_digits + scale)
    if precision > _MAX_DECIMAL_PRECISION:
        raise QueryError(f"A Decimal of {precision} digits does not fit ClickHouse's "
                         "Decimal, which allows 76 (the value is not shown)")
    return precision, scale


def _datetime_type(value: _dt.datetime) -> str:
    aware = value.tzinfo is not None and value.utcoffset() is not None
    suffix = ", 'UTC'" if aware else ""
    probe = value.astimezone(_dt.UTC) if aware else value.replace(tzinfo=_dt.UTC)
    if value.microsecond == 0 and _DT_MIN <= probe <= _DT_MAX:
        return "DateTime('UTC')" if aware else "DateTime"
    return f"DateTime64(6{suffix})"


def _unify(items: list[Any], what: str) -> str:
    """One type for all ``items`` (widest int, Float64 for int+float, Nullable for None)."""
    present = [v.value if isinstance(v, enum.Enum) else v for v in items if v is not None]
    nullable = len(present) != len(items)
    if not present:
        return "Nullable(Nothing)"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        base = _int_type(min(present), max(present))
    elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        base = "Float64"
    elif all(isinstance(v, Decimal) for v in present):
        shapes = [_decimal_shape(v) for v in present]
        scale = max(s for _, s in shapes)
        integer = max(p - s for p, s in shapes)
        base = f"Decimal({max(1, integer + scale)}, {scale})"
    elif all(isinstance(v, list | set | frozenset) for v in present):
        inner = [x for v in present for x in v]
        base = f"Array({_unify(inner, what)})" if inner else "Array(Nothing)"
    elif all(isinstance(v, Mapping) for v in present):
        keys = [k for v in present for k in v]
        if not keys:
            base = "Map(String, String)"
        else:
            values = [x for v in present for x in v.values()]
            base = f"Map({_unify(keys, 'map key')}, {_unify(values, 'map value')})"
    elif all(isinstance(v, tuple) for v in present) and len({len(v) for v in present}) == 1:
        columns = zip(*present, strict=True)
        base = "Tuple(" + ", ".join(_unify(list(c), what) for c in columns) + ")"
    else:
        types = {_type_of(v) for v in present}
        if len(types) == 1:
            base = types.pop()
        elif types <= {"DateTime", "DateTime64(6)"}:
            base = "DateTime64(6)"
        elif types <= {"DateTime('UTC')", "DateTime64(6, 'UTC')"}:
            base = "DateTime64(6, 'UTC')"
        elif types <= {"Date", "Date32"}:
            base = "Date32"
        else:
            raise QueryError(
                f"Cannot bind a list whose {what}s mix types {sorted(types)}; "
                "make them one type first"
            )
    if not nullable:
        return base
    if base.startswith(("Array(", "Map(", "Tuple(", "Nullable(")):
        raise QueryError(f"ClickHouse cannot make {base} Nullable (a None among {what}s)")
    return f"Nullable({base})"


# -- parameter text ------------------------------------------------------------------------
def encode_param(value: Any) -> str:
    """The text of one ``{name:Type}`` parameter, in the escaped format the server parses."""
    if value is None:
        return "\\N"
    if isinstance(value, enum.Enum):
        return encode_param(value.value)
    if isinstance(value, str):
        return value.translate(_ESCAPED)
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes_text(bytes(value), quoted=False)
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return _quoted(value)
    return _scalar_text(value)


def encode_params(params: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, str]:
    """Encode every parameter; a sequence binds as ``p0``, ``p1``, ... (the grammar's names)."""
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return {str(k): encode_param(v) for k, v in params.items()}
    if isinstance(params, str | bytes):
        raise QueryError(
            f"Parameters must be a mapping or a sequence of values, not {type(params).__name__}"
        )
    return {f"p{i}": encode_param(v) for i, v in enumerate(params)}


def _scalar_text(value: Any) -> str:
    """Text of a non-string scalar; the same in the escaped and the quoted format."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, Decimal):
        _decimal_shape(value)
        return format(value, "f")
    if isinstance(value, _dt.datetime):
        return _datetime_text(value)
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    _type_of(value)  # raises the "cannot bind" error for unsupported types
    raise AssertionError(f"unhandled parameter type {type(value).__name__}")


def _datetime_text(value: _dt.datetime) -> str:
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_dt.UTC)
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond or _datetime_type(value).startswith("DateTime64"):
        text += f".{value.microsecond:06d}"
    return text


def _quoted(value: Any) -> str:
    """A value in the quoted format (what array/map/tuple elements are written in)."""
    if value is None:
        return "NULL"
    if isinstance(value, enum.Enum):
        return _quoted(value.value)
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes_text(bytes(value), quoted=True)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_quoted(k)}:{_quoted(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_quoted(v) for v in value) + ")"
    if isinstance(value, list | set | frozenset):
        return "[" + ",".join(_quoted(v) for v in value) + "]"
    text = _scalar_text(value)
    if isinstance(value, bool | int | float | Decimal):
        return text
    return "'" + text + "'"


def _bytes_text(data: bytes, *, quoted: bool) -> str:
    """Bytes as string text: printable ASCII as is, every other byte as ``\\xHH``."""
    out = []
    for b in data:
        ch = chr(b)
        if ch == "\\" or (quoted and ch == "'"):
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{b:02X}")
    body = "".join(out)
    return f"'{body}'" if quoted else body
