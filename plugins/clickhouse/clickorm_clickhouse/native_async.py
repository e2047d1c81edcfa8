"""The ``native`` driver for asyncio: ClickHouse's native protocol over asynch.

One :class:`AsynchLink` is one asynch socket (``asynch.proto.connection.Connection``);
the core's :class:`~clickorm.connection.aio.AsyncConnection` keeps a few per event loop
(``async_pool_size``, 8 by default) and lends one per call. What a query sends and what
its answer becomes is the sync driver's code: the link's template is a
:class:`~clickorm_clickhouse.native.NativeConnection` that never opens its own socket
(it takes the server's version and time zone from the link's handshake), whose
``prepare_query`` binds and checks values, and whose errors come from the same
:func:`~clickorm_clickhouse.native_errors.translate`.

Cancelling the task that awaits a query sends the protocol's Cancel packet; the call
reading the answer keeps the socket, drains what the server still sends (the query
stops at its next block) and leaves the link at a packet boundary, ready for the next
query. A link that cannot be drained in ``sync_request_timeout`` is closed and replaced.
An INSERT has no Cancel packet: a cancelled insert closes its link, as the sync driver's
``cancel()`` does (the server discards a block still being sent; one it received in full
may still be written).

Options are the sync driver's where asynch has them (TLS, compression, timeouts,
alt_hosts, settings, client_name); the others are refused by name. Each block of
``insert_blocks`` is its own INSERT (asynch has no multi-block hook), each reported as
landed when it is written.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from clickorm.dialects import AsyncLink, ConnectionConfig, Params, Result, RowBatches
from clickorm.errors import ClickORMError, ConfigError, QueryError
from clickorm_clickhouse import versions
from clickorm_clickhouse.mutations import (
    mutated_table,
    mutation_cluster,
    mutation_not_done,
    mutation_probe,
)
from clickorm_clickhouse.native import NativeConnection, query_result, written_rows
from clickorm_clickhouse.native_blocks import next_block_token
from clickorm_clickhouse.native_cluster import ddl_timeout_error, wait_for_cluster_mutations
from clickorm_clickhouse.native_errors import CallContext, translate
from clickorm_clickhouse.native_options import CLIENT_SETTINGS
from clickorm_clickhouse.native_settings import signed_settings

if TYPE_CHECKING:
    from clickorm.dialects import Dialect

__all__ = ["AsynchLink", "connect"]

T = TypeVar("T")

#: sync driver options asynch has no equivalent for (refused rather than ignored)
UNSUPPORTED = frozenset({"keyfile", "keypass", "certfile", "check_hostname",
                         "server_hostname", "tcp_keepalive", "client_revision",
                         "round_robin", "ssl_version"})
#: the options passed to asynch as they are
PASSED = ("connect_timeout", "send_receive_timeout", "sync_request_timeout",
          "compress_block_size", "compression", "secure", "verify", "ca_certs", "ciphers",
          "alt_hosts", "settings_is_important", "client_name")


async def connect(config: ConnectionConfig, dialect: Dialect) -> AsynchLink:
    """Async link factory of the ``native`` driver: one asynch socket, connected."""
    refused = sorted(k for k in config.options if k in UNSUPPORTED or k in CLIENT_SETTINGS)
    if refused:
        raise ConfigError(
            f"Connection {config.name!r}: option(s) {', '.join(refused)} are not supported "
            "by the async native driver (asynch); remove them for async use, or use the "
            "sync API", key=f"options.{refused[0]}")
    try:
        from asynch.proto.connection import Connection
    except ImportError as exc:
        raise ConfigError(
            f"Connection {config.name!r}: the async API over the native protocol needs "
            "asynch: pip install 'clickorm-clickhouse[async]'") from exc
    link = AsynchLink(NativeConnection(config, dialect, connect=False), Connection)
    await link.connect()
    return link


class AsynchLink(AsyncLink):
    """One asynch socket; the template NativeConnection supplies everything else."""

    #: a socket carries one query at a time (a session's busy link is not shared)
    exclusive = True

    def __init__(self, template: NativeConnection, connection_class: Any) -> None:
        import asynch.errors

        self.template = template
        self.native = template
        self.errors = asynch.errors
        opts = template.options
        kwargs = {k: opts.driver_kwargs[k] for k in PASSED if k in opts.driver_kwargs}
        self.proto = connection_class(
            host=opts.host, port=opts.port, database=opts.database, user=opts.user,
            password=opts.password, **kwargs)
        #: settings sent with every query (the connection's, and what this server needs)
        self.settings: dict[str, Any] = dict(opts.settings)
        self.timeout = float(opts.driver_kwargs.get("sync_request_timeout", 5.0))

    def _context(self, phase: str, query_id: str | None, sql: str | None,
                 params: Mapping[str, Any] | None, table: str | None = None) -> CallContext:
        ctx = self.native._context(phase, query_id, sql, params, table=table)
        if self.proto.host is not None:
            ctx.host = f"{self.proto.host}:{self.proto.port}"
        return ctx

    def _socket_reader(self) -> Any:
        """The asyncio stream under asynch's reader (None while not connected)."""
        return getattr(getattr(self.proto, "reader", None), "reader", None)

    def _fail(self, exc: Exception, ctx: CallContext, reader: Any = None) -> Exception:
        if not isinstance(exc, self.errors.ServerException):
            self.broken = True  # the socket is in an unknown state: replace the link
            told = (OSError, EOFError, asyncio.TimeoutError, ClickORMError,
                    self.errors.NetworkError, self.errors.SocketTimeoutError,
                    self.errors.PartiallyConsumedQueryError)
            if reader is not None and reader.at_eof() and not isinstance(exc, told):
                # asynch reads a closed socket as short data and fails decoding it
                # (struct.error, OperationalError ...): the server went away mid-answer
                lost = EOFError("the server closed the connection")
                lost.__cause__ = exc
                return translate(lost, ctx, self.errors)
        return translate(exc, ctx, self.errors)

    async def connect(self) -> None:
        ctx = self._context("connect", None, None, None)
        try:
            await self.proto.connect()
        except Exception as exc:
            raise self._fail(exc, ctx) from exc
        version = self.native.use_server_info(self.proto.server_info)
        opts = self.native.options
        self.settings.update(signed_settings(opts.settings, self.native.server_revision))
        enabling = versions.enabling_settings(version)
        if self.native.options.experimental_settings and enabling:
            readonly = await self.execute(
                "SELECT value FROM system.settings WHERE name = 'readonly'", None)
            if str(readonly.scalar()) != "1":
                self.settings = {**enabling, **self.settings}

    async def _guarded(self, ctx: CallContext, call: Callable[[], Awaitable[T]],
                       *, insert: bool = False) -> T:
        """Run ``call`` so that cancelling the awaiting task cancels it on the server and
        leaves the socket at a packet boundary (see the module docstring)."""
        reader = self._socket_reader()
        if reader is not None and reader.at_eof():
            reader = None  # closed while idle: the call reconnects on another socket
        inner = asyncio.ensure_future(call())
        try:
            return await asyncio.shield(inner)
        except asyncio.CancelledError:
            if not inner.done():
                await self._stop(inner, insert=insert)
            raise
        except StopAsyncIteration:
            raise
        except Exception as exc:
            raise self._fail(exc, ctx, reader or self._socket_reader()) from exc

    async def _stop(self, inner: asyncio.Future[Any], *, insert: bool) -> None:
        """Stop the call ``inner`` runs: Cancel packets until it ends (drained), or close
        the link.

        The Cancel is repeated while the call runs: one sent before the query reached
        the server (the call was still pinging) is ignored by the server, as are those
        that arrive after the query ended."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            if not insert:
                while not inner.done() and loop.time() < deadline:
                    await self.proto.cancel()
                    await asyncio.wait([inner], timeout=0.1)
                if inner.done():
                    if not inner.cancelled():
                        inner.exception()  # drained, ended by the cancel: nothing to report
                    return
        except asyncio.CancelledError:
            inner.cancel()  # cancelled again while draining: the socket is not trusted
            self.broken = True
            raise
        inner.cancel()
        self.broken = True
        await self.close()

    def _settings(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.settings, **(extra or {})}

    # -- queries ---------------------------------------------------------------------
    async def execute(self, sql: str, params: Params) -> Result:
        bound, qid, settings = self.native.prepare_query(sql, params, None, None)
        ctx = self._context("query", qid, sql, bound)
        self.native.last_query_id = qid
        try:
            data, header = await self._guarded(ctx, lambda: self.proto.execute(
                sql, bound, with_column_types=True, settings=self._settings(settings),
                query_id=qid, columnar=True))
        except QueryError as exc:  # an ON CLUSTER statement some hosts did not run
            named = await asyncio.to_thread(ddl_timeout_error, self.native, sql, exc)
            if named is None:
                raise
            raise named from exc
        rowcount = -1 if header else written_rows(self.proto)
        if self.native.waits_for_mutations:
            table = mutated_table(sql)
            cluster = mutation_cluster(sql) if table is not None else None
            if table is not None and cluster is not None:
                # ON CLUSTER answers with a status row per host; the sync driver's wait
                # polls every host (its own connections), off the event loop
                await asyncio.to_thread(wait_for_cluster_mutations, self.native, cluster,
                                        table, timeout=self.native.mutation_timeout)
            elif table is not None and not header:
                await self._wait_for_mutations(table)
        return query_result(data, header, rowcount)

    async def _wait_for_mutations(self, table: str) -> None:
        """The sync driver's wait (mutations.wait_for_mutations), without blocking."""
        sql, params = mutation_probe(table)
        timeout = self.native.mutation_timeout
        deadline = time.monotonic() + timeout
        delay = 0.01
        while (await self.execute(sql, params)).scalar():
            if time.monotonic() > deadline:
                raise mutation_not_done(self.native, table, timeout)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)

    async def stream(self, sql: str, params: Params, batch_size: int) -> RowBatches:
        bound, qid, settings = self.native.prepare_query(sql, params, None, None)
        query_settings = self._settings(settings)
        query_settings.setdefault("max_block_size", int(batch_size))
        ctx = self._context("stream", qid, sql, bound)
        self.native.last_query_id = qid
        result = await self._guarded(ctx, lambda: self.proto.execute_iter(
            sql, bound, with_column_types=True, settings=query_settings, query_id=qid))
        batches = _AsynchBatches(self, result, ctx)
        await batches.start()
        return batches

    # -- inserts ---------------------------------------------------------------------
    async def _insert(self, table: str, columns: Sequence[str], data: Any, *, columnar: bool,
                      settings: Mapping[str, Any] | None = None) -> int:
        sql = self.native.insert_statement(table, columns)
        qid = uuid.uuid4().hex
        ctx = self._context("insert", qid, sql, None, table=table)
        query_settings = self._settings(
            {"insert_block_size": self.native.insert_block_size, **(settings or {})})
        written = await self._guarded(ctx, lambda: self.proto.execute(
            sql, data, settings=query_settings, query_id=qid, columnar=columnar), insert=True)
        return int(written or 0)

    async def insert_rows(self, table: str, columns: Sequence[str],
                          rows: Sequence[Sequence[Any]]) -> int:
        data = rows if isinstance(rows, (list, tuple)) else list(rows)
        return await self._insert(table, columns, data, columnar=False)

    async def insert_columns(self, table: str, columns: Sequence[str],
                             data: Sequence[Sequence[Any]]) -> int:
        cols = [c if isinstance(c, (list, tuple)) else list(c) for c in data]
        if len(cols) != len(columns):
            raise QueryError(f"INSERT into {table}: {len(columns)} column name(s) but "
                             f"{len(cols)} data column(s)")
        return await self._insert(table, columns, cols, columnar=True)

    async def insert_blocks(self, table: str, columns: Sequence[str],
                            blocks: Iterable[Sequence[Sequence[Any]]], *,
                            settings: Mapping[str, Any] | None,
                            landed: Callable[[int], None] | None, dedup: bool) -> int:
        tokens = dedup and self.native.version_supports("insert_deduplication_token")
        seen: dict[str, int] = {}
        total = 0
        for block in blocks:
            cols = [c if isinstance(c, (list, tuple)) else list(c) for c in block]
            extra = dict(settings or {})
            if tokens:
                extra["insert_deduplication_token"] = next_block_token(seen, table, columns,
                                                                       cols)
            n = await self._insert(table, columns, cols, columnar=True, settings=extra)
            n = n if n > 0 else len(cols[0]) if cols else 0
            total += n
            if landed is not None:
                landed(n)
        return total

    async def close(self) -> None:
        try:
            await self.proto.disconnect()
        except Exception:  # noqa: BLE001, S110 - closing a socket that is gone already
            pass


class _AsynchBatches(RowBatches):
    """An open asynch stream: one batch per block the server sends."""

    def __init__(self, link: AsynchLink, result: Any, ctx: CallContext) -> None:
        self.link = link
        self.result = result
        self.ctx = ctx
        self.columns: list[str] = []
        self._first: list[tuple[Any, ...]] | None = None
        self._done = False

    async def _block(self) -> list[tuple[Any, ...]] | None:
        """The next data block's rows, None at the end (progress packets skipped)."""
        while True:
            try:
                rows = await self.link._guarded(self.ctx, self.result._get_next_)
            except StopAsyncIteration:
                self._done = True
                return None
            except asyncio.CancelledError:
                raise  # the rest of the stream is drained by aclose()
            except BaseException:
                self._done = True
                raise
            if not self.columns and self.result._columns_with_types:
                self.columns = [c[0] for c in self.result._columns_with_types]
            if rows:
                return list(rows)

    async def start(self) -> None:
        """Read up to the first rows, so the column names are known."""
        self._first = await self._block()

    async def next_batch(self) -> Sequence[tuple[Any, ...]] | None:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        if self._done:
            return None
        return await self._block()

    async def aclose(self) -> None:
        if self._done:
            return
        self._done = True
        # stopped early: ask the server to stop, and read what it still sends
        try:
            if await self.link.proto.cancel():
                async def drain() -> None:
                    while True:
                        await self.result._get_next_()
                await asyncio.wait_for(drain(), self.link.timeout)
        except StopAsyncIteration:
            return
        except BaseException:  # noqa: BLE001 - not drained: the link is replaced
            pass
        self.link.broken = True
        await self.link.close()
