"""The ``native`` driver of the ClickHouse dialect: clickhouse-driver over the TCP protocol.

One :class:`NativeConnection` wraps one ``clickhouse_driver.Client`` (one socket, or one
per host with ``round_robin``). It is meant for one thread at a time; only
:meth:`NativeConnection.cancel` may be called from another thread. An open stream owns
the client it runs on: queries, inserts and other streams started meanwhile run on a
spare client (opened on demand, closed once no stream is open), so a stream yields its
own rows to the end or raises. Failover and reconnection are the driver's: before each
query it pings the socket and, when the server went away, reconnects to the first host
(main host, then ``alt_hosts``) that answers; connecting (TCP and handshake) is bounded
by ``connect_timeout``. Values are bound by the driver's own client-side escaping
(``%(p0)s``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import re
import socket
import sys
import threading
import types
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from clickorm.dialects import (
    BaseConnection,
    BlockStream,
    Capabilities,
    Capability,
    ColumnarRows,
    ConnectionConfig,
    Params,
    Result,
    transpose,
)
from clickorm.errors import ConfigError, ConnectionError, QueryError, ValidationError
from clickorm_clickhouse import datetimes, versions
from clickorm_clickhouse.driver_logging import quiet_driver_logs
from clickorm_clickhouse.embedded_types import parse_type
from clickorm_clickhouse.mutations import mutated_table, mutation_cluster, wait_for_mutations
from clickorm_clickhouse.native_blocks import execute_blocks, next_block_token
from clickorm_clickhouse.native_check import cluster_report
from clickorm_clickhouse.native_cluster import (
    ddl_timeout_error,
    execute_on_each_host,
    wait_for_cluster_mutations,
)
from clickorm_clickhouse.native_columns import ColumnarIterResult
from clickorm_clickhouse.native_errors import CallContext, cancelled_error, translate
from clickorm_clickhouse.native_options import NativeOptions, resolve
from clickorm_clickhouse.native_settings import signed_settings
from clickorm_clickhouse.platform_types import LUT_LAST_DAY, lut_2105_problem
from clickorm_clickhouse.query_size import with_room_for_values
from clickorm_clickhouse.quoting import quote_dotted, quote_identifier

if TYPE_CHECKING:
    from clickhouse_driver import Client

    from clickorm.dialects import Dialect

__all__ = ["NativeConnection", "connect"]

quiet_driver_logs()

#: clickhouse-driver's default send_receive_timeout (defines.DBMS_DEFAULT_TIMEOUT_SEC)
_DRIVER_DEFAULT_TIMEOUT = 300.0


def connect(config: ConnectionConfig, dialect: Dialect) -> NativeConnection:
    """Connection factory of the ``native`` driver: opens the connection and reads the version."""
    return NativeConnection(config, dialect)


_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "UCT", "Etc/UCT", "Zulu", "Etc/Zulu", "GMT",
                        "Etc/GMT", "Universal", "Etc/Universal"})


#: ``INSERT INTO t [(cols)] [SETTINGS ...] VALUES (...)`` / ``FORMAT fmt <data>``
_INLINE_INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+(?:TABLE\s+)?(?:`(?:[^`\\]|\\.)*`|[\w.])+"  # the table
    r"(?:\s*\([^()]*\))?"  # the column list
    r"(?:\s+SETTINGS\s+[^()]*?)?"  # insert settings
    r"\s*(?:VALUES\s*\(|FORMAT\s+\w+\s+\S)",  # data written into the text
    re.IGNORECASE | re.DOTALL,
)



#: pandas (a chDB dependency) converts a column of this many values faster than Python
#: (19 ms against 34 ms for 200,000) when it is already imported ...
_VECTOR_FROM = 5_000
#: ... and is worth importing (about 0.4 s, once per process) from this many
_IMPORT_PANDAS_FROM = 100_000


#: the first second an old server's date table (releases before 21.4) cannot handle
_AFTER_OLD_DATE_TABLE = int((_dt.datetime.combine(LUT_LAST_DAY, _dt.time())
                             - _dt.datetime(1970, 1, 1)).total_seconds()) + 86_400


def _checked_for_old_date_table(logical: Any, version: Any) -> Callable[[list[Any]], list[Any]]:
    """The epoch conversion plus the old servers' 2105 limit, checked on the whole column
    (its max, in C) instead of one Python call per value, which the per-value check of
    ``platform_types.make_encoder`` would cost: that check is this column encoder's job."""
    server = ".".join(map(str, version or ()))

    def convert(values: list[Any]) -> list[Any]:
        seconds = _naive_utc_datetimes_to_epoch(values)
        if seconds is values:  # left to the driver: check value by value
            late = next((v for v in values if lut_2105_problem(v) is not None), None)
        elif seconds and max(seconds) >= _AFTER_OLD_DATE_TABLE:
            late = next(v for v in values if lut_2105_problem(v) is not None)
        else:
            return seconds
        if late is None:
            return values
        raise ValidationError(f"A {type(late).__name__} value {lut_2105_problem(late)}; the "
                              f"server is ClickHouse "
                              f"{server} ({logical!r} column).")

    return convert


def _naive_utc_datetimes_to_epoch(values: list[Any]) -> list[Any]:
    """Epoch seconds for a column of naive (UTC wall-clock) datetimes.

    Only a column of plain naive datetimes is converted; None, aware datetimes or other
    types go to the driver unchanged. With the compiled loop (:mod:`.datetimes`) one C
    pass does it; without it, large columns go through pandas' vectorised conversion
    and others through ``(d - epoch) // 1 s``; all are exact. pandas is imported for this
    only when the column is large enough to repay the import.
    """
    if not values:
        return values
    if datetimes.compiled is not None:  # the same conversion in C: 7 ms per 200,000
        seconds: list[Any] | None = datetimes.compiled.naive_epoch_seconds(values)
        return values if seconds is None else seconds
    if set(map(type, values)) != {_dt.datetime}:
        return values  # None (Nullable), ints, subclasses: the driver's own path
    n = len(values)
    if n >= _IMPORT_PANDAS_FROM or (n >= _VECTOR_FROM and "pandas" in sys.modules):
        import pandas as pd

        try:
            index = pd.DatetimeIndex(values)  # mixed naive/aware values raise
        except (TypeError, ValueError):
            return values
        if index.tz is not None:
            return values
        # the index's unit follows its input (us for Python datetimes): ask for seconds
        as_ints: list[Any] = index.as_unit("s").asi8.tolist()
        return as_ints
    converted = datetimes.naive_epoch_seconds_python(values)
    return values if converted is None else converted


def bind_params(params: Params) -> dict[str, Any] | None:
    """Parameters as clickhouse-driver wants them: a dict, or None for "no substitution".

    A sequence becomes ``{"p0": ..., "p1": ...}`` (the grammar's ``%(p0)s`` names); a
    list must never reach the driver as is, because it would take it for INSERT data.
    A mapping, even an empty one, turns substitution on: the grammar always returns a
    dict and doubles every literal ``%`` in the text, which ``sql % {}`` undoes. Only
    raw SQL sent with ``params=None`` goes to the server untouched.
    """
    if params is None:
        return None
    if isinstance(params, Mapping):
        return dict(params)
    if isinstance(params, (str, bytes)):
        raise QueryError(
            f"Parameters must be a mapping or a sequence of values, not {type(params).__name__}"
        )
    return {f"p{i}": value for i, value in enumerate(params)} or None


def refuse_late_dates(bound: Mapping[str, Any], version: Any) -> None:
    """On servers before 21.4 a bound date after 2105-12-31 reads as 1970-01-01, so a
    filter on it matches the wrong rows: refuse it, naming the parameter (not its value)."""
    for name, value in bound.items():
        items = value if isinstance(value, list | tuple | set | frozenset) else (value,)
        for item in items:
            problem = lut_2105_problem(item)
            if problem is not None:
                server = ".".join(map(str, version))
                raise QueryError(f"Parameter {name} ({type(item).__name__}) {problem}; the "
                                 f"server is ClickHouse {server}, so the query is not sent.")


class NativeConnection(BaseConnection):
    """A ClickHouse connection over the native protocol (clickhouse-driver)."""

    #: ``INSERT ... VALUES`` with bound values would make the server wait for data
    #: blocks; every insert goes through the columnar block path instead
    bulk_insert_only = True

    @property
    def waits_for_mutations(self) -> bool:
        """Servers before 21.1 refuse ``SETTINGS mutations_sync`` on ALTER, so this
        connection polls ``system.mutations`` after each UPDATE/DELETE mutation instead:
        a read after a write sees it, as on newer servers."""
        return not self.grammar.has("alter_settings")  # type: ignore[attr-defined]

    paramstyle = "pyformat"

    def __init__(self, config: ConnectionConfig, dialect: Dialect, *, connect: bool = True) -> None:
        super().__init__(name=config.name, settings=config.settings)
        self.dialect = dialect
        self.config = config
        self.options: NativeOptions = resolve(config)
        #: rows per block sent by INSERTs; each block is written atomically by the server
        self.insert_block_size: int = self.options.insert_block_size
        self.mutation_timeout: float = self.options.mutation_timeout
        #: the cluster DDL names (ON CLUSTER) and model writes target
        self.cluster = self.options.cluster
        if self.options.update_mode is not None:
            self.update_mode = self.options.update_mode
        self.server_version = None
        self.server_revision: int | None = None
        self.server_timezone = None
        self.server_display_name: str | None = None
        #: the id of the last query sent (generated when the caller gave none)
        self.last_query_id: str | None = None
        self._hosts_text = self.options.describe_hosts()
        self._closed = False
        self._capabilities: Capabilities | None = None
        # the calls running now and the streams open, each on a client of its own; shared
        # with cancel() (another thread) and with streams dropped by the collector
        self._state = threading.Lock()
        self._leases: list[_Lease] = []
        #: spare clients not in use (kept while a stream is open)
        self._spares: list[Client] = []
        self._client: Client = self._make_client()
        if connect:
            self.connect()

    # -- identity ---------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.options.host

    @property
    def port(self) -> int:
        return self.options.port

    @property
    def database(self) -> str:
        return self.options.database

    @property
    def user(self) -> str:
        return self.options.user

    @property
    def hosts(self) -> list[str]:
        """Every ``host:port`` this connection may use, main host first."""
        return [f"{h}:{p}" for h, p in self.options.hosts()]

    @property
    def current_host(self) -> str | None:
        """``host:port`` of the server the open socket talks to (after failover, an alt host)."""
        conn = self._client.connection
        return f"{conn.host}:{conn.port}" if conn.connected else None

    @property
    def client(self) -> Client:
        """The underlying ``clickhouse_driver.Client`` (escape hatch; bypasses ClickORM)."""
        return self._client

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def server_version_string(self) -> str:
        return versions.format_version(self.server_version)

    def __enter__(self) -> NativeConnection:
        return self

    def __repr__(self) -> str:
        return (
            f"<NativeConnection {self.name!r} {self.user}@{self.host}:{self.port}/"
            f"{self.database} server={self.server_version_string}>"
        )

    # -- what the server version allows ------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        """The dialect's flags minus what this server version lacks.

        ``server_parameters`` is never offered: this driver binds values client-side.
        """
        if self._capabilities is None:
            caps = versions.derive_capabilities(self.server_version, self.dialect.capabilities)
            self._capabilities = caps.without(Capability.SERVER_PARAMETERS)
        return self._capabilities

    def version_supports(self, feature: str) -> bool:
        """Whether the connected server has ``feature`` (a name in ``versions.FEATURES``)."""
        return versions.version_supports(self.server_version, feature)

    def require(self, feature: str) -> None:
        """Raise a QueryError naming ``feature`` and the server version when it is missing."""
        versions.require(self.server_version, feature, where=f"connection {self.name!r}")

    def feature_settings(self, *features: str) -> dict[str, Any]:
        """Query settings this server needs before ``features`` work (experimental flags)."""
        return versions.settings_for(self.server_version, *features)

    # -- connecting --------------------------------------------------------------------
    def _make_client(self) -> Client:
        from clickhouse_driver import Client, errors

        from clickorm_clickhouse.native_handshake import bound_connecting

        opts = self.options
        settings = dict(opts.settings)
        settings.setdefault("insert_block_size", opts.insert_block_size)
        try:
            client = Client(
                opts.host,
                opts.port,
                database=opts.database,
                user=opts.user,
                password=opts.password,
                settings=settings,
                **opts.driver_kwargs,
            )
            # streams read blocks as columns, never transposed into rows by the driver
            client.iter_query_result_cls = ColumnarIterResult
            return bound_connecting(client)
        except (errors.UnknownCompressionMethod, ImportError) as exc:
            method = opts.driver_kwargs.get("compression")
            if not method:
                raise ConfigError(
                    f"Connection {self.name!r}: clickhouse-driver could not be set up: {exc}"
                ) from exc
            extra = "zstd" if method == "zstd" else "lz4"
            raise ConfigError(
                f"Connection {self.name!r}: compression {method!r} needs extra packages: "
                f"pip install 'clickhouse-driver[{extra}]' ({exc})",
                key="options.compression",
            ) from exc

    def connect(self) -> None:
        """Open the socket now (main host, then alt hosts) and read the server's version.

        The driver would connect lazily on the first query; opening here makes a wrong
        host, password or database fail where the connection is opened.
        """
        if self._closed:
            raise ConnectionError("This connection was closed", connection=self.name)
        client = self._client
        candidates = [client.connection, *client.connections]  # >1 only with round_robin
        failure: BaseException | None = None
        for conn in candidates:
            if conn.connected:
                failure = None
                break
            conn.context.settings = client.settings
            conn.context.client_settings = client.client_settings
            try:
                conn.connect()
            except Exception as exc:  # noqa: BLE001 - translated below
                failure = exc
                if _is_unreachable(exc) and conn is not candidates[-1]:
                    continue
                break
            failure = None
            break
        if failure is not None:
            raise translate(failure, self._context("connect", None, None, None)) from failure
        connected = next(c for c in candidates if c.connected)
        self._read_server_info(connected)

    def _read_server_info(self, conn: Any) -> None:
        version = self.use_server_info(conn.server_info)
        # signed settings as this server reads them (from the configured values each time)
        self._client.settings.update(signed_settings(self.options.settings, self.server_revision))
        if self.options.experimental_settings:
            enabling = versions.enabling_settings(version)
            if enabling and not self._readonly():
                self._client.settings = {**enabling, **self._client.settings}

    def use_server_info(self, info: Any) -> tuple[int, int, int]:
        """Take the server's version, revision and time zone from its handshake (this
        connection's, or an asyncio link's when this one is an async template)."""
        version = (int(info.version_major), int(info.version_minor), int(info.version_patch))
        if version != self.server_version:
            self.server_version = version
            self._capabilities = None
            self._grammar = None
            self._platform = None
        self.server_revision = int(info.revision)
        self.server_timezone = info.timezone
        self.server_display_name = info.display_name
        return version

    def _readonly(self) -> bool:
        """Whether this user may not change settings (readonly=1 rejects every query's)."""
        sql = "SELECT value FROM system.settings WHERE name = 'readonly'"
        try:
            rows = self._client.execute(sql)
        except Exception as exc:  # noqa: BLE001 - translated
            raise translate(exc, self._context("connect", None, sql, None)) from exc
        return bool(rows) and str(rows[0][0]) == "1"

    def ping(self) -> bool:
        """Whether a trivial query succeeds now (reconnecting first when needed)."""
        try:
            self._run("SELECT 1", None, None, None)
        except (ConnectionError, QueryError):
            return False
        return True

    def close(self) -> None:
        """Close every socket of this connection (open streams' too); safe to call twice."""
        if not self._closed:
            self._closed = True
            with self._state:
                clients = [self._client, *self._spares, *(lease.client for lease in self._leases)]
                self._spares = []
            for client in clients:
                with contextlib.suppress(Exception):
                    client.disconnect()

    # -- queries -------------------------------------------------------------------------
    def execute(
        self,
        sql: str,
        params: Params = None,
        *,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
    ) -> Result:
        """Run one statement; ``settings`` apply to this query only, ``query_id`` names it."""
        self._notify(sql, params)
        return self._run(sql, params, settings, query_id)

    def _execute(self, sql: str, params: Params) -> Result:
        return self._run(sql, params, None, None)

    def _run(
        self,
        sql: str,
        params: Params,
        settings: Mapping[str, Any] | None,
        query_id: str | None,
    ) -> Result:
        data, header, rowcount = self._columns_of(sql, params, settings, query_id)
        return query_result(data, header, rowcount)

    def prepare_query(
        self,
        sql: str,
        params: Params,
        settings: Mapping[str, Any] | None,
        query_id: str | None,
    ) -> tuple[dict[str, Any] | None, str, Mapping[str, Any] | None]:
        """What one query sends: its bound values (checked), query id and settings.
        Shared with the asyncio driver (:mod:`.native_async`)."""
        _check_inline_insert(sql, self.name)
        bound = bind_params(params)
        if bound and self._old_date_table():
            refuse_late_dates(bound, self.server_version)
        qid = query_id or uuid.uuid4().hex
        return bound, qid, with_room_for_values(settings, sql, bound, self.settings)

    def _columns_of(
        self, sql: str, params: Params, settings: Mapping[str, Any] | None,
        query_id: str | None,
    ) -> tuple[Any, list[tuple[str, str]], int]:
        """The driver's columns, its header (name, ClickHouse type), and the written rows."""
        bound, qid, settings = self.prepare_query(sql, params, settings, query_id)
        try:
            with self._call("query", qid, sql, bound) as client:
                data, header = client.execute(
                    sql, bound, with_column_types=True, settings=settings, query_id=qid,
                    columnar=True,
                )
                rowcount = -1 if header else written_rows(client)
        except QueryError as exc:  # an ON CLUSTER statement some hosts did not run: name them
            named = ddl_timeout_error(self, sql, exc)
            if named is None:
                raise
            raise named from exc
        if self.waits_for_mutations:
            # ON CLUSTER answers with a status row per host: still a mutation to wait for
            table = mutated_table(sql)
            cluster = mutation_cluster(sql) if table is not None else None
            if cluster is not None:
                assert table is not None
                wait_for_cluster_mutations(self, cluster, table, timeout=self.mutation_timeout)
            elif table is not None:
                wait_for_mutations(self, table, timeout=self.mutation_timeout)
        return data, header, rowcount

    # -- columnar results (clickorm_clickhouse.arrow_results) -----------------------------
    #: the driver's columns, typed by the header's ClickHouse types
    arrow_typed = True

    def execute_arrow(self, sql: str, params: Params = None) -> Any:
        """The result as a pyarrow Table built from the driver's columns (``columnar=True``),
        each typed by its ClickHouse type (see :mod:`clickorm_clickhouse.arrow_results`)."""
        from clickorm_clickhouse.arrow_results import native_table  # pyarrow: on first use

        self._notify(sql, params)
        data, header, _ = self._columns_of(sql, params, None, None)
        if not data:  # no rows: the driver sends no columns, the header still types them
            data = [()] * len(header)
        return native_table([c[0] for c in header], [parse_type(c[1]) for c in header], data)

    def stream_arrow(self, sql: str, params: Params = None, *,
                     batch_size: int = 65_536) -> Iterator[Any]:
        """Record batches of at most ``batch_size`` rows, read block by block."""
        from clickorm_clickhouse.arrow_results import native_table  # pyarrow: on first use

        self._notify(sql, params)
        names, types, rows = self._open_typed_stream(sql, params, batch_size, None, None)
        if not isinstance(rows, BlockStream):
            return  # no result set
        chtypes = [parse_type(t) for t in types]
        for block in rows.blocks():
            if block:
                yield from native_table(names, chtypes, transpose(block, len(names))
                                        ).to_batches(max_chunksize=batch_size)

    def _old_date_table(self) -> bool:
        """Whether the server's date table ends in 2105 (releases before 21.4)."""
        version = self.server_version
        return version is not None and not versions.version_supports(version, "date_lut_2149")

    def stream(
        self,
        sql: str,
        params: Params = None,
        *,
        batch_size: int = 10_000,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Iterate the rows of a large result block by block (``batch_size`` rows a block)."""
        self._notify(sql, params)
        return self._open_stream(sql, params, batch_size, settings, query_id)[1]

    def stream_with_columns(
        self,
        sql: str,
        params: Params = None,
        *,
        batch_size: int = 10_000,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
    ) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        """Like :meth:`stream`, plus the column names (read before the first row)."""
        self._notify(sql, params)
        return self._open_stream(sql, params, batch_size, settings, query_id)

    def _stream(self, sql: str, params: Params, batch_size: int) -> Iterator[tuple[Any, ...]]:
        return self._open_stream(sql, params, batch_size, None, None)[1]

    def _open_stream(
        self,
        sql: str,
        params: Params,
        batch_size: int,
        settings: Mapping[str, Any] | None,
        query_id: str | None,
    ) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        names, _, rows = self._open_typed_stream(sql, params, batch_size, settings, query_id)
        return names, rows

    def _open_typed_stream(
        self,
        sql: str,
        params: Params,
        batch_size: int,
        settings: Mapping[str, Any] | None,
        query_id: str | None,
    ) -> tuple[list[str], list[str], Iterator[tuple[Any, ...]]]:
        bound = bind_params(params)
        if bound and self._old_date_table():
            refuse_late_dates(bound, self.server_version)
        qid = query_id or uuid.uuid4().hex
        query_settings = dict(with_room_for_values(settings, sql, bound, self.settings) or {})
        query_settings.setdefault("max_block_size", int(batch_size))
        lease = self._begin("stream", qid)
        ctx = self._context("stream", qid, sql, bound, client=lease.client)
        try:
            # the client reads blocks as columns (see native_columns.ColumnarIterResult):
            # the header first, then one ColumnarRows per block
            it = lease.client.execute_iter(
                sql, bound, with_column_types=True, settings=query_settings, query_id=qid
            )
            header = next(it, None)  # the first item is the column header, if any
        except BaseException as exc:
            self._end_with_error(lease, exc, ctx)
        if header is None:
            self._end(lease, ctx)
            return [], [], iter(())
        blocks = self._blocks(lease, it, ctx)
        next(blocks)  # started: from here on, dropping the iterator runs its cleanup
        names = [col[0] for col in header]
        return names, [col[1] for col in header], BlockStream(names, blocks)

    def _blocks(
        self, lease: _Lease, it: Iterator[Any], ctx: CallContext
    ) -> Generator[Sequence[tuple[Any, ...]], None, None]:
        """The stream's blocks; it holds ``lease`` (its own client) until it ends."""
        finished = False
        try:
            yield ()  # consumed by _open_stream, so the cleanup below is armed
            yield from it
            finished = True
        except GeneratorExit:
            raise
        except BaseException as exc:
            finished = True
            self._end_with_error(lease, exc, ctx)
        finally:
            if not finished:
                # closed or dropped mid-result: closing its socket stops the server
                # sending; that client reconnects when it is next used
                self._release(lease, disconnect=True)
        self._end(lease, ctx)

    def grammar_options(self) -> dict[str, Any]:
        """The ``cluster`` option: the builder's UPDATE/DELETE run ON CLUSTER there."""
        return {"cluster": self.cluster} if self.cluster else {}

    def check_report(self) -> dict[str, Any]:
        """The cluster named by the ``cluster`` option: shards, replicas, macros, ZooKeeper
        and replica health (see :mod:`clickorm_clickhouse.native_check`)."""
        return cluster_report(self)

    reaches_each_host = True

    def execute_on_each_host(self, cluster: str, sql: str) -> list[Result]:
        """Run ``sql`` on every host of ``cluster`` in turn (what ON CLUSTER cannot do:
        an ALTER of a Distributed table on 18.16); the results, host by host."""
        return execute_on_each_host(self, cluster, sql)

    # -- inserts -------------------------------------------------------------------------
    def platform_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"database": self.database}
        if self.cluster:
            options["cluster"] = self.cluster
        return options

    def column_encoder(self, logical: Any) -> Any:
        """A whole-column encoder for bulk inserts, or None.

        clickhouse-driver converts every ``datetime`` of a DateTime column with a Python
        ``timestamp()`` call (with a time-zone localisation), which is about half of a bulk
        insert's time; it also accepts epoch seconds as plain ints "to avoid costly
        timezone conversions". When the wall clock a naive datetime means is UTC (the
        server's zone, which the driver uses for naive values), numpy turns a whole
        column into epoch seconds in one C call. Anything else keeps the driver's path.
        """
        from clickorm.dialects import DateTime

        if type(logical) is not DateTime or self.server_timezone not in _UTC_NAMES:
            return None
        if logical.timezone is not None and logical.timezone not in _UTC_NAMES:
            return None
        if self._old_date_table():
            return _checked_for_old_date_table(logical, self.server_version)
        return _naive_utc_datetimes_to_epoch

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        data = rows if isinstance(rows, (list, tuple)) else list(rows)
        return self._send_insert(table, columns, data, columnar=False)

    def _insert_columns(
        self, table: str, columns: Sequence[str], data: Sequence[Sequence[Any]]
    ) -> int:
        cols = [c if isinstance(c, (list, tuple)) else list(c) for c in data]
        if len(cols) != len(columns):
            raise QueryError(
                f"INSERT into {table}: {len(columns)} column name(s) but {len(cols)} data column(s)"
            )
        return self._send_insert(table, columns, cols, columnar=True)

    def insert_iter(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
    ) -> int:
        """Insert row tuples from any iterable (a generator) in blocks of insert_block_size.

        Only one block is held in memory at a time. Each block is written atomically; a
        failure part-way leaves the blocks sent before it in the table.
        """
        self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <streamed rows>", None)
        data = rows if isinstance(rows, types.GeneratorType) else (row for row in rows)
        return self._send_insert(
            table, columns, data, columnar=False, settings=settings, query_id=query_id
        )

    def insert_statement(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT INTO `t` (`a`, `b`) VALUES`` — the data travels as native blocks."""
        cols = ", ".join(quote_identifier(c) for c in columns)
        return f"INSERT INTO {quote_dotted(table)} ({cols}) VALUES"

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
        """Column blocks read one at a time, all streamed as one INSERT statement
        (``landed`` is not called: nothing is known written before the statement ends).
        With ``dedup`` on a server that takes ``insert_deduplication_token`` (22.2+) each
        block is its own INSERT carrying a token of its content instead: a retry re-sends
        the blocks in doubt and the table drops those it has."""
        sql = self.insert_statement(table, columns)
        extra = dict(settings or {})
        if not dedup or self.server_version is None or not self.version_supports(
                "insert_deduplication_token"):
            self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <streamed blocks>", None)
            return self._send_blocks(sql, table, blocks, extra)
        seen: dict[str, int] = {}
        total = 0
        for block in blocks:
            cols = [c if isinstance(c, (list, tuple)) else list(c) for c in block]
            token = next_block_token(seen, table, columns, cols)
            self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <{len(cols[0])} rows>", None)
            n = self._send_blocks(sql, table, [cols],
                                  {**extra, "insert_deduplication_token": token})
            total += n
            if landed is not None:
                landed(n)
        return total

    def _send_blocks(self, sql: str, table: str, blocks: Iterable[Sequence[Sequence[Any]]],
                     settings: Mapping[str, Any]) -> int:
        qid = uuid.uuid4().hex
        query_settings = {"insert_block_size": self.insert_block_size, **settings}
        # the client _call lends: another one while a stream holds the main client
        with self._call("insert", qid, sql, None, table=table) as client:
            return execute_blocks(client, sql, blocks, settings=query_settings,
                                  query_id=qid)
        raise AssertionError("unreachable")  # pragma: no cover - _call re-raises

    def _send_insert(
        self,
        table: str,
        columns: Sequence[str],
        data: Any,
        *,
        columnar: bool,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
    ) -> int:
        sql = self.insert_statement(table, columns)
        qid = query_id or uuid.uuid4().hex
        query_settings = {"insert_block_size": self.insert_block_size, **(settings or {})}
        with self._call("insert", qid, sql, None, table=table) as client:
            written = client.execute(
                sql, data, settings=query_settings, query_id=qid, columnar=columnar
            )
        return int(written or 0)

    # -- cancellation --------------------------------------------------------------------
    def cancel(self) -> bool:
        """Cancel what runs on this connection; callable from another thread.

        Every call running now is cancelled: the query or insert in progress and the
        streams that are open. A SELECT gets the protocol's Cancel packet and stops at
        the next block; an INSERT has no such packet, so its socket is shut down and the
        block in flight is discarded by the server. Each interrupted call raises
        QueryError("... cancelled"); its client reconnects when next used. Returns
        whether anything was running.
        """
        with self._state:
            running = list(self._leases)
            for lease in running:
                lease.cancelled = True
                conn = lease.client.connection
                try:
                    if lease.kind == "insert":
                        if conn.socket is not None:
                            conn.socket.shutdown(socket.SHUT_RDWR)
                    elif conn.connected:
                        conn.send_cancel()
                except (OSError, AttributeError):
                    pass  # the socket is gone or not open yet; the call fails or ends alone
        return bool(running)

    # -- bookkeeping ---------------------------------------------------------------------
    def _context(
        self,
        phase: str,
        query_id: str | None,
        sql: str | None,
        params: Mapping[str, Any] | None,
        *,
        table: str | None = None,
        client: Client | None = None,
    ) -> CallContext:
        # the driver's socket object (hosts after failover)
        link = (client or self._client).connection
        host, port = link.hosts[0] if getattr(link, "hosts", None) else (self.host, self.port)
        timeout = self.options.driver_kwargs.get("send_receive_timeout", _DRIVER_DEFAULT_TIMEOUT)
        return CallContext(
            connection=self.name,
            hosts=self._hosts_text,
            host=f"{host}:{port}",
            user=self.user,
            database=self.database,
            phase=phase,
            sql=sql,
            params_count=len(params) if params else None,
            params=params,
            query_id=query_id,
            timeout=timeout,
            connect_timeout=self.options.driver_kwargs.get("connect_timeout"),
            table=table,
            insert_block_size=self.insert_block_size,
        )

    def _begin(self, kind: str, query_id: str) -> _Lease:
        """Lend a free client to one call: the main one, else a spare (made if needed)."""
        if self._closed:
            raise ConnectionError(
                "This connection was closed; open a new one", connection=self.name
            )
        with self._state:
            busy = [lease.client for lease in self._leases]
            if not any(c is self._client for c in busy):
                client = self._client
            elif self._spares:
                client = self._spares.pop()
            else:
                client = self._make_client()
                client.settings = dict(self._client.settings)
            lease = _Lease(client, kind, query_id)
            self._leases.append(lease)
        self.last_query_id = query_id
        return lease

    def _release(self, lease: _Lease, *, disconnect: bool = False) -> bool:
        """Take the client back from a finished call; returns whether it was cancelled.

        A cancelled call's client is disconnected (a Cancel packet may still be in
        flight). Spares stay while a stream is open and are closed when the last one ends.
        """
        if disconnect or lease.cancelled:
            with contextlib.suppress(Exception):
                lease.client.disconnect()
        closing: list[Client] = []
        with self._state:
            if not any(held is lease for held in self._leases):
                return lease.cancelled  # released already (close() after an error)
            self._leases = [held for held in self._leases if held is not lease]
            if lease.client is not self._client:
                self._spares.append(lease.client)
            if self._closed or not any(held.kind == "stream" for held in self._leases):
                closing, self._spares = self._spares, []
        for client in closing:
            with contextlib.suppress(Exception):
                client.disconnect()
        return lease.cancelled

    def _end(self, lease: _Lease, ctx: CallContext) -> None:
        if self._release(lease):
            raise cancelled_error(ctx)

    def _end_with_error(self, lease: _Lease, exc: BaseException, ctx: CallContext) -> NoReturn:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            self._release(lease, disconnect=True)
            raise exc
        ctx.cancelled = self._release(lease)
        if self._closed and not ctx.cancelled:
            # close() shut this call's socket under it (a stream left open, say)
            raise ConnectionError(
                f"This connection was closed while {_what_ran(ctx)} was running; open a "
                "new one", connection=self.name,
            ) from exc
        raise translate(exc, ctx) from exc

    @contextlib.contextmanager
    def _call(
        self,
        kind: str,
        query_id: str,
        sql: str,
        params: Mapping[str, Any] | None,
        *,
        table: str | None = None,
    ) -> Iterator[Client]:
        """Run one call on a client lent to it (the driver client is yielded)."""
        lease = self._begin(kind, query_id)
        ctx = self._context(kind, query_id, sql, params, table=table, client=lease.client)
        try:
            yield lease.client
        except BaseException as exc:
            self._end_with_error(lease, exc, ctx)
        self._end(lease, ctx)


def query_result(data: Any, header: Sequence[Any], rowcount: int) -> Result:
    """A Result from a driver's columnar answer (rows, or a write's row count)."""
    columns = [col[0] for col in header]
    # column-major from the driver, transposed lazily (hydration zips it in C)
    rows = ColumnarRows(data) if columns else []
    return Result(columns=columns, rows=rows, rowcount=len(rows) if columns else rowcount)


class _Lease:
    """One driver client lent to one call: a query or insert, or an open stream."""

    __slots__ = ("client", "kind", "query_id", "cancelled")

    def __init__(self, client: Client, kind: str, query_id: str) -> None:
        self.client = client
        self.kind = kind
        self.query_id = query_id
        self.cancelled = False


def _check_inline_insert(sql: str, name: str) -> None:
    if _INLINE_INSERT.match(sql):
        # over the native protocol INSERT data travels as blocks after the query; the
        # server would wait for them forever instead of reading VALUES from the text
        raise QueryError(
            "INSERT with inline VALUES/FORMAT data cannot be sent over the native "
            "protocol; send the rows as data: connection.insert_rows(table, columns, "
            "rows), Model.insert_many(...) or QueryBuilder(table).insert([...])",
            sql=sql, connection=name,
        )


def _what_ran(ctx: CallContext) -> str:
    return {"stream": "a stream", "insert": f"an INSERT into {ctx.table}"}.get(ctx.phase, "a query")


def written_rows(client: Any) -> int:
    """Rows the last INSERT wrote by the driver's progress (-1 when unknown); asynch's
    connection keeps ``last_query`` alike."""
    info = client.last_query
    written = getattr(getattr(info, "progress", None), "written_rows", 0) if info else 0
    return int(written) if written else -1


def _is_unreachable(exc: BaseException) -> bool:
    from clickhouse_driver import errors

    return isinstance(exc, (errors.NetworkError, errors.SocketTimeoutError))
