"""The async API on SQLite: the sync builders' terminals awaited, model writes, sessions,
streams, errors, and links given back (worker-thread links: SQLite has no asyncio driver)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import ConnectionManager, Page, use
from clickorm.connection.bridge import await_
from clickorm.connection.manager import reset_managers
from clickorm.errors import ClickORMError, ModelNotFound, QueryError, ValidationError
from clickorm.model import Collection, Column, Model, has_many
from clickorm.model.builder import QueryBuilder


class Writer(Model):
    id: int = Column(primary_key=True)
    name: str
    age: int = 0
    notes = has_many("Note")


class Note(Model):
    id: int = Column(primary_key=True)
    writer_id: int
    text: str


@pytest.fixture
def manager(tmp_path: Any) -> Iterator[ConnectionManager]:
    reset_managers()
    mgr = use(f"sqlite:///{tmp_path / 'async.db'}")
    Writer.create_table()
    Note.create_table()
    Writer.insert_many([Writer(id=i, name=f"w{i}", age=i * 10) for i in range(1, 6)])
    Note.insert_many([Note(id=i, writer_id=1 + i % 2, text=f"n{i}") for i in range(1, 5)])
    yield mgr
    reset_managers()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_read_terminals_answer_like_their_sync_twins(manager: ConnectionManager) -> None:
    async def main() -> None:
        q = Writer.where("age", ">=", 20).order_by("id")
        assert [w.id for w in await q.aget()] == [w.id for w in q.get()] == [2, 3, 4, 5]
        assert isinstance(await q.aall(), Collection)
        assert await q.afirst() == q.first()
        assert (await q.afirst_or_fail()).id == 2
        assert (await Writer.afind(3)) == Writer.find(3)
        assert [w.id for w in await Writer.afind([1, 2])] == [1, 2]
        assert await Writer.afind(99) is None
        assert await q.acount() == 4 and await Writer.acount() == 5
        assert await q.aexists() and not await Writer.where("age", 0).aexists()
        assert list(await q.apluck("name")) == ["w2", "w3", "w4", "w5"]
        assert await q.apluck("name", "id") == {2: "w2", 3: "w3", 4: "w4", 5: "w5"}
        assert await Writer.asum("age") == 150 and await Writer.amax("age") == 50
        assert await Writer.order_by("id").avalue("name") == "w1"
        page = await Writer.order_by("id").apaginate(2, 2)
        assert isinstance(page, Page) and page.total == 5 and [w.id for w in page.items] == [3, 4]
        with pytest.raises(ModelNotFound):
            await Writer.where("age", 7).afirst_or_fail()
        with pytest.raises(ModelNotFound):
            await Writer.afind_or_fail(42)
        await manager.aclose()

    run(main())


def test_eager_loading_runs_on_the_async_connection(manager: ConnectionManager) -> None:
    async def main() -> None:
        writers = await Writer.with_("notes").order_by("id").where_in("id", [1, 2]).aget()
        assert [[n.id for n in w.notes] for w in writers] == [[2, 4], [1, 3]]
        assert all(w.relation_loaded("notes") for w in writers)
        await manager.aclose()

    run(main())


def test_dict_rows_without_a_model(manager: ConnectionManager) -> None:
    async def main() -> None:
        rows = await QueryBuilder("writers").where("id", 1).aget()
        assert rows[0]["name"] == "w1"
        await manager.aclose()

    run(main())


def test_streaming_in_batches_and_stopping_early_gives_the_link_back(
        manager: ConnectionManager) -> None:
    async def main() -> None:
        ids = [w.id async for w in Writer.order_by("id").aiter(batch_size=2)]
        assert ids == [1, 2, 3, 4, 5]
        stream = Writer.order_by("id").aiter(batch_size=2)
        async for writer in stream:
            if writer.id == 3:
                break
        await stream.aclose()  # type: ignore[attr-defined]  # an async generator
        conn = manager.async_connection()
        assert conn.lent == 0
        await manager.aclose()

    run(main())


def test_model_writes(manager: ConnectionManager) -> None:
    async def main() -> None:
        made = await Writer.acreate(id=10, name="new", age=1)
        assert made.is_persisted and Writer.find(10) == made
        made.name = "renamed"
        assert await made.asave() is made
        assert Writer.find_or_fail(10).name == "renamed"
        Writer.where("id", 10).update({"age": 99})
        assert (await made.arefresh()).age == 99
        await made.adelete()
        assert Writer.find(10) is None
        assert await Writer.ainsert_many([{"id": 20, "name": "a"}, {"id": 21, "name": "b"}]) == 2
        assert await Writer.where("id", ">=", 20).aupdate({"age": 5}) == 2
        dry = await Writer.where("id", ">=", 20).adelete(dry=True)
        assert dry.to_sql().startswith('DELETE FROM "writers"')
        assert await Writer.where("id", ">=", 20).adelete() == 2
        fresh = Writer(id=22, name="c")
        assert (await fresh.asave(dry=True))[0].startswith('INSERT INTO "writers"')
        assert Writer.find(22) is None
        with pytest.raises(ValidationError):
            await Writer.acreate(id="x", name="bad")
        await manager.aclose()

    run(main())


def test_class_refuses_bulk_async_writes(manager: ConnectionManager) -> None:
    with pytest.raises(QueryError):
        Writer.adelete()
    with pytest.raises(QueryError, match="Writer.where"):
        Writer.aupdate({"age": 1})


def test_async_session_commits_one_transaction(manager: ConnectionManager) -> None:
    async def main() -> None:
        async with manager.async_session() as s:
            s.add(Writer(id=30, name="s1"))
            s.add_all([Writer(id=31, name="s2"), Writer(id=32, name="s3")])
            assert s.pending == 3
            await s.flush()
            assert await s.query(Writer).where("id", ">=", 30).acount() == 3
            # models use the session's link inside the block
            assert await Writer.where("id", ">=", 30).acount() == 3
        assert Writer.where("id", ">=", 30).count() == 3
        await manager.aclose()

    run(main())


def test_async_session_rolls_back_on_error(manager: ConnectionManager) -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError):
            async with manager.async_session() as s:
                s.add(Writer(id=40, name="gone"))
                await s.flush()
                raise RuntimeError("boom")
        assert Writer.find(40) is None
        async with manager.async_session() as s:
            s.add(Writer(id=41, name="kept"))
            await s.commit()
            s.add(Writer(id=42, name="dropped"))
            await s.rollback()
        assert Writer.find(41) is not None and Writer.find(42) is None
        await manager.aclose()

    run(main())


def test_errors_are_the_sync_errors(manager: ConnectionManager) -> None:
    async def main() -> None:
        with pytest.raises(QueryError) as sync_error:
            Writer.where_raw("no_such_column = 1").get()
        with pytest.raises(QueryError) as async_error:
            await Writer.where_raw("no_such_column = 1").aget()
        assert str(async_error.value) == str(sync_error.value)
        await manager.aclose()

    run(main())


def test_a_builder_on_a_sync_connection_is_refused(manager: ConnectionManager) -> None:
    async def main() -> None:
        with pytest.raises(QueryError, match="sync connection"):
            await Writer.query.on(manager.connection()).aget()

    run(main())


def test_awaiting_outside_the_async_api_is_an_error() -> None:
    async def nothing() -> None:
        return None

    with pytest.raises(ClickORMError, match="async API"):
        await_(nothing())


def test_concurrent_reads_share_a_bounded_pool(manager: ConnectionManager) -> None:
    opened = manager.opened  # the sync connections (one per thread using the file)

    async def main() -> None:
        found = await asyncio.gather(*(Writer.afind(1 + i % 5) for i in range(100)))
        assert [w.id for w in found if w is not None] == [1 + i % 5 for i in range(100)]
        conn = manager.async_connection()
        assert conn.opened <= conn.size and conn.lent == 0
        assert manager.opened > opened  # each link's thread has its own sync connection
        await manager.aclose()
        assert conn.opened == 0
        # the links' threads ended and their connections were closed with them
        for _ in range(100):
            if manager.opened == opened:
                break
            await asyncio.sleep(0.01)
        assert manager.opened == opened

    run(main())


def test_each_event_loop_has_its_own_links(manager: ConnectionManager) -> None:
    async def count() -> tuple[int, Any]:
        n = await Writer.acount()
        conn = manager.async_connection()
        await manager.aclose()
        return n, conn

    first, conn1 = run(count())
    second, conn2 = run(count())
    assert first == second == 5 and conn1 is not conn2


def test_raw_statements_and_listeners(manager: ConnectionManager) -> None:
    seen: list[str] = []

    async def main() -> None:
        conn = manager.async_connection()
        bridge = await conn.bridge()
        bridge.listeners.append(lambda sql, params: seen.append(sql))
        result = await conn.execute('SELECT count(*) FROM "writers" WHERE "age" > ?', [15])
        assert result.scalar() == 4
        assert await Writer.acount() == 5
        await manager.aclose()

    run(main())
    assert seen[0].startswith("SELECT count(*)") and len(seen) == 2
