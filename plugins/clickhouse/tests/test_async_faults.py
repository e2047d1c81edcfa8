"""The async native API when the server dies mid-operation (SIGKILL): a stream fails
with the lost connection named (never a result that looks complete, never a decoding
error), an insert_many says which rows landed, and the pool serves the next query once
the server is back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import register_manager, reset_managers
from clickorm.errors import ConnectionError, WriteError
from clickorm.model import Column, Model
from clickorm.model.builder import QueryBuilder


class Row(Model):
    id: int = Column(primary_key=True)
    s: str

    class Meta:
        table_name = "async_fault_rows"
        engine = "MergeTree()"
        order_by = ("id",)
        connection = "async_faults"


def _register(server: Any) -> ConnectionManager:
    reset_managers()
    return register_manager("async_faults", ConnectionManager(
        f"clickhouse://default@{server.host}:{server.port}/default?send_receive_timeout=10",
        name="async_faults"))


def test_server_killed_during_a_stream_is_a_lost_connection(
        clickhouse_server_factory: Any) -> None:
    server = clickhouse_server_factory()
    mgr = _register(server)
    total = 50_000_000
    numbers = QueryBuilder("system.numbers", connection="async_faults").select_raw(
        "number").limit(total)

    async def main() -> None:
        seen = 0
        with pytest.raises(ConnectionError) as info:
            async for _ in numbers.aiter(batch_size=10_000):
                seen += 1
                if seen == 100_000:
                    server.kill()
        assert seen < total
        text = str(info.value)
        assert "Lost the connection to" in text and server.address in text, text
        server.start()
        assert await QueryBuilder("system.one", connection="async_faults").acount() == 1
        assert mgr.async_connection().lent == 0
        await mgr.aclose()

    try:
        asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        reset_managers()


def test_server_killed_during_insert_many_reports_what_landed(
        clickhouse_server_factory: Any) -> None:
    server = clickhouse_server_factory()
    mgr = _register(server)
    Row.create_table()
    rows = [Row(id=i, s="y" * 10) for i in range(200_000)]

    def sent() -> Iterator[Row]:
        for row in rows:
            if row.id == 110_000:
                server.kill()  # SIGKILL as the 6th chunk is being read
            yield row

    async def main() -> None:
        with pytest.raises(WriteError) as info:
            await Row.ainsert_many(sent(), chunk_size=20_000)
        (report,) = info.value.tables
        # each chunk is its own INSERT: the five before the kill landed, the sixth is in
        # doubt, the rest of the generator was never read
        assert (report.landed, report.in_doubt, report.not_landed) == (100_000, 20_000, 0)
        assert report.unread and not report.retry_safe
        assert sum(r.is_persisted for r in rows) == report.landed
        server.start()
        count = await Row.acount()
        assert report.landed <= count <= report.landed + report.in_doubt
        await mgr.aclose()

    try:
        asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        reset_managers()
