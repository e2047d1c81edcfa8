"""An ON CLUSTER statement with a replica down names that replica.

The cluster here is this module's own (``private_cluster``) and the killed replica is
never started again: an 18.16 replica that missed an ON CLUSTER mutation can crash when it
comes back (a segmentation fault in ``ReplicatedMergeTreeQueue::tryFinalizeMutations``,
seen in a CI run), which would break every test sharing its cluster.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model, QueryError
from clickorm.model.session import Session
from clickorm_clickhouse.engines import ReplicatedMergeTree


class Counted(Model):
    id: int = Column(primary_key=True)
    hits: int = 0

    class Meta:
        table_name = "counted"
        engine = ReplicatedMergeTree()
        order_by = ("id",)
        cluster = "ctest"
        shard_by = "id"


async def update(manager: ConnectionManager) -> None:
    try:
        async with manager.async_session() as session:
            await session.query(Counted).where("id", ">=", 10).aupdate({"hits": 2})
    finally:
        await manager.aclose()


def test_an_on_cluster_mutation_with_a_replica_down_names_that_replica(
    private_cluster: Any,
) -> None:
    # the server's code 159 (sync and asyncio drivers) said "There are 1 unfinished
    # hosts", never which one, and the error advised to "raise max_execution_time or
    # narrow the query"
    database = private_cluster.create_database()
    down = private_cluster.nodes[3]
    manager = ConnectionManager(private_cluster.url(
        0, database, **{"settings.insert_distributed_sync": "1",
                        "settings.distributed_ddl_task_timeout": "3"}))
    try:
        conn = manager.connection()
        Counted.create_table(connection=conn)
        with Session(conn):
            Counted.insert_many([{"id": i, "hits": 0} for i in range(20)])
            down.kill()
            with pytest.raises(QueryError) as caught:
                Counted.where("id", "<", 10).update({"hits": 1})
            with pytest.raises(QueryError) as caught_async:
                asyncio.run(update(manager))
    finally:
        manager.close()
    for error in (caught.value, caught_async.value):
        text = str(error)
        assert f"ON CLUSTER ctest did not finish on {down.host}:{down.port} within" in text
        assert "It is not undone" in text and "narrow the query" not in text
        assert all(f":{n.port}" not in text for n in private_cluster.nodes[:3])
