"""Operations for hand-written files: one change at a time, and materialized views.

Unlike :class:`~clickorm.migrations.operations.AlterTable`, these carry only the change
(a column, an index, table options), so a file stays short; the platform compiles them
with its ALTER, reading the live table only when the dialect needs it (SQLite's rebuild,
ClickHouse's skip indexes over a dropped column). Version refusals happen at planning,
before any step runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clickorm.errors import MigrationError, SchemaError
from clickorm.migrations.compare import narrowing
from clickorm.migrations.operations import Operation
from clickorm.schema.alter_plan import AlterStep
from clickorm.schema.table import Column, Index, TableDiff

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform

__all__ = [
    "AddColumn", "DropColumn", "AlterColumn", "RenameColumn", "AddIndex", "DropIndex",
    "ChangeTableOptions", "CreateMaterializedView", "DropMaterializedView",
]


@dataclass
class CreateMaterializedView(Operation):
    """``CREATE MATERIALIZED VIEW name TO target AS <query>`` (SQL text)."""

    name: str
    query: str
    to: str
    columns: Sequence[str] | None = None
    cluster: str | None = None

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        return [AlterStep(s) for s in platform.compile_create_view(
            self.name, self.query, to=self.to, columns=self.columns, cluster=self.cluster)]

    def reverse(self) -> Operation:
        return DropMaterializedView(self.name, self.query, self.to, self.columns, self.cluster)

    def describe(self) -> str:
        return f"create materialized view {self.name}"


@dataclass
class DropMaterializedView(CreateMaterializedView):
    """Drop the view (its definition makes the drop reversible; the target keeps its rows)."""

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        return [AlterStep(s) for s in platform.compile_drop_view(self.name, cluster=self.cluster)]

    def reverse(self) -> Operation:
        return CreateMaterializedView(self.name, self.query, self.to, self.columns, self.cluster)

    def describe(self) -> str:
        return f"drop materialized view {self.name}"


# -- single changes, for hand-written files (no snapshot of the whole table) ------------
@dataclass
class _OneChange(Operation):
    """One change compiled by the platform's ALTER; a dialect that would need the whole
    table for it (SQLite's rebuild) refuses, pointing at AlterTable."""

    table: str

    def diff(self) -> TableDiff:
        raise NotImplementedError

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        diff = self.diff()
        if platform.alter_requires_current(diff):
            # the SQL depends on the live table (SQLite's rebuild, ClickHouse's skip
            # indexes over a dropped column): read it when the step runs
            def run(connection: BaseConnection) -> None:
                current = platform.get_table(connection, diff.name)
                platform.execute_alter(connection, diff, current)

            return [AlterStep(f"-- {self.describe()} (SQL built from the live table when "
                              "this step runs)", run=run), *platform.alter_waits(diff.name)]
        try:
            statements = platform.compile_alter(diff, None)
            waits = platform.alter_waits(diff.name) if statements else []
            return [*(AlterStep(s) for s in statements), *waits]
        except SchemaError as exc:
            raise MigrationError(
                f"{self.describe()}: {exc}. Use ops.AlterTable(before, after), which "
                "carries the whole table, for this change"
            ) from exc


@dataclass
class AddColumn(_OneChange):
    column: Column = field(default_factory=lambda: _missing("column"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, added_columns={self.column.name: self.column})

    def reverse(self) -> Operation:
        return DropColumn(self.table, self.column)

    def describe(self) -> str:
        return f"add column {self.table}.{self.column.name}"


@dataclass
class DropColumn(_OneChange):
    """Drop ``column`` (its definition makes the drop reversible, without its values)."""

    column: Column = field(default_factory=lambda: _missing("column"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, dropped_columns=[self.column.name])

    @property
    def destructive(self) -> list[str]:
        return [f"drops column {self.table}.{self.column.name}"]

    def reverse(self) -> Operation:
        return AddColumn(self.table, self.column)

    def describe(self) -> str:
        return f"drop column {self.table}.{self.column.name}"


@dataclass
class AlterColumn(_OneChange):
    """Change a column's definition from ``old`` to ``new`` (same name)."""

    old: Column = field(default_factory=lambda: _missing("old"))
    new: Column = field(default_factory=lambda: _missing("new"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, changed_columns={self.old.name: self.new})

    @property
    def destructive(self) -> list[str]:
        if narrowing(self.old, self.new):
            return [f"changes the type of {self.table}.{self.old.name}"]
        return []

    def reverse(self) -> Operation:
        return AlterColumn(self.table, self.new, self.old)

    def describe(self) -> str:
        return f"alter column {self.table}.{self.old.name}"


@dataclass
class RenameColumn(_OneChange):
    old: str = field(default_factory=lambda: _missing("old"))
    new: str = field(default_factory=lambda: _missing("new"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, renamed_columns={self.old: self.new})

    def reverse(self) -> Operation:
        return RenameColumn(self.table, self.new, self.old)

    def describe(self) -> str:
        return f"rename column {self.table}.{self.old} -> {self.new}"


@dataclass
class AddIndex(_OneChange):
    index: Index = field(default_factory=lambda: _missing("index"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, added_indexes=[self.index])

    def reverse(self) -> Operation:
        return DropIndex(self.table, self.index)

    def describe(self) -> str:
        return f"add index {self.index.name} on {self.table}"


@dataclass
class DropIndex(_OneChange):
    index: Index = field(default_factory=lambda: _missing("index"))

    def diff(self) -> TableDiff:
        return TableDiff(self.table, dropped_indexes=[self.index.name])

    def reverse(self) -> Operation:
        return AddIndex(self.table, self.index)

    def describe(self) -> str:
        return f"drop index {self.index.name} on {self.table}"


@dataclass
class ChangeTableOptions(_OneChange):
    """Table options the dialect alters in place: ClickHouse's ``ttl``, ``settings``,
    ``projections`` (name -> query) / ``drop_projections``; ``before`` makes it
    reversible."""

    options: Mapping[str, Any] = field(default_factory=dict)
    before: Mapping[str, Any] | None = None

    def diff(self) -> TableDiff:
        return TableDiff(self.table, options=dict(self.options))

    def reverse(self) -> Operation:
        if self.before is None:
            return super().reverse()
        return ChangeTableOptions(self.table, self.before, self.options)

    def describe(self) -> str:
        return f"change {', '.join(self.options)} of {self.table}"


def _missing(name: str) -> Any:
    raise MigrationError(f"the operation needs {name}=...")
