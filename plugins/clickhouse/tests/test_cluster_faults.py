"""Silently wrong answers a 2 shards x 2 replicas cluster could give, refused or named.

One cluster for the module (the session fixture); each test its own database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model, SchemaError
from clickorm.connection.base import BaseConnection
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree, ReplicatedMergeTree

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

