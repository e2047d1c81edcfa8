"""The table rebuild, for ALTERs an engine cannot run in place.

A platform that sets ``rebuilds_tables`` and says why in ``rebuild_reasons(diff,
current)`` gets this for those alters: create the target table under a temporary name
(without indexes), copy the rows, compare the row counts, drop the old table, rename
the new one, re-create the indexes (and what ``rebuild_restore`` adds), then the rename
the diff asks for. Everything runs inside the platform's ``rebuild_session`` (by default
one transaction, a savepoint inside an open one), so any failure rolls back and leaves
the original table untouched. The dialect-specific steps are platform hooks:
``check_rebuildable``, ``rebuild_after_copy``, ``rebuild_swap``, ``rebuild_restore`` and
``rebuild_session``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clickorm.errors import SchemaError
from clickorm.schema.table import Table, TableDiff

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform

__all__ = ["TEMP_PREFIX", "RebuildPlan", "plan_rebuild", "run_rebuild"]

#: the temporary table is this prefix and the table's name, in the table's schema
TEMP_PREFIX = "__clickorm_rebuild_"


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


def plan_rebuild(platform: BasePlatform, diff: TableDiff, current: Table) -> RebuildPlan:
    """The rebuild turning ``current`` into ``diff.apply(current)``."""
    platform.check_rebuildable(current)
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
    sources = copy_sources(diff, current, target)
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
    plan.after_copy = platform.rebuild_after_copy(current, target, temp)
    plan.swap = platform.rebuild_swap(current.name, temp)
    plan.restore = [platform.compile_create_index(current.name, i) for i in target.indexes]
    plan.restore += platform.rebuild_restore(current)
    if diff.new_name:
        plan.restore += platform.compile_rename(current.name, diff.new_name)
    return plan


def copy_sources(diff: TableDiff, current: Table, target: Table) -> dict[str, str]:
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


def run_rebuild(
    platform: BasePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> None:
    """Execute ``plan`` all or nothing inside the platform's ``rebuild_session``."""
    with platform.rebuild_session(connection, plan, action=action):
        run_phases(platform, connection, plan, action=action)


def run_phases(
    platform: BasePlatform, connection: BaseConnection, plan: RebuildPlan, *, action: str
) -> None:
    """The statements of ``plan``, refusing (so the session rolls back) when the copy
    did not carry every row."""
    q = platform.quote_table
    run = platform.run_one
    before = run(connection, f"SELECT count(*) FROM {q(plan.table)}", table=plan.table,
                 action=action).scalar()
    for sql in plan.create:
        run(connection, sql, table=plan.table, action=action)
    run(connection, plan.copy, table=plan.table, action=action)
    after = run(connection, f"SELECT count(*) FROM {q(plan.temp)}", table=plan.table,
                action=action).scalar()
    if after != before:
        raise SchemaError(
            f"{action} table {plan.table!r} failed: the rebuild copied {after} of {before} "
            "rows; nothing was changed"
        )
    for sql in [*plan.after_copy, *plan.swap, *plan.restore]:
        run(connection, sql, table=plan.table, action=action)
