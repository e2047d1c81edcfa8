"""The async API over the native protocol (asynch) against the real 18.16 server: reads,
columnar bulk inserts, streams, mutations, options, errors, and cancellation on the
server with the link left usable."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager
from clickorm.connection.manager import register_manager, reset_managers
from clickorm.errors import ConfigError, ConnectionError, QueryError
from clickorm.model import Column, Model
from clickorm.model.builder import QueryBuilder


class Hit(Model):
    id: int = Column(primary_key=True)
    path: str
    ms: int = 0

    class Meta:
        table_name = "hits"
        engine = "MergeTree()"
        order_by = ("id",)
        connection = "async_native"


def _manager(server: Any, database: str, **options: Any) -> ConnectionManager:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return ConnectionManager(
        f"clickhouse://default@{server.host}:{server.port}/{database}" + (f"?{query}" if query else ""),
        name="async_native")


@pytest.fixture
def manager(clickhouse_server: Any, clickhouse_database: str) -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = register_manager("async_native", _manager(clickhouse_server, clickhouse_database,
                                                    async_pool_size=2))
    Hit.create_table()
    yield mgr
    reset_managers()


def _running(server: Any, marker: str) -> int:
    client = server.client()
    try:
        rows = client.execute(
            "SELECT count() FROM system.processes WHERE query LIKE %(m)s "
            "AND query NOT LIKE '%%system.processes%%'", {"m": f"%{marker}%"})
        return int(rows[0][0])
    finally:
        client.disconnect()


def _wait(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_reads_writes_and_streams_on_the_server(manager: ConnectionManager) -> None:
    async def main() -> None:
        written = await Hit.ainsert_many(
            [Hit(id=i, path=f"/p{i % 3}", ms=i) for i in range(1, 2001)], chunk_size=500)
        assert written == 2000
        assert await Hit.acount() == 2000
        assert (await Hit.afind(7)) == Hit(id=7, path="/p1", ms=7)
        assert await Hit.where("path", "/p0").acount() == 666
        assert [h.id async for h in Hit.order_by("id").where("id", "<=", 25).aiter(batch_size=4)
                ] == list(range(1, 26))
        page = await Hit.order_by("id").apaginate(10, 3)
        assert page.total == 2000 and [h.id for h in page.items] == list(range(21, 31))
        # a mutation on 18.16: the link waits for it, as the sync driver does
        assert await Hit.where("id", "<=", 10).aupdate({"ms": 0}) is None
        assert await Hit.where("ms", 0).acount() == 10
        await Hit.where("id", ">", 1990).adelete()
        assert await Hit.acount() == 1990
        async with manager.async_session() as s:
            s.add_all([Hit(id=5000 + i, path="/s") for i in range(50)])
        assert await Hit.where("path", "/s").acount() == 50
        bridge = manager.async_connection()
        assert (await bridge.bridge()).server_version[:2] == (18, 16)  # type: ignore[index]
        await manager.aclose()

    asyncio.run(main())


def test_settings_and_compression_reach_the_server(clickhouse_server: Any,
                                                     clickhouse_database: str) -> None:
    mgr = _manager(clickhouse_server, clickhouse_database, compression="lz4",
                   **{"settings.max_threads": 3})

    async def main() -> None:
        q = QueryBuilder("system.settings", connection="compressed").where("name", "max_threads")
        assert (await q.apluck("value")) == ["3"]
        await mgr.aclose()

    register_manager("compressed", mgr)
    try:
        asyncio.run(main())
    finally:
        reset_managers()


def test_errors_are_the_sync_drivers(manager: ConnectionManager, clickhouse_server: Any) -> None:
    with pytest.raises(QueryError) as sync_error:
        Hit.where_raw("no_such_column = 1").get()

    async def main() -> None:
        with pytest.raises(QueryError) as async_error:
            await Hit.where_raw("no_such_column = 1").aget()
        sync_text = str(sync_error.value).split(" [query_id")[0]
        assert str(async_error.value).split(" [query_id")[0] == sync_text
        # the link survives a server error
        assert await Hit.acount() == 0
        assert manager.async_connection().opened == 1
        await manager.aclose()

    asyncio.run(main())


def test_refused_login_and_unreachable_server(clickhouse_server: Any) -> None:
    wrong = ConnectionManager(
        f"clickhouse://{clickhouse_server.secured_user}:pw-Xq81z@{clickhouse_server.host}:"
        f"{clickhouse_server.port}/default", name="wrong")
    nobody = ConnectionManager("clickhouse://default@127.0.0.1:1/default?connect_timeout=1",
                               name="nobody")

    async def main() -> None:
        with pytest.raises(ConnectionError, match="Authentication failed") as failed:
            await QueryBuilder("system.one", connection="wrong").acount()
        assert "pw-Xq81z" not in str(failed.value)
        with pytest.raises(ConnectionError, match="Cannot connect"):
            await QueryBuilder("system.one", connection="nobody").acount()

    register_manager("wrong", wrong)
    register_manager("nobody", nobody)
    try:
        asyncio.run(main())
    finally:
        reset_managers()


def test_options_asynch_lacks_are_refused(clickhouse_server: Any) -> None:
    mgr = ConnectionManager(f"{clickhouse_server.url}?round_robin=true&alt_hosts=h:9000",
                            name="rr")

    async def main() -> None:
        with pytest.raises(ConfigError, match="round_robin"):
            await QueryBuilder("system.one", connection="rr").acount()

    register_manager("rr", mgr)
    try:
        asyncio.run(main())
    finally:
        reset_managers()


def test_cancelling_the_task_cancels_the_query_on_the_server(
        manager: ConnectionManager, clickhouse_server: Any) -> None:
    marker = "cancel_me_7f3a"

    async def main() -> None:
        slow = QueryBuilder("system.numbers", connection="async_native").select_raw(
            f"sum(number) AS {marker}").where_raw("number < 100000000000")
        task = asyncio.ensure_future(slow.aget())
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 1)
        link_count = manager.async_connection().opened
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # gone from the server, and the same link answers the next query
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 0)
        ac = manager.async_connection()
        assert ac.opened == link_count and ac.lent == 0
        assert await Hit.acount() == 0
        assert ac.opened == link_count
        await manager.aclose()

    asyncio.run(main())


def test_stopping_a_stream_early_stops_the_query(manager: ConnectionManager,
                                                 clickhouse_server: Any) -> None:
    marker = "stream_stop_91c"

    async def main() -> None:
        rows = QueryBuilder("system.numbers", connection="async_native").select_raw(
            f"number AS {marker}").limit(10**11).aiter(batch_size=1000)
        seen = 0
        async for _ in rows:
            seen += 1
            if seen == 5000:
                break
        await rows.aclose()  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 0)
        ac = manager.async_connection()
        assert ac.lent == 0
        assert await Hit.acount() == 0
        await manager.aclose()

    asyncio.run(main())


def test_tls_verified_with_the_servers_ca(clickhouse_server_factory: Any) -> None:
    from clickorm_clickhouse import clickorm_dialects
    from clickorm_clickhouse.native_async import connect

    server = clickhouse_server_factory(tls=True)
    dialect = clickorm_dialects()[0]
    trusted = server.connection_config(
        host="localhost", port=server.secure_port,
        options={"secure": "true", "ca_certs": server.ca_certs})
    untrusted = server.connection_config(port=server.secure_port, options={"secure": True,
                                                                          "connect_timeout": 3})

    async def main() -> None:
        link = await connect(trusted, dialect)
        try:
            assert link.template.server_version == server.version
            assert (await link.execute("SELECT %(p0)s", ["over tls"])).scalar() == "over tls"
        finally:
            await link.close()
        with pytest.raises(ConnectionError):
            await connect(untrusted, dialect)

    asyncio.run(main())


def test_a_query_inside_a_stream_never_waits_for_its_own_link(
        clickhouse_server: Any, clickhouse_database: str) -> None:
    reset_managers()
    mgr = register_manager("async_native", _manager(clickhouse_server, clickhouse_database,
                                                    async_pool_size=1))
    Hit.create_table()
    Hit.insert_many([Hit(id=i, path="/") for i in range(1, 6)])

    async def main() -> None:
        pairs = []
        async for hit in Hit.order_by("id").aiter(batch_size=2):
            other = await Hit.afind(6 - hit.id)  # a spare link: the only one streams
            assert other is not None
            pairs.append((hit.id, other.id))
        assert pairs == [(i, 6 - i) for i in range(1, 6)]
        ac = mgr.async_connection()
        assert ac.opened == 1 and ac.lent == 0
        await mgr.aclose()

    try:
        asyncio.run(asyncio.wait_for(main(), 20))
    finally:
        reset_managers()


def test_cancelling_a_task_in_the_middle_of_a_stream(manager: ConnectionManager,
                                                     clickhouse_server: Any) -> None:
    marker = "stream_cancel_5d2"

    async def read_all() -> int:
        seen = 0
        async for _ in QueryBuilder("system.numbers", connection="async_native").select_raw(
                f"number AS {marker}").limit(10**11).aiter(batch_size=1000):
            seen += 1
        return seen

    async def main() -> None:
        task = asyncio.ensure_future(read_all())
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 1)
        opened = manager.async_connection().opened
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 0)
        ac = manager.async_connection()
        assert ac.lent == 0 and ac.opened == opened
        assert await Hit.acount() == 0  # the drained link answers
        assert ac.opened == opened
        await manager.aclose()

    asyncio.run(main())


def test_fails_over_to_an_alt_host(clickhouse_server: Any) -> None:
    mgr = ConnectionManager(
        f"clickhouse://default@127.0.0.1:1/default?connect_timeout=2&alt_hosts="
        f"{clickhouse_server.host}:{clickhouse_server.port}", name="failover")

    async def main() -> None:
        assert await QueryBuilder("system.one", connection="failover").acount() == 1
        await mgr.aclose()

    register_manager("failover", mgr)
    try:
        asyncio.run(main())
    finally:
        reset_managers()


def test_cancelling_at_any_moment_leaves_a_usable_link(manager: ConnectionManager,
                                                        clickhouse_server: Any) -> None:
    marker = "early_cancel_44e"

    async def main() -> None:
        slow = QueryBuilder("system.numbers", connection="async_native").select_raw(
            f"sum(number) AS {marker}").where_raw("number < 100000000000")
        for delay in (0, 0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05):
            task = asyncio.ensure_future(slow.aget())
            await asyncio.sleep(delay)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await Hit.acount() == 0
            assert manager.async_connection().opened == 1  # drained and reused, never replaced
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, _wait, lambda: _running(clickhouse_server,
                                                                        marker) == 0)
        assert manager.async_connection().lent == 0
        await manager.aclose()

    asyncio.run(main())
