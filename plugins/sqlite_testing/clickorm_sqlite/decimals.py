"""Exact Decimal columns on SQLite: stored as text, compared as numbers, summed exactly.

SQLite has no decimal type: a REAL loses digits, a DECIMAL column (NUMERIC affinity)
turns '1.10' into the float 1.1, so a Decimal is stored as TEXT. Text alone compares
as text ('10.50' < '3.00'), so the column is declared ``TEXT COLLATE clickorm_decimal``
and every connection registers that collation: it orders two texts by their numeric
value. SQLite applies a column's collation wherever the column is compared or ordered
(``=``, ``<``, ``BETWEEN``, ``IN``, ``ORDER BY``, ``min``/``max``, ``GROUP BY``,
``DISTINCT``), also in raw SQL, and its TEXT affinity first turns an int or float
operand into text, so the ORM needs no knowledge of the column when it binds a value.

Why not a scaled INTEGER (exact up to 18 digits) or an order-preserving text encoding:
both need every operand compared with the column encoded like the column, and a
condition (``where("price", ">", x)``) is compiled without the column's type; raw SQL
would then compare against the encoding. The collation needs neither.

What an operand means: a Decimal or an int is its exact value; a float is the text
SQLite makes of it (15 significant digits: ``2.5`` is 2.5, ``0.1 + 0.2`` is 0.3), which
answers as ClickHouse's Float64 comparison does for floats and decimals of up to 15
significant digits. Text that is not a number sorts after every number.

``sum`` is replaced on the connection by :class:`ExactSum`, so the sum of decimal text
is exact (SQLite's own sums text as floats); integers and floats sum as SQLite's do.
"""

from __future__ import annotations

import decimal
import re
import sqlite3
from functools import lru_cache

__all__ = ["COLLATION", "ExactSum", "compare", "register"]

#: the collation a Decimal column is declared with (see types.TYPE_NAMES)
COLLATION = "clickorm_decimal"
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
#: additions are exact: digits are never rounded away
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX,
                         Emin=decimal.MIN_EMIN, traps=[decimal.InvalidOperation])
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*\Z")
_NUMBER_PREFIX = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@lru_cache(maxsize=65536)
def _key(text: str) -> tuple[int, decimal.Decimal | str]:
    """Numbers first, by value; any other text after them, by text. Never raises: an
    exception inside a collation would fail the query with no useful message."""
    try:
        value = decimal.Decimal(text)
    except (decimal.InvalidOperation, ValueError):
        return (1, text)
    if value.is_nan():
        return (1, text)
    return (0, value)


def compare(a: str, b: str) -> int:
    """The ``clickorm_decimal`` collation: -1, 0 or 1 as ``a`` is below, equal to or
    above ``b`` numerically ('1.10' equals '1.1'; '-2' is below '10')."""
    if a == b:
        return 0
    x, y = _key(a), _key(b)
    return -1 if x < y else (1 if x > y else 0)


class ExactSum:
    """``sum(x)``, as an aggregate and a window function, exact where SQLite's is not.

    Integers give an INTEGER (an error past 64 bits, as SQLite's sum); a float or text
    that is not a number makes the result a REAL (the text's leading number counts, as in
    SQLite); decimal text, or integer text whose sum leaves 64 bits (128/256-bit integer
    columns), gives the exact sum as text, where SQLite would sum in floats.
    """

    __slots__ = ("_ints", "_exact", "_count", "_texts", "_approx")

    def __init__(self) -> None:
        self._ints = 0  # integers and integer text
        self._exact = decimal.Decimal(0)  # everything else, exactly
        self._count = 0  # non-NULL values
        self._texts = 0  # decimal or integer text
        self._approx = 0  # floats and text that is no number

    def _add(self, value: object, sign: int) -> None:
        if value is None:
            return
        self._count += sign
        if type(value) is int:
            self._ints += sign * value
            return
        if type(value) is float:
            self._approx += sign
            number = decimal.Decimal(value)  # a float's exact value
        else:
            text = (value.decode("utf-8", "replace") if isinstance(value, bytes)
                    else str(value)).strip()
            if _INTEGER_TEXT.match(text):
                self._texts += sign
                self._ints += sign * int(text)
                return
            key = _key(text)[1]
            if isinstance(key, decimal.Decimal) and key.is_finite():
                self._texts += sign
                number = key
            else:  # as SQLite: the text's leading number (or 0), summed as a float
                self._approx += sign
                prefix = _NUMBER_PREFIX.match(text)
                number = decimal.Decimal(float(prefix.group()) if prefix else 0.0)
        self._exact = _EXACT.add(self._exact, number if sign > 0 else -number)

    def step(self, value: object) -> None:
        self._add(value, 1)

    def inverse(self, value: object) -> None:
        self._add(value, -1)

    def value(self) -> int | float | str | None:
        if not self._count:
            return None
        if self._approx:
            return float(_EXACT.add(self._exact, self._ints))
        if self._exact or not _INT64_MIN <= self._ints <= _INT64_MAX:
            if not self._texts:
                raise ArithmeticError("integer overflow")
            return str(_EXACT.add(self._exact, self._ints))
        return self._ints

    finalize = value


def register(conn: sqlite3.Connection) -> None:
    """Install the decimal collation and the exact ``sum`` on one sqlite3 connection."""
    conn.create_collation(COLLATION, compare)
    try:
        conn.create_window_function("sum", 1, ExactSum)
    except sqlite3.NotSupportedError:  # SQLite before 3.25 has no window functions
        conn.create_aggregate("sum", 1, ExactSum)  # type: ignore[arg-type]
