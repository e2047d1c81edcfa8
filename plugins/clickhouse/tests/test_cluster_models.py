"""One model on a real 2 shards x 2 replicas cluster (ZooKeeper + four 18.16 servers).

``Meta.cluster`` + ``Meta.shard_by`` + a Replicated* engine: ``create_table()`` makes the
local Replicated* table and the Distributed table over it ON CLUSTER; reads and inserts go
through the Distributed table, DDL and mutations to the local table ON CLUSTER, waited on
every replica.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import Column, ConnectionManager, Model, QueryError, types
from clickorm.connection.base import BaseConnection
from clickorm.model.session import Session
from clickorm_clickhouse.engines import (
    ReplicatedCollapsingMergeTree,
    ReplicatedMergeTree,
    ReplicatedReplacingMergeTree,
)

N = 1000
#: inserts through the Distributed table return once written; with ``in_order`` a node
#: writes and reads its own shard on itself and every other shard on that shard's first
#: replica, so a read on the same node sees the last write (another node may lag)
READ_YOUR_WRITES = {"settings.insert_distributed_sync": "1", "settings.load_balancing": "in_order"}


class Event(Model):
    id: int = Column(primary_key=True)
    kind: str
    ver: int = 0

    class Meta:
        table_name = "events"
        engine = ReplicatedReplacingMergeTree(version="ver")
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "cityHash64(id)"


class Counter(Model):
    id: int = Column(primary_key=True)
    hits: int = 0

    class Meta:
        table_name = "counters"
        engine = ReplicatedMergeTree()
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "id"
        local_table = "counters_shard"


@pytest.fixture
def managers(clickhouse_cluster: Any, cluster_database: str) -> Iterator[list[ConnectionManager]]:
    """One manager per node, in the cluster's fresh database, reading its own writes."""
    made = [ConnectionManager(clickhouse_cluster.url(i, cluster_database, **READ_YOUR_WRITES))
            for i in range(4)]
    try:
        yield made
    finally:
        for m in made:
            m.close()


def _conns(managers: list[ConnectionManager]) -> list[BaseConnection]:
    return [m.connection() for m in managers]


def _local_counts(cluster: Any, database: str, table: str) -> list[int]:
    return [r[0][0] for r in cluster.on_each(f"SELECT count() FROM {database}.{table}")]


def test_create_makes_local_replicated_and_distributed_tables_on_every_node(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conn = _conns(managers)[0]
    statements = Event.create_table(connection=conn)
    assert len(statements) == 2 and all(" ON CLUSTER `ctest`" in s for s in statements)
    engines = clickhouse_cluster.on_each(
        f"SELECT name, engine FROM system.tables WHERE database = '{cluster_database}' "
        "ORDER BY name")
    assert engines == [[("events", "Distributed"),
                        ("events_local", "ReplicatedReplacingMergeTree")]] * 4
    paths = clickhouse_cluster.on_each(
        f"SELECT zookeeper_path, replica_name FROM system.replicas "
        f"WHERE database = '{cluster_database}'")
    assert [p[0] for p in paths] == [
        (f"/clickhouse/tables/{s}/{cluster_database}/events_local", r)
        for s in ("01", "02") for r in ("r1", "r2")]
    Event.drop_table(connection=conn)
    assert clickhouse_cluster.on_each(
        f"SELECT count() FROM system.tables WHERE database = '{cluster_database}'") == [[(0,)]] * 4


def test_inserts_through_the_distributed_table_land_by_the_sharding_key(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Counter.create_table(connection=conns[0])
    with Session(conns[1]):
        Counter.insert_many([{"id": i, "hits": 0} for i in range(N)])
        assert Counter.query.count() == N  # read on the node that wrote: no lag
    # id % 2: even ids on shard 1 (nodes 1, 2), odd ids on shard 2 (nodes 3, 4), each
    # replica a full copy of its shard once replication caught up
    clickhouse_cluster.on_each(f"SYSTEM SYNC REPLICA {cluster_database}.counters_shard")
    counts = _local_counts(clickhouse_cluster, cluster_database, "counters_shard")
    assert counts == [N // 2] * 4


def test_builder_update_and_delete_reach_every_shard_and_are_waited_for(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Counter.create_table(connection=conns[0])
    with Session(conns[2]):
        Counter.insert_many([{"id": i, "hits": 0} for i in range(20)])
        sql = Counter.where("id", "<", 10).update({"hits": 5}, dry=True)
        assert "ALTER TABLE `counters_shard` ON CLUSTER `ctest` UPDATE" in str(sql)
        Counter.where("id", "<", 10).update({"hits": 5})
        # no wait of our own: every replica has finished the mutation when update() returns
        per_node = clickhouse_cluster.on_each(
            f"SELECT count() FROM {cluster_database}.counters_shard WHERE hits = 5")
        assert [r[0][0] for r in per_node] == [5, 5, 5, 5]
        Counter.where("id", ">=", 15).delete()
        assert Counter.query.count() == 15
        pending = clickhouse_cluster.on_each(
            "SELECT count() FROM system.mutations WHERE is_done = 0")
        assert pending == [[(0,)]] * 4


def test_alter_table_adds_the_column_to_local_and_distributed_tables(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Counter.create_table(connection=conns[0])
    statements = Counter.alter_table(connection=conns[3], add_column=("note", str, ""))
    assert statements[0].startswith("ALTER TABLE `counters_shard` ON CLUSTER `ctest` ADD")
    assert statements[1].startswith("/* on each host of cluster `ctest` */ ALTER TABLE "
                                    "`counters` ADD COLUMN")
    for table in ("counters", "counters_shard"):
        columns = clickhouse_cluster.on_each(
            f"SELECT name FROM system.columns WHERE database = '{cluster_database}' "
            f"AND table = '{table}' AND name = 'note'")
        assert columns == [[("note",)]] * 4, table
    with Session(conns[0]):
        Counter.insert_many([{"id": 1, "hits": 1}])
        assert list(conns[0].execute("SELECT note FROM counters").rows) == [("",)]


def test_engine_aware_saves_route_to_the_rows_shard_from_every_node(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Event.create_table(connection=conns[0])
    with Session(conns[0]):
        Event.insert_many([{"id": i, "kind": "new"} for i in range(8)])
    for node, conn in enumerate(conns):
        for i in range(8):
            row = Event.on(conn).final().find(i)
            assert row is not None
            row.kind = f"seen by {node}"
            with Session(conn):
                row.save()
        # the next node reads each row from its shard's first replica: let it catch up
        clickhouse_cluster.on_each(f"SYSTEM SYNC REPLICA {cluster_database}.events_local")
    for conn in conns:
        with Session(conn):
            rows = Event.query.final().order_by("id").get()
            assert [(r.id, r.kind, r.ver) for r in rows] == [(i, "seen by 3", 4)
                                                            for i in range(8)]


def test_insert_quorum_writes_every_replica_before_returning_and_blocks_1816_mutations(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    """insert_quorum = 2: both replicas of the shard hold the rows when the insert returns
    (no SYSTEM SYNC REPLICA). The 18.16 caveat: a mutation of parts written with a quorum
    stays unfinished there, so the wait for it times out naming every pending host."""
    url = clickhouse_cluster.url(0, cluster_database, mutation_timeout="1",
                                 **{"settings.insert_distributed_sync": "1",
                                    "settings.insert_quorum": "2"})
    manager = ConnectionManager(url)
    try:
        conn = manager.connection()
        Counter.create_table(connection=conn)
        with Session(conn):
            Counter.insert_many([{"id": i, "hits": 0} for i in range(10)])
            counts = _local_counts(clickhouse_cluster, cluster_database, "counters_shard")
            assert counts == [5, 5, 5, 5]
            with pytest.raises(QueryError, match=r"did not finish within 1 s on (127\.0\.0\.1:\d+"
                               r"(, )?){4}"):
                Counter.where("id", 1).update({"hits": 1})
    finally:
        manager.close()


class Visit(Model):
    """Replicated only: one shard of two replicas, one table, no Distributed table."""

    id: int = Column(primary_key=True)
    page: str

    class Meta:
        table_name = "visits"
        engine = ReplicatedMergeTree()
        order_by = ("id",)
        cluster = "ctest_replicated"


class Click(Model):
    """Sharded without replication: two shards of one MergeTree replica each."""

    id: int = Column(primary_key=True)
    page: str

    class Meta:
        table_name = "clicks"
        engine = "MergeTree()"
        order_by = ("id",)
        cluster = "ctest_sharded"
        shard_by = "id"


def test_replicated_only_layout_copies_every_row_to_both_replicas(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    assert len(Visit.create_table(connection=conns[0])) == 1
    with Session(conns[0]):
        Visit.insert_many([{"id": i, "page": "/"} for i in range(10)])
        Visit.where("id", "<", 4).update({"page": "/home"})
    clickhouse_cluster.nodes[1].client().execute(f"SYSTEM SYNC REPLICA {cluster_database}.visits")
    with Session(conns[1]):  # the other replica
        assert Visit.where("page", "/home").count() == 4 and Visit.query.count() == 10
    Visit.drop_table(connection=conns[0])


def test_sharded_layout_without_replication_splits_rows_between_two_shards(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Click.create_table(connection=conns[0])
    with Session(conns[2]):
        Click.insert_many([{"id": i, "page": "/"} for i in range(10)])
        Click.where("id", ">=", 5).delete()
        assert sorted(c.id for c in Click.query.get()) == [0, 1, 2, 3, 4]
    local = [r[0][0] for r in (clickhouse_cluster.nodes[i].client().execute(
        f"SELECT count() FROM {cluster_database}.clicks_local") for i in (0, 2))]
    assert local == [3, 2]  # even ids 0, 2, 4 on shard 1; odd 1, 3 on shard 2


class Page(Model):
    """No Meta.cluster: the connection's ``cluster`` option puts it on the cluster."""

    id: int = Column(primary_key=True)
    title: str

    class Meta:
        table_name = "pages"
        engine = ReplicatedMergeTree()
        order_by = ("id",)


def test_the_connection_cluster_option_reaches_ddl_and_builder_mutations(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    manager = ConnectionManager(clickhouse_cluster.url(0, cluster_database, cluster="ctest"))
    try:
        conn = manager.connection()
        assert all(" ON CLUSTER `ctest`" in s for s in Page.create_table(connection=conn))
        with Session(conn):
            Page.insert_many([{"id": i, "title": "t"} for i in range(4)])  # node 1's shard
            update = Page.where("id", 1).update({"title": "x"}, dry=True).to_sql()
            assert update.startswith("ALTER TABLE `pages` ON CLUSTER `ctest` UPDATE")
            Page.where("id", 1).update({"title": "x"})
            page = Page.find(2)
            assert page is not None
            page.title = "y"
            assert "ON CLUSTER `ctest`" in str(page.save(dry=True))
            page.save()
        # every replica of the shard finished both mutations when they returned
        titles = clickhouse_cluster.nodes[1].client().execute(
            f"SELECT id, title FROM {cluster_database}.pages ORDER BY id")
        assert titles == [(0, "t"), (1, "x"), (2, "y"), (3, "t")]
    finally:
        manager.close()


def test_save_and_delete_of_a_sharded_mergetree_row_mutate_its_local_table_everywhere(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    conns = _conns(managers)
    Counter.create_table(connection=conns[0])
    with Session(conns[3]):
        Counter.insert_many([{"id": i, "hits": 0} for i in range(6)])
        counter = Counter.find(3)
        assert counter is not None
        counter.hits = 7
        assert "ALTER TABLE `counters_shard` ON CLUSTER `ctest` UPDATE" in str(
            counter.save(dry=True))
        counter.save()
        gone = Counter.find(4)
        assert gone is not None
        gone.delete()
    rows = clickhouse_cluster.on_each(
        f"SELECT id, hits FROM {cluster_database}.counters_shard ORDER BY id")
    assert rows == [[(0, 0), (2, 0)]] * 2 + [[(1, 0), (3, 7), (5, 0)]] * 2


def test_cancel_and_state_rows_of_a_collapsing_model_land_on_the_rows_shard(
    clickhouse_cluster: Any, cluster_database: str, managers: list[ConnectionManager]
) -> None:
    class Balance(Model):
        id: int = Column(primary_key=True)
        amount: int
        sign: Annotated[int, types.Int8] = 1

        class Meta:
            table_name = "balances"
            engine = ReplicatedCollapsingMergeTree(sign="sign")
            order_by = ("id",)
            cluster = "ctest"
            shard_by = "cityHash64(id)"

    conns = _conns(managers)
    Balance.create_table(connection=conns[0])
    with Session(conns[0]):
        Balance.insert_many([{"id": i, "amount": 0} for i in range(6)])
    clickhouse_cluster.on_each(f"SYSTEM SYNC REPLICA {cluster_database}.balances_local")
    for i in range(6):
        conn = conns[(i % 3) + 1]  # read on another node than the one that inserted
        row = Balance.on(conn).final().find(i)
        assert row is not None
        row.amount = 10 + i
        with Session(conn):
            row.save()
    clickhouse_cluster.on_each(f"SYSTEM SYNC REPLICA {cluster_database}.balances_local")
    with Session(conns[0]):
        rows = Balance.query.final().order_by("id").get()
    assert [(r.id, r.amount, r.sign) for r in rows] == [(i, 10 + i, 1) for i in range(6)]
    # each pair sits with its row: every id on one shard only, its signs summing to one
    # live row there (a background merge may already have collapsed the state/cancel
    # pair, so the raw row count per id is 1 or 3; the sum of signs is not)
    per_shard = [clickhouse_cluster.nodes[n].client().execute(
        f"SELECT id, sum(sign) FROM {cluster_database}.balances_local GROUP BY id")
        for n in (0, 2)]
    assert sorted(i for shard in per_shard for i, _ in shard) == list(range(6))
    assert all(signs == 1 for shard in per_shard for _, signs in shard)


def test_meta_database_names_the_tables_database_in_every_statement(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    class Tag(Model):
        id: int = Column(primary_key=True)
        name: str

        class Meta:
            database = cluster_database
            table_name = "tags"
            engine = ReplicatedMergeTree()
            order_by = ("id",)
            cluster = "ctest"
            shard_by = "id"

    manager = ConnectionManager(clickhouse_cluster.url(1, "default", **READ_YOUR_WRITES))
    try:
        conn = manager.connection()  # in the default database: Meta.database decides
        create = Tag.create_table(connection=conn)
        assert create[0].startswith(f"CREATE TABLE IF NOT EXISTS `{cluster_database}`.`tags_local`")
        assert f"Distributed('ctest', '{cluster_database}', 'tags_local', id)" in create[1]
        with Session(conn):
            Tag.insert_many([{"id": i, "name": "a"} for i in range(4)])
            Tag.where("id", 3).update({"name": "b"})
            assert [(t.id, t.name) for t in Tag.query.order_by("id").get()] == [
                (0, "a"), (1, "a"), (2, "a"), (3, "b")]
        Tag.drop_table(connection=conn)
        assert clickhouse_cluster.on_each(
            f"SELECT count() FROM system.tables WHERE database = '{cluster_database}'"
        ) == [[(0,)]] * 4
    finally:
        manager.close()


def test_model_insert_settings_make_its_inserts_synchronous_with_a_quorum(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    """Meta.options["insert_settings"]: the model's inserts (bulk and version rows) carry
    them, on a connection that sets nothing."""

    class Score(Model):
        id: int = Column(primary_key=True)
        points: int
        ver: int = 0

        class Meta:
            table_name = "scores"
            engine = ReplicatedReplacingMergeTree(version="ver")
            order_by = ("id",)
            cluster = "ctest"
            shard_by = "id"
            options = {"insert_settings": {"insert_distributed_sync": 1, "insert_quorum": 2}}

    manager = ConnectionManager(clickhouse_cluster.url(0, cluster_database))
    try:
        conn = manager.connection()
        Score.create_table(connection=conn)
        with Session(conn):
            Score.insert_many([{"id": i, "points": 0} for i in range(10)])
            # written on both replicas of each shard before insert_many() returned
            assert _local_counts(clickhouse_cluster, cluster_database, "scores_local") == [5] * 4
            score = Score.on(conn).final().find(3)
            assert score is not None
            score.points = 9
            score.save()  # a version row: also synchronous, also on both replicas
            assert _local_counts(clickhouse_cluster, cluster_database, "scores_local") == [
                5, 5, 6, 6]
    finally:
        manager.close()


def test_async_builder_update_is_waited_for_on_every_replica_too(
    clickhouse_cluster: Any, cluster_database: str
) -> None:
    """The asyncio driver waits for an ON CLUSTER mutation on every host, as the sync one
    does (its per-host status rows once made it skip the wait). A mutation 18.16 never
    finishes (parts written with a quorum) proves the wait: it times out naming the hosts
    instead of returning as if done."""
    import asyncio

    url = clickhouse_cluster.url(0, cluster_database, mutation_timeout="1",
                                 **{"settings.insert_distributed_sync": "1",
                                    "settings.insert_quorum": "2"})
    manager = ConnectionManager(url)

    async def update() -> None:
        try:
            async with manager.async_session() as session:
                await session.query(Counter).where("id", 1).aupdate({"hits": 7})
        finally:
            await manager.aclose()

    try:
        conn = manager.connection()
        Counter.create_table(connection=conn)
        with Session(conn):
            Counter.insert_many([{"id": i, "hits": 0} for i in range(10)])
        with pytest.raises(QueryError, match=r"did not finish within 1 s on (127\.0\.0\.1:\d+"
                           r"(, )?){4}"):
            asyncio.run(update())
    finally:
        manager.close()
