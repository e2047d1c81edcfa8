"""SQLite connection over the standard library's sqlite3 (file or memory).

An in-memory database (``sqlite://``) is one database per sqlite3 connection, so the
manager shares one connection across threads, and one sqlite3 connection has one
transaction. A transaction therefore belongs to the thread that began it: it holds the
connection's lock from ``begin`` to its ``commit``/``rollback``, and every other
thread's statements, streams and transactions (sessions) wait until it ends. Nothing a
thread runs ever joins, reads or rolls back another thread's uncommitted work; the wait
is bounded by the ``timeout`` option (seconds, default 30, as for a file's write lock)
and then fails with a QueryError naming the thread that holds the transaction.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import warnings
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from clickorm.dialects import BaseConnection, ConnectionConfig, Dialect, Params, Result, RowStream
from clickorm.errors import ConnectionError, QueryError
from clickorm_sqlite import decimals
from clickorm_sqlite.errors import DRIVER_ERRORS, offending_row, query_error
from clickorm_sqlite.strict_quotes import refuse_double_quoted_strings

_NATIVE = (int, float, str, bytes, type(None))


def connect(config: ConnectionConfig, dialect: Dialect) -> SQLiteConnection:
    if config.host:
        raise ConnectionError(
            f"SQLite URLs have no host, got {config.host!r}: use sqlite:///relative/file.db, "
            "sqlite:////absolute/file.db or sqlite:// for memory", connection=config.name)
    return SQLiteConnection(config, dialect)


class SQLiteConnection(BaseConnection):
    """One sqlite3 connection. An in-memory database is one database per connection, so
    the manager shares a memory connection across threads (guarded by a lock here)."""

    #: sqlite3's cursor.rowcount is the number of rows an UPDATE/DELETE changed
    reports_affected_rows = True
    #: every INSERT runs in a transaction or a savepoint: a failed one wrote nothing
    failed_insert_in_doubt = False

    def __init__(self, config: ConnectionConfig, dialect: Dialect) -> None:
        super().__init__(name=config.name, settings=config.settings)
        self.dialect = dialect
        self.path = config.path or ":memory:"
        self.shared_across_threads = self.path == ":memory:"
        #: held by a thread for each statement, and from begin to commit/rollback
        self._lock = threading.RLock()
        self._depth = 0
        #: streams open on this connection (they read their rest before it writes)
        self._streams: weakref.WeakSet[_Stream] = weakref.WeakSet()
        #: seconds to wait for the lock (another thread's statement or transaction)
        self._wait = float(config.options.get("timeout", 30))
        #: the thread whose transaction is open (for the wait's error message)
        self._owner: threading.Thread | None = None
        if self.path != ":memory:":
            parent = Path(self.path).parent
            if not parent.exists():
                raise ConnectionError(
                    f"SQLite database directory {str(parent)!r} does not exist; create it or fix "
                    "the path", connection=config.name)
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False,
                                         isolation_level=None,
                                         timeout=self._wait)
        except sqlite3.Error as exc:
            raise ConnectionError(f"cannot open SQLite database {self.path!r}: {exc}",
                                  connection=config.name) from exc
        self._conn.execute("PRAGMA foreign_keys = ON")
        # LIKE is case-sensitive, as on ClickHouse (ILIKE folds case explicitly)
        self._conn.execute("PRAGMA case_sensitive_like = ON")
        # Decimal columns compare as numbers and sum exactly (see decimals)
        decimals.register(self._conn)
        # an unknown "name" is an error, never the string 'name' (see strict_quotes)
        if not refuse_double_quoted_strings(self._conn):
            warnings.warn(
                f"SQLite {sqlite3.sqlite_version} on this Python reads an unknown quoted "
                "column as a string literal (double-quoted strings could not be turned "
                "off): a misspelt column matches every row instead of failing",
                RuntimeWarning, stacklevel=3)
        self.server_version = sqlite3.sqlite_version_info

    def _acquire(self, sql: str) -> None:
        """Take the lock, waiting (at most ``timeout`` seconds) for another thread's
        statement or transaction to end."""
        if not self._lock.acquire(timeout=self._wait):
            owner = self._owner
            holder = ("another thread" if owner is None else
                      f"thread {owner.name!r} ({'running' if owner.is_alive() else 'ended'})")
            raise QueryError(
                f"waited {self._wait:g} s for {holder}, whose transaction holds this "
                f"SQLite connection ({self.path}); a connection shared across threads runs "
                "one transaction at a time and the others' statements wait for it. End "
                "that session or transaction, or raise the connection's timeout option",
                sql=sql, connection=self.name)

    def _snapshot_streams(self) -> None:
        """Before this connection writes, its open streams read the rest of their rows:
        SQLite would show a stream the rows written after it started (an ``iter()`` loop
        inserting into its own table would read its inserts), where ClickHouse reads the
        table as it was when the query started. Called with the lock held."""
        streams, self._streams = list(self._streams), weakref.WeakSet()
        for stream in streams:
            stream._detach()

    def _execute(self, sql: str, params: Params) -> Result:
        self._acquire(sql)
        try:
            if self._streams and not _SELECT.match(sql):
                self._snapshot_streams()
            cur = self._conn.execute(sql, params if params is not None else ())
            rows = cur.fetchall()
        except DRIVER_ERRORS as exc:
            raise query_error(exc, sql, self.name, params) from exc
        finally:
            self._lock.release()
        columns = [d[0] for d in cur.description] if cur.description else []
        return Result(columns, rows, cur.rowcount, cur.lastrowid)

    def _stream(self, sql: str, params: Params, batch_size: int) -> Iterator[tuple[Any, ...]]:
        return _Stream(self, sql, params, batch_size)

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        grammar = self.grammar
        sql = grammar.compile_insert_template(table, tuple(columns))
        adapt = grammar.adapt
        prepared = [
            tuple(v if type(v) in _NATIVE else adapt(v) for v in row) for row in rows
        ]
        self._acquire(sql)
        try:
            if self._streams:
                self._snapshot_streams()
            # a transaction, or a savepoint inside one: a failed statement writes nothing
            with self.transaction():
                self._conn.executemany(sql, prepared)
        except DRIVER_ERRORS as exc:
            raise query_error(
                exc, sql, self.name, offending_row(columns, prepared)
            ) from exc
        finally:
            self._lock.release()
        return len(prepared)

    def begin(self) -> None:
        """Start a transaction (a SAVEPOINT inside this thread's open one). The lock
        taken here is kept until the matching commit or rollback."""
        self._acquire("BEGIN")
        try:
            if self._depth == 0:
                # IMMEDIATE takes the write lock up front: a transaction that reads and
                # then writes cannot then fail with "database is locked" mid-way
                self._run("BEGIN" if self.path == ":memory:" else "BEGIN IMMEDIATE")
                self._owner = threading.current_thread()
            else:
                self._run(f"SAVEPOINT sp_{self._depth}")
        except BaseException:
            self._lock.release()
            raise
        self._depth += 1

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, verb: str) -> None:
        """Commit or roll back the innermost level; release the lock its begin took."""
        self._acquire(verb)
        try:
            if self._depth == 0:
                return
            self._depth -= 1
            try:
                if self._depth == 0:
                    self._owner = None
                    self._run(verb)
                elif verb == "COMMIT":
                    self._run(f"RELEASE SAVEPOINT sp_{self._depth}")
                else:
                    self._run(f"ROLLBACK TO SAVEPOINT sp_{self._depth}")
                    self._run(f"RELEASE SAVEPOINT sp_{self._depth}")
            finally:
                self._lock.release()  # the level begin() kept
        finally:
            self._lock.release()

    def _run(self, sql: str) -> None:
        """A transaction-control statement, its failure (a lock) as a QueryError."""
        try:
            if self._streams:
                self._snapshot_streams()
            self._conn.execute(sql)
        except DRIVER_ERRORS as exc:
            raise query_error(exc, sql, self.name) from exc

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def close(self) -> None:
        self._conn.close()

    @property
    def raw(self) -> sqlite3.Connection:
        """The underlying sqlite3 connection (for benchmarks and escape hatches)."""
        return self._conn


#: a statement that only reads (any other one first lets open streams read their rest)
_SELECT = re.compile(r"\s*SELECT\b", re.I)


class _Stream(RowStream):
    """Rows fetched ``batch_size`` at a time from a cursor; ``columns`` known up front."""

    def __init__(self, conn: SQLiteConnection, sql: str, params: Params, batch_size: int) -> None:
        conn._acquire(sql)
        try:
            self._cur = conn._conn.execute(sql, params if params is not None else ())
        except DRIVER_ERRORS as exc:
            raise query_error(exc, sql, conn.name, params) from exc
        finally:
            conn._lock.release()
        self._conn, self._sql, self._name = conn, sql, conn.name
        super().__init__([d[0] for d in self._cur.description] if self._cur.description else [])
        self._batch = batch_size
        self._rows: Iterator[tuple[Any, ...]] | None = None
        #: the rest of the rows, read when the connection wrote while this was open
        self._rest: list[tuple[Any, ...]] | None = None
        conn._streams.add(self)

    def _detach(self) -> None:
        """Read the rest of the rows now (the connection holds its lock)."""
        if self._rest is None:
            try:
                self._rest = self._cur.fetchall()
            except DRIVER_ERRORS as exc:
                raise query_error(exc, self._sql, self._name) from exc

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """The rows as one generator (a ``for`` loop runs at generator speed)."""
        if self._rows is None:
            self._rows = self._fetch()
        return self._rows

    def __next__(self) -> tuple[Any, ...]:
        return next(iter(self))

    def _fetch(self) -> Iterator[tuple[Any, ...]]:
        # each batch takes the connection's lock: on a connection shared across threads
        # it waits for another thread's open transaction instead of reading its writes
        conn = self._conn
        while True:
            if self._rest is not None:
                rest, self._rest = self._rest, []
                yield from rest
                return
            conn._acquire(self._sql)
            try:
                rows = self._cur.fetchmany(self._batch)
            except DRIVER_ERRORS as exc:
                raise query_error(exc, self._sql, self._name) from exc
            finally:
                conn._lock.release()
            if not rows:
                conn._streams.discard(self)
                return
            yield from rows
