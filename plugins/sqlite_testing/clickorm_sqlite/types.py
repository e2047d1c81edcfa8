"""SQLite value codecs and DDL type names for ClickORM's logical types.

SQLite has five storage classes, so richer values are stored as text: date/datetime as
ISO 8601 (``YYYY-MM-DD HH:MM:SS[.ffffff]``, aware values in UTC, the form CURRENT_TIMESTAMP
uses),
Decimal, UUID and IP addresses as text, bool as 0/1, enums by value, and arrays, maps,
tuples, nested rows and JSON as JSON text. Declared types are chosen for SQLite's type
affinity: anything stored as text gets TEXT affinity (a DECIMAL column would have NUMERIC
affinity and turn '1.10' into the float 1.1). A Decimal column is ``TEXT COLLATE
clickorm_decimal``, so it compares, orders and sums as a number (see decimals.py); its
values are written at the column's scale and read back at it ('3' is read as 3.00 in
a Decimal(10, 2)), as ClickHouse returns them.

Values SQLite cannot store faithfully are refused when written, with a ValidationError
(the model accepts them, ClickHouse stores them): NaN (SQLite stores NULL) and UInt64
values above 2**63 - 1 (an INTEGER is 64-bit signed).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import struct
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from clickorm.dialects import (
    Boolean,
    Bytes,
    Date,
    DateTime,
    Decimal,
    Enum,
    Float,
    Integer,
    LogicalType,
    LowCardinality,
    Nullable,
    String,
    jsonform,
    none_safe,
    parse_datetime,
)
from clickorm.errors import ValidationError
from clickorm_sqlite.decimals import COLLATION

Codec = Callable[[Any], Any]

#: logical kind -> declared SQLite type
TYPE_NAMES: dict[str, str] = {
    "integer": "INTEGER",
    "float": "REAL",
    "decimal": f"TEXT COLLATE {COLLATION}",
    "string": "TEXT",
    "fixed_string": "TEXT",
    "bytes": "BLOB",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "date32": "DATE",
    "datetime": "DATETIME",
    "datetime64": "DATETIME",
    "uuid": "TEXT",
    "ipv4": "TEXT",
    "ipv6": "TEXT",
    "array": "TEXT",
    "map": "TEXT",
    "tuple": "TEXT",
    "nested": "TEXT",
    "json": "TEXT",
}

_COMPOSITE = frozenset({"array", "map", "tuple", "nested", "json"})


def enum_type_name(t: Enum) -> str:
    """INTEGER for enums with int values, TEXT otherwise."""
    if t.enum is not None and all(
        isinstance(m.value, int) and not isinstance(m.value, bool) for m in t.enum
    ):
        return "INTEGER"
    return "TEXT"


def integer_type_name(t: Integer) -> str:
    """INTEGER (64-bit) for up to 64 bits; 128/256-bit integers are kept exact as TEXT,
    with the decimal collation so they compare and sum as numbers, not as text.

    UInt64 stays INTEGER so it compares numerically; values above 2**63 - 1 do not fit.
    """
    return TYPE_NAMES["decimal"] if _is_wide(t) else "INTEGER"


def _is_wide(t: LogicalType) -> bool:
    return isinstance(t, Integer) and t.bits > 64


def _base(t: LogicalType) -> LogicalType:
    while isinstance(t, Nullable | LowCardinality) and t.inner is not None:
        t = t.inner
    return t


def utc_text(value: dt.datetime) -> str:
    """A datetime as stored: aware values as UTC wall-clock text without an offset (as
    ClickHouse stores them), so text order is time order whatever zone each value came
    in (``08:00+09:00`` sorted after ``00:30+00:00``, an hour later, when stored as is)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


def _datetime_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc_text(value)
    return value


def _float32(value: Any) -> Any:
    """A float as a Float32 column holds it (0.1 reads 0.10000000149011612 on ClickHouse;
    SQLite's REAL would keep the double)."""
    if isinstance(value, float):
        return _F32.unpack(_F32.pack(value))[0]
    return value


_F32 = struct.Struct("<f")


def _no_nan_float32(value: Any) -> Any:
    return _float32(_no_nan(value))


def _datetime_at(places: int) -> Codec:
    """Datetime text cut to ``places`` digits after the second, as ClickHouse stores a
    DateTime (whole seconds) or a DateTime64(places): the same value reads back on
    every dialect."""
    step = 10 ** (6 - places)

    def encode(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return utc_text(value.replace(microsecond=value.microsecond - value.microsecond % step))
        return value

    return encode


def _wall_clock_of(zone: str, encode: Codec) -> Codec:
    """A naive datetime written to a column with a time zone is a wall-clock time of that
    zone, as ClickHouse reads it (09:00 into a DateTime('Asia/Tokyo') is 00:00 UTC); it
    was stored as UTC here, nine hours off what the other dialects hold."""
    tzinfo = ZoneInfo(zone)

    def encode_in_zone(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=tzinfo)
        return encode(value)

    return encode_in_zone


def _date_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


_INT64_MAX = (1 << 63) - 1


def _no_nan(value: Any) -> Any:
    """The value, unless it is NaN (None passes: it equals itself, so no None check)."""
    if value != value:  # NaN is the one value unequal to itself
        raise ValidationError(f"SQLite cannot store {value!r} faithfully (it stores NULL): "
                              "a NaN float is refused on this dialect.")
    return value


def _int64(value: Any) -> Any:
    if isinstance(value, int) and value > _INT64_MAX:
        raise ValidationError("SQLite cannot store the value in a UInt64 column: its INTEGER "
                              f"holds at most {_INT64_MAX} (2**63 - 1)")
    return value


def encoder_for(t: LogicalType) -> Codec | None:
    """Python value -> sqlite3 parameter; None when sqlite3 takes the value as is."""
    t = _base(t)
    kind = t.kind
    if kind == "float":
        return _no_nan_float32 if getattr(t, "bits", 64) == 32 else _no_nan
    if kind == "integer" and isinstance(t, Integer) and t.bits == 64 and not t.signed:
        return none_safe(_int64)
    if kind == "decimal" and isinstance(t, Decimal):
        return none_safe(_decimal_text(t.scale))
    if kind in ("decimal", "uuid", "ipv4", "ipv6"):
        return none_safe(str)
    if kind in ("date", "date32"):
        return none_safe(_date_text)
    if kind in ("datetime", "datetime64"):
        places = getattr(t, "precision", 0)
        text = _datetime_text if places >= 6 else _datetime_at(places)
        zone = getattr(t, "timezone", None)
        return none_safe(_wall_clock_of(zone, text) if zone else text)
    if kind == "enum":
        return none_safe(_enum_value)
    if kind == "integer" and _is_wide(t):
        return none_safe(str)
    if kind == "json":
        return none_safe(jsonform.dumps)
    if kind in _COMPOSITE:
        to_json = jsonform.to_json(t)
        if to_json is None:
            return none_safe(jsonform.dumps)
        return none_safe(lambda v: jsonform.dumps(to_json(v)))
    return None  # integer, float, string, fixed_string, bytes, boolean (stored as 0/1), raw


def _to_bool(value: Any) -> Any:
    return bool(value) if isinstance(value, int) else value


#: quantize never rounds here (only values with at most ``scale`` digits are padded), so
#: the context only has to hold every digit of the widest Decimal
_WIDE = decimal.Context(prec=decimal.MAX_PREC)


def _at_scale(value: decimal.Decimal, scale: int) -> decimal.Decimal:
    """``value`` written with ``scale`` fractional digits ('3' -> '3.00', '-0' -> '0.00');
    a value with more digits is kept as it is (never rounded)."""
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or exponent < -scale:
        return value
    if not value:
        value = abs(value)
    return value.quantize(decimal.Decimal(1).scaleb(-scale), context=_WIDE)


def _decimal_text(scale: int) -> Codec:
    def encode(value: Any) -> Any:
        if isinstance(value, decimal.Decimal):  # positional: 0.0000000000, never 0E-10
            return format(_at_scale(value, scale), "f")
        return str(value)
    return encode


def _to_decimal(value: Any) -> decimal.Decimal:
    return value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))


def _decimal_at(scale: int) -> Codec:
    def decode(value: Any) -> decimal.Decimal:
        return _at_scale(_to_decimal(value), scale)
    return decode


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def _to_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, bytes):
        return uuid.UUID(bytes=value)
    return uuid.UUID(value)


def decoder_for(t: LogicalType) -> Codec | None:
    """sqlite3 value -> Python value; None when the stored value is already right."""
    t = _base(t)
    kind = t.kind
    if kind == "integer" and _is_wide(t):
        return none_safe(int)
    if kind == "boolean":
        return none_safe(_to_bool)
    if kind == "decimal":
        return none_safe(_decimal_at(t.scale) if isinstance(t, Decimal) else _to_decimal)
    if kind in ("date", "date32"):
        return none_safe(_to_date)
    if kind in ("datetime", "datetime64"):
        tz = getattr(t, "timezone", None)
        return none_safe(lambda v: parse_datetime(v, tz))
    if kind == "uuid":
        return none_safe(_to_uuid)
    if kind == "ipv4":
        return none_safe(ipaddress.IPv4Address)
    if kind == "ipv6":
        return none_safe(ipaddress.IPv6Address)
    if isinstance(t, Enum) and t.enum is not None:
        return none_safe(t.enum)
    if kind in _COMPOSITE:
        from_json = jsonform.from_json(t)
        if from_json is None:
            return none_safe(jsonform.loads)
        return none_safe(lambda v: from_json(jsonform.loads(v)))
    return None


#: declared type -> the logical type a model annotation gives it back (``clickorm inspect``)
_DECLARED: dict[str, LogicalType] = {
    "INTEGER": Integer(64), "REAL": Float(64), "TEXT": String(), "BLOB": Bytes(),
    "BOOLEAN": Boolean(), "DATE": Date(), "DATETIME": DateTime(),
    f"TEXT COLLATE {COLLATION}".upper(): Decimal(),
}


def logical_from_declared(declared: str) -> LogicalType | None:
    """The logical type whose column this platform declares as ``declared``, or None.

    Several logical types share a declared type (a DATETIME was a DateTime or a
    DateTime64, TEXT a str, UUID or JSON); the plainest is given. A decimal column does
    not record its precision and scale: ``Decimal(38, 10)`` is given, with a note. Other
    names give the type of their affinity (``VARCHAR(20)``: a str); the platform keeps
    such a column's declared type pinned, since its own spelling differs.
    """
    name = " ".join(declared.upper().split())
    if name in _DECLARED:
        return _DECLARED[name]
    # SQLite's affinity rules, in its order: what a column of another name holds
    for parts, logical in _AFFINITY:
        if any(p in name for p in parts):
            return logical
    return None


_AFFINITY: tuple[tuple[tuple[str, ...], LogicalType], ...] = (
    (("INT",), Integer(64)), (("CHAR", "CLOB", "TEXT"), String()), (("BLOB",), Bytes()),
    (("REAL", "FLOA", "DOUB"), Float(64)),
)
