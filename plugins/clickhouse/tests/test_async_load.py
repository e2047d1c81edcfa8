"""Load: 200 concurrent coroutines reading and writing through sessions, on the 18.16
server (asynch links) and on chDB (worker-thread links). Every row is accounted for, every
link is given back and closed, and the run stays within a bound (a loaded CI machine)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from typing import Any

from clickorm import ConnectionManager
from clickorm.connection.manager import register_manager, reset_managers
from clickorm.model import Column, Model

COROUTINES = 200
ROWS_PER_WRITER = 50
#: seconds; the run takes about one to two here, the rest is room for a loaded machine
BOUND = 30.0


class Visit(Model):
    id: int = Column(primary_key=True)
    worker: int
    path: str

    class Meta:
        table_name = "visits"
        engine = "MergeTree()"
        order_by = ("id",)
        connection = "load"


async def _writer(manager: ConnectionManager, n: int) -> int:
    async with manager.async_session() as s:
        s.add_all([Visit(id=n * 1000 + i, worker=n, path=f"/w{n}") for i in range(ROWS_PER_WRITER)])
    return ROWS_PER_WRITER


async def _reader(n: int) -> int:
    await Visit.where("worker", "<", n).acount()
    await Visit.afind(n)
    seen = [v.id async for v in Visit.where("worker", 0).aiter(batch_size=16)]
    assert len(seen) in (0, ROWS_PER_WRITER)  # worker 0's session landed whole, or not yet
    return 0


async def _load(manager: ConnectionManager) -> float:
    start = time.monotonic()
    jobs = [_writer(manager, n) if n % 2 == 0 else _reader(n) for n in range(COROUTINES)]
    written = sum(await asyncio.gather(*jobs))
    elapsed = time.monotonic() - start
    assert written == COROUTINES // 2 * ROWS_PER_WRITER
    assert await Visit.acount() == written
    ids = set(await Visit.apluck("id"))
    assert ids == {n * 1000 + i for n in range(0, COROUTINES, 2) for i in range(ROWS_PER_WRITER)}
    conn = manager.async_connection()
    assert conn.lent == 0 and 0 < conn.opened <= conn.size
    await manager.aclose()
    assert conn.opened == 0
    return elapsed


def _tcp_connections(server: Any) -> int:
    client = server.client()
    try:
        rows = client.execute("SELECT value FROM system.metrics WHERE metric = 'TCPConnection'")
        return int(rows[0][0]) - 1  # this client's own
    finally:
        client.disconnect()


def test_load_on_the_server(clickhouse_server: Any, clickhouse_database: str) -> None:
    reset_managers()
    manager = register_manager("load", ConnectionManager(
        f"clickhouse://default@{clickhouse_server.host}:{clickhouse_server.port}/"
        f"{clickhouse_database}?async_pool_size=8", name="load"))
    try:
        Visit.create_table()
        manager.close()  # the sync connection: only the async links count below
        before = _tcp_connections(clickhouse_server)
        elapsed = asyncio.run(_load(manager))
        assert elapsed < BOUND, f"{COROUTINES} coroutines took {elapsed:.1f} s"
        deadline = time.monotonic() + 5
        while _tcp_connections(clickhouse_server) > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tcp_connections(clickhouse_server) == before, "async links left open"
    finally:
        reset_managers()


def _async_threads() -> int:
    return sum(t.name.startswith("clickorm-async") for t in threading.enumerate())


def test_load_on_chdb() -> None:
    reset_managers()
    database = f"load_{uuid.uuid4().hex[:8]}"
    manager = register_manager("load", ConnectionManager(
        "clickhouse+embedded://", name="load", database=database))
    try:
        Visit.create_table()
        threads = _async_threads()
        elapsed = asyncio.run(_load(manager))
        assert elapsed < BOUND, f"{COROUTINES} coroutines took {elapsed:.1f} s"
        deadline = time.monotonic() + 5
        while _async_threads() > threads and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _async_threads() == threads, "worker threads left running"
        manager.connection().execute(f"DROP DATABASE IF EXISTS `{database}`")
    finally:
        reset_managers()


def test_a_pool_of_one_still_serves_200_coroutines(clickhouse_server: Any,
                                                    clickhouse_database: str) -> None:
    reset_managers()
    manager = register_manager("load", ConnectionManager(
        f"clickhouse://default@{clickhouse_server.host}:{clickhouse_server.port}/"
        f"{clickhouse_database}?async_pool_size=1", name="load"))
    try:
        Visit.create_table()
        elapsed = asyncio.run(_load(manager))
        assert elapsed < BOUND
    finally:
        reset_managers()
