"""An async session's link on the native protocol (one asynch socket) is never used by
two calls at once: a query inside the session's own ``aiter()`` loop, or queries the
session's task gathers, run on another link (ClickHouse has no transaction to keep them
on the session's), so each gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import register_manager, reset_managers
from clickorm.model import Column, Model
from clickorm.model.builder import QueryBuilder


class Visit(Model):
    id: int = Column(primary_key=True)
    path: str

    class Meta:
        table_name = "session_link_visits"
        engine = "MergeTree()"
        order_by = ("id",)
        connection = "session_link"


@pytest.fixture
def manager(clickhouse_server: Any, clickhouse_database: str) -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = register_manager("session_link", ConnectionManager(
        f"clickhouse://default@{clickhouse_server.host}:{clickhouse_server.port}/"
        f"{clickhouse_database}?async_pool_size=1", name="session_link"))
    Visit.create_table()
    Visit.insert_many([Visit(id=i, path=f"/{i}") for i in range(1, 3001)])
    yield mgr
    reset_managers()


def test_a_query_inside_the_sessions_own_stream(manager: ConnectionManager) -> None:
    async def main() -> None:
        async with manager.async_session():
            pairs = []
            async for visit in Visit.order_by("id").aiter(batch_size=100):
                if visit.id % 500 == 0:
                    other = await Visit.afind(visit.id + 1)
                    pairs.append((visit.id, other.path if other else None))
            assert pairs == [(i, f"/{i + 1}" if i < 3000 else None)
                             for i in range(500, 3001, 500)]
            assert await Visit.acount() == 3000
        ac = manager.async_connection()
        assert ac.lent == 0 and ac.opened == 1
        await manager.aclose()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_queries_gathered_inside_a_session(manager: ConnectionManager) -> None:
    async def main() -> None:
        async with manager.async_session() as session:
            found = await asyncio.gather(*(Visit.afind(i) for i in range(1, 21)))
            assert [v.path if v else None for v in found] == [f"/{i}" for i in range(1, 21)]
            session.add(Visit(id=5000, path="/new"))
        assert await Visit.acount() == 3001  # the session's insert landed on leaving
        ac = manager.async_connection()
        assert ac.lent == 0 and ac.opened == 1
        await manager.aclose()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_a_stream_cancelled_while_others_wait_for_its_link(manager: ConnectionManager) -> None:
    """The pool's only link is streaming when its task is cancelled, with another task
    waiting for a link: the waiter gets the link only once the stream is drained."""
    numbers = QueryBuilder("system.numbers", connection="session_link").select_raw(
        "number").limit(10**10)

    async def stream() -> None:
        async for _ in numbers.aiter(batch_size=1000):
            await asyncio.sleep(0)

    async def main() -> None:
        for _ in range(5):
            reader = asyncio.ensure_future(stream())
            await asyncio.sleep(0.05)
            assert not reader.done()
            waiter = asyncio.ensure_future(Visit.acount())
            await asyncio.sleep(0)
            reader.cancel()
            assert await waiter == 3000
            with pytest.raises(asyncio.CancelledError):
                await reader
        ac = manager.async_connection()
        assert ac.lent == 0
        await manager.aclose()

    asyncio.run(asyncio.wait_for(main(), 60))
