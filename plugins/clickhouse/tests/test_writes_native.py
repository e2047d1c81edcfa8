"""Engine-aware writes on the real 18.16 server (native driver).

18.16 has no lightweight DELETE/UPDATE, no ``mutations_sync`` and no SETTINGS clause on
ALTER: MergeTree rows change through mutations the writer waits for itself (it polls
``system.mutations``), so a read right after ``save()``/``delete()`` sees the change.
The insert-based strategies (ReplacingMergeTree versions, Collapsing pairs) are the same
as on chDB and are read back with FINAL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import types as t
from clickorm.errors import QueryError
from clickorm.model import Model
from clickorm.model.column import Column
from clickorm.model.session import Session
from clickorm_clickhouse.engines import CollapsingMergeTree, MergeTree, ReplacingMergeTree
from clickorm_clickhouse.writes import ClickHouseRowWriter


class Item(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    name: str
    n: int = 0

    class Meta:
        table_name = "nw_items"
        engine = MergeTree()
        order_by = ("id",)


class Version(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    name: str
    rev: int = 0

    class Meta:
        table_name = "nw_versions"
        engine = ReplacingMergeTree(version="rev")
        order_by = ("id",)


class Pair(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    amount: int
    sign: Annotated[int, t.Int8] = 1

    class Meta:
        table_name = "nw_pairs"
        engine = CollapsingMergeTree(sign="sign")
        order_by = ("id",)


class Named(Model):
    name: str = Column(primary_key=True)
    n: int = 0

    class Meta:
        table_name = "nw_named"
        engine = MergeTree()
        order_by = ("name",)


class Forced(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    name: str

    class Meta:
        table_name = "nw_items"
        engine = MergeTree()
        options = {"update_mode": "lightweight"}


@pytest.fixture()
def native(clickhouse_native: Any) -> Iterator[Any]:
    conn = clickhouse_native
    assert conn.server_version[:2] == (18, 16)
    for model in (Item, Version, Pair, Named):
        model.create_table(connection=conn)
    with Session(conn):
        yield conn


def test_mergetree_update_and_delete_wait_for_their_mutation(native: Any) -> None:
    Item.insert_many([Item(id=i, name=f"i{i}", n=i) for i in range(1, 4)])
    item = Item.find(1)
    item.name = "changed"
    assert item.save(dry=True) == [
        "ALTER TABLE `nw_items` UPDATE `name` = 'changed' WHERE ifNull((`id` = 1), 0)"]
    item.save()
    # no waiting here: the writer returned only once system.mutations said done
    assert Item.find(1).name == "changed"
    assert native.execute("SELECT count() FROM system.mutations WHERE database = "
                          "currentDatabase() AND table = 'nw_items' AND is_done = 0"
                          ).scalar() == 0
    gone = Item.find(2)
    assert gone.delete(dry=True) == [
        "ALTER TABLE `nw_items` DELETE WHERE ifNull((`id` = 2), 0)"]
    gone.delete()
    assert [i.id for i in Item.order_by("id").get()] == [1, 3]


def test_lightweight_mode_is_refused_by_version(native: Any) -> None:
    Forced.insert_many([Forced(id=1, name="a")])
    row = Forced.find(1)
    row.name = "b"
    with pytest.raises(QueryError, match=r"not supported by ClickHouse 18\.16.*25\.7"):
        row.save(dry=True)


def test_replacing_update_is_a_new_version(native: Any) -> None:
    Version.insert_many([Version(id=1, name="a")])
    v = Version.final().find(1)
    v.name = "b"
    v.save()
    assert native.execute("SELECT name, rev FROM nw_versions ORDER BY rev").rows == [
        ("a", 0), ("b", 1)]
    got = Version.final().find(1)
    assert (got.name, got.rev) == ("b", 1)


def test_collapsing_update_and_delete(native: Any) -> None:
    Pair.insert_many([Pair(id=1, amount=10), Pair(id=2, amount=20)])
    p = Pair.final().find(1)
    p.amount = 15
    p.save()
    assert Pair.final().find(1).amount == 15
    assert native.execute("SELECT sum(amount * sign) FROM nw_pairs WHERE id = 1"
                          ).scalar() == 15
    Pair.final().find(2).delete()
    assert [r.id for r in Pair.final().get()] == [1]
    native.execute("OPTIMIZE TABLE nw_pairs FINAL")
    assert native.execute("SELECT id, amount, sign FROM nw_pairs").rows == [(1, 15, 1)]


def test_bulk_insert_is_one_statement_of_one_block_per_chunk(native: Any,
                                                             monkeypatch: Any) -> None:
    seen: list[str] = []
    native.listeners.append(lambda sql, params: seen.append(sql))
    native.ping()
    link = native.client.connection
    blocks: list[int] = []
    send = link.send_data
    monkeypatch.setattr(link, "send_data",
                        lambda block, *a, **k: (blocks.append(block.num_rows),
                                                send(block, *a, **k))[1])
    assert Item.insert_many([Item(id=i, name="x") for i in range(2500)],
                            chunk_size=1000) == 2500
    assert seen == ["INSERT INTO nw_items (id, name, n) <streamed blocks>"]
    # (no external tables), three chunks, the end of the data
    assert blocks == [0, 1000, 1000, 500, 0]
    assert native.execute("SELECT count() FROM nw_items").scalar() == 2500


def test_waiting_for_a_mutation_times_out_with_a_clear_error(native: Any) -> None:
    native.execute("SYSTEM STOP MERGES nw_items")  # mutations cannot run while stopped
    before = native.mutation_timeout
    try:
        Item.insert_many([Item(id=1, name="a")])
        # 18.16 cannot run a mutation synchronously: the connection waits for it itself
        native.mutation_timeout = 0.3
        with pytest.raises(QueryError, match=r"mutation on nw_items did not finish within 0\.3"):
            native.execute("ALTER TABLE nw_items UPDATE name = 'b' WHERE id = 1")
        writer = ClickHouseRowWriter(native)
        writer.mutation_timeout = 0.3
        with pytest.raises(QueryError, match=r"mutation on nw_items did not finish within 0\.3"):
            writer.wait_for_mutations("nw_items")
    finally:
        native.mutation_timeout = before
        native.execute("SYSTEM START MERGES nw_items")


def test_a_session_flush_writes_all_version_rows_as_one_block(native: Any) -> None:
    Version.insert_many([Version(id=i, name=f"v{i}") for i in range(10)])
    Pair.insert_many([Pair(id=i, amount=i + 1) for i in range(5)])
    versions = Version.final().order_by("id").get()
    pairs = Pair.final().order_by("id").get()
    seen: list[str] = []
    native.listeners.append(lambda sql, params: seen.append(sql))
    with Session(native) as session:
        for v in versions:
            v.name = v.name.upper()
        for p in pairs:
            p.amount *= 10
        session.add_all([*versions, *pairs])
    assert [s for s in seen if s.startswith("INSERT")] == [
        "INSERT INTO nw_versions (id, name, rev) <10 rows>",
        "INSERT INTO nw_pairs (id, amount, sign) <10 rows>",
    ]
    assert [(v.name, v.rev) for v in Version.final().order_by("id").get()] == [
        (f"V{i}", 1) for i in range(10)]
    assert native.execute("SELECT sum(amount * sign) FROM nw_pairs").scalar() == 150


def test_a_session_flush_groups_identical_mutations(native: Any) -> None:
    Item.insert_many([Item(id=i, name="new", n=i) for i in range(1, 13)])
    items = Item.order_by("id").get()
    seen: list[str] = []
    native.listeners.append(lambda sql, params: seen.append(sql))
    with Session(native) as session:
        for item in items:
            item.name = "seen"
        session.add_all(items)
    assert [s for s in seen if s.startswith("ALTER")] == [
        "ALTER TABLE `nw_items` UPDATE `name` = %(p0)s WHERE ifNull((`id` IN "
        "(" + ", ".join(f"%(p{i})s" for i in range(1, 13)) + ")), 0)"]
    # 18.16 cannot wait in the statement: the writer polled system.mutations
    assert native.execute("SELECT countIf(name = 'seen') FROM nw_items").scalar() == 12


def test_grouped_mutations_stay_under_max_query_size(native: Any) -> None:
    """Keys are SQL text on the native driver: long keys split a group into statements
    that each fit the server's 256 KiB max_query_size."""
    Named.insert_many([Named(name=f"{i:05d}-" + "k" * 200) for i in range(1500)])
    rows = Named.get()
    seen: list[str] = []
    native.listeners.append(lambda sql, params: seen.append(sql))
    with Session(native) as session:
        for row in rows:
            row.n = 1
        session.add_all(rows)
    statements = [s for s in seen if s.startswith("ALTER")]
    assert 3 <= len(statements) <= 5  # about 100 KB of keys each, not 1,500 mutations
    assert native.execute("SELECT countIf(n = 1) FROM nw_named").scalar() == 1500
