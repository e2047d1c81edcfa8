"""The ``embedded`` driver of the ClickHouse dialect: ClickHouse in-process through chDB.

This is ClickORM's zero-config default. ``path`` None is an in-memory database,
otherwise a directory (created if needed) that persists across runs. chDB hosts one
engine per process: every embedded connection on the same path shares it (see
:mod:`clickorm_clickhouse.embedded_registry`), a second path is refused while one is open.

- Values are bound server-side: the grammar renders ``{p0:Type}`` and this connection
  sends ``{"p0": value}`` encoded by :mod:`clickorm_clickhouse.codecs`.
- Results travel as Arrow and are decoded by ClickHouse type
  (:mod:`clickorm_clickhouse.embedded_decode`); when Arrow alone is ambiguous the result
  types come from ``DESCRIBE (query)``, cached per SQL text until a statement that may
  change a schema runs (INSERTs and mutations do not clear it).
- Bulk inserts are Arrow IPC streams, one ``INSERT`` per block of ``insert_block_size``
  rows (option, default 100,000); values never become SQL text.
- No transactions: ``begin``/``commit``/``rollback`` are no-ops, as on a ClickHouse server.
- One connection may be shared by threads (``shared_across_threads``); a lock
  serialises its statements. Each ``stream()`` runs on a chDB connection of its own, so
  the connection stays usable while a stream is open.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clickorm.dialects import (
    BaseConnection,
    Capabilities,
    Capability,
    ColumnarRows,
    ConnectionConfig,
    Params,
    Result,
    paused_gc,
    transpose,
)
from clickorm.errors import ConfigError, ConnectionError, QueryError
from clickorm_clickhouse import EMBEDDED_OPTIONS
from clickorm_clickhouse import embedded_registry as registry
from clickorm_clickhouse.arrow_results import embedded_column, native_table
from clickorm_clickhouse.codecs import encode_params
from clickorm_clickhouse.embedded_calls import (
    arrow_table,
    check_one_statement,
    drain,
    engine_message,
    query_error,
    rows_written,
    run_query,
)
from clickorm_clickhouse.embedded_decode import (
    ColumnDecoder,
    decoders_for,
    infer_type,
    needs_clickhouse_types,
    rows_from_columns,
)
from clickorm_clickhouse.embedded_encode import (
    ColumnEncoder,
    encoder_for,
    ipc_stream,
    settings_clause,
)
from clickorm_clickhouse.embedded_names import (
    EMBEDDED_DATABASE,
    EmbeddedGrammar,
    EmbeddedPlatform,
    check_database,
    check_table,
)
from clickorm_clickhouse.embedded_stream import EmbeddedStream, ResultStream
from clickorm_clickhouse.embedded_types import parse_type
from clickorm_clickhouse.literals import literal
from clickorm_clickhouse.native_blocks import dedup_token
from clickorm_clickhouse.quoting import quote_dotted, quote_identifier
from clickorm_clickhouse.writes import as_update_mode

if TYPE_CHECKING:
    import pyarrow as pa

    from clickorm.dialects import BaseGrammar, BasePlatform, Dialect

__all__ = [
    "DEFAULT_INSERT_BLOCK_SIZE", "EmbeddedConnection", "EmbeddedStream", "ResultStream", "connect",
]

#: rows per INSERT statement (one Arrow block each)
DEFAULT_INSERT_BLOCK_SIZE = 100_000
#: distinct SQL texts whose result types are remembered
TYPE_CACHE_SIZE = 512

_KNOWN_OPTIONS = tuple(sorted(EMBEDDED_OPTIONS))
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# how chDB's output is read here: Arrow with plain strings and no compression (faster
# in-process); JSON (only for WITH TOTALS, see _execute_json) with every lossy number quoted
_FORMAT_SETTINGS = {
    "output_format_arrow_compression_method": "none",
    "output_format_arrow_parallel_encoding": 0,
    "output_format_arrow_string_as_string": 1,
    "output_format_arrow_fixed_string_as_fixed_byte_array": 1,
    "output_format_arrow_low_cardinality_as_dictionary": 0,
    "output_format_json_quote_64bit_integers": 1,
    "output_format_json_quote_64bit_floats": 1,
    "output_format_json_quote_decimals": 1,
    "output_format_json_quote_denormals": 1,
    "output_format_json_named_tuples_as_objects": 1,
}
# Arrow output drops the totals and extremes rows (and chDB's streaming fails on them)
_TOTALS = re.compile(r"\bWITH\s+TOTALS\b|\bextremes\s*=\s*(?:1|true)\b", re.I)
_FIRST_WORD = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*([A-Za-z]+)", re.S)
_MUTATION = re.compile(
    r"^\s*ALTER\s+TABLE\s+\S+(?:\s+ON\s+CLUSTER\s+\S+)?\s+(?:UPDATE|DELETE)\b", re.I | re.S
)
# statements after which result and column types are still valid
_SCHEMA_SAFE = frozenset(
    {
        "SELECT",
        "WITH",
        "SHOW",
        "DESCRIBE",
        "DESC",
        "EXPLAIN",
        "EXISTS",
        "INSERT",
        "DELETE",
        "UPDATE",
        "OPTIMIZE",
        "TRUNCATE",
        "CHECK",
        "KILL",
        "VALUES",
    }
)


def connect(config: ConnectionConfig, dialect: Dialect) -> EmbeddedConnection:
    """Connection factory of the ``embedded`` driver."""
    return EmbeddedConnection(config, dialect)


class EmbeddedConnection(BaseConnection):
    """A ClickHouse database inside this process (chDB), in memory or in a directory."""

    #: the manager shares one connection across threads; statements take ``_lock``
    shared_across_threads = True
    paramstyle = "server"
    #: chDB always knows its time zone (read from the engine when the connection opens)
    server_timezone: str = "UTC"

    def __init__(self, config: ConnectionConfig, dialect: Dialect) -> None:
        super().__init__(name=config.name, settings=config.settings)
        self.dialect = dialect
        self.config = config
        self.insert_block_size = _insert_block_size(config)
        self.update_mode = _update_mode(config)
        #: ``:memory:`` or the absolute directory of the database
        self.path = registry.normalize_path(config.path)
        #: the database statements run in (``USE``d at connect; created if missing). Not
        #: chDB's ``default`` unless asked for: that one also reads files named like tables
        self.database = config.database or EMBEDDED_DATABASE
        check_database(self.database, self.name)
        self.server_timezone = "UTC"
        self._lock = threading.RLock()
        self._closed = True
        self._types: OrderedDict[str, tuple[pa.Schema, list[ColumnDecoder]]] = OrderedDict()
        self._columns: dict[str, dict[str, str]] = {}
        self._generation = -1
        self._capabilities: Capabilities | None = None
        _check_directory(self.path, self.name)
        self._engine = registry.acquire(self.path, self.name)
        try:
            _create_directory(self.path, self.name)
            self._conn = self._open_chdb(create_database=True)
        except BaseException:
            registry.release(self._engine, self.name)
            raise
        self._closed = False
        try:
            version = str(self._scalar("SELECT version()"))
            self.server_version = tuple(int(p) for p in re.findall(r"\d+", version))
            self.server_timezone = str(self._scalar("SELECT timezone()"))
        except BaseException:
            self.close()
            raise

    # -- identity ------------------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """The dialect's flags plus ``server_parameters`` (chDB binds ``{p0:Type}``)."""
        if self._capabilities is None:
            self._capabilities = self.dialect.capabilities.including(
                Capability.SERVER_PARAMETERS
            )
        return self._capabilities

    @property
    def grammar(self) -> BaseGrammar:
        """The ClickHouse grammar, refusing table names chDB would read as file paths."""
        if self._grammar is None:
            self._grammar = EmbeddedGrammar(
                paramstyle=self.paramstyle, server_version=self.server_version,
                capabilities=self.capabilities,
            )
        return self._grammar

    @property
    def platform(self) -> BasePlatform:
        """The ClickHouse platform, refusing table names chDB would read as file paths."""
        if self._platform is None:
            self._platform = EmbeddedPlatform(
                server_version=self.server_version, capabilities=self.capabilities,
                **self.platform_options(),
            )
        return self._platform

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def raw(self) -> Any:
        """The underlying ``chdb`` connection (escape hatch; bypasses ClickORM)."""
        return self._conn

    def __repr__(self) -> str:
        where = "memory" if self.path == registry.MEMORY else self.path
        return f"<EmbeddedConnection {self.name!r} {where} db={self.database} chDB>"

    # -- opening -------------------------------------------------------------------------
    def _open_chdb(self, *, create_database: bool = False) -> Any:
        """A chDB connection on this path, configured (settings, database) for ClickORM."""
        try:
            import chdb
        except ImportError as exc:
            raise ConnectionError(
                f"the embedded ClickHouse driver needs chDB, which failed to import ({exc}). "
                "Install it with: pip install chdb-core", connection=self.name,
            ) from exc
        try:
            conn = chdb.connect(self.path)
        except Exception as exc:
            raise ConnectionError(
                f"cannot open chDB {registry.describe_path(self.path)}: {engine_message(exc)}. "
                "chDB allows one embedded database per process: close other chDB "
                "connections, or check that the directory is writable.",
                connection=self.name,
            ) from exc
        try:
            for key, value in {**_FORMAT_SETTINGS, **self.settings}.items():
                if not _SETTING_NAME.match(str(key)):
                    raise ConfigError(f"Invalid ClickHouse setting name {key!r}", key=key)
                run_query(conn, f"SET {key} = {_setting_literal(value)}", self.name)
            db = quote_identifier(self.database)
            if create_database and self.database != "default":
                run_query(conn, f"CREATE DATABASE IF NOT EXISTS {db}", self.name)
            run_query(conn, f"USE {db}", self.name)
        except BaseException:
            conn.close()
            raise
        return conn

    def _scalar(self, sql: str) -> Any:
        return self._execute(sql, None).scalar()

    # -- statements ----------------------------------------------------------------------
    def _execute(self, sql: str, params: Params) -> Result:
        bound = encode_params(params)
        if _TOTALS.search(sql):
            return self._execute_json(sql, bound)
        with self._lock:
            res = self._query(sql, bound)
            self._after(sql)
            table = arrow_table(res)
            if table is None:
                return Result([], [], rowcount=rows_written(res))
            decoders = self._decoders(sql, bound, table.schema)
        with paused_gc():
            columns = [d.decode(col) for d, col in zip(decoders, table.columns, strict=True)]
        # column-major, transposed lazily: hydration zips the columns in C, row tuples are
        # never all built at once (``res``, chDB's buffer behind the table, lives to here)
        rows = ColumnarRows(columns) if columns else [()] * table.num_rows
        return Result(list(table.column_names), rows, rowcount=len(rows))

    # -- columnar results (clickorm_clickhouse.arrow_results) -----------------------------
    #: chDB's Arrow result, retyped by each column's ClickHouse type
    arrow_typed = True

    def execute_arrow(self, sql: str, params: Params = None) -> pa.Table:
        """The result as a pyarrow Table straight from chDB's Arrow data, each column
        typed by its ClickHouse type (see :mod:`clickorm_clickhouse.arrow_results`)."""
        self._notify(sql, params)
        bound = encode_params(params)
        if _TOTALS.search(sql):
            result, decoders = self._json_result(sql, bound)
            return _typed_from_rows(result, decoders)
        with self._lock:
            res = self._query(sql, bound)
            self._after(sql)
            table = arrow_table(res)
            if table is None:
                return _empty_table()
            decoders = self._decoders(sql, bound, table.schema)
        return _retyped(table, decoders, self.server_timezone)

    def stream_arrow(self, sql: str, params: Params = None, *,
                     batch_size: int = 65_536) -> Iterator[pa.RecordBatch]:
        """Record batches of a streamed query (chDB's blocks of at most ``batch_size``
        rows), each retyped as :meth:`execute_arrow` does."""
        self._notify(sql, params)
        if _TOTALS.search(sql):
            yield from self.execute_arrow(sql, params).to_batches(max_chunksize=batch_size)
            return
        stream = EmbeddedStream(self, sql, params, batch_size)
        for table, decoders in stream.arrow_blocks():
            yield from _retyped(table, decoders, self.server_timezone).to_batches(
                max_chunksize=batch_size)

    def _execute_json(self, sql: str, bound: dict[str, str]) -> Result:
        return self._json_result(sql, bound)[0]

    def _json_result(self, sql: str, bound: dict[str, str]
                     ) -> tuple[Result, list[ColumnDecoder]]:
        """A query whose totals/extremes rows matter: appended after the data, as the
        native driver does. Arrow drops them, so the result comes as JSON and is typed by
        re-reading it in ClickHouse (``format(JSONCompactEachRow, ...)``) as Arrow.
        Strings that are not UTF-8 are not exact on this path (JSON replaces bad bytes).
        """
        import json

        with self._lock:
            res = self._query(sql, bound, "JSONCompact")
            self._after(sql)
            if not len(res):
                return Result([], [], rowcount=rows_written(res)), []
            doc = json.loads(_repair_json(res.bytes().decode("utf-8", "surrogateescape")))
            meta = doc.get("meta", [])
            rows_json = list(doc.get("data", []))
            if doc.get("totals") is not None:
                rows_json.append(doc["totals"])
            extremes = doc.get("extremes")
            if extremes:
                rows_json.extend([extremes["min"], extremes["max"]])
            names = [str(m["name"]) for m in meta]
            if not rows_json:
                return Result(names, [], rowcount=0), decoders_for(
                    [parse_type(m["type"]) for m in meta], self.server_timezone)
            structure = ", ".join(f"{quote_identifier(m['name'])} {m['type']}" for m in meta)
            payload = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows_json)
            typed = self._query(
                "SELECT * FROM format(JSONCompactEachRow, {s:String}, {d:String})",
                encode_params({"s": structure, "d": payload.encode("utf-8", "surrogateescape")}),
            )
            table = arrow_table(typed)
        assert table is not None
        decoders = decoders_for([parse_type(m["type"]) for m in meta], self.server_timezone)
        with paused_gc():
            columns = [d.decode(col) for d, col in zip(decoders, table.columns, strict=True)]
            rows = rows_from_columns(columns, table.num_rows)
        return Result(names, rows, rowcount=len(rows)), decoders

    def _query(self, sql: str, bound: dict[str, str], fmt: str = "Arrow") -> Any:
        if self._closed:
            raise ConnectionError(
                "the embedded connection is closed; open a new one", connection=self.name
            )
        check_one_statement(sql, self.name, bound)
        try:
            return self._conn.query(sql, fmt, params=bound)
        except Exception as exc:
            drain(self._conn)  # the next statement, any thread's, must read its own result
            raise query_error(exc, sql, self.name, bound) from exc

    def _after(self, sql: str) -> None:
        """Forget cached types after a statement that may change a schema or the session."""
        word = _first_word(sql)
        if word in _SCHEMA_SAFE:
            return
        if word == "ALTER" and _MUTATION.match(sql):
            return
        self._engine.bump()
        if word == "SET":
            res = run_query(self._conn, "SELECT timezone()", self.name, fmt="TabSeparatedRaw")
            self.server_timezone = res.bytes().decode().strip()

    def _sync(self) -> None:
        generation = self._engine.generation
        if generation != self._generation:
            self._types.clear()
            self._columns.clear()
            self._generation = generation

    def _decoders(self, sql: str, bound: dict[str, str], schema: pa.Schema) -> list[ColumnDecoder]:
        """Column decoders for this result: cached by SQL text, DESCRIBE when ambiguous."""
        self._sync()
        cached = self._types.get(sql)
        if cached is not None and cached[0].equals(schema):
            self._types.move_to_end(sql)
            return cached[1]
        types = None
        if needs_clickhouse_types(schema):
            types = self._describe(sql, bound)
        if types is None or len(types) != len(schema):
            chtypes = [infer_type(f.type, self.server_timezone) for f in schema]
        else:
            chtypes = [parse_type(t) for t in types]
        decoders = decoders_for(chtypes, self.server_timezone)
        self._types[sql] = (schema, decoders)
        if len(self._types) > TYPE_CACHE_SIZE:
            self._types.popitem(last=False)
        return decoders

    def _describe(self, sql: str, bound: dict[str, str]) -> list[str] | None:
        """The ClickHouse types of a query's result columns, or None when not a query."""
        text = sql.strip().rstrip(";").rstrip()
        try:
            # the newline ends a trailing ``-- comment`` before the closing parenthesis
            res = self._conn.query(f"DESCRIBE ({text}\n)", "Arrow", params=bound)
        except Exception:
            drain(self._conn)
            return None
        table = arrow_table(res)
        if table is None or table.num_columns < 2:
            return None
        types: list[str] = table.column(1).to_pylist()
        return types

    # -- streaming -----------------------------------------------------------------------
    def _stream(self, sql: str, params: Params, batch_size: int) -> Iterator[tuple[Any, ...]]:
        if _TOTALS.search(sql):
            # chDB cannot stream totals; such results are aggregates, small enough to hold
            return ResultStream(self._execute_json(sql, encode_params(params)))
        return EmbeddedStream(self, sql, params, batch_size)

    # -- inserts -------------------------------------------------------------------------
    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        encoders = self._encoders(table, columns)
        statement = self.insert_statement(table, columns)
        block = self.insert_block_size
        total = 0
        for start in range(0, len(rows), block):
            chunk = rows if len(rows) <= block else rows[start : start + block]
            with paused_gc():
                try:
                    data = list(zip(*chunk, strict=True))
                except ValueError as exc:
                    raise QueryError(
                        f"Cannot insert into {table}: rows have different lengths ({exc})",
                        sql=statement,
                        connection=self.name,
                    ) from exc
            if len(data) != len(columns):
                raise QueryError(
                    f"Cannot insert into {table}: {len(columns)} column(s) named but rows "
                    f"have {len(data)} value(s)",
                    sql=statement,
                    connection=self.name,
                )
            total += self._send_block(statement, columns, encoders, data, len(chunk))
        return total

    def _insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        statement = self.insert_statement(table, columns)
        if len(data) != len(columns):
            raise QueryError(
                f"Cannot insert into {table}: {len(columns)} column(s) named but "
                f"{len(data)} column sequence(s) given",
                sql=statement,
                connection=self.name,
            )
        n = len(data[0])
        if any(len(col) != n for col in data):
            raise QueryError(
                f"Cannot insert into {table}: columns have different lengths "
                f"({', '.join(str(len(c)) for c in data)})",
                sql=statement,
                connection=self.name,
            )
        encoders = self._encoders(table, columns)
        block = self.insert_block_size
        total = 0
        for start in range(0, n, block):
            part = data if n <= block else [col[start : start + block] for col in data]
            total += self._send_block(statement, columns, encoders, part, min(block, n - start))
        return total

    def insert_statement(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT INTO `t` (`a`, `b`)`` — the rows follow as an Arrow stream."""
        check_table(table)
        cols = ", ".join(quote_identifier(c) for c in columns)
        return f"INSERT INTO {quote_dotted(table)} ({cols})"

    #: a failed statement wrote nothing: each is one block, written atomically, in-process
    failed_insert_in_doubt = False

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
        """Column blocks read one at a time, one INSERT per block (chDB takes one Arrow
        stream per statement; ``landed`` is called after each). With ``dedup`` each
        carries an ``insert_deduplication_token`` of its content, so a table with
        ``non_replicated_deduplication_window`` (or a Replicated one) drops a block it
        already has and a retry cannot double it."""
        encoders = self._encoders(table, columns)
        base = self.insert_statement(table, columns)
        size = self.insert_block_size
        seen: dict[str, int] = {}
        total = 0
        for block in blocks:
            n = len(block[0]) if block else 0
            # a block over insert_block_size is encoded once and sent in zero-copy Arrow
            # slices (a bad value is refused before any part is sent); with dedup each
            # part is built from its own rows, so its token never depends on the split
            whole = self._batch(base, columns, encoders, block) if n > size and not dedup \
                else None
            for start in range(0, n, size):
                count = min(size, n - start)
                if whole is not None:
                    payload = self._ipc(base, whole.slice(start, count))
                else:
                    part = block if n <= size else [col[start : start + size] for col in block]
                    payload = self._payload(base, columns, encoders, part)
                extra = dict(settings or {})
                if dedup:
                    key = dedup_token(table, columns, payload, 0)
                    seen[key] = seen.get(key, -1) + 1
                    extra["insert_deduplication_token"] = (
                        key[: key.rindex("-") + 1] + str(seen[key]))
                statement = base + settings_clause(extra)
                self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <{count} rows>", None)
                self._send_payload(statement, payload)
                total += count
                if landed is not None:
                    landed(count)
        return total

    def _send_block(
        self,
        statement: str,
        columns: Sequence[str],
        encoders: list[ColumnEncoder],
        data: Sequence[Sequence[Any]],
        count: int,
    ) -> int:
        self._send_payload(statement, self._payload(statement, columns, encoders, data))
        return count

    def _payload(
        self,
        statement: str,
        columns: Sequence[str],
        encoders: list[ColumnEncoder],
        data: Sequence[Sequence[Any]],
    ) -> bytes:
        """One Arrow IPC stream of ``data`` (column-major, encoded for the table)."""
        return self._ipc(statement, self._batch(statement, columns, encoders, data))

    def _batch(
        self,
        statement: str,
        columns: Sequence[str],
        encoders: list[ColumnEncoder],
        data: Sequence[Sequence[Any]],
    ) -> Any:
        """``data`` (column-major) encoded for the table, as one Arrow record batch."""
        import pyarrow as pa

        with paused_gc():
            arrays = [enc.encode(col) for enc, col in zip(encoders, data, strict=True)]
        try:
            return pa.RecordBatch.from_arrays(arrays, names=[str(c) for c in columns])
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise QueryError(
                f"Cannot build the insert block: {exc}", sql=statement, connection=self.name
            ) from exc

    def _ipc(self, statement: str, batch: Any) -> bytes:
        import pyarrow as pa

        try:
            return ipc_stream(batch)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise QueryError(
                f"Cannot build the insert block: {exc}", sql=statement, connection=self.name
            ) from exc

    def _send_payload(self, statement: str, payload: bytes) -> None:
        with self._lock:
            if self._closed:
                raise ConnectionError("the embedded connection is closed", connection=self.name)
            try:
                inserter = self._conn.send_insert(statement, "ArrowStream")
                try:
                    inserter.append(payload)
                    inserter.finish()
                except BaseException:
                    inserter.cancel()
                    raise
            except Exception as exc:
                drain(self._conn)
                raise query_error(exc, statement + " FORMAT ArrowStream", self.name, {}) from exc

    def _encoders(self, table: str, columns: Sequence[str]) -> list[ColumnEncoder]:
        types = self._table_columns(table)
        missing = [c for c in columns if c not in types]
        if missing:
            raise QueryError(
                f"Table {table} has no column(s) {', '.join(map(repr, missing))}; its "
                f"columns are {', '.join(types)}",
                sql=self.insert_statement(table, columns),
                connection=self.name,
            )
        return [encoder_for(c, types[c], self.server_timezone) for c in columns]

    def _table_columns(self, table: str) -> dict[str, str]:
        """Column name -> ClickHouse type of ``table`` (cached until a schema change)."""
        check_table(table)
        with self._lock:
            self._sync()
            cached = self._columns.get(table)
            if cached is not None:
                return cached
            database, _, name = table.rpartition(".")
            where = "database = {db:String}" if database else "database = currentDatabase()"
            params: dict[str, Any] = {"t": name}
            if database:
                params["db"] = database
            result = self._execute(
                "SELECT name, type FROM system.columns WHERE "
                f"{where} AND table = {{t:String}} ORDER BY position",
                params,
            )
            if not result.rows:
                raise QueryError(
                    f"Table {table} does not exist in {registry.describe_path(self.path)} "
                    f"(database {database or self.database!r}); create it first",
                    connection=self.name,
                )
            found = {str(n): str(t) for n, t in result.rows}
            self._columns[table] = found
            return found

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._conn.close()
            finally:
                registry.release(self._engine, self.name)

    def _open_stream_connection(self) -> Any:
        """A chDB connection of its own for one stream (released by the stream)."""
        registry.acquire(self.path, f"{self.name} (stream)")
        try:
            return self._open_chdb()
        except BaseException:
            registry.release(self._engine, f"{self.name} (stream)")
            raise


# -- helpers -------------------------------------------------------------------------------
def _retyped(table: pa.Table, decoders: Sequence[ColumnDecoder], server_tz: str) -> pa.Table:
    import pyarrow as pa

    columns = [embedded_column(col, dec, server_tz)
               for col, dec in zip(table.columns, decoders, strict=True)]
    if not columns:
        return table
    return pa.Table.from_arrays(columns, names=table.column_names)


def _typed_from_rows(result: Result, decoders: Sequence[ColumnDecoder]) -> pa.Table:
    """A decoded result (WITH TOTALS: read as JSON) as Arrow typed by its ClickHouse types."""
    return native_table(result.columns, [d.ch for d in decoders],
                        transpose(result.rows, len(result.columns)))


def _empty_table() -> pa.Table:
    import pyarrow as pa

    return pa.table({})


def _insert_block_size(config: ConnectionConfig) -> int:
    unknown = sorted(set(config.options) - set(_KNOWN_OPTIONS))
    if unknown:
        raise ConfigError(
            f"Connection {config.name!r}: unknown option(s) {', '.join(unknown)} for the "
            "embedded ClickHouse driver; "
            f"known options: {', '.join(_KNOWN_OPTIONS)}",
            key=f"options.{unknown[0]}",
        )
    raw = config.options.get("insert_block_size", DEFAULT_INSERT_BLOCK_SIZE)
    try:
        value = int(raw)
        if value <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(
            f"insert_block_size must be a positive integer, got {raw!r}",
            key="options.insert_block_size",
        ) from None
    return value


def _update_mode(config: ConnectionConfig) -> str | None:
    raw = config.options.get("update_mode")
    if raw is None:
        return None
    try:
        return as_update_mode(raw)
    except ValueError as exc:
        raise ConfigError(f"Connection {config.name!r}: option 'update_mode': {exc}",
                          key="options.update_mode") from None


def _check_directory(path: str, name: str) -> None:
    """Refuse paths chDB cannot use as a database directory (before touching the engine)."""
    if path == registry.MEMORY:
        return
    if "?" in path:
        raise ConnectionError(
            f"chDB database path {path!r} contains '?', which chDB reads as options; "
            "rename the directory", connection=name,
        )
    if Path(path).exists() and not Path(path).is_dir():
        raise ConnectionError(
            f"chDB database path {path!r} is a file; chDB keeps a database in a directory. "
            "Point the path at a directory (it is created if missing).", connection=name,
        )


def _create_directory(path: str, name: str) -> None:
    if path == registry.MEMORY:
        return
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConnectionError(
            f"cannot create the chDB database directory {path!r}: {exc.strerror or exc}. "
            "Check the path and its permissions.", connection=name,
        ) from exc


def _setting_literal(value: Any) -> str:
    # settings take 0/1 for booleans on every server version
    return literal(int(value) if isinstance(value, bool) else value)


def _repair_json(text: str) -> str:
    """Undo a chDB 26.9 bug: with no data rows but a totals row, JSONCompact output starts
    with the part that belongs inside ``"data": [`` (``], "totals": [...]``)."""
    if text.lstrip().startswith("{") or "{" not in text:
        return text
    head, _, rest = text.partition("{")
    at = rest.find('"data":')
    if at < 0:
        return text
    at = rest.find("[", at) + 1
    return "{" + rest[:at] + head + rest[at:]


def _first_word(sql: str) -> str:
    m = _FIRST_WORD.match(sql)
    return m.group(1).upper() if m else ""


