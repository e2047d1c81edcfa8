"""ToyDB's driver wrapper: sqlite3 underneath, imported only when a connection opens.

``toydb://`` (no path) is one in-memory database; a connection per thread would be a
database per thread, so that connection says ``shared_across_threads`` and serialises
access with a lock. ``toydb:///file.db`` gives one connection per thread. Bulk inserts
use the core's default ``_insert`` (multi-row VALUES); transactions nest as savepoints.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from clickorm.dialects import (
    BaseConnection,
    ConnectionConfig,
    Dialect,
    Params,
    QueryError,
    Result,
)


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
        self._lock = threading.RLock()
        self._depth = 0
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

    def _insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        self.column_inserts += 1
        return super()._insert_columns(table, columns, data)

    def begin(self) -> None:
        """A transaction, or a savepoint inside an open one (``nested_transactions``)."""
        self._lock.acquire()  # held until the matching commit or rollback
        try:
            self._execute("BEGIN" if self._depth == 0 else f"SAVEPOINT toy_{self._depth}", None)
        except BaseException:
            self._lock.release()
            raise
        self._depth += 1

    def commit(self) -> None:
        self._end(commit=True)

    def rollback(self) -> None:
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        level = f"toy_{self._depth}"
        try:
            if self._depth == 0:
                self._execute("COMMIT" if commit else "ROLLBACK", None)
            elif commit:
                self._execute(f"RELEASE {level}", None)
            else:
                self._execute(f"ROLLBACK TO {level}", None)
                self._execute(f"RELEASE {level}", None)
        finally:
            self._lock.release()

    def close(self) -> None:
        if not self.closed:
            self._db.close()
            self.closed = True


def connect(config: ConnectionConfig, dialect: Dialect, **_: Any) -> ToyConnection:
    return ToyConnection(config, dialect)
