"""Async links for drivers without an asyncio driver: a worker thread per link."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from types import GeneratorType
from typing import Any, TypeVar

from clickorm.connection.aio import AsyncLink, RowBatches
from clickorm.connection.base import BaseConnection, Params, Result, RowStream
from clickorm.errors import ConnectionError

__all__ = ["ThreadLink", "open_thread_link"]

T = TypeVar("T")


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
        # the thread ends (its statement in flight first; waited for off the loop) and the
        # manager closes the connection it opened for that thread (an in-memory
        # database's shared connection stays, as for sync threads)
        await asyncio.to_thread(self._executor.shutdown, True)


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


async def open_thread_link(connect: Callable[[], BaseConnection]) -> AsyncLink:
    return await ThreadLink.open(connect)
