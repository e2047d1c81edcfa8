"""SQLite's steps of the core table rebuild (:mod:`clickorm.schema.rebuild`).

Follows https://www.sqlite.org/lang_altertable.html#otheralter: with foreign keys off
(outside the transaction), inside a SAVEPOINT: the core creates the new table under a
temporary name, copies the rows and compares the counts; here the AUTOINCREMENT
high-water mark is carried over, the swap renames with legacy_alter_table on (so views
and triggers elsewhere that name the table do not break), triggers are re-created and
foreign keys checked before the release. Any failure rolls back to the savepoint,
leaving the original table untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from clickorm.dialects import REBUILD_TEMP_PREFIX as TEMP_PREFIX
from clickorm.dialects import (
    BaseConnection,
    RebuildPlan,
    SchemaError,
    Table,
    TableDiff,
    plan_table_rebuild,
    run_table_rebuild,
)
from clickorm_sqlite.introspect import referencing_tables

if TYPE_CHECKING:
    from clickorm_sqlite.platform import SQLitePlatform

__all__ = ["SAVEPOINT", "TEMP_PREFIX", "RebuildPlan", "plan_rebuild", "run_rebuild"]

SAVEPOINT = "clickorm_rebuild"


def plan_rebuild(platform: SQLitePlatform, diff: TableDiff, current: Table) -> RebuildPlan:
    """The rebuild turning ``current`` into ``diff.apply(current)``."""
    return plan_table_rebuild(platform, diff, current)


def run_rebuild(
    platform: SQLitePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> None:
    """Execute ``plan`` atomically with the checks described in the module docstring."""
    run_table_rebuild(platform, connection, plan, action=action)


def check_rebuildable(current: Table) -> None:
    lost = current.options.get("sqlite_unpreservable")
    if lost:
        raise SchemaError(
            f"Table {current.name!r} has {' and '.join(lost)}, which a rebuild cannot "
            "preserve; this alter needs a rebuild on SQLite. Recreate the table by hand."
        )
    if any(c.options.get("sqlite_generated") for c in current.columns.values()):
        raise SchemaError(
            f"Table {current.name!r} has generated columns, which a rebuild cannot preserve"
        )


def after_copy(platform: SQLitePlatform, current: Table, target: Table, temp: str) -> list[str]:
    """Keep AUTOINCREMENT's high-water mark (ids of deleted rows are never reused)."""
    auto = [c for c in target.columns.values() if c.autoincrement]
    if not (auto and any(c.autoincrement for c in current.columns.values())):
        return []
    short = current.name.rpartition(".")[2]
    return [
        f"DELETE FROM sqlite_sequence WHERE name = {platform.literal(TEMP_PREFIX + short)}",
        "INSERT INTO sqlite_sequence (name, seq) SELECT "
        f"{platform.literal(TEMP_PREFIX + short)}, seq FROM sqlite_sequence "
        f"WHERE name = {platform.literal(short)}",
    ]


def swap(platform: SQLitePlatform, table: str, temp: str) -> list[str]:
    return [
        f"DROP TABLE {platform.quote_table(table)}",
        "PRAGMA legacy_alter_table = ON",
        f"ALTER TABLE {platform.quote_table(temp)} RENAME TO "
        f"{platform.quote(table.rpartition('.')[2])}",
        "PRAGMA legacy_alter_table = OFF",
    ]


def _scalar(connection: BaseConnection, sql: str) -> Any:
    return connection.execute(sql).scalar()


@contextmanager
def session(
    platform: SQLitePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> Iterator[None]:
    """Foreign keys off around a SAVEPOINT; the foreign key check before the release."""
    fk_enabled = _scalar(connection, "PRAGMA foreign_keys") == 1
    fk_disabled = False
    if fk_enabled:
        connection.execute("PRAGMA foreign_keys = OFF")
        fk_disabled = _scalar(connection, "PRAGMA foreign_keys") == 0
        if not fk_disabled:
            # inside an open transaction the pragma is a no-op; dropping the table would
            # then cascade to (or be blocked by) referencing rows
            children = referencing_tables(connection, plan.table, platform.quote)
            if children:
                raise SchemaError(
                    f"{action} table {plan.table!r} needs a rebuild, but foreign keys are on "
                    f"inside an open transaction and {', '.join(children)} reference it. "
                    "Run the alter outside a transaction (foreign keys can only be switched "
                    "off there)."
                )
    legacy = _scalar(connection, "PRAGMA legacy_alter_table")
    try:
        connection.execute(f"SAVEPOINT {SAVEPOINT}")
        try:
            yield
            if fk_enabled:
                _check_foreign_keys(platform, connection, plan, action=action)
        except BaseException:
            connection.execute(f"ROLLBACK TO {SAVEPOINT}")
            connection.execute(f"RELEASE {SAVEPOINT}")
            raise
        connection.execute(f"RELEASE {SAVEPOINT}")
    finally:
        if legacy:
            connection.execute("PRAGMA legacy_alter_table = ON")
        if fk_disabled:
            connection.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(
    platform: SQLitePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> None:
    _, _, final = plan.final_name.rpartition(".")
    checked = platform.run_one(
        connection, "PRAGMA foreign_key_check", table=plan.table, action=action
    )
    bad = [
        row for row in checked.rows
        if final.lower() in (str(row[0]).lower(), str(row[2]).lower())
    ]
    if bad:
        raise SchemaError(
            f"{action} table {plan.table!r} failed: the rebuilt table breaks "
            f"{len(bad)} foreign key reference(s) (first: {bad[0]!r}); nothing was changed"
        )
