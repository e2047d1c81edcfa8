"""The copy rebuild: a table change made by building the new table and swapping it in.

For changes a database cannot make with ALTER (a new engine or sorting key on
ClickHouse), any dialect whose ``plan_alter`` decides so calls :func:`copy_rebuild`:

1. drop a leftover scratch table of an earlier failed attempt, create the new table
   under a scratch name;
2. copy the rows inside the server (``INSERT INTO new (...) SELECT ... FROM t``: never
   through Python), renamed columns read from their old names, new ones left to their
   defaults, computed (MATERIALIZED/ALIAS) ones left to the new table;
3. compare row counts and refuse to swap when they differ (the table was written to
   during the copy): the original is untouched until here, and a migration stopped
   before the swap starts the rebuild over at step 1 (``AlterStep.restart``);
4. swap (``platform.compile_swap``: one statement where the dialect has it), drop the
   old table.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from clickorm.errors import MigrationError
from clickorm.schema.alter_plan import AlterPlan, AlterStep
from clickorm.schema.table import Table, TableDiff

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform

__all__ = ["copy_rebuild", "REBUILD_PREFIX", "scratch_name"]

#: scratch tables of a rebuild are named ``_clickorm_rebuild_new_<t>`` / ``..._old_<t>``
REBUILD_PREFIX = "_clickorm_rebuild_"
_COMPUTED = ("materialized", "alias")


def scratch_name(name: str, tag: str) -> str:
    schema, _, short = name.rpartition(".")
    scratch = f"{REBUILD_PREFIX}{tag}_{short}"
    return f"{schema}.{scratch}" if schema else scratch


def copy_rebuild(
    platform: BasePlatform, diff: TableDiff, before: Table, after: Table, reasons: list[str]
) -> AlterPlan:
    """The steps rebuilding ``before`` as ``after`` (see the module docstring)."""
    name = diff.name
    new, old = scratch_name(name, "new"), scratch_name(name, "old")
    q = platform.quote_table
    sources = {new_name: old_name for old_name, new_name in diff.renamed_columns.items()}
    targets, exprs = [], []
    for column in after.columns.values():
        if any(column.options.get(k) for k in _COMPUTED) or column.name in diff.added_columns:
            continue
        source = sources.get(column.name, column.name)
        if source in before.columns and not before.columns[source].options.get("alias"):
            targets.append(platform.quote(column.name))
            exprs.append(platform.quote(source))
    copy = f"INSERT INTO {q(new)} ({', '.join(targets)}) SELECT {', '.join(exprs)} FROM {q(name)}"
    count_sql, new_count_sql = f"SELECT count() FROM {q(name)}", f"SELECT count() FROM {q(new)}"

    def compare_counts(connection: BaseConnection) -> None:
        source = int(connection.execute(count_sql).scalar())
        copied = int(connection.execute(new_count_sql).scalar())
        if source != copied:
            raise MigrationError(
                f"Rebuild of {name!r} on connection {connection.name!r}: {copied} rows copied "
                f"but the table has {source} (written to during the copy?). The table is "
                f"unchanged; {new!r} holds the copy and is dropped when the step is run again. "
                "Stop writers and run the migration again."
            )

    prepare = [
        *(AlterStep(s) for s in platform.compile_drop(new, if_exists=True)),
        *(AlterStep(s) for s in platform.compile_create(after.copy(name=new))),
        AlterStep(copy, long=True),
        AlterStep(f"-- check: {count_sql} equals {new_count_sql}", run=compare_counts),
        *(AlterStep(s) for s in platform.compile_drop(old, if_exists=True)),
    ]
    # stopped before the swap, a run starts over at the first step: the copy it made may
    # be partial or stale (rows written since), and is dropped and made again
    prepare = [replace(step, restart=offset) for offset, step in enumerate(prepare)]
    steps = [
        *prepare,
        *(AlterStep(s) for s in platform.compile_swap(name, new, old)),
        *(AlterStep(s) for s in platform.compile_drop(old)),
    ]
    return AlterPlan(name, steps, rebuild=reasons)
