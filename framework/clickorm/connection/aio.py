"""The async I/O interface: links, and streamed results read a batch at a time.

An :class:`AsyncLink` is one channel of asynchronous I/O to a database: one socket of an
asyncio driver (ClickHouse's native protocol over asynch), or one worker thread that
owns a sync connection (chDB, SQLite: in-process and blocking, so they run off the event
loop). A dialect names its asyncio driver per sync driver in
``Dialect.async_connections``; a driver without one gets
:class:`~clickorm.connection.thread_link.ThreadLink`.

An :class:`~clickorm.connection.async_pool.AsyncConnection` is what one :class:`ConnectionManager` gives one event loop:
up to ``size`` links, lent to one call at a time (a query, an insert, an open stream),
or to a session for its whole block. The ORM's sync code runs on it through a
:class:`~clickorm.connection.bridged.BridgedConnection`, a :class:`BaseConnection` whose I/O awaits a link (see
:mod:`clickorm.connection.bridge`) and whose grammar, platform, capabilities and
server facts are the link's sync ``template`` connection's: the same SQL, the same
writers, the same error translation as the sync API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from clickorm.connection.base import BaseConnection, Params, Result

__all__ = ["AsyncLink", "RowBatches"]


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
    ``exclusive`` says the channel carries one call at a time (a protocol socket): a
    session's link that is busy (a stream open on it, or another task's call) is then
    not used by a second call, which runs on another link; only dialects without
    transactions may have such links. A worker thread serializes its calls itself.
    """

    template: BaseConnection
    broken: bool = False
    exclusive: bool = False

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
