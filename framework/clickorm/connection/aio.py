"""The async connection: a small pool of links per event loop, bridged to the sync path.

An :class:`AsyncLink` is one channel of asynchronous I/O to a database: one socket of an
asyncio driver (ClickHouse's native protocol over asynch), or one worker thread that
owns a sync connection (chDB, SQLite: in-process and blocking, so they run off the event
loop). A dialect names its asyncio driver per sync driver in
``Dialect.async_connections``; a driver without one gets :class:`ThreadLink`.

An :class:`AsyncConnection` is what one :class:`ConnectionManager` gives one event loop:
up to ``size`` links, lent to one call at a time (a query, an insert, an open stream),
or to a session for its whole block. The ORM's sync code runs on it through a
:class:`BridgedConnection`, a :class:`BaseConnection` whose I/O awaits a link (see
:mod:`clickorm.connection.bridge`) and whose grammar, platform, capabilities and
server facts are the link's sync ``template`` connection's: the same SQL, the same
writers, the same error translation as the sync API.
"""

from __future__ import annotations

import asyncio
import functools
from abc import ABC, abstractmethod
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from itertools import islice
from types import GeneratorType, MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from clickorm.connection.base import BaseConnection, Params, Result, RowStream
from clickorm.connection.bridge import await_
from clickorm.errors import ConnectionError

if TYPE_CHECKING:
    from clickorm.plugins.dialect import Capabilities
    from clickorm.query.grammar import BaseGrammar
    from clickorm.schema.platform import BasePlatform

__all__ = ["AsyncConnection", "AsyncLink", "BridgedConnection", "RowBatches", "ThreadLink",
           "pinned_bridge", "pin", "unpin"]

T = TypeVar("T")


class RowBatches(ABC):
    """An open streamed result: its column names and its rows, a batch at a time."""

    columns: list[str]

    @abstractmethod
    async def next_batch(self) -> Sequence[tuple[Any, ...]] | None:
        """The next rows (None once the result is exhausted)."""

    @abstractmethod
    async def aclose(self) -> None:
        """Stop the result early (the server stops sending); safe after the end."""


class AsyncLink(ABC):
    """One asynchronous channel to the database; used by one call at a time.

    ``template`` is a sync connection of the same database that carries what the ORM
    reads from a connection besides I/O (grammar, platform, capabilities, server
    version, time zone, cluster ...); it is never used for I/O from the event loop.
    ``broken`` tells the pool to close the link instead of lending it again.
    """

    template: BaseConnection
    broken: bool = False

    @abstractmethod
    async def execute(self, sql: str, params: Params) -> Result: ...

    @abstractmethod
    async def stream(self, sql: str, params: Params, batch_size: int) -> RowBatches: ...

    @abstractmethod
    async def insert_rows(self, table: str, columns: Sequence[str],
                          rows: Sequence[Sequence[Any]]) -> int: ...

    @abstractmethod
    async def insert_columns(self, table: str, columns: Sequence[str],
                             data: Sequence[Sequence[Any]]) -> int: ...

    @abstractmethod
    async def insert_blocks(self, table: str, columns: Sequence[str],
                            blocks: Iterable[Sequence[Sequence[Any]]], *,
                            settings: Mapping[str, Any] | None,
                            landed: Callable[[int], None] | None, dedup: bool) -> int: ...

    async def begin(self) -> None:  # noqa: B027 - no transactions by default
        """Start a transaction (dialects with transactions)."""

    async def commit(self) -> None:  # noqa: B027
        """Commit the current transaction."""

    async def rollback(self) -> None:  # noqa: B027
        """Roll back the current transaction."""

    @abstractmethod
    async def close(self) -> None:
        """Close the channel; safe to call twice."""


class ThreadLink(AsyncLink):
    """A sync connection driven from one worker thread of its own (a bounded executor of
    one thread), for in-process, blocking databases (chDB, SQLite).

    The event loop never blocks on the database; statements of one link run one after
    another in its thread. Cancelling the awaiting task returns at once, while the
    statement already handed to the thread runs to its end (an in-process call cannot be
    interrupted); the link's next call waits for it, so the link stays usable.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickorm-async")
        self._closed = False

    @classmethod
    async def open(cls, connect: Callable[[], BaseConnection]) -> ThreadLink:
        """A link whose thread opens its connection with ``connect`` (the manager's
        per-thread ``connection()``, so the sync rules for threads hold as they are)."""
        link = cls()
        try:
            link.template = await link._call(connect)
        except BaseException:
            link._executor.shutdown(wait=False)
            raise
        return link

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._closed:
            raise ConnectionError("This async connection was closed; open a new one")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def execute(self, sql: str, params: Params) -> Result:
        return await self._call(self.template._execute, sql, params)

    async def stream(self, sql: str, params: Params, batch_size: int) -> RowBatches:
        columns, rows = await self._call(self._open_stream, sql, params, batch_size)
        return _ThreadBatches(self, columns, rows, batch_size)

    def _open_stream(self, sql: str, params: Params, batch_size: int
                     ) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        rows = self.template._stream(sql, params, batch_size)
        if not isinstance(rows, RowStream):
            result = self.template._execute(sql, params)
            return result.columns, iter(result.rows)
        if not rows.columns:  # known once the first block arrived
            first = list(islice(rows, 1))
            columns = list(rows.columns)
            return columns, _chained(first, rows)
        return list(rows.columns), rows

    async def insert_rows(self, table: str, columns: Sequence[str],
                          rows: Sequence[Sequence[Any]]) -> int:
        return await self._call(self.template._insert, table, columns, rows)

    async def insert_columns(self, table: str, columns: Sequence[str],
                             data: Sequence[Sequence[Any]]) -> int:
        return await self._call(self.template._insert_columns, table, columns, data)

    async def insert_blocks(self, table: str, columns: Sequence[str],
                            blocks: Iterable[Sequence[Sequence[Any]]], *,
                            settings: Mapping[str, Any] | None,
                            landed: Callable[[int], None] | None, dedup: bool) -> int:
        # the blocks are built (validated, encoded) in the worker thread as they are sent
        return await self._call(self.template.insert_blocks, table, columns, blocks,
                                settings=settings, landed=landed, dedup=dedup)

    async def begin(self) -> None:
        await self._call(self.template.begin)

    async def commit(self) -> None:
        await self._call(self.template.commit)

    async def rollback(self) -> None:
        await self._call(self.template.rollback)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # the thread ends; the manager closes the connection it opened for that thread
        # (an in-memory database's shared connection stays, as for sync threads)
        self._executor.shutdown(wait=False)


def _chained(first: list[tuple[Any, ...]], rest: Iterator[tuple[Any, ...]]
             ) -> Iterator[tuple[Any, ...]]:
    yield from first
    yield from rest


class _ThreadBatches(RowBatches):
    def __init__(self, link: ThreadLink, columns: list[str], rows: Iterator[tuple[Any, ...]],
                 batch_size: int) -> None:
        self.columns = columns
        self._link = link
        self._rows: Iterator[tuple[Any, ...]] | None = rows
        self._size = batch_size

    async def next_batch(self) -> Sequence[tuple[Any, ...]] | None:
        rows = self._rows
        if rows is None:
            return None
        batch = await self._link._call(lambda: list(islice(rows, self._size)))
        if not batch:
            self._rows = None
            return None
        return batch

    async def aclose(self) -> None:
        rows, self._rows = self._rows, None
        if isinstance(rows, (RowStream, GeneratorType)):
            await self._link._call(rows.close)


#: the bridged connection each manager's code uses in this task (a session's pinned link)
_pinned: ContextVar[Mapping[int, BridgedConnection]] = ContextVar(
    "clickorm_pinned", default=MappingProxyType({}))


def pinned_bridge(owner: object) -> BridgedConnection | None:
    """The bridged connection pinned for ``owner`` (a manager) in this task, if any."""
    return _pinned.get().get(id(owner))


def pin(owner: object, bridge: BridgedConnection) -> Any:
    """Make ``bridge`` what ``owner``'s connection() returns in this task; a token."""
    return _pinned.set({**_pinned.get(), id(owner): bridge})


def unpin(token: Any) -> None:
    _pinned.reset(token)


class AsyncConnection:
    """One manager's links on one event loop: at most ``size`` open, lent per call."""

    def __init__(self, name: str, open_link: Callable[[], Awaitable[AsyncLink]], *,
                 size: int) -> None:
        self.name = name
        self.size = size
        self._open_link = open_link
        self._idle: list[AsyncLink] = []
        self._links: list[AsyncLink] = []
        self._slots = asyncio.Semaphore(size)
        self._bridge: BridgedConnection | None = None
        #: open streams per task, the task of each stream's link, and spare links
        self._streaming: dict[asyncio.Task[Any] | None, int] = {}
        self._stream_task: dict[int, asyncio.Task[Any]] = {}
        self._spares: set[int] = set()
        #: closes of broken links running in the background
        self._tasks: set[asyncio.Future[None]] = set()
        self.closed = False

    @property
    def opened(self) -> int:
        """How many links are open (idle or lent)."""
        return len(self._links)

    @property
    def lent(self) -> int:
        """How many links are lent out now."""
        return len(self._links) - len(self._idle)

    async def acquire(self, *, stream: bool = False) -> AsyncLink:
        """Lend a link (waiting while ``size`` are lent); give it back with release().

        A task that holds an open stream never waits for a slot (it would wait for
        itself: a query inside ``async for ... in q.aiter()``): it gets a spare link,
        closed when given back, as the sync driver opens a spare client."""
        if self.closed:
            raise ConnectionError("This async connection was closed; open a new one",
                                  connection=self.name)
        task = asyncio.current_task()
        if self._streaming.get(task) and self._slots.locked():
            link = await self._open_link()
            self._links.append(link)
            self._spares.add(id(link))
        else:
            await self._slots.acquire()
            try:
                if self._idle:
                    link = self._idle.pop()
                else:
                    link = await self._open_link()
                    self._links.append(link)
            except BaseException:
                self._slots.release()
                raise
        if stream and task is not None:
            self._streaming[task] = self._streaming.get(task, 0) + 1
            self._stream_task[id(link)] = task
        return link

    async def release(self, link: AsyncLink) -> None:
        """Take a lent link back (closing it when it is broken or this is closed)."""
        if self._give_back(link):
            await link.close()

    def _give_back(self, link: AsyncLink) -> bool:
        """Take ``link`` back without waiting; True when the caller must close it."""
        task = self._stream_task.pop(id(link), None)
        if task is not None:
            left = self._streaming.pop(task, 1) - 1
            if left:
                self._streaming[task] = left
        if id(link) in self._spares:
            self._spares.discard(id(link))
            self._links = [held for held in self._links if held is not link]
            return True
        self._slots.release()
        if link.broken or self.closed:
            self._links = [held for held in self._links if held is not link]
            return True
        self._idle.append(link)
        return False

    async def run(self, pinned: AsyncLink | None,
                  op: Callable[[AsyncLink], Awaitable[T]]) -> T:
        """``op`` on the pinned link, or on a link lent for this call."""
        if pinned is not None:
            return await op(pinned)
        link = await self.acquire()
        try:
            return await op(link)
        finally:
            # given back at once (a cancelled caller must not keep it); closed in the
            # background when broken
            if self._give_back(link):
                self._closing(link)

    def _closing(self, link: AsyncLink) -> None:
        task = asyncio.ensure_future(link.close())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def execute(self, sql: str, params: Params = None) -> Result:
        """Run one statement with bound ``params`` on a lent link (raw SQL, awaited)."""
        bridge = await self.bridge()
        bridge._notify(sql, params)
        return await self.run(None, lambda link: link.execute(sql, params))

    async def bridge(self) -> BridgedConnection:
        """The bridged connection that lends a link per call (opening one to learn the
        server's facts first)."""
        if self._bridge is None:
            link = await self.acquire()
            try:
                if self._bridge is None:
                    self._bridge = BridgedConnection(self, link.template, None)
            finally:
                await self.release(link)
        return self._bridge

    async def pinned(self) -> BridgedConnection:
        """A bridged connection over one link of its own until :meth:`unpinned` (a
        session's transaction and statements stay on one connection)."""
        link = await self.acquire()
        return BridgedConnection(self, link.template, link)

    async def unpinned(self, bridge: BridgedConnection) -> None:
        if bridge.link is not None:
            link, bridge.link = bridge.link, None
            await self.release(link)

    async def aclose(self) -> None:
        """Close every link (lent ones when they come back); safe to call twice."""
        self.closed = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        idle, self._idle = self._idle, []
        self._links = [held for held in self._links if all(held is not i for i in idle)]
        for link in idle:
            await link.close()


class BridgedConnection(BaseConnection):
    """The sync connection the ORM's code runs on inside the async API: its I/O awaits a
    link of an :class:`AsyncConnection` (see :mod:`clickorm.connection.bridge`); the
    rest is the link's template connection's."""

    def __init__(self, owner: AsyncConnection, template: BaseConnection,
                 link: AsyncLink | None) -> None:
        super().__init__(name=template.name, settings=template.settings)
        self.owner = owner
        self.template = template
        #: the link every call uses (a session's); None: one lent per call
        self.link = link
        self.dialect = template.dialect
        self.server_version = template.server_version
        self.bulk_insert_only = template.bulk_insert_only
        self.paramstyle = template.paramstyle
        self.cluster = template.cluster
        self.update_mode = template.update_mode
        self.server_timezone = template.server_timezone
        self.reports_affected_rows = template.reports_affected_rows
        self.failed_insert_in_doubt = template.failed_insert_in_doubt
        # the template's listeners see the statements sent on its behalf
        self.listeners = template.listeners

    # -- the template's facts ------------------------------------------------------------
    @property
    def capabilities(self) -> Capabilities:
        return self.template.capabilities

    @property
    def grammar(self) -> BaseGrammar:
        return self.template.grammar

    @property
    def platform(self) -> BasePlatform:
        return self.template.platform

    @property
    def waits_for_mutations(self) -> bool:
        return self.template.waits_for_mutations

    def column_encoder(self, logical: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
        return self.template.column_encoder(logical)

    def platform_options(self) -> dict[str, Any]:
        return self.template.platform_options()

    # -- I/O, awaited on the link -------------------------------------------------------
    def _await(self, op: Callable[[AsyncLink], Awaitable[T]]) -> T:
        return await_(self.owner.run(self.link, op))

    def _execute(self, sql: str, params: Params) -> Result:
        return self._await(lambda link: link.execute(sql, params))

    def _stream(self, sql: str, params: Params, batch_size: int) -> Iterator[tuple[Any, ...]]:
        return _BridgedRows(await_(self._open_batches(sql, params, batch_size)))

    async def _open_batches(self, sql: str, params: Params, batch_size: int) -> _LeasedBatches:
        pinned = self.link
        link = pinned if pinned is not None else await self.owner.acquire(stream=True)
        try:
            batches = await link.stream(sql, params, batch_size)
        except BaseException:
            if pinned is None:
                await asyncio.shield(self.owner.release(link))
            raise
        return _LeasedBatches(batches, None if pinned is not None else (self.owner, link))

    def _insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        return self._await(lambda link: link.insert_rows(table, columns, rows))

    def _insert_columns(self, table: str, columns: Sequence[str],
                        data: Sequence[Sequence[Any]]) -> int:
        return self._await(lambda link: link.insert_columns(table, columns, data))

    def insert_blocks(self, table: str, columns: Sequence[str],
                      blocks: Iterable[Sequence[Sequence[Any]]], *,
                      settings: Mapping[str, Any] | None = None,
                      landed: Callable[[int], None] | None = None, dedup: bool = False) -> int:
        self._notify(f"INSERT INTO {table} ({', '.join(columns)}) <streamed blocks>", None)
        return self._await(lambda link: link.insert_blocks(
            table, columns, blocks, settings=settings, landed=landed, dedup=dedup))

    def begin(self) -> None:
        self._await(lambda link: link.begin())

    def commit(self) -> None:
        self._await(lambda link: link.commit())

    def rollback(self) -> None:
        self._await(lambda link: link.rollback())

    def close(self) -> None:
        """Nothing to close here: the links belong to the AsyncConnection."""

    def __repr__(self) -> str:
        return f"<BridgedConnection {self.name!r} over {self.template!r}>"


class _LeasedBatches:
    """A stream's batches and the link lent to it until the stream ends or closes."""

    def __init__(self, batches: RowBatches,
                 lease: tuple[AsyncConnection, AsyncLink] | None) -> None:
        self.batches = batches
        self.columns = batches.columns
        self._lease = lease

    async def next_batch(self) -> Sequence[tuple[Any, ...]] | None:
        try:
            batch = await self.batches.next_batch()
        except BaseException:
            await asyncio.shield(self._give_back())
            raise
        if batch is None:
            await self._give_back()
        return batch

    async def aclose(self) -> None:
        try:
            await self.batches.aclose()
        finally:
            await asyncio.shield(self._give_back())

    async def _give_back(self) -> None:
        lease, self._lease = self._lease, None
        if lease is not None:
            await lease[0].release(lease[1])


class _BridgedRows(RowStream):
    """Rows of a stream for the sync code: each exhausted batch awaits the next."""

    def __init__(self, batches: _LeasedBatches) -> None:
        super().__init__(batches.columns)
        self._batches: _LeasedBatches | None = batches
        self._current: Iterator[tuple[Any, ...]] = iter(())

    def __next__(self) -> tuple[Any, ...]:
        while True:
            row = next(self._current, None)
            if row is not None:
                return row
            if self._batches is None:
                raise StopIteration
            batch = await_(self._batches.next_batch())
            if batch is None:
                self._batches = None
                raise StopIteration
            self._current = iter(batch)

    def close(self) -> None:
        batches, self._batches = self._batches, None
        if batches is not None:
            await_(batches.aclose())


async def open_thread_link(connect: Callable[[], BaseConnection]) -> AsyncLink:
    return await ThreadLink.open(connect)


def iterate_batches(batches: RowBatches) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
    """The batches of an open stream as an async iterator (for raw streaming)."""
    async def gen() -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        try:
            while (batch := await batches.next_batch()) is not None:
                yield batch
        finally:
            await batches.aclose()
    return gen()
