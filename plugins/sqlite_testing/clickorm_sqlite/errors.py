"""sqlite3 failures as QueryErrors that say what went wrong, never showing a bound value.

Besides ``sqlite3.Error``, binding raises ``OverflowError`` for an int outside 64 bits
and ``UnicodeEncodeError`` for a string with a lone surrogate; all of them leave here as
a QueryError with the driver's exception as ``__cause__``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from clickorm.errors import QueryError

__all__ = ["DRIVER_ERRORS", "query_error", "offending_row"]

#: what a sqlite3 call may raise for a bad statement, value or lock
DRIVER_ERRORS = (sqlite3.Error, OverflowError, UnicodeEncodeError, ValueError)

_INT64 = range(-(2**63), 2**63)


def _params(params: Any) -> list[tuple[str, Any]]:
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [(str(k), v) for k, v in params.items()]
    if isinstance(params, Sequence) and not isinstance(params, str | bytes):
        return [(f"parameter {i + 1}", v) for i, v in enumerate(params)]
    return []


def _which(params: Any, bad: Any) -> str:
    names = [f"{name} ({type(v).__name__})" for name, v in _params(params) if bad(v)]
    return ", ".join(names) if names else "a bound value"


def _is_surrogate_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def query_error(exc: BaseException, sql: str, connection: str, params: Any = None) -> QueryError:
    """The QueryError to raise from ``exc`` (raised running ``sql`` with ``params``)."""
    count = len(_params(params)) or None
    if isinstance(exc, OverflowError):
        which = _which(params, lambda v: type(v) is int and v not in _INT64)
        message = (f"{which} is outside SQLite's 64-bit integer range "
                   "(-2**63 .. 2**63-1); store it as a str or Decimal column instead")
    elif isinstance(exc, UnicodeEncodeError):
        which = _which(params, _is_surrogate_text)
        message = (f"{which} is not valid Unicode text (it holds a lone surrogate) and "
                   "cannot be stored; encode it, or store bytes")
    elif isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        message = (f"SQLite error: {exc}. Another connection holds the database's write "
                   "lock; retry, finish that transaction, or raise the connection's "
                   "timeout option (seconds to wait for the lock)")
    else:
        message = f"SQLite error: {exc}"
    return QueryError(message, sql=sql, connection=connection, params_count=count)


def offending_row(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, Any] | None:
    """The first row (column -> value) holding a value SQLite cannot bind, to name it."""
    for row in rows:
        if any((type(v) is int and v not in _INT64) or _is_surrogate_text(v) for v in row):
            return dict(zip(columns, row, strict=False))
    return None
