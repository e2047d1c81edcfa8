"""The SQLite table rebuild, for alters SQLite's ALTER TABLE cannot do.

Follows https://www.sqlite.org/lang_altertable.html#otheralter: with foreign keys off
(outside the transaction), inside a SAVEPOINT: create the new table under a temporary
name, copy the rows, drop the old table, rename the new one (with legacy_alter_table on,
so views and triggers elsewhere that name the table do not break the rename), re-create
indexes and triggers, check foreign keys, release. The row count is compared after the
copy; any failure rolls back to the savepoint, leaving the original table untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clickorm.errors import SchemaError
from clickorm.schema.table import Table, TableDiff

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm_sqlite.platform import SQLitePlatform

TEMP_PREFIX = "__clickorm_rebuild_"
SAVEPOINT = "clickorm_rebuild"


@dataclass
class RebuildPlan:
    """The statements of one rebuild, in phases (the row count is checked after ``copy``)."""

    table: str
    temp: str
    create: list[str]
    copy: str
    after_copy: list[str] = field(default_factory=list)
    swap: list[str] = field(default_factory=list)
    restore: list[str] = field(default_factory=list)
    final_name: str = ""

    def statements(self) -> list[str]:
        return [*self.create, self.copy, *self.after_copy, *self.swap, *self.restore]


def plan_rebuild(
    platform: SQLitePlatform, diff: TableDiff, current: Table
) -> RebuildPlan:
    """The rebuild turning ``current`` into ``diff.apply(current)``."""
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
    target = diff.apply(current)
    platform.check_table(target)
    for index in target.indexes:
        if index.raw_sql is None and index.options.get("verbatim_only"):
            raise SchemaError(
                f"Index {index.name!r} on {current.name!r} cannot be re-created by a rebuild "
                "(a constraint with collation or order); drop it first"
            )
    schema, _, short = current.name.rpartition(".")
    temp = f"{schema}.{TEMP_PREFIX}{short}" if schema else f"{TEMP_PREFIX}{short}"
    q = platform.quote_table

    sources = _copy_sources(diff, current, target)
    targets = list(sources)
    copy = (
        f"INSERT INTO {q(temp)} ({platform.quote_columns(targets)}) "
        f"SELECT {platform.quote_columns([sources[t] for t in targets])} FROM {q(current.name)}"
    )
    create_target = target.copy(name=temp)
    create_target.indexes = []
    plan = RebuildPlan(
        table=current.name,
        temp=temp,
        create=platform.compile_create(create_target),
        copy=copy,
        final_name=diff.new_name or current.name,
    )
    auto = [c for c in target.columns.values() if c.autoincrement]
    if auto and any(c.autoincrement for c in current.columns.values()):
        # keep AUTOINCREMENT's high-water mark (ids of deleted rows are never reused)
        plan.after_copy = [
            f"DELETE FROM sqlite_sequence WHERE name = {platform.literal(TEMP_PREFIX + short)}",
            "INSERT INTO sqlite_sequence (name, seq) SELECT "
            f"{platform.literal(TEMP_PREFIX + short)}, seq FROM sqlite_sequence "
            f"WHERE name = {platform.literal(short)}",
        ]
    plan.swap = [
        f"DROP TABLE {q(current.name)}",
        "PRAGMA legacy_alter_table = ON",
        f"ALTER TABLE {q(temp)} RENAME TO {platform.quote(short)}",
        "PRAGMA legacy_alter_table = OFF",
    ]
    plan.restore = [platform.compile_create_index(current.name, i) for i in target.indexes]
    plan.restore += list(current.options.get("sqlite_triggers", []))
    if diff.new_name:
        plan.restore += platform.compile_rename(current.name, diff.new_name)
    return plan


def _copy_sources(diff: TableDiff, current: Table, target: Table) -> dict[str, str]:
    """Target column -> the current column its values come from (new columns: none)."""
    renamed_to = {new: old for old, new in diff.renamed_columns.items()}
    changed_from = {c.name: old for old, c in diff.changed_columns.items() if c.name != old}
    out = {}
    for name in target.columns:
        if name in diff.added_columns:
            continue
        source = changed_from.get(name, name)
        source = renamed_to.get(source, source)
        if source in current.columns:
            out[name] = source
    return out


def _scalar(connection: BaseConnection, sql: str) -> Any:
    return connection.execute(sql).scalar()


def run_rebuild(
    platform: SQLitePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> None:
    """Execute ``plan`` atomically with the checks described in the module docstring."""
    fk_enabled = _scalar(connection, "PRAGMA foreign_keys") == 1
    fk_disabled = False
    if fk_enabled:
        connection.execute("PRAGMA foreign_keys = OFF")
        fk_disabled = _scalar(connection, "PRAGMA foreign_keys") == 0
        if not fk_disabled:
            # inside an open transaction the pragma is a no-op; dropping the table would
            # then cascade to (or be blocked by) referencing rows
            from clickorm_sqlite.introspect import referencing_tables

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
            _run_phases(platform, connection, plan, action=action, check_fk=fk_enabled)
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


def _run_phases(
    platform: SQLitePlatform,
    connection: BaseConnection,
    plan: RebuildPlan,
    *,
    action: str,
    check_fk: bool,
) -> None:
    q = platform.quote_table
    before = _scalar(connection, f"SELECT count(*) FROM {q(plan.table)}")
    run = platform.run_one
    for sql in plan.create:
        run(connection, sql, table=plan.table, action=action)
    run(connection, plan.copy, table=plan.table, action=action)
    after = _scalar(connection, f"SELECT count(*) FROM {q(plan.temp)}")
    if after != before:
        raise SchemaError(
            f"{action} table {plan.table!r} failed: the rebuild copied {after} of {before} "
            "rows; nothing was changed"
        )
    for sql in [*plan.after_copy, *plan.swap, *plan.restore]:
        run(connection, sql, table=plan.table, action=action)
    if check_fk:
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
