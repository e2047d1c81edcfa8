"""ClickHouse spellings of the logical types, their value codecs and DDL literals.

:class:`ClickHouseTypeSQL` is the type half of the platform (a mixin of
:class:`~clickorm_clickhouse.platform.ClickHousePlatform`): one ``type_sql_<kind>`` per
logical kind, adapted to the server version. What an old server lacks is either written
the old way (Bool -> UInt8, named Tuple -> unnamed Tuple, JSON -> String holding JSON
text) or refused with a SchemaError naming the type, the server version and the release
that has it (Map, DateTime64, Int128/256, Date32, IPv4/6, Nested).

Enums: a Python enum whose values are all ``str`` is stored by value
(``Enum8('red' = 1, 'green' = 2)``, numbered in declaration order); one whose values are
all ``int`` by name with its values as the numbers (``Enum8('LOW' = 1, 'HIGH' = 2)``);
any other enum by name, numbered in order. ``Enum8`` is picked when every number fits,
else ``Enum16``.

Codecs (``make_encoder`` / ``make_decoder``) complete what the drivers return: enum
labels <-> members, Tuple/Nested rows <-> Pydantic models, JSON <-> models (and JSON
text on servers without the JSON type), UInt8 <-> bool on servers without Bool, tuple /
set containers for arrays, and ``bytes`` for Bytes columns the driver returned as text.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast
from zoneinfo import ZoneInfo

from clickorm.dialects import (
    JSON,
    Array,
    Boolean,
    Bytes,
    Date,
    DateTime,
    DateTime64,
    Decimal,
    Enum,
    FixedString,
    Integer,
    LogicalType,
    LowCardinality,
    Map,
    Nested,
    Nullable,
    Tuple,
    jsonform,
    none_safe,
)
from clickorm.errors import SchemaError, ValidationError
from clickorm_clickhouse import platform_features as features
from clickorm_clickhouse.literals import quote_string

__all__ = [
    "TYPE_NAMES",
    "ClickHouseTypeSQL",
    "enum_members",
    "enum_label",
    "make_encoder",
    "make_decoder",
    "LUT_LAST_DAY",
    "lut_2105_problem",
]

Codec = Callable[[Any], Any]

#: logical kinds whose ClickHouse name needs no arguments
TYPE_NAMES: dict[str, str] = {
    "string": "String",
    "bytes": "String",
    "date": "Date",
    "uuid": "UUID",
}

#: types ClickHouse cannot wrap in Nullable(...)
_NO_NULLABLE = ("array", "map", "tuple", "nested", "json", "low_cardinality")


# -- enums -------------------------------------------------------------------------------
def _by_value(enum_cls: type[enum.Enum]) -> str:
    """How an enum is stored: ``"value"`` (all str values), ``"number"`` (all int) or ``"name"``."""
    values = [m.value for m in enum_cls]
    if values and all(isinstance(v, str) for v in values):
        return "value"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "number"
    return "name"


def enum_members(logical: Enum) -> list[tuple[str, int]]:
    """``(label, number)`` pairs of a ClickHouse Enum for ``logical`` (see module doc)."""
    if logical.enum is None:
        raise SchemaError(f"{logical!r} needs its enum class: types.Enum(MyEnum)")
    members = list(logical.enum)
    if not members:
        raise SchemaError(f"Enum {logical.enum.__name__} has no members")
    mode = _by_value(logical.enum)
    if mode == "value":
        return [(str(m.value), i) for i, m in enumerate(members, 1)]
    if mode == "number":
        return [(m.name, int(m.value)) for m in members]
    return [(m.name, i) for i, m in enumerate(members, 1)]


def enum_label(member: enum.Enum) -> str:
    """The ClickHouse label a member is stored as."""
    return str(member.value) if _by_value(type(member)) == "value" else member.name


def _enum_bits(logical: Enum, members: Sequence[tuple[str, int]]) -> int:
    numbers = [n for _, n in members]
    fits8 = all(-128 <= n <= 127 for n in numbers)
    fits16 = all(-32768 <= n <= 32767 for n in numbers)
    if not fits16:
        raise SchemaError(
            f"Enum {logical!r}: values {min(numbers)}..{max(numbers)} do not fit Enum16 "
            "(-32768..32767); store the values in an integer column instead"
        )
    if logical.bits == 8 and not fits8:
        raise SchemaError(
            f"Enum {logical!r}: values {min(numbers)}..{max(numbers)} do not fit Enum8 "
            "(-128..127); use types.Enum16"
        )
    return logical.bits or (8 if fits8 else 16)


# -- type SQL ----------------------------------------------------------------------------
class ClickHouseTypeSQL:
    """``type_sql_<kind>`` methods of the ClickHouse platform (mixed into it)."""

    server_version: tuple[int, ...] | None
    type_sql: Callable[[LogicalType], str]

    def _require(self, feature: str, logical: LogicalType) -> None:
        features.require(self.server_version, feature, f"column type {logical!r}")

    def _has(self, feature: str) -> bool:
        return features.supports(self.server_version, feature)

    def type_sql_integer(self, logical: Integer) -> str:
        if logical.bits > 64:
            self._require("bigint", logical)
        return repr(logical)

    def type_sql_float(self, logical: Any) -> str:
        return f"Float{logical.bits}"

    def type_sql_decimal(self, logical: Decimal) -> str:
        if logical.precision > 38:
            self._require("bigint", logical)
        return f"Decimal({logical.precision}, {logical.scale})"

    def type_sql_fixed_string(self, logical: FixedString) -> str:
        return f"FixedString({logical.length})"

    def type_sql_boolean(self, logical: Boolean) -> str:
        return "Bool" if self._has("bool") else "UInt8"

    def type_sql_date32(self, logical: LogicalType) -> str:
        self._require("date32", logical)
        return "Date32"

    def type_sql_datetime(self, logical: DateTime) -> str:
        if logical.timezone:
            return f"DateTime({quote_string(logical.timezone)})"
        return "DateTime"

    def type_sql_datetime64(self, logical: DateTime64) -> str:
        self._require("datetime64", logical)
        if logical.timezone:
            return f"DateTime64({logical.precision}, {quote_string(logical.timezone)})"
        return f"DateTime64({logical.precision})"

    def type_sql_ipv4(self, logical: LogicalType) -> str:
        self._require("ipv4_ipv6", logical)
        return "IPv4"

    def type_sql_ipv6(self, logical: LogicalType) -> str:
        self._require("ipv4_ipv6", logical)
        return "IPv6"

    def type_sql_enum(self, logical: Enum) -> str:
        members = enum_members(logical)
        bits = _enum_bits(logical, members)
        body = ", ".join(f"{quote_string(label)} = {number}" for label, number in members)
        return f"Enum{bits}({body})"

    def type_sql_array(self, logical: Array) -> str:
        return f"Array({self.type_sql(logical.item)})"

    def type_sql_map(self, logical: Map) -> str:
        self._require("map", logical)
        return f"Map({self.type_sql(logical.key)}, {self.type_sql(logical.value)})"

    def type_sql_tuple(self, logical: Tuple) -> str:
        items = [self.type_sql(t) for t in logical.items]
        if logical.names and self._has("named_tuple"):
            items = [
                f"{_quote_name(n)} {sql}" for n, sql in zip(logical.names, items, strict=True)
            ]
        return f"Tuple({', '.join(items)})"

    def type_sql_nested(self, logical: Nested) -> str:
        """``Array(Tuple(name T, ...))``: what a one-column Nested is, in any position.

        A top-level Nested column of a CREATE is written ``Nested(...)`` by the platform
        (with ``flatten_nested = 0``); ALTERs have no SETTINGS clause and use this form.
        """
        self._require("flatten_nested", logical)
        names = tuple(n for n, _ in logical.fields)
        tuple_type = Tuple(tuple(t for _, t in logical.fields), names=names)
        return f"Array({self.type_sql(tuple_type)})"

    def nested_column_sql(self, logical: Nested) -> str:
        """``Nested(name T, ...)`` for a top-level column of a CREATE."""
        body = ", ".join(f"{_quote_name(n)} {self.type_sql(t)}" for n, t in logical.fields)
        return f"Nested({body})"

    def type_sql_nullable(self, logical: Nullable) -> str:
        assert logical.inner is not None
        inner = logical.inner
        if isinstance(inner, LowCardinality) and inner.inner is not None:
            return self.type_sql(LowCardinality(Nullable(inner.inner)))  # ClickHouse's order
        if isinstance(inner, JSON) and not self._has("native_json"):
            return "Nullable(String)"  # JSON text, the old way, may be NULL
        if inner.kind in _NO_NULLABLE:
            raise SchemaError(
                f"ClickHouse cannot store NULL in a {inner!r} column (Nullable({inner!r}) is "
                "not a ClickHouse type); make the field non-optional with an empty default"
            )
        return f"Nullable({self.type_sql(inner)})"

    def type_sql_low_cardinality(self, logical: LowCardinality) -> str:
        assert logical.inner is not None
        self._require("low_cardinality", logical)
        return f"LowCardinality({self.type_sql(logical.inner)})"

    def type_sql_json(self, logical: JSON) -> str:
        return "JSON" if self._has("native_json") else "String"


def _quote_name(name: str) -> str:
    from clickorm_clickhouse.quoting import quote_identifier

    return quote_identifier(name)


# -- codecs ------------------------------------------------------------------------------
def _identity(value: Any) -> Any:
    return value


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _enum_encoder(logical: Enum) -> Codec | None:
    if logical.enum is None:
        return None
    enum_cls = logical.enum
    labels = {m: enum_label(m) for m in enum_cls}
    by_number = {number: label for label, number in enum_members(logical)}
    mode = _by_value(enum_cls)

    def encode(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            return labels[value] if value in labels else value.value
        if mode == "number" and isinstance(value, int) and value in by_number:
            return by_number[value]
        return value

    return encode


def _enum_decoder(logical: Enum) -> Codec | None:
    if logical.enum is None:
        return None
    enum_cls = logical.enum
    by_label: dict[Any, enum.Enum] = {enum_label(m): m for m in enum_cls}
    members = list(enum_cls)
    for (_, number), member in zip(enum_members(logical), members, strict=True):
        by_label.setdefault(number, member)

    def decode(value: Any) -> Any:
        try:
            return by_label[value]
        except (KeyError, TypeError):
            return enum_cls(value)

    return decode


#: the last day an old server's date table knows (releases before 21.4): a later Date or
#: DateTime is stored, but the server reads it as 1970 in text, filters and functions
LUT_LAST_DAY = _dt.date(2105, 12, 31)


def lut_2105_problem(value: Any) -> str | None:
    """Why an old server (before 21.4) cannot handle ``value``, or None when it can."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(_dt.UTC)
        day = value.date()
    elif isinstance(value, _dt.date):
        day = value
    else:
        return None
    if day > LUT_LAST_DAY:
        return (f"is after {LUT_LAST_DAY}, the last day ClickHouse releases before 21.4 "
                "handle (they read later dates as 1970-01-01 in filters, text and functions)")
    return None


def _lut_2105_encoder(logical: LogicalType, version: Any) -> Codec:
    """Refuse Date/DateTime values an old server would misread (see LUT_LAST_DAY)."""
    server = ".".join(map(str, version or ()))

    whole_seconds = isinstance(logical, DateTime) and not features.supports(version, "datetime64")

    def encode(value: Any) -> Any:
        problem = lut_2105_problem(value)
        if problem is not None:
            raise ValidationError(f"The value {problem}; the server is ClickHouse {server} "
                                  f"({logical!r} column).")
        if whole_seconds and isinstance(value, _dt.datetime) and value.microsecond:
            # a DateTime column keeps whole seconds (as every write of one does); sent
            # with its fraction, the value would be refused as a filter value is
            return value.replace(microsecond=0)
        return value

    return encode


def _in_zone(zone: str) -> Codec:
    """A naive datetime as a wall-clock time of the column's ``zone``, made aware. An
    INSERT reads a naive value so, but a literal (a mutation's SET) in the server's zone,
    so ``save()`` of a loaded row wrote another instant than ``create()``."""
    tzinfo = ZoneInfo(zone)

    def localize(value: Any) -> Any:
        if type(value) is _dt.datetime and value.tzinfo is None:
            return value.replace(tzinfo=tzinfo)
        return value

    return localize


def make_encoder(
    logical: LogicalType, child: Callable[[LogicalType], Codec | None], *, version: Any
) -> Codec | None:
    """Python value -> what the ClickHouse drivers take, for ``logical`` (None: unchanged).

    ``child`` builds (cached) encoders of contained types; returned codecs let None through.
    On servers before 21.4 Date/DateTime values after 2105-12-31 are refused.
    """
    if isinstance(logical, Nullable | LowCardinality):
        return child(logical.inner) if logical.inner is not None else None
    old_dates = not features.supports(version, "date_lut_2149")
    if isinstance(logical, DateTime | DateTime64) and logical.timezone:
        in_zone = _in_zone(logical.timezone)
        if old_dates and isinstance(logical, DateTime):
            check = _lut_2105_encoder(logical, version)
            return none_safe(lambda v: check(in_zone(v)))
        return none_safe(in_zone)
    if isinstance(logical, Date | DateTime) and old_dates:
        return none_safe(_lut_2105_encoder(logical, version))
    if isinstance(logical, Enum):
        enc = _enum_encoder(logical)
        return none_safe(enc) if enc else None
    if isinstance(logical, Boolean):
        return None if features.supports(version, "bool") else none_safe(int)
    if isinstance(logical, JSON):
        to_json = jsonform.to_json(logical)
        if features.supports(version, "native_json"):
            return to_json
        return none_safe(jsonform.dumps)
    if isinstance(logical, Array):
        item = child(logical.item)
        if item is None:
            return None if logical.container is list else none_safe(list)
        conv = none_safe(item)
        return none_safe(lambda v: [conv(x) for x in v])
    if isinstance(logical, Map):
        key_c, val_c = child(logical.key), child(logical.value)
        if key_c is None and val_c is None:
            return None
        key = key_c or _identity
        val = none_safe(val_c or _identity)
        return none_safe(lambda v: {key(k): val(x) for k, x in v.items()})
    if isinstance(logical, Tuple):
        return none_safe(_row_encoder(logical.items, logical.names, child))
    if isinstance(logical, Nested):
        names = tuple(n for n, _ in logical.fields)
        row = _row_encoder(tuple(t for _, t in logical.fields), names, child)
        return none_safe(lambda v: [row(r) for r in v])
    return None


def _row_encoder(
    items: tuple[LogicalType, ...],
    names: tuple[str, ...] | None,
    child: Callable[[LogicalType], Codec | None],
) -> Codec:
    convs = [none_safe(child(t) or _identity) for t in items]

    def encode(value: Any) -> tuple[Any, ...]:
        if names is not None and not isinstance(value, tuple | list):
            value = [_get(value, n) for n in names]
        return tuple(c(x) for c, x in zip(convs, value, strict=True))

    return encode


def make_decoder(
    logical: LogicalType, child: Callable[[LogicalType], Codec | None], *, version: Any
) -> Codec | None:
    """What the ClickHouse drivers return -> the Python value of ``logical`` (None: unchanged)."""
    if isinstance(logical, Nullable | LowCardinality):
        return child(logical.inner) if logical.inner is not None else None
    if isinstance(logical, Enum):
        dec = _enum_decoder(logical)
        return none_safe(dec) if dec else None
    if isinstance(logical, Boolean):
        return None if features.supports(version, "bool") else none_safe(bool)
    if isinstance(logical, DateTime | DateTime64) and logical.timezone:
        return _zone_decoder(logical.timezone)
    if isinstance(logical, Bytes):
        return none_safe(lambda v: v.encode("utf-8") if isinstance(v, str) else bytes(v))
    if isinstance(logical, JSON):
        return none_safe(_json_decoder(logical))
    if isinstance(logical, Array):
        item = child(logical.item)
        container = logical.container
        if item is None:
            return None if container is list else none_safe(container)
        conv = none_safe(item)
        return none_safe(lambda v: container(conv(x) for x in v))
    if isinstance(logical, Map):
        key_c = child(logical.key)
        val_c = child(logical.value)
        if key_c is None and val_c is None:
            return none_safe(lambda v: v if isinstance(v, dict) else dict(v))
        key = key_c or _identity
        val = none_safe(val_c or _identity)
        return none_safe(lambda v: {key(k): val(x) for k, x in dict(v).items()})
    if isinstance(logical, Tuple):
        return none_safe(_row_decoder(logical.items, logical.names, logical.model, child))
    if isinstance(logical, Nested):
        names = tuple(n for n, _ in logical.fields)
        row = _row_decoder(
            tuple(t for _, t in logical.fields), names, logical.model, child, as_dict=True
        )
        return none_safe(lambda v: [row(r) for r in v])
    return None


def _zone_decoder(name: str) -> Codec:
    """An aware value in the column's zone as a ``zoneinfo`` zone, as chDB and SQLite give
    it. clickhouse-driver attaches pytz zones, whose fixed offsets make arithmetic wrong
    across a DST change (July 1 12:00 + 180 days would read 12:00+02:00 in Oslo's winter);
    ``ZoneInfo`` keys are cached, so chDB's values pass by identity."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(name)

    def decode(value: Any) -> Any:
        tz = getattr(value, "tzinfo", None)
        if tz is zone or tz is None:
            return value
        return value.astimezone(zone)

    return decode


def _json_decoder(logical: JSON) -> Codec:
    model = cast(Any, logical.model)

    def decode(value: Any) -> Any:
        if isinstance(value, str | bytes):
            value = json.loads(value)
        return model.model_validate(value) if model is not None else value

    return decode


def _row_decoder(
    items: tuple[LogicalType, ...],
    names: tuple[str, ...] | None,
    model: Any,
    child: Callable[[LogicalType], Codec | None],
    *,
    as_dict: bool = False,
) -> Codec:
    convs = [none_safe(child(t) or _identity) for t in items]

    def decode(value: Any) -> Any:
        if isinstance(value, Mapping):
            value = [value[n] for n in names] if names is not None else list(value.values())
        values = tuple(c(x) for c, x in zip(convs, value, strict=True))
        if names is not None and model is not None:
            return model.model_validate(dict(zip(names, values, strict=True)))
        if names is not None and as_dict:
            return dict(zip(names, values, strict=True))
        return values

    return decode
