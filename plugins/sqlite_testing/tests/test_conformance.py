"""The SQLite dialect runs the whole conformance suite (compile goldens and round trips)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.config_types import ConnectionConfig
from clickorm.plugins.manager import get_plugin_manager
from clickorm.testing.conformance import CompileConformance, RoundTripConformance

U = '"users"'


class TestSQLiteCompile(CompileConformance):
    dialect = "sqlite"
    expected = {
        "select_all": (f"SELECT * FROM {U}", ()),
        "select_columns": (f'SELECT "id", "name" FROM {U}', ()),
        "select_alias": (f'SELECT "name" AS "n" FROM {U}', ()),
        "distinct": (f'SELECT DISTINCT "city" FROM {U}', ()),
        "where_equals": (f'SELECT * FROM {U} WHERE "age" = ?', (18,)),
        "where_operator": (f'SELECT * FROM {U} WHERE "age" >= ?', (18,)),
        "where_and_or": (f'SELECT * FROM {U} WHERE "age" > ? OR "name" = ?', (18, "Joe")),
        "where_dict": (f'SELECT * FROM {U} WHERE ("name" = ? AND "age" = ?)', ("Joe", 3)),
        "where_group": (f'SELECT * FROM {U} WHERE "active" = ? AND ("age" < ? OR "age" > ?)',
                        (1, 18, 65)),
        "where_null": (f'SELECT * FROM {U} WHERE "deleted_at" IS NULL AND "email" IS NOT NULL',
                       ()),
        "where_none_value": (f'SELECT * FROM {U} WHERE "deleted_at" IS NULL', ()),
        "where_in": (f'SELECT * FROM {U} WHERE "id" IN (?, ?, ?)', (1, 2, 3)),
        "where_in_empty": (f"SELECT * FROM {U} WHERE 1 = 0", ()),
        "where_not_in_empty": (f"SELECT * FROM {U} WHERE 1 = 1", ()),
        "where_in_subquery": (
            f'SELECT * FROM {U} WHERE "id" IN (SELECT "user_id" FROM "admins")', ()),
        "where_between": (
            f'SELECT * FROM {U} WHERE "age" BETWEEN ? AND ? AND "score" NOT BETWEEN ? AND ?',
            (18, 65, 1, 2)),
        "where_like": (f'SELECT * FROM {U} WHERE "name" LIKE ? ESCAPE \'\\\' AND "name" NOT LIKE ? '
                       "ESCAPE '\\'",
                       ("J%", "%x")),
        "where_column": (f'SELECT * FROM {U} WHERE "updated_at" > "created_at"', ()),
        "where_exists": (f'SELECT * FROM {U} WHERE EXISTS (SELECT * FROM "posts" WHERE '
                         f'"posts"."user_id" = "users"."id")', ()),
        "where_raw": (f"SELECT * FROM {U} WHERE age + ? > ?", (1, 18)),
        "where_string_number": (f'SELECT * FROM {U} WHERE "code" = ?', ("18",)),
        "filter_expressions": (f'SELECT * FROM {U} WHERE "id" > ? AND "name" LIKE ? ESCAPE \'\\\'',
                               (10, "J%")),
        "expression_operators": (
            f'SELECT * FROM {U} WHERE ("a" = ? OR (NOT ("b" IN (?, ?)) AND "c" BETWEEN ? AND ?))',
            (1, 2, 3, 4, 5)),
        "expression_is_null": (f'SELECT * FROM {U} WHERE "a" IS NULL AND "b" IS NOT NULL', ()),
        # NULLs sort last in both directions, as on ClickHouse
        "order_by": (f'SELECT * FROM {U} ORDER BY "name" ASC NULLS LAST, "age" DESC NULLS LAST',
                     ()),
        "order_by_expression": (f'SELECT * FROM {U} ORDER BY "created_at" DESC NULLS LAST, "id" '
                                'ASC NULLS LAST', ()),
        "latest": (f'SELECT * FROM {U} ORDER BY "created_at" DESC NULLS LAST', ()),
        "limit_offset": (f"SELECT * FROM {U} LIMIT 10 OFFSET 20", ()),
        "offset_only": (f"SELECT * FROM {U} LIMIT -1 OFFSET 5", ()),
        # a selected alias in HAVING is written as its expression (SQLite would read
        # a column of the same name first)
        "group_having": (f'SELECT "city", count(*) AS "n" FROM {U} GROUP BY "city" '
                         'HAVING count(*) > ?', (2,)),
        "functions": (f'SELECT abs("age"), lower("name") AS "l" FROM {U}', ()),
        "join": (f'SELECT "users".* FROM {U} INNER JOIN "posts" ON "users"."id" = '
                 '"posts"."user_id"', ()),
        "left_join_callback": (f'SELECT * FROM {U} LEFT JOIN "posts" AS "p" ON ("users"."id" = '
                               '"p"."user_id" AND "p"."published" = ?)', (1,)),
        "join_expression": (f'SELECT * FROM {U} INNER JOIN "posts" ON "users"."id" = '
                            '"posts"."user_id"', ()),
        "arithmetic": (f'SELECT ("a" + ?) AS "a1" FROM {U}', (1,)),
        "insert_one": (f'INSERT INTO {U} ("name", "age") VALUES (?, ?)', ("Joe", 30)),
        "insert_many": (f'INSERT INTO {U} ("name", "age") VALUES (?, ?), (?, ?)',
                        ("a", 1, "b", 2)),
        "update": (f'UPDATE {U} SET "name" = ?, "age" = ? WHERE "id" = ?', ("Joe", 31, 1)),
        "increment": (f'UPDATE {U} SET "visits" = ("visits" + ?) WHERE "id" = ?', (2, 1)),
        "delete": (f'DELETE FROM {U} WHERE "id" = ?', (1,)),
        "hostile_value": (f'SELECT * FROM {U} WHERE "name" = ?', ("x'; DROP TABLE users; --",)),
        "hostile_identifier": (f'SELECT "we""ird`col" FROM {U} WHERE "na""me" = ?', (1,)),
        "right_join": (f'SELECT * FROM {U} RIGHT JOIN "posts" ON "users"."id" = '
                       '"posts"."user_id"', ()),
        "union_all": (f'SELECT "id" FROM {U} UNION ALL SELECT "id" FROM "admins"', ()),
        "cte": ('WITH "adults" AS (SELECT * FROM "users" WHERE "age" >= ?) SELECT * FROM '
                '"adults"', (18,)),
        # LIKE is case-sensitive (PRAGMA case_sensitive_like): ILIKE folds both sides
        "ilike": (f'SELECT * FROM {U} WHERE lower("name") LIKE lower(?) ESCAPE \'\\\'',
                  ("j%",)),
    }
    unsupported = frozenset({"final", "sample", "prewhere", "array_join", "limit_by",
                             "with_totals", "settings", "global_in"})


class TestSQLiteRoundTrip(RoundTripConformance):
    @pytest.fixture()
    def conformance_connection(self, tmp_path: Any) -> Iterator[Any]:
        dialect = get_plugin_manager().get_dialect("sqlite")
        config = ConnectionConfig(name="conformance", dialect="sqlite",
                                  path=str(tmp_path / "cf.db"))
        conn = dialect.connection_factory()(config, dialect)
        yield conn
        conn.close()

    def create_people(self, connection: Any, table: str) -> None:
        connection.execute(
            f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, name TEXT NOT NULL, '
            "age INTEGER, score REAL NOT NULL, city TEXT NOT NULL)")

    def create_pets(self, connection: Any, table: str) -> None:
        connection.execute(
            f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, owner_id INTEGER, name TEXT)')

    def create_events(self, connection: Any, table: str) -> None:
        connection.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY, day TEXT, at TEXT)')
