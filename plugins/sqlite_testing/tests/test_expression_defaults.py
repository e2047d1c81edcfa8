"""A column's server_default expression is written in parentheses on SQLite, which
accepts an unparenthesised DEFAULT only for a literal: ``Column(server_default="1+2")``
and ``clickorm inspect`` of ``DEFAULT (1+2)`` made a CREATE TABLE that SQLite refused."""

from __future__ import annotations

import pytest

from clickorm import Column, ConnectionManager, Model
from clickorm.connection.manager import bound_to
from clickorm.migrations.codegen import models_source


class Reading(Model):
    id: int = Column(primary_key=True)
    total: int | None = Column(server_default="1+2")
    taken: str | None = Column(server_default="strftime('%Y', 'now')")
    unit: str | None = Column(server_default="'kg'")
    level: int | None = Column(server_default="-1")
    at: str | None = Column(server_default="CURRENT_TIMESTAMP")
    quoted: str | None = Column(server_default='"q"')  # in parentheses it is a column name

    class Meta:
        table_name = "readings"


def test_expression_defaults_create_and_apply() -> None:
    manager = ConnectionManager("sqlite://")
    with bound_to(manager):
        ddl = Reading.schema_sql()
        assert "DEFAULT (1+2)" in ddl and "DEFAULT (strftime('%Y', 'now'))" in ddl, ddl
        # literals stay as they were written (and as introspection reads them back)
        assert "DEFAULT 'kg'" in ddl and "DEFAULT -1" in ddl, ddl
        assert "DEFAULT CURRENT_TIMESTAMP" in ddl and 'DEFAULT "q"' in ddl, ddl
        Reading.create_table()
        manager.connection().execute('INSERT INTO "readings" ("id") VALUES (1)')
        row = manager.connection().execute(
            'SELECT total, unit, level, quoted, taken FROM "readings"').rows[0]
        assert row[:4] == (3, "kg", -1, "q") and len(row[4]) == 4
    manager.close()


@pytest.mark.parametrize("default", ["(1+2)", "(datetime('now'))", "('a' || 'b')"])
def test_an_inspected_expression_default_recreates_its_table(default: str) -> None:
    source, fresh = ConnectionManager("sqlite://"), ConnectionManager("sqlite://")
    source.connection().execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, v DEFAULT {default})")
    namespace: dict[str, object] = {}
    conn = source.connection()
    tables = conn.platform.introspect(conn, None)
    module = models_source(tables.values(), conn.platform).source  # as if in its own file
    exec(compile(module, "inspected.py", "exec", dont_inherit=True), namespace)  # noqa: S102
    model = namespace["T"]
    with bound_to(fresh):
        model.create_table()  # type: ignore[attr-defined]
    sql = fresh.connection().execute("SELECT sql FROM sqlite_master WHERE name = 't'").rows[0][0]
    assert f'"v" DEFAULT {default}' in sql, sql  # nullable, as read
    source.close()
    fresh.close()
