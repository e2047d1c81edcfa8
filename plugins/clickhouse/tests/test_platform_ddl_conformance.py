"""ClickHouse's answers to the shared DDL conformance suite; every golden runs for real.

Two runs: the current server (chDB 26.x in-process) and ClickHouse 18.16 (the Debian
server started by the ``clickhouse_native`` fixture), compiled for that version, so
the version adaptation is proven by the server it targets (Bool -> UInt8, table comment
left out, Date32 / RENAME COLUMN / skip indexes refused with the version named).

ClickHouse has no unique indexes or foreign keys: those cases are unsupported. The alter
cases start from the suite's ``users`` table created through the platform without its
unique index (it cannot exist on ClickHouse), with the suite's rows inserted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from clickorm import ConnectionManager
from clickorm.testing.conformance_ddl import DDLCase, DDLConformance

USERS = "ALTER TABLE `users`"
CREATE_TYPES = (
    "CREATE TABLE `samples` (`i8` Int8, `i16` Int16, `i32` Int32, `i64` Int64, `u8` UInt8, "
    "`u64` UInt64, `f32` Float32, `f64` Float64, `dec` Decimal(10, 2), `s` String, "
    "`fixed` FixedString(16), `raw` String, `flag` Bool, `day` Date, `day32` Date32, "
    "`at` DateTime, `at_utc` DateTime('UTC'), `at_ms` DateTime64(3), `uid` UUID, "
    "`ip4` IPv4, `ip6` IPv6, `color` Enum8('red' = 1, 'green' = 2), "
    "`level` Enum8('LOW' = 1, 'HIGH' = 2), `tags` Array(String), `attrs` Map(String, Int64), "
    "`point` Tuple(Float64, Float64), `doc` JSON, `city` LowCardinality(String), "
    "`maybe` Nullable(Int32)) ENGINE = MergeTree() ORDER BY tuple()"
)


def _defaults(active: str) -> str:
    return (
        "CREATE TABLE `settings` (`title` String DEFAULT 'it\\'s', `count` Int32 DEFAULT 0, "
        f"`ratio` Float64 DEFAULT 1.5, `active` {active}, "
        "`price` Decimal(10, 2) DEFAULT CAST('9.99' AS Decimal(3, 2)), "
        "`since` Date DEFAULT toDate('2024-01-31'), "
        "`color` Enum8('red' = 1, 'green' = 2) DEFAULT 'green', "
        "`note` Nullable(String) DEFAULT NULL, `created_at` DateTime DEFAULT now()) "
        "ENGINE = MergeTree() ORDER BY tuple()"
    )


COMMON: dict[str, list[str]] = {
    "create_basic": [
        "CREATE TABLE `users` (`id` UInt32, `name` String, `age` Nullable(Int32)) "
        "ENGINE = MergeTree() ORDER BY `id`",
    ],
    "create_composite_primary": [
        "CREATE TABLE `memberships` (`tenant_id` Int32, `user_id` Int32, `role` String) "
        "ENGINE = MergeTree() ORDER BY (`tenant_id`, `user_id`)",
    ],
    "create_options": [
        "CREATE TABLE `events` (`id` Int64, `at` DateTime, `kind` LowCardinality(String)) "
        "ENGINE = MergeTree() PARTITION BY toYYYYMM(at) ORDER BY (`kind`, `at`) "
        "SETTINGS index_granularity = 8192",
    ],
    "create_hostile_identifiers": [
        "CREATE TABLE `we\"ird` (`na\"me` String DEFAULT 'x\\'); DROP TABLE users; --', "
        "`back\\`tick` Nullable(Int32)) ENGINE = MergeTree() ORDER BY tuple()",
    ],
    "drop": ["DROP TABLE `users`"],
    "drop_if_exists": ["DROP TABLE IF EXISTS `users`"],
    "rename_table": ["RENAME TABLE `users` TO `people`"],
    "truncate": ["TRUNCATE TABLE `users`"],
    "alter_add_column": [f"{USERS} ADD COLUMN `nick` Nullable(String)"],
    "alter_add_required_column": [f"{USERS} ADD COLUMN `country` String"],
    "alter_drop_column": [f"{USERS} DROP COLUMN `age`"],
    "alter_change_type": [f"{USERS} MODIFY COLUMN `age` Nullable(Int64)"],
    "alter_change_nullability": [f"{USERS} MODIFY COLUMN `age` Int32 DEFAULT 0"],
    "alter_rename_table": ["RENAME TABLE `users` TO `people`"],
}
#: no unique indexes, foreign keys or primary key changes on ClickHouse
UNSUPPORTED = frozenset(
    {
        "create_if_not_exists",  # has unique indexes
        "create_indexes",  # has unique indexes
        "create_foreign_keys",
        "alter_add_unique",
        "alter_drop_index",  # drops a unique index
        "alter_add_foreign_key",
        "alter_primary_key",
    }
)


class _RunsOnClickHouse(DDLConformance):
    dialect = "clickhouse"
    unsupported = UNSUPPORTED
    connection: Any

    def run_golden(self, case: DDLCase, statements: list[str]) -> None:
        conn = self.connection
        assert conn.platform.server_version[:2] == (self.server_version or (26, 9))[:2]
        if case.current is not None:
            current = case.current()
            current.indexes = [i for i in current.indexes if not i.unique]
            for sql in conn.platform.compile_create(current):
                conn.execute(sql)
            if case.rows:
                names = list(case.rows[0])
                encoders = [conn.platform.encoder(current.columns[n].full_type) for n in names]
                rows = [
                    tuple(
                        enc(row[n]) if enc else row[n]
                        for n, enc in zip(names, encoders, strict=True)
                    )
                    for row in case.rows
                ]
                conn.insert_rows("users", names, rows)
        for sql in statements:
            conn.execute(sql)
        if case.keeps_rows_in is not None:
            count = conn.execute(f"SELECT count() FROM `{case.keeps_rows_in}`").rows[0][0]
            assert count == len(case.rows)


class TestClickHouseDDL(_RunsOnClickHouse):
    """The current server: golden DDL executed on chDB, a fresh database per case."""

    expected: ClassVar[dict[str, list[str]]] = {
        **COMMON,
        "create_types": [CREATE_TYPES],
        "create_defaults": [_defaults("Bool DEFAULT true")],
        "create_comments": [
            "CREATE TABLE `people` (`id` UInt32, `name` String COMMENT 'Full name, as written') "
            "ENGINE = MergeTree() ORDER BY `id` COMMENT 'People we know'",
        ],
        "alter_add_columns_with_defaults": [
            f"{USERS} ADD COLUMN `level` Int32 DEFAULT 1",
            f"{USERS} ADD COLUMN `vip` Bool DEFAULT false",
        ],
        "alter_rename_column": [f"{USERS} RENAME COLUMN `name` TO `full_name`"],
        "alter_drop_indexed_columns": [
            f"{USERS} DROP INDEX `users_score_index`",
            f"{USERS} DROP COLUMN `email`",
            f"{USERS} DROP COLUMN `score`",
        ],
        "alter_add_index": [
            f"{USERS} ADD INDEX `users_name_age_index` (`name`, `age`) TYPE minmax GRANULARITY 1",
        ],
        "alter_combined": [
            f"{USERS} RENAME COLUMN `age` TO `years`",
            f"{USERS} DROP INDEX `users_score_index`",
            f"{USERS} ADD COLUMN `nick` Nullable(String)",
        ],
    }

    @pytest.fixture(autouse=True)
    def _database(self) -> Iterator[None]:
        database = f"ddl_{uuid.uuid4().hex[:10]}"
        manager = ConnectionManager("clickhouse+embedded://", database=database)
        self.connection = manager.connection()
        try:
            yield
        finally:
            self.connection.execute(f"DROP DATABASE IF EXISTS `{database}`")
            manager.close()


class TestClickHouse1816DDL(_RunsOnClickHouse):
    """ClickHouse 18.16: compiled for that version and executed on the real server."""

    server_version = (18, 16, 1)
    unsupported = UNSUPPORTED | {
        "create_types",  # Date32, DateTime64, IPv4/6, Map, JSON: refused with the version
        "alter_rename_column",  # RENAME COLUMN arrives in 20.4
        "alter_combined",  # renames a column
        "alter_add_index",  # skip indexes arrive in 19.3
    }
    expected: ClassVar[dict[str, list[str]]] = {
        **COMMON,
        "create_defaults": [_defaults("UInt8 DEFAULT 1")],
        # table comments arrive in 21.x: left out
        "create_comments": [
            "CREATE TABLE `people` (`id` UInt32, `name` String COMMENT 'Full name, as written') "
            "ENGINE = MergeTree() ORDER BY `id`",
        ],
        "alter_add_columns_with_defaults": [
            f"{USERS} ADD COLUMN `level` Int32 DEFAULT 1",
            f"{USERS} ADD COLUMN `vip` UInt8 DEFAULT 0",
        ],
        # the plain index was left out of the CREATE (no skip indexes before 19.3)
        "alter_drop_indexed_columns": [
            f"{USERS} DROP COLUMN `email`",
            f"{USERS} DROP COLUMN `score`",
        ],
    }

    @pytest.fixture(autouse=True)
    def _database(self, clickhouse_native: Any) -> None:
        self.connection = clickhouse_native
