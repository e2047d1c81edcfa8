"""ON CLUSTER from the connection's ``cluster`` option and from a model's Meta.cluster."""

from __future__ import annotations

from typing import Any

import pytest

from clickorm import Column, ConnectionManager, Model, SchemaError
from clickorm.schema.schema import Schema


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
