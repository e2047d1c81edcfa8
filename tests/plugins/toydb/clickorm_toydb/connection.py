"""ToyDB's driver wrapper: sqlite3 underneath, imported only when a connection opens.

``toydb://`` (no path) is one in-memory database; a connection per thread would be a
database per thread, so that connection says ``shared_across_threads`` and serialises
access with a lock. ``toydb:///file.db`` gives one connection per thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from clickorm.dialects import BaseConnection, ConnectionConfig, Dialect, Params, Result
from clickorm.errors import QueryError


class ToyConnection(BaseConnection):
    #: its sqlite3 cursor's rowcount is the number of rows an UPDATE/DELETE changed
    reports_affected_rows = True

    def __init__(self, config: ConnectionConfig, dialect: Dialect) -> None:
        super().__init__(name=config.name, settings=config.settings)
        self.dialect = dialect
        self.config = config
        self.shared_across_threads = config.path is None
        self.closed = False
        #: bulk inserts received column-major (the dialect declares insert_layout "columns")
        self.column_inserts = 0
        self.opened_in = threading.get_ident()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            config.path or ":memory:",
            check_same_thread=False,  # the manager keeps one per thread but closes from any
            isolation_level=None,
        )

    def _execute(self, sql: str, params: Params) -> Result:
        with self._lock:
            try:
                cursor = self._db.execute(sql, params or ())
            except sqlite3.Error as exc:
                raise QueryError(str(exc), sql=sql, connection=self.name) from exc
            columns = [d[0] for d in cursor.description or ()]
            rows = [tuple(r) for r in cursor.fetchall()]
            return Result(columns, rows, cursor.rowcount, cursor.lastrowid)

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        with self._lock:
            self._db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        return len(rows)

    def _insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        self.column_inserts += 1
        return super()._insert_columns(table, columns, data)

    def close(self) -> None:
        if not self.closed:
            self._db.close()
            self.closed = True


def connect(config: ConnectionConfig, dialect: Dialect, **_: Any) -> ToyConnection:
    return ToyConnection(config, dialect)
