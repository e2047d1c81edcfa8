"""Silently wrong answers a 2 shards x 2 replicas cluster could give, refused or named.

One cluster for the module (the session fixture); each test its own database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model, QueryError, SchemaError
from clickorm.connection.base import BaseConnection
from clickorm.model.model_table import table_from_model
from clickorm.model.session import Session
from clickorm_clickhouse.engines import (
    MergeTree,
    ReplicatedMergeTree,
    ReplicatedReplacingMergeTree,
)

SYNC = {"settings.insert_distributed_sync": "1"}


class Plain(Model):
    id: int = Column(primary_key=True)

    class Meta:
        table_name = "plain"
        engine = MergeTree()
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "id"


class Copied(Model):
    id: int = Column(primary_key=True)
    hits: int = 0

    class Meta:
        table_name = "copied"
        engine = ReplicatedMergeTree()
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "id"


class OneCopy(Model):
    id: int = Column(primary_key=True)

    class Meta:
        table_name = "one_copy"
        engine = MergeTree()
        order_by = ("id",)
        cluster = "ctest_sharded"
        shard_by = "id"


@pytest.fixture
def conn(clickhouse_cluster: Any, cluster_database: str) -> Iterator[BaseConnection]:
    manager = ConnectionManager(clickhouse_cluster.url(0, cluster_database, **SYNC))
    try:
        yield manager.connection()
    finally:
        manager.close()


def _tables(cluster: Any, database: str) -> list[Any]:
    return cluster.on_each(f"SELECT name FROM system.tables WHERE database = '{database}'")


def test_a_sharded_table_without_replication_over_replicated_shards_is_refused(
    clickhouse_cluster: Any, cluster_database: str, conn: BaseConnection
) -> None:
    # a plain MergeTree: each insert lands on one replica of its shard, each read picks
    # any replica, so count() answered 50 or 100 at random for 100 rows
    with pytest.raises(SchemaError, match=r"several replicas.*engine MergeTree does not copy"):
        Plain.create_table(connection=conn)
    assert _tables(clickhouse_cluster, cluster_database) == [[]] * 4  # nothing was made
    # a migration creates the local table in one step and the Distributed one in the next
    local, distributed = Plain.create_table(connection=conn, dry=True)
    conn.platform.run_one(conn, local, table="plain", action="Creating")
    with pytest.raises(SchemaError, match="it exists already: drop it ON CLUSTER"):
        conn.platform.run_one(conn, distributed, table="plain", action="Creating")
    assert _tables(clickhouse_cluster, cluster_database) == [[("plain_local",)]] * 4
    # one replica per shard (ctest_sharded): every read sees every row
    OneCopy.create_table(connection=conn)
    with Session(conn):
        OneCopy.insert_many([{"id": i} for i in range(100)])
        assert [OneCopy.query.count() for _ in range(6)] == [100] * 6


SIGNED_SQL = ("SELECT name, value FROM system.settings WHERE name IN "
              "('distributed_ddl_task_timeout', 'network_zstd_compression_level') ORDER BY name")


def test_signed_settings_reach_an_1816_server_as_set(clickhouse_cluster: Any) -> None:
    # the driver wrote Int64 settings as unsigned varints and 18.16 read them zigzag:
    # distributed_ddl_task_timeout = 3 arrived as -2 (an ON CLUSTER statement with a host
    # down then waited forever), 8 as 4
    for timeout in ("3", "8", "-1"):
        manager = ConnectionManager(clickhouse_cluster.url(0, **{
            "settings.distributed_ddl_task_timeout": timeout,
            "settings.network_zstd_compression_level": "-2"}))

        async def read(manager: ConnectionManager = manager) -> list[Any]:
            try:
                return list((await manager.async_connection().execute(SIGNED_SQL)).rows)
            finally:
                await manager.aclose()

        try:
            expected = [("distributed_ddl_task_timeout", timeout),
                        ("network_zstd_compression_level", "-2")]
            assert list(manager.connection().execute(SIGNED_SQL).rows) == expected
            assert asyncio.run(read()) == expected
        finally:
            manager.close()


class Zoned(Model):
    id: int = Column(primary_key=True)
    zone: int
    ver: int = 0

    class Meta:
        table_name = "zoned"
        engine = ReplicatedReplacingMergeTree(version="ver")
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "zone"  # zone % 2 picks the shard: a column outside the sorting key


def test_a_merging_engine_sharded_outside_its_sorting_key_is_refused(
    clickhouse_cluster: Any, cluster_database: str, conn: BaseConnection
) -> None:
    # a save() that moved zone 0 -> 1 sent the new version to shard 2 while the old one
    # stayed on shard 1: .final() through the Distributed table returned the row twice
    with pytest.raises(SchemaError, match=r"shard_by \('zone'\) uses zone outside the "
                       r"sorting key \(id\).*\.final\(\) would return both"):
        Zoned.create_table(connection=conn)
    assert _tables(clickhouse_cluster, cluster_database) == [[]] * 4
    table = table_from_model(Zoned)
    for shard_by in ("rand()", "cityHash64(zone, id)"):
        table.options["shard_by"] = shard_by
        with pytest.raises(SchemaError, match="outside the sorting key"):
            conn.platform.compile_create(table)
    table.options["shard_by"] = "cityHash64(`id`)"  # the sorting key's columns: fine
    assert "Distributed('ctest'" in conn.platform.compile_create(table)[1]


class Picked(Model):
    id: int = Column(primary_key=True)

    class Meta:
        table_name = "picked"
        engine = ReplicatedMergeTree()
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "id"


def test_in_on_a_distributed_subquery_is_refused_and_global_in_answers_all(
    clickhouse_cluster: Any, cluster_database: str, conn: BaseConnection
) -> None:
    # a plain IN runs the subquery on each shard over that shard's rows only (a partial
    # answer where distributed_product_mode allows it); ClickHouse refuses it by default
    Copied.create_table(connection=conn)
    Picked.create_table(connection=conn)
    with Session(conn):
        Copied.insert_many([{"id": i, "hits": 0} for i in range(20)])
        Picked.insert_many([{"id": i} for i in (1, 2, 3, 8, 13)])  # both shards
        for table in ("copied_local", "picked_local"):  # reads may pick either replica
            clickhouse_cluster.on_each(f"SYSTEM SYNC REPLICA {cluster_database}.{table}")
        with pytest.raises(QueryError, match="error 288 .*Double-distributed IN"):
            Copied.where_in("id", Picked.query.select("id")).count()
        picked = Copied.where("id", "global in", Picked.query.select("id"))
        assert "GLOBAL IN (SELECT" in picked.to_sql()
        assert sorted(c.id for c in picked.get()) == [1, 2, 3, 8, 13]
        assert picked.count() == 5
