"""BridgedConnection: the sync connection the ORM's code runs on inside the async API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from clickorm.connection.aio import AsyncLink, RowBatches
from clickorm.connection.base import BaseConnection, Params, Result, RowStream
from clickorm.connection.bridge import await_

if TYPE_CHECKING:
    from clickorm.connection.async_pool import AsyncConnection
    from clickorm.plugins.dialect import Capabilities
    from clickorm.query.grammar import BaseGrammar
    from clickorm.schema.platform import BasePlatform

__all__ = ["BridgedConnection"]

T = TypeVar("T")


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
        held = pinned is not None and self.owner.hold(pinned)
        if held:
            assert pinned is not None
            link = pinned
        else:
            link = await self.owner.acquire(stream=True, beside=pinned is not None)
        lease = _Lease(self.owner, link, held)
        try:
            batches = await link.stream(sql, params, batch_size)
        except BaseException:
            await asyncio.shield(lease.give_back())
            raise
        return _LeasedBatches(batches, lease)

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


class _Lease:
    """The link a stream runs on: lent to it, or a session's link it holds (counted by
    ``AsyncConnection.hold``); given back once."""

    def __init__(self, owner: AsyncConnection, link: AsyncLink, held: bool) -> None:
        self.owner = owner
        self.link: AsyncLink | None = link
        self.held = held

    async def give_back(self) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        if self.held:
            self.owner.unhold(link)
        else:
            await self.owner.release(link)


class _LeasedBatches:
    """A stream's batches and the link lent to it until the stream ends or closes."""

    def __init__(self, batches: RowBatches, lease: _Lease) -> None:
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
        await self._lease.give_back()


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
