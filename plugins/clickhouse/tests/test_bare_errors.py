"""Counting a grouped query, large filter values and unencodable strings on ClickHouse:
a right answer or a ClickORMError, never an engine error about SQL ClickORM wrote."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.model.builder import QueryBuilder
from clickorm.plugins.manager import get_plugin_manager
from clickorm_clickhouse.embedded import connect

LARGE = "v" * (300 * 1024)


def fill(conn: Any) -> None:
    conn.execute("DROP TABLE IF EXISTS bare_orders")
    conn.execute("CREATE TABLE bare_orders (id Int64, user_id Int64, note String) "
                 "ENGINE = MergeTree ORDER BY id")
    conn.insert_rows("bare_orders", ["id", "user_id", "note"],
                     [(1, 10, "a"), (2, 10, "b"), (3, 20, LARGE), (4, 30, "c")])


@pytest.fixture
def chdb() -> Iterator[Any]:
    c = connect(ConnectionConfig(name="bare", dialect="clickhouse", driver="embedded"),
                get_plugin_manager().get_dialect("clickhouse"))
    fill(c)
    yield c
    c.execute("DROP TABLE IF EXISTS bare_orders")
    c.close()


@pytest.fixture
def server(clickhouse_native: Any) -> Any:
    fill(clickhouse_native)
    return clickhouse_native


@pytest.fixture
def sqlite() -> Iterator[Any]:
    reset_managers()
    conn = use("sqlite://").connection()
    conn.execute("CREATE TABLE bare_orders (id INTEGER, user_id INTEGER, note TEXT)")
    conn.insert_rows("bare_orders", ["id", "user_id", "note"],
                     [(1, 10, "a"), (2, 10, "b"), (3, 20, LARGE), (4, 30, "c")])
    yield conn
    reset_managers()


ENGINES = ["sqlite", "chdb", "server"]


@pytest.mark.parametrize("engine", ENGINES)
def test_counting_a_grouped_query_counts_its_groups(engine, request):
    conn = request.getfixturevalue(engine)
    q = QueryBuilder("bare_orders", connection=conn)
    assert q.group_by("user_id").count() == 3
    assert q.where("id", ">", 1).group_by("user_id").count() == 3
    assert q.group_by("user_id", "note").count() == 4
    assert q.group_by_raw("user_id % 20").count() == 2


@pytest.mark.parametrize("engine", ENGINES)
def test_a_filter_value_over_256_kib_works(engine, request):
    conn = request.getfixturevalue(engine)
    q = QueryBuilder("bare_orders", connection=conn)
    assert q.where("note", LARGE).count() == 1
    assert q.where("note", "!=", LARGE + "x").count() == 4
    assert q.where("note", LARGE).pluck("id") == [3]


@pytest.mark.parametrize("engine", ["chdb", "server"])
def test_a_lone_surrogate_is_a_query_error_without_the_value(engine, request):
    conn = request.getfixturevalue(engine)
    with pytest.raises(QueryError) as info:
        QueryBuilder("bare_orders", connection=conn).where("note", "secret\ud800").get()
    assert "secret" not in str(info.value)
    assert info.value.__cause__ is not None
