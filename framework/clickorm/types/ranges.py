"""What each logical type can hold: the range and shape a value must have to be stored.

The ranges are ClickHouse's (the primary dialect's) and hold on every dialect, so a model
accepts the same values everywhere: integers by width, Date 1970-01-01..2149-06-06, Date32
1900-01-01..2299-12-31, DateTime 1970-01-01 00:00:00..2106-02-07 06:28:15 UTC,
DateTime64 1900-01-01..2299-12-31 (nanosecond precision ends at 2262-04-11 23:47:16),
Decimal(P, S) at most P digits and S of them after the point (more is refused, never
rounded), FixedString(N) at most N bytes, Float32 finite values within its range. Naive
datetimes are UTC wall-clock time, as the codecs read them.

:func:`field_constraints` turns a type into Pydantic field metadata (native ``ge``/``le``
and decimal constraints where Pydantic has them, one after-validator otherwise), so the
check runs inside Pydantic's validation; :func:`range_check` is the same rule as a plain
function, for values that did not go through Pydantic (attribute assignment).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import annotated_types as at
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from clickorm.types.logical import (
    Array,
    Date,
    Date32,
    DateTime,
    DateTime64,
    Decimal,
    FixedString,
    Float,
    Integer,
    LogicalType,
    LowCardinality,
    Map,
    Nested,
    Nullable,
    Tuple,
)

__all__ = [
    "DATE_RANGE",
    "DATE32_RANGE",
    "DATETIME_RANGE",
    "RangeConstraints",
    "describe_range",
    "field_constraints",
    "range_check",
    "datetime64_range",
    "as_utc",
]

UTC = dt.UTC
DATE_RANGE = (dt.date(1970, 1, 1), dt.date(2149, 6, 6))
DATE32_RANGE = (dt.date(1900, 1, 1), dt.date(2299, 12, 31))
DATETIME_RANGE = (dt.datetime(1970, 1, 1, tzinfo=UTC), dt.datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC))
_DT64_MIN = dt.datetime(1900, 1, 1, tzinfo=UTC)
_DT64_MAX = dt.datetime(2299, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
#: Int64 nanoseconds since the epoch end here (DateTime64(9))
_DT64_NS_MAX = dt.datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)
FLOAT32_MAX = 3.4028234663852886e38

#: a check returns None for a value it accepts, else the reason it does not
Check = Callable[[Any], str | None]


def datetime64_range(precision: int) -> tuple[dt.datetime, dt.datetime]:
    """DateTime64(precision)'s range (ticks are an Int64, so precision 9 ends in 2262)."""
    return _DT64_MIN, (_DT64_NS_MAX if precision >= 9 else _DT64_MAX)


def as_utc(value: dt.datetime) -> dt.datetime:
    """A datetime as an aware UTC one (naive values are UTC wall-clock time)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _scalar(t: LogicalType) -> LogicalType:
    while isinstance(t, Nullable | LowCardinality) and t.inner is not None:
        t = t.inner
    return t


def _stamp(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{value.microsecond:06d}".rstrip("0") if value.microsecond else "")


def describe_range(t: LogicalType) -> str | None:
    """``"UInt8 holds 0..255"``: what a scalar type can hold, for messages (None: no limit)."""
    t = _scalar(t)
    if isinstance(t, Integer):
        return f"{t!r} holds {t.min_value}..{t.max_value}"
    if isinstance(t, Decimal):
        return (f"{t!r} holds at most {t.precision} digits, {t.scale} after the point "
                f"(|value| < 10**{t.precision - t.scale})")
    if isinstance(t, Date32):
        return f"Date32 holds {DATE32_RANGE[0]}..{DATE32_RANGE[1]}"
    if isinstance(t, Date):
        return f"Date holds {DATE_RANGE[0]}..{DATE_RANGE[1]}"
    if isinstance(t, DateTime):
        low, high = DATETIME_RANGE
        return f"{t!r} holds {_stamp(low)}..{_stamp(high)} UTC"
    if isinstance(t, DateTime64):
        low, high = datetime64_range(t.precision)
        return f"{t!r} holds {_stamp(low)}..{_stamp(high)} UTC"
    if isinstance(t, FixedString):
        return f"{t!r} holds at most {t.length} bytes (UTF-8 for text)"
    if isinstance(t, Float) and t.bits == 32:
        return f"Float32 holds finite values within +-{FLOAT32_MAX:.8g} (and inf, nan)"
    return None


# -- checks as plain functions ------------------------------------------------------------
def _int_check(t: Integer) -> Check:
    low, high = t.min_value, t.max_value

    def check(value: Any) -> str | None:
        if isinstance(value, int) and not low <= value <= high:
            return f"the value is outside {t!r}'s range {low}..{high}"
        return None

    return check


def _decimal_check(t: Decimal) -> Check:
    whole = t.precision - t.scale

    def check(value: Any) -> str | None:
        if isinstance(value, float):
            value = decimal.Decimal(repr(value))
        if not isinstance(value, decimal.Decimal | int):
            return None
        d = decimal.Decimal(value)
        if not d.is_finite():
            return f"the value is not a finite number; {t!r} holds finite decimals"
        sign, digits, exponent = d.normalize().as_tuple()
        assert isinstance(exponent, int)
        places = max(0, -exponent)
        if places > t.scale:
            return (f"the value has {places} digits after the point; {t!r} keeps {t.scale} "
                    "(the value is refused, not rounded)")
        if d.adjusted() + 1 > whole and d != 0:
            return (f"the value has more than {whole} digits before the point; {t!r} holds at "
                    f"most {whole} digits before the point")
        return None

    return check


def _date_check(t: LogicalType, low: dt.date, high: dt.date) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date) and not low <= value <= high:
            return f"the value is outside {t!r}'s range {low}..{high}"
        return None

    return check


def _datetime_check(t: LogicalType, low: dt.datetime, high: dt.datetime) -> Check:
    naive_low, naive_high = low.replace(tzinfo=None), high.replace(tzinfo=None)
    plain = dt.datetime

    def check(value: Any) -> str | None:
        if type(value) is plain and value.tzinfo is None:  # the common case, no conversion
            if naive_low <= value <= naive_high:
                return None
        elif not isinstance(value, dt.datetime) or low <= as_utc(value) <= high:
            return None
        return f"the value is outside {t!r}'s range {_stamp(low)}..{_stamp(high)} UTC"

    return check


def _fixed_string_check(t: FixedString) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, str):
            size = len(value.encode("utf-8", "surrogatepass"))
        elif isinstance(value, bytes | bytearray):
            size = len(value)
        else:
            return None
        if size > t.length:
            return f"the value is {size} bytes; {t!r} holds at most {t.length}"
        return None

    return check


def _float32_check(value: Any) -> str | None:
    if isinstance(value, float) and math.isfinite(value) and abs(value) > FLOAT32_MAX:
        return f"the value is beyond Float32's finite range +-{FLOAT32_MAX:.8g}"
    return None


def _items(checks: tuple[Check | None, ...], names: tuple[str, ...] | None) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, Mapping) and names is not None:
            row = [value.get(n) for n in names]
        elif hasattr(value, "__dict__") and names is not None and not isinstance(value, tuple):
            row = [getattr(value, n, None) for n in names]
        else:
            row = list(value)
        for i, (item, sub) in enumerate(zip(row, checks, strict=False)):
            if sub is not None and item is not None:
                problem = sub(item)
                if problem is not None:
                    where = names[i] if names else str(i)
                    return f"item {where}: {problem}"
        return None

    return check


def range_check(t: LogicalType) -> Check | None:
    """The range/shape rule of ``t`` as a function (None when any value of the Python type
    fits). Nullable passes None; containers check every item."""
    t = _scalar(t)
    if isinstance(t, Integer):
        return _int_check(t)
    if isinstance(t, Decimal):
        return _decimal_check(t)
    if isinstance(t, Date32):
        return _date_check(t, *DATE32_RANGE)
    if isinstance(t, Date):
        return _date_check(t, *DATE_RANGE)
    if isinstance(t, DateTime):
        return _datetime_check(t, *DATETIME_RANGE)
    if isinstance(t, DateTime64):
        return _datetime_check(t, *datetime64_range(t.precision))
    if isinstance(t, FixedString):
        return _fixed_string_check(t)
    if isinstance(t, Float) and t.bits == 32:
        return _float32_check
    if isinstance(t, Array):
        item = range_check(t.item)
        if item is None:
            return None

        def each(value: Any) -> str | None:
            for i, x in enumerate(value):
                problem = item(x) if x is not None else None
                if problem is not None:
                    return f"item {i}: {problem}"
            return None

        return each
    if isinstance(t, Map):
        key, val = range_check(t.key), range_check(t.value)
        if key is None and val is None:
            return None

        def pairs(value: Any) -> str | None:
            for k, v in value.items():
                problem = (key(k) if key and k is not None else None) or (
                    val(v) if val and v is not None else None)
                if problem is not None:
                    return f"key {k!r}: {problem}"
            return None

        return pairs
    if isinstance(t, Tuple):
        checks = tuple(range_check(i) for i in t.items)
        return _items(checks, t.names) if any(checks) else None
    if isinstance(t, Nested):
        names = tuple(n for n, _ in t.fields)
        checks = tuple(range_check(x) for _, x in t.fields)
        if not any(checks):
            return None
        row = _items(checks, names)

        def rows(value: Any) -> str | None:
            for i, r in enumerate(value):
                problem = row(r)
                if problem is not None:
                    return f"row {i}: {problem}"
            return None

        return rows
    return None


# -- checks as Pydantic metadata ----------------------------------------------------------
@dataclass(frozen=True)
class RangeConstraints(at.GroupedMetadata):
    """The Pydantic metadata of one column type's range, as one recognisable group (the
    model layer adds it to a field once and replaces it in subclasses)."""

    logical: LogicalType
    items: tuple[Any, ...]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def _refuse(t: LogicalType, problem: str) -> PydanticCustomError:
    return PydanticCustomError("clickorm_range", "{problem}",
                               {"problem": problem, "column_type": repr(t)})


def _after(t: LogicalType, check: Check) -> AfterValidator:
    base = _scalar(t)
    if isinstance(base, DateTime | DateTime64):
        # the common case (a naive datetime) is compared inline: one call per value
        low, high = (DATETIME_RANGE if isinstance(base, DateTime)
                     else datetime64_range(base.precision))
        naive_low, naive_high = low.replace(tzinfo=None), high.replace(tzinfo=None)
        plain = dt.datetime

        def validate_datetime(value: Any) -> Any:
            if type(value) is plain and value.tzinfo is None and (
                    naive_low <= value <= naive_high):
                return value
            problem = check(value) if value is not None else None
            if problem is not None:
                raise _refuse(t, problem)
            return value

        return AfterValidator(validate_datetime)

    def validate(value: Any) -> Any:
        if value is not None:
            problem = check(value)
            if problem is not None:
                raise _refuse(t, problem)
        return value

    return AfterValidator(validate)


def field_constraints(t: LogicalType, python_type: Any = None) -> RangeConstraints | None:
    """Pydantic metadata enforcing ``t``'s range on a field (None when every value of the
    type fits). ``python_type`` is the field's plain annotation: an ``int`` or ``date`` field
    gets Pydantic's own ``ge``/``le`` (checked in Pydantic's core, no Python call), as does a
    ``datetime`` field; any other one an after-validator."""
    base = _scalar(t)
    items: tuple[Any, ...]
    if isinstance(base, Integer) and python_type is int:
        items = (at.Ge(base.min_value), at.Le(base.max_value))
    elif isinstance(base, Date32) and python_type is dt.date:
        items = (at.Ge(DATE32_RANGE[0]), at.Le(DATE32_RANGE[1]))
    elif isinstance(base, Date) and python_type is dt.date:
        items = (at.Ge(DATE_RANGE[0]), at.Le(DATE_RANGE[1]))
    elif isinstance(base, DateTime | DateTime64) and python_type is dt.datetime:
        # Pydantic's core compares a naive datetime with the aware UTC bounds as UTC
        # wall-clock time and an aware one by its instant: range_check's rule, without a
        # Python call per value
        low, high = (DATETIME_RANGE if isinstance(base, DateTime)
                     else datetime64_range(base.precision))
        items = (at.Ge(low), at.Le(high))
    else:
        check = range_check(t)
        if check is None:
            return None
        items = (_after(t, check),)
    return RangeConstraints(t, items)
