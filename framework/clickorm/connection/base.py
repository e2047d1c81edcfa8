"""The Connection contract every dialect's driver wrapper implements.

A connection executes compiled SQL with bound parameters and returns typed rows. It
never builds SQL from values. Listeners (per instance, never class-level) see every
statement, which is how tests count queries and how logging hooks in.
"""

from __future__ import annotations

import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clickorm.connection.columnar import batches_from_rows, table_from_columns, transpose_rows
from clickorm.errors import QueryError
from clickorm.query.writer import new_writer

if TYPE_CHECKING:
    from clickorm.plugins.dialect import Capabilities, Dialect
    from clickorm.query.grammar import BaseGrammar
    from clickorm.schema.platform import BasePlatform

#: every statement a connection runs, at DEBUG: its text (placeholders, never the bound
#: values) and how many values were bound
sql_log = logging.getLogger("clickorm.sql")

Params = Sequence[Any] | Mapping[str, Any] | None
Listener = Callable[[str, Params], None]


class ColumnarRows(Sequence[tuple[Any, ...]]):
    """Row tuples over column-major data, transposed lazily.

    Columnar drivers (clickhouse-driver with ``columnar=True``) hand back one sequence per
    column. Transposing 200,000 rows into a list of tuples costs about as much as reading
    them; iterating this object zips the columns on the fly in C instead, which is all
    hydration needs. Indexing and ``==`` still behave like a list of tuples.
    """

    __slots__ = ("data", "length")

    def __init__(self, data: Sequence[Sequence[Any]]) -> None:
        self.data = data
        self.length = len(data[0]) if data else 0

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.data, strict=True) if self.data else iter(())

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(zip(*(col[index] for col in self.data), strict=True))
        return tuple(col[index] for col in self.data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ColumnarRows):
            other = list(other)
        return isinstance(other, list) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ColumnarRows({list(self)!r})"


def transpose(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """A result's rows as one sequence per column (column-major rows keep theirs)."""
    if type(rows) is ColumnarRows:
        return list(rows.data)
    return transpose_rows(rows, width)


class RowStream(Iterator[tuple[Any, ...]]):
    """Rows of one streamed result that know their column names.

    A driver's ``_stream`` returns one when it can name the columns before (or while)
    rows arrive; :meth:`BaseConnection.stream_with_columns` and the batch readers read
    ``columns`` from it. ``columns`` may fill in when the first block arrives.
    """

    #: the result's column names (empty until known)
    columns: list[str]

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = list(columns)

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Stop the stream early, releasing what it holds (called when its reader stops)."""


class BlockStream(RowStream):
    """A stream whose rows arrive in blocks (a columnar driver's), readable either way.

    Iterating gives rows; :meth:`blocks` gives the blocks themselves (``ColumnarRows``
    or lists of row tuples), so a consumer that builds a batch at a time (hydration in
    C, Arrow) skips a row-by-row pass. Read it one way only.
    """

    def __init__(self, columns: Sequence[str],
                 blocks: Generator[Sequence[tuple[Any, ...]], None, None]) -> None:
        super().__init__(columns)
        self._blocks = blocks
        self._rows: Iterator[tuple[Any, ...]] = iter(())

    def __next__(self) -> tuple[Any, ...]:
        while True:
            for row in self._rows:
                return row
            self._rows = iter(next(self._blocks))  # StopIteration ends the rows too

    def blocks(self) -> Iterator[Sequence[tuple[Any, ...]]]:
        return self._blocks

    def close(self) -> None:
        """Stop reading (the driver's cleanup runs now, not when the stream is dropped)."""
        self._rows = iter(())
        self._blocks.close()


@dataclass
class Result:
    """Rows of one statement: column names, row tuples, and the affected row count."""

    columns: list[str] = field(default_factory=list)
    #: a list of tuples, or ColumnarRows over a columnar driver's data
    rows: Sequence[tuple[Any, ...]] = field(default_factory=list)
    rowcount: int = -1
    #: id of the last inserted row where the database has one (SQLite's rowid)
    lastrowid: Any = None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows and self.rows[0] else None

    def dicts(self) -> list[dict[str, Any]]:
        cols = self.columns
        return [dict(zip(cols, row, strict=False)) for row in self.rows]


class BaseConnection(ABC):
    """One open connection of one dialect.

    Subclasses implement ``_execute`` (and usually ``_stream`` and ``_insert``); the base
    adds listeners, the context-manager protocol and the transaction helper.

    Every attribute the core or a dialect's writer reads is declared here with its
    default; a driver sets the ones that differ (on the class, or on the instance when
    they depend on the config or the server). Nothing is probed with ``getattr``.
    """

    #: set by the subclass or the factory
    dialect: Dialect
    #: the configured connection name ("default", "analytics", ...) for error messages
    name: str = "default"
    #: the server's version as a tuple, e.g. (18, 16, 1); None when unknown
    server_version: tuple[int, ...] | None = None

    #: True when single rows must also go through insert_rows (ClickHouse's native
    #: protocol sends rows as data blocks, never as bound VALUES)
    bulk_insert_only: bool = False
    #: placeholder style this connection's driver binds ("qmark", "pyformat", "server");
    #: None means the dialect's default
    paramstyle: str | None = None
    #: True when one connection serves every thread (an in-memory database: a connection
    #: per thread would be a database per thread); such a connection locks itself
    shared_across_threads: bool = False
    #: the cluster that DDL (ON CLUSTER) and model writes target; None: one server
    cluster: str | None = None
    #: how rows of mutable tables change when a model names no mode (values are the
    #: dialect writer's, e.g. "mutation" or "lightweight"); None: the writer decides
    update_mode: str | None = None
    #: the server's time zone (naive datetimes are its wall clock); None: unknown
    server_timezone: str | None = None
    #: True when ``Result.rowcount`` of an UPDATE/DELETE is the number of rows it changed;
    #: False when the engine cannot say (ClickHouse mutations report 0 written rows), so
    #: ``update()``/``delete()`` return None instead of a made-up count
    reports_affected_rows: bool = False
    #: True when :meth:`execute_on_each_host` reaches every host of a cluster (a
    #: driver that opens connections to the hosts the server lists)
    reaches_each_host: bool = False

    def execute_on_each_host(self, cluster: str, sql: str) -> list[Result]:
        """Run ``sql`` on every host of ``cluster`` in turn, for what ``ON CLUSTER`` does
        not do; the results host by host. Only where ``reaches_each_host`` is True."""
        raise QueryError(f"Connection {self.name!r} cannot run a statement on each host of "
                         f"cluster {cluster!r}: its driver does not reach the hosts",
                         connection=self.name)

    @property
    def waits_for_mutations(self) -> bool:
        """True when the connection itself waits for each UPDATE/DELETE mutation to
        finish (so a writer need not ask the server to wait)."""
        return False

    def column_encoder(self, logical: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
        """A whole-column encoder for values of ``logical`` type that this driver takes
        faster in another form, or None. When given it replaces the platform's per-value
        encoder for that column, so it must do everything that one does (checks too)."""
        return None

    def __init__(self, *, name: str = "default", settings: Mapping[str, Any] | None = None) -> None:
        self.name = name
        self.settings: dict[str, Any] = dict(settings or {})
        self.listeners: list[Listener] = []
        self._grammar: BaseGrammar | None = None
        self._platform: BasePlatform | None = None

    # -- what the dialect derives for this connection ---------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """Capabilities of this connection; a driver may narrow them by server version."""
        return self.dialect.capabilities

    @property
    def grammar(self) -> BaseGrammar:
        """The DML compiler for this connection (paramstyle, version, capabilities)."""
        if self._grammar is None:
            self._grammar = self.dialect.grammar(
                paramstyle=self.paramstyle or self.dialect.paramstyle,
                server_version=self.server_version,
                capabilities=self.capabilities,
                **self.grammar_options(),
            )
        return self._grammar

    @property
    def platform(self) -> BasePlatform:
        """The DDL compiler for this connection."""
        if self._platform is None:
            self._platform = self.dialect.platform(
                server_version=self.server_version, capabilities=self.capabilities,
                **self.platform_options(),
            )
        return self._platform

    def platform_options(self) -> dict[str, Any]:
        """Extra keyword arguments for this connection's platform (a driver's cluster)."""
        return {}

    def grammar_options(self) -> dict[str, Any]:
        """Extra keyword arguments for this connection's grammar (a driver's cluster)."""
        return {}

    def check_report(self) -> dict[str, Any]:
        """What ``clickorm check`` shows beyond the version (a dialect's cluster health);
        its ``"problems"`` list, when not empty, makes the check fail. None here."""
        return {}

    # -- what subclasses implement ---------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Params) -> Result:
        """Run one statement with bound ``params`` and return its rows."""

    def _stream(self, sql: str, params: Params, batch_size: int) -> Iterator[tuple[Any, ...]]:
        """Yield rows without holding the whole result; the default is not streaming.
        A driver that knows the column names returns a :class:`RowStream`."""
        yield from self._execute(sql, params).rows

    #: the most values one statement may bind; the default ``_insert`` writes as many
    #: rows per ``INSERT ... VALUES`` as fit (SQLite's historical limit is 999)
    max_params_per_statement: int = 999

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Insert ``rows`` (row-major) into ``table``: multi-row ``INSERT ... VALUES``
        statements of at most :attr:`max_params_per_statement` bound values; several
        statements run inside one ``transaction()`` where the dialect declares
        ``nested_transactions`` (so a failure writes nothing), else each stands alone
        and a failure leaves the rows in doubt (``failed_insert_in_doubt``).
        Values are bound as the grammar binds them; a driver with a faster bulk path
        (executemany, COPY, a native block protocol) overrides this."""
        if not columns:
            raise QueryError(f"Cannot insert rows without columns into {table!r}",
                             connection=self.name)
        per = max(1, self.max_params_per_statement // len(columns))
        grammar = self.grammar
        head = (f"INSERT INTO {grammar.quote_table(table)} "
                f"({', '.join(grammar.quote(c) for c in columns)}) VALUES ")
        # all chunks in one transaction needs a savepoint when one is already open
        atomic = len(rows) > per and "nested_transactions" in self.capabilities
        with self.transaction() if atomic else contextlib.nullcontext(self):
            for start in range(0, len(rows), per):
                w = new_writer()
                w.write(head)
                for i, row in enumerate(rows[start:start + per]):
                    w.write("(" if i == 0 else ", (")
                    grammar.bind_each(row, w)
                    w.write(")")
                self._execute("".join(w), grammar.finish_params(w.params))
        return len(rows)

    def _insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        """Insert column-major ``data`` (one sequence per column); default transposes."""
        return self._insert(table, columns, list(zip(*data, strict=True)))

    @abstractmethod
    def close(self) -> None:
        """Close the underlying driver connection; safe to call twice."""

    # -- the public surface ------------------------------------------------------------
    def execute(self, sql: str, params: Params = None) -> Result:
        self._notify(sql, params)
        return self._execute(sql, params)

    def stream(
        self, sql: str, params: Params = None, *, batch_size: int = 10_000
    ) -> Iterator[tuple[Any, ...]]:
        """Iterate rows of a large result in constant memory where the driver allows."""
        self._notify(sql, params)
        return self._stream(sql, params, batch_size)

    def stream_with_columns(
        self, sql: str, params: Params = None, *, batch_size: int = 10_000
    ) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """Like :meth:`stream`, plus the column names (hydrating ``SELECT *`` needs them).

        A driver's ``_stream`` that returns a :class:`RowStream` streams; any other
        iterator is dropped and the statement run eagerly here (correct, just not
        constant-memory).
        """
        self._notify(sql, params)
        rows = self._stream(sql, params, batch_size)
        if not isinstance(rows, RowStream):
            result = self._execute(sql, params)
            return result.columns, iter(result.rows)
        return list(rows.columns), rows

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> int:
        """Bulk-insert row tuples into ``table``; returns the number of rows written."""
        if not rows:
            return 0
        self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <{len(rows)} rows>", None)
        return self._insert(table, columns, rows)

    def insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        """Bulk-insert column-major data (the fast path for columnar databases)."""
        if not data or not len(data[0]):
            return 0
        self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <{len(data[0])} rows>", None)
        return self._insert_columns(table, columns, data)

    #: whether the rows of an INSERT statement that failed may have been written (True
    #: unless the driver knows a failed statement writes nothing)
    failed_insert_in_doubt: bool = True

    def insert_blocks(
        self,
        table: str,
        columns: Sequence[str],
        blocks: Iterable[Sequence[Sequence[Any]]],
        *,
        settings: Mapping[str, Any] | None = None,
        landed: Callable[[int], None] | None = None,
        dedup: bool = False,
    ) -> int:
        """Bulk-insert column-major ``blocks`` read one at a time from an iterable.

        ``landed(n)`` is called whenever the next ``n`` rows are known to be written. A
        driver that can stream several blocks in one INSERT statement does (and calls
        ``landed`` once, at the end); this default runs one statement per block.
        ``settings`` are the dialect's insert settings (none here: refused). ``dedup``
        asks for a deduplication token on every block where the server takes one (the
        table drops a block it already has); nothing here.
        """
        if settings:
            raise QueryError(
                f"The {self.dialect.name} dialect takes no insert settings "
                f"({', '.join(settings)})", connection=self.name)
        total = 0
        for block in blocks:
            n = self.insert_columns(table, columns, block)
            n = n if isinstance(n, int) and n >= 0 else len(block[0])
            total += n
            if landed is not None:
                landed(n)
        return total

    # -- columnar results (pyarrow is optional: clickorm[arrow]) -------------------------
    #: True when :meth:`execute_arrow` gives each column the database's own type (UInt64
    #: unsigned, DateTime with its zone ...); False when the default below infers types
    #: from Python values, so the ORM types a model's columns from its fields instead
    arrow_typed: bool = False

    def execute_arrow(self, sql: str, params: Params = None) -> Any:
        """The result as a ``pyarrow.Table``. The default builds it from the row tuples
        (types inferred); a columnar driver returns its own data, typed exactly."""
        result = self.execute(sql, params)
        return table_from_columns(result.columns,
                                  transpose(result.rows, len(result.columns)))

    def stream_arrow(self, sql: str, params: Params = None, *,
                     batch_size: int = 65_536) -> Iterator[Any]:
        """The result as ``pyarrow.RecordBatch``es of at most ``batch_size`` rows, read
        in constant memory where the driver streams."""
        columns, rows = self.stream_with_columns(sql, params, batch_size=batch_size)
        return batches_from_rows(columns, rows, batch_size)

    def begin(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Start a transaction (dialects with the ``transactions`` capability)."""

    def commit(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Commit the current transaction, if any."""

    def rollback(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Roll back the current transaction, if any."""

    @contextlib.contextmanager
    def transaction(self) -> Iterator[BaseConnection]:
        """Commit on success, roll back on error (a no-op pair without transactions)."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            self.commit()

    def _notify(self, sql: str, params: Params) -> None:
        if sql_log.isEnabledFor(logging.DEBUG):
            sql_log.debug("[%s] %s (%d bound value(s))", self.name, sql,
                          len(params) if params else 0)
        for listener in self.listeners:
            listener(sql, params)

    def __enter__(self) -> BaseConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
