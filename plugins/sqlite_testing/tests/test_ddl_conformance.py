"""SQLite's answers to the shared DDL conformance suite; every golden also runs for real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clickorm.dialects import BaseConnection, open_connection
from clickorm.testing.conformance_ddl import DDLCase, DDLConformance

T = '"__clickorm_rebuild_users"'
USERS_COLUMNS = '"id", "name", "email", "age", "score"'
USERS_INDEXES = [
    'CREATE UNIQUE INDEX "users_email_unique" ON "users" ("email")',
    'CREATE INDEX "users_score_index" ON "users" ("score")',
]


def _rebuild(
    create: str,
    copied: str = USERS_COLUMNS,
    *,
    restore: list[str] | None = None,
    sequence: bool = True,
) -> list[str]:
    """The statements of one rebuild of "users" (see clickorm_sqlite/rebuild.py)."""
    statements = [
        f'CREATE TABLE {T} ({create})',
        f'INSERT INTO {T} ({copied}) SELECT {copied} FROM "users"',
    ]
    if sequence:
        statements += [
            "DELETE FROM sqlite_sequence WHERE name = '__clickorm_rebuild_users'",
            "INSERT INTO sqlite_sequence (name, seq) SELECT '__clickorm_rebuild_users', seq "
            "FROM sqlite_sequence WHERE name = 'users'",
        ]
    statements += [
        'DROP TABLE "users"',
        "PRAGMA legacy_alter_table = ON",
        f'ALTER TABLE {T} RENAME TO "users"',
        "PRAGMA legacy_alter_table = OFF",
    ]
    return statements + (USERS_INDEXES if restore is None else restore)


ID = '"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT'
USERS_BODY = (
    f'{ID}, "name" TEXT NOT NULL, "email" TEXT, "age" INTEGER, '
    '"score" INTEGER NOT NULL DEFAULT 0'
)


class TestSQLiteDDL(DDLConformance):
    dialect = "sqlite"
    expected = {
        "create_basic": [
            f'CREATE TABLE "users" ({ID}, "name" TEXT NOT NULL, "age" INTEGER)',
        ],
        "create_if_not_exists": [
            f'CREATE TABLE IF NOT EXISTS "users" ({ID}, "email" TEXT NOT NULL, '
            '"city" TEXT NOT NULL, "first" TEXT NOT NULL, "last" TEXT NOT NULL)',
            'CREATE UNIQUE INDEX IF NOT EXISTS "users_email_unique" ON "users" ("email")',
            'CREATE INDEX IF NOT EXISTS "users_city_index" ON "users" ("city")',
            'CREATE INDEX IF NOT EXISTS "users_last_first_index" ON "users" ("last", "first")',
            'CREATE UNIQUE INDEX IF NOT EXISTS "city_last_unique" ON "users" ("city", "last")',
        ],
        "create_types": [
            'CREATE TABLE "samples" ("i8" INTEGER NOT NULL, "i16" INTEGER NOT NULL, '
            '"i32" INTEGER NOT NULL, "i64" INTEGER NOT NULL, "u8" INTEGER NOT NULL, '
            '"u64" INTEGER NOT NULL, "f32" REAL NOT NULL, "f64" REAL NOT NULL, '
            '"dec" TEXT COLLATE clickorm_decimal NOT NULL, "s" TEXT NOT NULL, "fixed" TEXT NOT NULL, '
            '"raw" BLOB NOT NULL, "flag" BOOLEAN NOT NULL, "day" DATE NOT NULL, '
            '"day32" DATE NOT NULL, "at" DATETIME NOT NULL, "at_utc" DATETIME NOT NULL, '
            '"at_ms" DATETIME NOT NULL, "uid" TEXT NOT NULL, "ip4" TEXT NOT NULL, '
            '"ip6" TEXT NOT NULL, "color" TEXT NOT NULL, "level" INTEGER NOT NULL, '
            '"tags" TEXT NOT NULL, "attrs" TEXT NOT NULL, "point" TEXT NOT NULL, '
            '"doc" TEXT NOT NULL, "city" TEXT NOT NULL, "maybe" INTEGER)',
        ],
        "create_defaults": [
            'CREATE TABLE "settings" ("title" TEXT NOT NULL DEFAULT \'it\'\'s\', '
            '"count" INTEGER NOT NULL DEFAULT 0, "ratio" REAL NOT NULL DEFAULT 1.5, '
            '"active" BOOLEAN NOT NULL DEFAULT 1, "price" TEXT COLLATE clickorm_decimal NOT NULL DEFAULT \'9.99\', '
            '"since" DATE NOT NULL DEFAULT \'2024-01-31\', '
            '"color" TEXT NOT NULL DEFAULT \'green\', "note" TEXT DEFAULT NULL, '
            '"created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)',
        ],
        "create_composite_primary": [
            'CREATE TABLE "memberships" ("tenant_id" INTEGER NOT NULL, '
            '"user_id" INTEGER NOT NULL, "role" TEXT NOT NULL, '
            'PRIMARY KEY ("tenant_id", "user_id"))',
        ],
        "create_indexes": [
            f'CREATE TABLE "people" ({ID}, "email" TEXT NOT NULL, "city" TEXT NOT NULL, '
            '"first" TEXT NOT NULL, "last" TEXT NOT NULL)',
            'CREATE UNIQUE INDEX "people_email_unique" ON "people" ("email")',
            'CREATE INDEX "people_city_index" ON "people" ("city")',
            'CREATE INDEX "people_last_first_index" ON "people" ("last", "first")',
            'CREATE UNIQUE INDEX "city_last_unique" ON "people" ("city", "last")',
        ],
        "create_foreign_keys": [
            f'CREATE TABLE "posts" ({ID}, "user_id" INTEGER NOT NULL, "team_id" INTEGER, '
            'FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE, '
            'FOREIGN KEY ("team_id") REFERENCES "teams" ("id") ON UPDATE SET NULL)',
        ],
        # SQLite has no comments: they are left out
        "create_comments": [
            f'CREATE TABLE "people" ({ID}, "name" TEXT NOT NULL)',
        ],
        # engine / ORDER BY / PARTITION BY / SETTINGS are ClickHouse options
        "create_options": [
            'CREATE TABLE "events" ("id" INTEGER NOT NULL, "at" DATETIME NOT NULL, '
            '"kind" TEXT NOT NULL)',
        ],
        "create_hostile_identifiers": [
            'CREATE TABLE "we""ird" ("na""me" TEXT NOT NULL DEFAULT '
            "'x''); DROP TABLE users; --', \"back`tick\" INTEGER)",
        ],
        "drop": ['DROP TABLE "users"'],
        "drop_if_exists": ['DROP TABLE IF EXISTS "users"'],
        "rename_table": ['ALTER TABLE "users" RENAME TO "people"'],
        "truncate": ['DELETE FROM "users"'],
        "alter_add_column": ['ALTER TABLE "users" ADD COLUMN "nick" TEXT'],
        "alter_add_columns_with_defaults": [
            'ALTER TABLE "users" ADD COLUMN "level" INTEGER NOT NULL DEFAULT 1',
            'ALTER TABLE "users" ADD COLUMN "vip" BOOLEAN NOT NULL DEFAULT 0',
        ],
        "alter_add_required_column": _rebuild(f'{USERS_BODY}, "country" TEXT NOT NULL'),
        "alter_rename_column": ['ALTER TABLE "users" RENAME COLUMN "name" TO "full_name"'],
        "alter_drop_column": ['ALTER TABLE "users" DROP COLUMN "age"'],
        "alter_drop_indexed_columns": _rebuild(
            f'{ID}, "name" TEXT NOT NULL, "age" INTEGER', '"id", "name", "age"', restore=[]),
        "alter_change_type": _rebuild(USERS_BODY),
        "alter_change_nullability": _rebuild(
            f'{ID}, "name" TEXT NOT NULL, "email" TEXT, "age" INTEGER NOT NULL DEFAULT 0, '
            '"score" INTEGER NOT NULL DEFAULT 0'),
        "alter_add_index": ['CREATE INDEX "users_name_age_index" ON "users" ("name", "age")'],
        "alter_add_unique": ['CREATE UNIQUE INDEX "users_name_unique" ON "users" ("name")'],
        "alter_drop_index": ['DROP INDEX "users_email_unique"'],
        "alter_add_foreign_key": _rebuild(
            f'{USERS_BODY}, "team_id" INTEGER, FOREIGN KEY ("team_id") REFERENCES "teams" ("id")'),
        "alter_primary_key": _rebuild(
            '"id" INTEGER NOT NULL, "name" TEXT NOT NULL, "email" TEXT, "age" INTEGER, '
            '"score" INTEGER NOT NULL DEFAULT 0, PRIMARY KEY ("id", "name")',
            sequence=False),
        "alter_rename_table": ['ALTER TABLE "users" RENAME TO "people"'],
        "alter_combined": [
            'ALTER TABLE "users" RENAME COLUMN "age" TO "years"',
            'DROP INDEX "users_score_index"',
            'ALTER TABLE "users" ADD COLUMN "nick" TEXT',
        ],
    }

    @pytest.fixture()
    def ddl_connection(self, tmp_path: Any) -> Iterator[BaseConnection]:
        conn = open_connection(f"sqlite:///{tmp_path}/ddl.db")
        yield conn
        conn.close()

    def after_golden(self, connection: BaseConnection, case: DDLCase) -> None:
        assert connection.execute("PRAGMA integrity_check").scalar() == "ok"
