"""ClickHouse SQL literals: how a Python value is written as SQL text, per server version.

:func:`literal` is what ``to_sql()`` shows, and also what the native driver sends: its
client-side substitution splices ``str(param)`` for types it does not escape itself, so
the grammar hands it :class:`InlineLiteral` objects carrying this module's text.

Typed values render through conversion functions (``toDate('2024-01-02')``,
``CAST('1.23' AS Decimal(3, 2))``) so a literal has the type its server-side parameter
would have (``codecs.clickhouse_type_for_value``). Every escape is exact: any string,
including NUL, quotes, backslashes and control characters, and any bytes round-trip.
Older servers get the spelling they understand (``1``/``0`` before ``true``/``false``,
a quoted string before ``toIPv4``) or a ``QueryError`` naming the version needed.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import ipaddress
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from clickorm.errors import QueryError

__all__ = [
    "InlineLiteral",
    "escape_string",
    "quote_string",
    "quote_bytes",
    "format_number",
    "literal",
]

Version = Sequence[int] | None

_QUOTED_ESCAPES = str.maketrans({
    "\\": "\\\\", "'": "\\'", "\x00": "\\0", "\b": "\\b", "\f": "\\f", "\r": "\\r",
    "\n": "\\n", "\t": "\\t", "\a": "\\a", "\v": "\\v",
})
# bytes: printable ASCII stays, quote and backslash are escaped, everything else is \xHH
_BYTE_TEXT = [
    "\\\\" if b == 0x5C else "\\'" if b == 0x27 else chr(b) if 0x20 <= b < 0x7F else f"\\x{b:02X}"
    for b in range(256)
]

_DATE_MIN, _DATE_MAX = _dt.date(1970, 1, 1), _dt.date(2149, 6, 6)
_DATETIME_MIN = _dt.datetime(1970, 1, 1)
_DATETIME_MAX = _dt.datetime(2106, 2, 7, 6, 28, 15)
_INT64 = (-(2**63), 2**64 - 1)  # Int64 or UInt64: a bare literal has the right type
_BIG_INTS = (
    ("Int128", -(2**127), 2**127 - 1),
    ("UInt128", 0, 2**128 - 1),
    ("Int256", -(2**255), 2**255 - 1),
    ("UInt256", 0, 2**256 - 1),
)


def escape_string(text: str) -> str:
    """The inside of a single-quoted ClickHouse string literal (backslash escapes)."""
    return text.translate(_QUOTED_ESCAPES)


def quote_string(text: str) -> str:
    """``it's`` -> ``'it\\'s'``; NUL becomes ``\\0`` (ClickHouse strings may hold it)."""
    return "'" + text.translate(_QUOTED_ESCAPES) + "'"


def quote_bytes(data: bytes | bytearray | memoryview) -> str:
    """Arbitrary bytes as a String literal, non-printable bytes as ``\\xHH``."""
    return "'" + "".join([_BYTE_TEXT[b] for b in bytes(data)]) + "'"


def format_number(value: int | float | decimal.Decimal) -> str:
    """A number in plain positional notation (``1e-05`` -> ``0.00001``), as parsers of
    constant-only places (``SAMPLE``, parametric-function parameters) want it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        raise QueryError(f"Expected a number, got {value!r} ({type(value).__name__})")
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        value = decimal.Decimal(repr(value))
    if not value.is_finite():
        raise QueryError("ClickHouse has no Decimal value for a NaN or infinite Decimal")
    return format(value, "f")


def _float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _supports(version: Version, since: tuple[int, ...]) -> bool:
    return version is None or tuple(version) >= since


def _needs(version: Version, since: tuple[int, ...], what: str, instead: str) -> None:
    if not _supports(version, since):
        have = ".".join(map(str, version)) if version else "unknown"
        need = ".".join(map(str, since))
        raise QueryError(
            f"{what} needs ClickHouse {need} or newer; the server is {have}. Instead: {instead}."
        )


def _int(value: int, version: Version) -> str:
    if _INT64[0] <= value <= _INT64[1]:
        return str(value)
    for name, low, high in _BIG_INTS:
        if low <= value <= high:
            _needs(version, (20, 8), f"An integer beyond 64 bits ({name})",
                   "use a Decimal or a str")
            return f"to{name}('{value}')"
    raise QueryError(f"An integer of {len(str(abs(value)))} digits ({value.bit_length()} bits) "
                     "does not fit any ClickHouse integer type (256 bits at most; the value is "
                     "not shown)")


def _decimal(value: decimal.Decimal, version: Version) -> str:
    if not value.is_finite():
        raise QueryError("ClickHouse Decimal cannot hold a NaN or infinite Decimal; use a float "
                         "instead")
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    precision = max(1, max(0, len(digits) + exponent) + scale)
    if precision > 76:
        raise QueryError(f"A Decimal of {precision} digits does not fit ClickHouse's "
                         "Decimal, which allows 76 (the value is not shown)")
    if precision > 38:
        _needs(version, (20, 8), f"A Decimal of {precision} digits (Decimal256)",
               "round it to 38 digits")
    return f"CAST('{format(value, 'f')}' AS Decimal({precision}, {scale}))"


def _datetime(value: _dt.datetime, version: Version) -> str:
    """Aware datetimes are written in UTC with ``'UTC'`` (exact whatever the server's zone);
    naive ones are read in the server's (column's) zone, as the driver reads them."""
    zone = ""
    if value.tzinfo is not None and value.utcoffset() is not None:
        value = value.astimezone(_dt.UTC)
        zone = ", 'UTC'"
    naive = value.replace(tzinfo=None)
    wide = bool(naive.microsecond) or not (_DATETIME_MIN <= naive <= _DATETIME_MAX)
    if wide and _supports(version, (20, 1)):
        text = naive.isoformat(sep=" ", timespec="microseconds")
        return f"toDateTime64('{text}', 6{zone})"
    # no DateTime64 before 20.1: whole seconds, which is also all the driver sends there
    return f"toDateTime('{naive.isoformat(sep=' ', timespec='seconds')}'{zone})"


def literal(value: Any, version: Version = None) -> str:
    """``value`` as a ClickHouse SQL literal for a server of ``version`` (None = current)."""
    if value is None:
        return "NULL"
    t = type(value)
    if t is str:
        text: str = value.translate(_QUOTED_ESCAPES)
        return "'" + text + "'"
    if t is int:
        return _int(value, version)
    if t is float:
        return _float(value)
    if isinstance(value, enum.Enum):
        return literal(value.value, version)
    if isinstance(value, bool):
        if _supports(version, (21, 12)):
            return "true" if value else "false"
        return "1" if value else "0"
    if isinstance(value, int):
        return _int(int(value), version)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, str):
        return quote_string(str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return quote_bytes(value)
    if isinstance(value, decimal.Decimal):
        return _decimal(value, version)
    if isinstance(value, _dt.datetime):
        return _datetime(value, version)
    if isinstance(value, _dt.date):
        if not (_DATE_MIN <= value <= _DATE_MAX) and _supports(version, (21, 9)):
            return f"toDate32('{value.isoformat()}')"
        return f"toDate('{value.isoformat()}')"
    if isinstance(value, _dt.time):
        return f"'{value.isoformat()}'"
    if isinstance(value, uuid.UUID):
        return f"toUUID('{value}')"
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        if not _supports(version, (19, 3)):  # no IPv4/IPv6 types (nor toIPv4) before 19.3
            return f"'{value}'"
        return f"toIPv{value.version}('{value}')"
    if isinstance(value, (list, set, frozenset)):
        return "[" + ", ".join([literal(v, version) for v in value]) + "]"
    if isinstance(value, tuple):
        if len(value) == 1:
            return f"tuple({literal(value[0], version)})"
        if not value:
            _needs(version, (22, 1), "An empty tuple", "leave the value out")
            return "tuple()"
        return "(" + ", ".join([literal(v, version) for v in value]) + ")"
    if isinstance(value, Mapping):
        _needs(version, (21, 1), "A Map value", "store the keys and the values as two arrays")
        return "map(" + ", ".join(
            f"{literal(k, version)}, {literal(v, version)}" for k, v in value.items()
        ) + ")"
    raise QueryError(
        f"Cannot write a {type(value).__name__} as a ClickHouse literal. Supported: int, "
        "float, Decimal, str, bytes, bool, date, datetime, time, UUID, IPv4/IPv6 addresses, "
        "Enum, list, tuple, dict and None; convert the value first."
    )


class InlineLiteral:
    """A value already written as a ClickHouse literal, for client-side substitution.

    clickhouse-driver splices ``str(param)`` for types it does not escape itself; handing
    it this object makes the driver send exactly :func:`literal`'s text. Without it the
    driver would drop microseconds, write ``True``/``b'..'``/``Decimal`` as Python reprs
    and lose Decimal precision.
    """

    __slots__ = ("sql",)

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def __str__(self) -> str:
        return self.sql

    def __repr__(self) -> str:
        return f"InlineLiteral({self.sql!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InlineLiteral) and other.sql == self.sql

    def __hash__(self) -> int:
        return hash(self.sql)
