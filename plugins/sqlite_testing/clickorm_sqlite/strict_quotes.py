"""Make SQLite refuse double-quoted string literals on one sqlite3 connection.

By default SQLite reads ``"name"`` as a string literal when no column of that name
exists (its "double-quoted string" misfeature, DQS): ``WHERE "nosuchcol" = 'nosuchcol'``
then matches every row instead of failing. The grammar quotes every identifier with
double quotes, so an unknown column must be an error: this turns DQS off for DML and
DDL with ``sqlite3_db_config(SQLITE_DBCONFIG_DQS_DML/DDL, 0)`` (SQLite 3.29+).

Python 3.12+ exposes that call as ``Connection.setconfig``. Older Pythons do not, so
the call goes through ctypes to the libsqlite3 the ``_sqlite3`` module is linked to,
with the connection's ``sqlite3*`` handle read from the CPython object (its first field
after the object header, unchanged from 3.8 to 3.11). Either way the result is checked
with a probe statement, so a failure is reported instead of assumed away.
"""

from __future__ import annotations

import ctypes
import sqlite3
import sys
from typing import Any

__all__ = ["refuse_double_quoted_strings", "double_quoted_strings_refused"]

#: sqlite3.h: SQLITE_DBCONFIG_DQS_DML / SQLITE_DBCONFIG_DQS_DDL
_DQS_DML = 1013
_DQS_DDL = 1014
#: a name no table has: with DQS off, selecting it is "no such column"
_PROBE = 'SELECT "clickorm_dqs_probe"'


def refuse_double_quoted_strings(conn: sqlite3.Connection) -> bool:
    """Turn DQS off on ``conn``; True when the probe confirms unknown names now fail."""
    try:
        if sys.version_info >= (3, 12):
            conn.setconfig(_DQS_DML, False)  # type: ignore[attr-defined,unused-ignore]
            conn.setconfig(_DQS_DDL, False)  # type: ignore[attr-defined,unused-ignore]
        elif (3, 8) <= sys.version_info[:2] <= (3, 11) and sqlite3.sqlite_version_info >= (3, 29):
            _db_config_via_ctypes(conn)
    except (OSError, AttributeError, ValueError, sqlite3.Error):
        return False
    return double_quoted_strings_refused(conn)


def double_quoted_strings_refused(conn: sqlite3.Connection) -> bool:
    """Whether ``"unknown"`` is an error (not a string literal) on ``conn``."""
    try:
        conn.execute(_PROBE).fetchall()
    except sqlite3.OperationalError:
        return True
    return False


def _db_config_via_ctypes(conn: sqlite3.Connection) -> None:
    """``sqlite3_db_config(db, DQS_*, 0, NULL)`` on the handle inside ``conn``."""
    import _sqlite3  # the extension module: its libsqlite3 is the one ``conn`` uses

    lib = ctypes.CDLL(_sqlite3.__file__)
    handle = ctypes.c_void_p.from_address(id(conn) + _object_header_size()).value
    if not handle:
        raise ValueError("sqlite3 connection without a database handle")
    # guard against a layout change: the handle must be the one this connection owns
    lib.sqlite3_get_autocommit.argtypes = [ctypes.c_void_p]
    if lib.sqlite3_get_autocommit(handle) != (0 if conn.in_transaction else 1):
        raise ValueError("sqlite3 handle does not match the connection")
    db_config: Any = lib.sqlite3_db_config
    db_config.restype = ctypes.c_int
    for op in (_DQS_DML, _DQS_DDL):
        if db_config(ctypes.c_void_p(handle), ctypes.c_int(op), ctypes.c_int(0),
                     ctypes.c_void_p(None)) != 0:
            raise ValueError(f"sqlite3_db_config({op}) failed")


def _object_header_size() -> int:
    """``sizeof(PyObject)``: reference count and type pointer."""
    return ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)
