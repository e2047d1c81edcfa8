"""SQLitePlatform on a real database: Schema operations, native ALTERs, introspection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clickorm import types
from clickorm.config_types import ConnectionConfig
from clickorm.errors import SchemaError
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema import ColumnDescription, Schema
from clickorm_sqlite.platform import SQLitePlatform


def open_sqlite(path: Path) -> Any:
    dialect = get_plugin_manager().get_dialect("sqlite")
    config = ConnectionConfig(name="schema-test", dialect="sqlite", path=str(path))
    return dialect.connection_factory()(config, dialect)


@pytest.fixture()
def conn(tmp_path: Path) -> Iterator[Any]:
    connection = open_sqlite(tmp_path / "db.sqlite")
    yield connection
    connection.close()


@pytest.fixture()
def statements(conn: Any) -> list[str]:
    seen: list[str] = []
    conn.listeners.append(lambda sql, params: seen.append(sql))
    return seen


def _users(schema: Schema) -> None:
    with schema.create("users") as t:
        t.increments("id")
        t.string("name")
        t.string("email").nullable().unique()
        t.integer("age").nullable()
        t.integer("score").default(0).index()


def test_create_inspect_drop(conn: Any) -> None:
    schema = Schema(conn)
    assert not schema.has_table("users")
    _users(schema)
    assert schema.has_table("users") and schema.has_table("USERS")
    assert schema.has_column("users", "email") and not schema.has_column("users", "nope")
    assert not schema.has_column("nope", "id")
    assert schema.get_columns("users") == [
        ColumnDescription("id", "INTEGER", nullable=False, default=None, primary=True),
        ColumnDescription("name", "TEXT", nullable=False, default=None, primary=False),
        ColumnDescription("email", "TEXT", nullable=True, default=None, primary=False),
        ColumnDescription("age", "INTEGER", nullable=True, default=None, primary=False),
        ColumnDescription("score", "INTEGER", nullable=False, default="0", primary=False),
    ]
    conn.execute('INSERT INTO "users" ("name") VALUES (?)', ["Ann"])
    assert schema.truncate("users") == ['DELETE FROM "users"']
    assert conn.execute('SELECT count(*) FROM "users"').scalar() == 0
    schema.rename("users", "people")
    assert schema.has_table("people") and not schema.has_table("users")
    schema.drop("people")
    assert not schema.has_table("people")
    assert schema.drop_if_exists("people") == ['DROP TABLE IF EXISTS "people"']
    with pytest.raises(SchemaError, match=r"Dropping table 'people' failed on connection "
                                          r"'schema-test': .*no such table"):
        schema.drop("people")


def test_get_table_reads_the_whole_definition(conn: Any) -> None:
    schema = Schema(conn)
    _users(schema)
    with schema.create("posts") as t:
        t.increments("id")
        t.unsigned_integer("user_id")
        t.foreign("user_id").references("id").on("users").on_delete("cascade")
    conn.execute('CREATE INDEX "posts_partial" ON "posts" ("user_id") WHERE "user_id" > 10')
    users = schema.get_table("users")
    assert users.primary_key == ("id",)
    assert users.columns["id"].autoincrement
    assert users.columns["score"].default_raw == "0"
    assert {(i.name, i.columns, i.unique) for i in users.indexes} == {
        ("users_email_unique", ("email",), True), ("users_score_index", ("score",), False)}
    posts = schema.get_table("posts")
    fk = posts.foreign_keys[0]
    assert (fk.columns, fk.references_table, fk.references_columns, fk.on_delete) == (
        ("user_id",), "users", ("id",), "CASCADE")
    partial = posts.index("posts_partial")
    assert partial is not None and partial.options.get("verbatim_only")
    assert partial.raw_sql and "WHERE" in partial.raw_sql
    with pytest.raises(SchemaError, match="'nope' does not exist"):
        schema.get_table("nope")


def test_native_alters_run_without_a_rebuild(conn: Any, statements: list[str]) -> None:
    schema = Schema(conn)
    _users(schema)
    conn.execute('INSERT INTO "users" ("name", "age") VALUES (?, ?)', ["Ann", 30])
    statements.clear()
    with schema.table("users") as t:
        t.rename_column("name", "full_name")
        t.drop_column("age")
        t.string("nick").nullable()
        t.integer("level").default(1)
        t.index(["full_name", "level"])
    assert t.statements == [
        'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"',
        'ALTER TABLE "users" DROP COLUMN "age"',
        'ALTER TABLE "users" ADD COLUMN "nick" TEXT',
        'ALTER TABLE "users" ADD COLUMN "level" INTEGER NOT NULL DEFAULT 1',
        'CREATE INDEX "users_full_name_level_index" ON "users" ("full_name", "level")',
    ]
    assert not any("__clickorm_rebuild" in s for s in statements)
    row = conn.execute('SELECT "full_name", "nick", "level" FROM "users"').rows[0]
    assert row == ("Ann", None, 1)


def test_multi_statement_ddl_is_atomic(conn: Any) -> None:
    schema = Schema(conn)
    conn.execute('CREATE TABLE "taken" ("a" INTEGER)')
    conn.execute('CREATE INDEX "users_email_index" ON "taken" ("a")')
    with pytest.raises(SchemaError, match="Creating table 'users' failed"):
        with schema.create("users") as t:
            t.string("email").index()  # the index name is taken: the CREATE TABLE is undone
    assert not schema.has_table("users")


def test_dry_mode_reads_but_does_not_write(conn: Any, statements: list[str]) -> None:
    Schema(conn).create_table(_table_users())
    statements.clear()
    dry = Schema(conn, dry=True)
    with dry.table("users") as t:
        t.string("name").nullable().change()  # needs the current definition: read it
    assert t.statements[0].startswith('CREATE TABLE "__clickorm_rebuild_users"')
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
    assert dry.drop("users") == ['DROP TABLE "users"']
    assert Schema(conn).has_table("users")
    assert dry.statements == [*t.statements, 'DROP TABLE "users"']


def _table_users() -> Any:
    from clickorm.schema import Blueprint

    t = Blueprint.create("users")
    t.increments("id")
    t.string("name")
    return t.table


def test_platform_only_dry_mode_needs_current_for_a_rebuild() -> None:
    schema = Schema(platform=SQLitePlatform(), dry=True)
    with pytest.raises(SchemaError, match="needs the table's current definition"):
        with schema.table("users") as t:
            t.integer("age").change()
    with pytest.raises(SchemaError, match="needs the table's current definition"):
        with schema.table("users") as t:
            t.drop_column("age")
    with schema.table("users") as t:
        t.string("nick").nullable()
    assert t.statements == ['ALTER TABLE "users" ADD COLUMN "nick" TEXT']


def test_old_sqlite_versions_rebuild_instead(conn: Any) -> None:
    Schema(conn).create_table(_table_users())
    current = Schema(conn).get_table("users")
    for version, call in [((3, 30, 0), lambda t: t.drop_column("name")),
                          ((3, 20, 0), lambda t: t.rename_column("name", "n"))]:
        schema = Schema(platform=SQLitePlatform(server_version=version), dry=True)
        with schema.table("users", current=current) as t:
            call(t)
        assert t.statements[0].startswith('CREATE TABLE "__clickorm_rebuild_users"')


def test_schema_create_uses_the_default_connection(tmp_path: Path) -> None:
    from clickorm.connection.manager import get_connection, reset_managers, use

    use(f"sqlite:///{tmp_path / 'default.db'}")
    try:
        with Schema.create("things") as t:
            t.increments("id")
            t.string("label")
        assert Schema.has_table("things")
        assert [c.name for c in Schema.get_columns("things")] == ["id", "label"]
        assert get_connection().execute('SELECT count(*) FROM "things"').scalar() == 0
        Schema.drop("things")
        assert not Schema.has_table("things")
    finally:
        reset_managers()


def test_unsupported_column_kinds_are_refused(conn: Any) -> None:
    schema = Schema(conn)
    with pytest.raises(SchemaError, match="SQLite cannot express MATERIALIZED"):
        with schema.create("t") as t:
            t.datetime("at")
            t.date("day").materialized("toDate(at)")
    with pytest.raises(SchemaError, match="autoincrement needs an integer column"):
        with schema.create("t") as t:
            t.string("code").autoincrement()
    assert not schema.has_table("t")


def test_without_rowid_and_strict_options(conn: Any) -> None:
    schema = Schema(conn)
    with schema.create("kv") as t:
        t.column("k", types.RawType("TEXT")).primary()
        t.column("v", types.RawType("INTEGER"))
        t.option("without_rowid", True).option("strict", True)
    assert t.statements == [
        'CREATE TABLE "kv" ("k" TEXT NOT NULL PRIMARY KEY, "v" INTEGER NOT NULL) '
        "WITHOUT ROWID, STRICT"]
    table = schema.get_table("kv")
    assert table.options["without_rowid"] and table.options["strict"]
