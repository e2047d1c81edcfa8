"""The core's table rebuild on a third-party dialect that declares it (toydb)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clickorm import Blueprint, Schema
from clickorm.dialects import BaseConnection, SchemaError, Table, open_connection


@pytest.fixture()
def conn() -> Iterator[BaseConnection]:
    connection = open_connection("toydb://")
    yield connection
    connection.close()


def users(conn: BaseConnection) -> Table:
    t = Blueprint.create("users")
    t.increments("id")
    t.string("name")
    t.integer("age").nullable()
    t.integer("score").default(0).index()
    Schema(conn).create_table(t.table)
    conn.execute("INSERT INTO users (name, age) VALUES ('Ann', 31), ('Bob', NULL)")
    return t.table


def test_changing_a_column_rebuilds_keeping_rows_indexes_and_defaults(
        conn: BaseConnection) -> None:
    current = users(conn)
    with Schema(conn).table("users", current=current) as t:
        t.big_integer("age").nullable().default(7).change()
    assert conn.execute("SELECT name, age, score FROM users ORDER BY id").rows == [
        ("Ann", 31, 0), ("Bob", None, 0)]
    conn.execute("INSERT INTO users (name) VALUES ('Cleo')")
    assert conn.execute("SELECT age FROM users WHERE name = 'Cleo'").scalar() == 7
    indexes = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                           "AND tbl_name = 'users'").rows
    assert indexes == [("users_score_index",)]


def test_a_failed_rebuild_rolls_back_and_leaves_the_table(conn: BaseConnection) -> None:
    current = users(conn)
    with pytest.raises(SchemaError, match="Altering table 'users' failed"):
        with Schema(conn).table("users", current=current) as t:
            t.integer("age").change()  # NOT NULL, but Bob's age is NULL
    assert conn.execute("SELECT count(*) FROM users").scalar() == 2
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            .rows] == ["users"]


def test_compiling_a_rebuild_needs_the_current_table() -> None:
    schema = Schema(platform=open_connection("toydb://").platform, dry=True)
    with pytest.raises(SchemaError, match="needs the table's current definition"):
        with schema.table("users") as t:
            t.integer("age").change()
