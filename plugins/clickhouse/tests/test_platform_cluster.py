"""ON CLUSTER from the connection's ``cluster`` option and from a model's Meta.cluster;
the statements of a sharded model (checked by chDB's parser; the real cluster runs them
in test_cluster_models.py)."""

from __future__ import annotations

from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model, SchemaError
from clickorm.schema.schema import Schema
from clickorm.schema.table import TableDiff
from clickorm_clickhouse.platform import ClickHousePlatform


class Event(Model):
    id: int = Column(primary_key=True)
    kind: str

    class Meta:
        table_name = "cl_events"
        engine = "MergeTree()"
        order_by = ("id",)


class ClusteredEvent(Event):
    class Meta:
        table_name = "cl_events_c"
        engine = "MergeTree()"
        order_by = ("id",)
        cluster = "analytics"


def _parses(sql: str) -> None:
    """chDB has no clusters to run ON CLUSTER on: its parser checks the statement."""
    import chdb

    chdb.query("EXPLAIN AST " + sql)


def test_connection_cluster_option_reaches_every_ddl_statement(clickhouse_server: Any) -> None:
    manager = ConnectionManager(clickhouse_server.url + "?cluster=prod")
    try:
        conn = manager.connection()
        statements = [
            *Event.create_table(connection=conn, dry=True),
            *Schema(conn, dry=True).drop("cl_events"),
            *Schema(conn, dry=True).rename("cl_events", "cl_events2"),
            *Schema(conn, dry=True).truncate("cl_events"),
        ]
        assert statements and all(" ON CLUSTER `prod`" in sql for sql in statements)
        for sql in statements:
            _parses(sql)
    finally:
        manager.close()


def test_model_meta_cluster_on_create_and_drop(clickhouse_native: Any) -> None:
    create = ClusteredEvent.create_table(connection=clickhouse_native, dry=True)
    drop = ClusteredEvent.drop_table(connection=clickhouse_native, dry=True)
    assert all(" ON CLUSTER `analytics`" in sql for sql in [*create, *drop])
    for sql in [*create, *drop]:
        _parses(sql)


def test_dialects_without_clusters_refuse_on_cluster() -> None:
    manager = ConnectionManager("sqlite://")
    try:
        with pytest.raises(SchemaError, match="ON CLUSTER"):
            Schema(manager.connection(), dry=True).drop("t", cluster="prod")
    finally:
        manager.close()


class ShardedEvent(Model):
    id: int = Column(primary_key=True)
    kind: str

    class Meta:
        database = "analytics"
        table_name = "sh_events"
        engine = "ReplicatedMergeTree()"
        order_by = ("id",)
        cluster = "analytics"
        shard_by = "cityHash64(id)"


def test_sharded_model_statements_parse_and_name_both_tables() -> None:
    manager = ConnectionManager("clickhouse+embedded://")
    try:
        conn = manager.connection()
        create = ShardedEvent.create_table(connection=conn, dry=True)
        drop = ShardedEvent.drop_table(connection=conn, dry=True)
        alter = ShardedEvent.alter_table(connection=conn, add_column=("note", str), dry=True)
        update = ShardedEvent.where("kind", "a").on(conn).update({"kind": "b"}, dry=True)
        assert [s.split(" ON CLUSTER")[0] for s in create] == [
            "CREATE TABLE IF NOT EXISTS `analytics`.`sh_events_local`",
            "CREATE TABLE IF NOT EXISTS `analytics`.`sh_events`"]
        assert drop == ["DROP TABLE `analytics`.`sh_events` ON CLUSTER `analytics`",
                        "DROP TABLE `analytics`.`sh_events_local` ON CLUSTER `analytics`"]
        assert alter[1].startswith("/* on each host of cluster `analytics` */ ALTER TABLE "
                                   "`analytics`.`sh_events` ADD COLUMN `note` String")
        assert update.to_sql().startswith(
            "ALTER TABLE `analytics`.`sh_events_local` ON CLUSTER `analytics` UPDATE")
        for sql in [*create, *drop, alter[0], update.to_sql()]:
            _parses(sql)
    finally:
        manager.close()


def test_sharding_needs_a_cluster_and_a_sharded_table_is_not_renamed_by_alter() -> None:
    class NoCluster(Model):
        id: int = Column(primary_key=True)

        class Meta:
            table_name = "nc"
            shard_by = "id"

    with pytest.raises(SchemaError, match="shard_by .* needs a cluster"):
        NoCluster.schema_sql("clickhouse")
    diff = TableDiff("t", new_name="t2", options={"cluster": "c", "shard_by": "id"})
    with pytest.raises(SchemaError, match="renames two tables"):
        ClickHousePlatform().compile_alter(diff)
