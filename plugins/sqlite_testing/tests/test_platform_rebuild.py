"""The SQLite table rebuild: what must survive it, and that a failure changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.errors import SchemaError
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema import Schema
from clickorm.schema.table import TableDiff
from clickorm_sqlite.rebuild import plan_rebuild, run_rebuild

SETUP = [
    'CREATE TABLE "teams" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL)',
    'CREATE TABLE "users" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, '
    '"name" TEXT NOT NULL DEFAULT \'anon\', "email" TEXT, "age" INTEGER, '
    '"score" REAL NOT NULL DEFAULT 1.5, '
    '"team_id" INTEGER REFERENCES "teams" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "users_email_unique" ON "users" ("email")',
    'CREATE INDEX "users_adults" ON "users" ("age") WHERE "age" >= 18',
    'CREATE TABLE "posts" ("id" INTEGER PRIMARY KEY, '
    '"user_id" INTEGER NOT NULL REFERENCES "users" ("id"))',
    'CREATE TABLE "audit" ("msg" TEXT)',
    'CREATE TRIGGER "users_audit" AFTER INSERT ON "users" BEGIN '
    'INSERT INTO "audit" VALUES (NEW."name"); END',
    'CREATE VIEW "adults" AS SELECT "id", "name" FROM "users" WHERE "age" >= 18',
]
ROWS = [
    (1, "Ann", "ann@example.com", 31, 9.5, 1),
    (2, "Bob", None, None, 4.0, None),
    (7, "Cleo", "cleo@example.com", 45, 7.25, 1),
]


def open_sqlite(path: Path) -> Any:
    dialect = get_plugin_manager().get_dialect("sqlite")
    config = ConnectionConfig(name="rebuild", dialect="sqlite", path=str(path))
    return dialect.connection_factory()(config, dialect)


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[Any]:
    connection = open_sqlite(tmp_path / "db.sqlite")
    for sql in SETUP:
        connection.execute(sql)
    connection.execute('INSERT INTO "teams" VALUES (1, ?)', ["core"])
    for row in ROWS:
        connection.execute('INSERT INTO "users" VALUES (?, ?, ?, ?, ?, ?)', list(row))
    # a deleted row above the last id: AUTOINCREMENT's high-water mark is 9
    connection.execute('INSERT INTO "users" ("id", "name") VALUES (9, ?)', ["gone"])
    connection.execute('DELETE FROM "users" WHERE "id" = 9')
    connection.execute('INSERT INTO "posts" VALUES (1, 7)')
    connection.execute('DELETE FROM "audit"')
    yield connection
    connection.close()


def _snapshot(conn: Any) -> dict[str, Any]:
    return {
        "schema": conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name").rows,
        "users": conn.execute('SELECT * FROM "users" ORDER BY "id"').rows,
        "seq": conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'users'").scalar(),
    }


def test_change_column_keeps_everything_else(conn: Any) -> None:
    schema = Schema(conn)
    with schema.table("users") as t:
        t.big_integer("age").nullable().default(0).change()
    assert t.statements[0].startswith('CREATE TABLE "__clickorm_rebuild_users"')

    cols = {c.name: c for c in schema.get_columns("users")}
    assert cols["age"].type == "INTEGER" and cols["age"].default == "0"
    assert cols["name"].default == "'anon'" and not cols["name"].nullable  # kept as declared
    assert cols["score"].type == "REAL" and cols["score"].default == "1.5"
    assert cols["email"].nullable
    assert conn.execute('SELECT * FROM "users" ORDER BY "id"').rows == ROWS

    table = schema.get_table("users")
    assert table.columns["id"].autoincrement  # AUTOINCREMENT kept ...
    conn.execute('INSERT INTO "users" ("name") VALUES (?)', ["Dan"])
    new_id = conn.execute('SELECT max("id") FROM "users"').scalar()
    assert new_id == 10  # ... with its high-water mark: id 9 is never reused
    indexes = {i.name: i for i in table.indexes}
    assert indexes["users_email_unique"].unique
    assert "WHERE" in (indexes["users_adults"].raw_sql or "")  # partial index verbatim
    fk = table.foreign_keys[0]
    assert (fk.columns, fk.references_table, fk.on_delete) == (("team_id",), "teams", "CASCADE")
    # the trigger, the view and the child table's foreign key still work
    assert conn.execute('SELECT "msg" FROM "audit"').rows == [("Dan",)]
    assert conn.execute('SELECT count(*) FROM "adults"').scalar() == 2
    assert conn.execute("PRAGMA foreign_keys").scalar() == 1  # switched back on
    assert conn.execute("PRAGMA foreign_key_check").rows == []
    with pytest.raises(Exception, match="UNIQUE constraint failed"):
        conn.execute('INSERT INTO "users" ("name", "email") VALUES (?, ?)',
                     ["x", "ann@example.com"])
    conn.execute('DELETE FROM "posts"')
    conn.execute('DELETE FROM "teams" WHERE "id" = 1')  # ON DELETE CASCADE still there
    assert conn.execute('SELECT count(*) FROM "users" WHERE "team_id" = 1').scalar() == 0


def test_failed_rebuild_leaves_the_table_intact(conn: Any) -> None:
    before = _snapshot(conn)
    schema = Schema(conn)
    with pytest.raises(SchemaError) as info:
        with schema.table("users") as t:
            t.integer("age").change()  # NOT NULL, but Bob's age is NULL
    message = str(info.value)
    assert "Altering table 'users' failed on connection 'rebuild'" in message
    assert "NOT NULL constraint failed" in message and "SQL: INSERT INTO" in message
    assert _snapshot(conn) == before
    assert not schema.has_table("__clickorm_rebuild_users")
    assert conn.execute("PRAGMA foreign_keys").scalar() == 1
    assert conn.execute("PRAGMA legacy_alter_table").scalar() == 0


def test_row_count_mismatch_rolls_back(conn: Any) -> None:
    """The copy is checked: a copy that loses rows aborts the rebuild."""
    before = _snapshot(conn)
    platform = conn.platform
    current = platform.get_table(conn, "users")
    diff = TableDiff("users", changed_columns={})
    diff.dropped_foreign_keys.append(("team_id",))
    plan = plan_rebuild(platform, diff, current)
    plan.copy += ' WHERE "id" < 7'  # simulate a copy that drops a row
    with pytest.raises(SchemaError, match="copied 2 of 3 rows; nothing was changed"):
        run_rebuild(platform, conn, plan, action="Altering")
    assert _snapshot(conn) == before


def test_rebuild_inside_a_transaction(conn: Any) -> None:
    """Foreign keys cannot be switched off inside a transaction: with child tables
    referencing the table the rebuild refuses; the caller's transaction is untouched."""
    schema = Schema(conn)
    with conn.transaction():
        conn.execute('INSERT INTO "teams" VALUES (2, ?)', ["ops"])
        with pytest.raises(SchemaError, match="posts reference it"):
            with schema.table("users") as t:
                t.string("email").nullable().default("none").change()
    assert conn.execute('SELECT count(*) FROM "teams"').scalar() == 2
    with conn.transaction():  # a table nobody references rebuilds fine inside one
        with schema.table("posts") as t:
            t.integer("user_id").nullable().change()
    assert schema.get_columns("posts")[1].nullable


def test_drop_indexed_column_and_rename_in_one_rebuild(conn: Any) -> None:
    schema = Schema(conn)
    with schema.table("users") as t:
        t.drop_column("email")  # has a unique index: SQLite cannot drop it natively
        t.rename_column("score", "points")
        t.float("points").default(2.0).change()
    assert [c.name for c in schema.get_columns("users")] == [
        "id", "name", "age", "points", "team_id"]
    assert conn.execute('SELECT "points" FROM "users" ORDER BY "id"').rows == [
        (9.5,), (4.0,), (7.25,)]
    names = {i.name for i in schema.get_table("users").indexes}
    assert names == {"users_adults"}  # the email index went with its column


def test_rename_under_a_partial_index_is_refused_in_a_rebuild(conn: Any) -> None:
    schema = Schema(conn)
    with pytest.raises(SchemaError, match="partial or expression index"):
        with schema.table("users") as t:
            t.rename_column("age", "years")
            t.string("name").nullable().change()
    with schema.table("users") as t:  # alone, the rename is native and SQLite rewrites it
        t.rename_column("age", "years")
    index = schema.get_table("users").index("users_adults")
    assert index is not None and "years" in (index.raw_sql or "")


def test_add_foreign_key_and_primary_key_change(conn: Any) -> None:
    schema = Schema(conn)
    with schema.table("posts") as t:
        t.integer("team_id").nullable()
        t.foreign("team_id").references("id").on("teams").on_delete("set null")
    fks = schema.get_table("posts").foreign_keys
    assert {fk.references_table for fk in fks} == {"users", "teams"}
    with schema.table("posts") as t:
        t.drop_foreign(["team_id"])
        t.primary(["id", "user_id"])
    table = schema.get_table("posts")
    assert [fk.references_table for fk in table.foreign_keys] == ["users"]
    assert table.primary_key == ("id", "user_id")


def test_check_constraints_stop_a_rebuild_but_not_native_alters(conn: Any) -> None:
    conn.execute('CREATE TABLE "c" ("a" INTEGER CHECK ("a" > 0), "b" TEXT)')
    schema = Schema(conn)
    with pytest.raises(SchemaError, match="a CHECK constraint, which a rebuild cannot"):
        with schema.table("c") as t:
            t.string("b").change()
    with schema.table("c") as t:
        t.string("d").nullable()
        t.drop_column("b")
    assert [c.name for c in schema.get_columns("c")] == ["a", "d"]


def test_rebuild_that_breaks_foreign_keys_rolls_back(conn: Any) -> None:
    """Foreign keys are checked before the rebuild is released."""
    before = _snapshot(conn)
    schema = Schema(conn)
    with pytest.raises(SchemaError, match="breaks 2 foreign key reference"):
        with schema.table("users") as t:
            t.foreign("age").references("id").on("teams")  # ages 31 and 45 are no team ids
    assert _snapshot(conn) == before
    with pytest.raises(SchemaError, match="foreign key mismatch"):
        with schema.table("users") as t:
            # posts.user_id references users.id, which would stop being a key
            t.primary(["id", "name"])
    assert _snapshot(conn) == before
