"""Operation objects: what a migration file's ``upgrade()``/``downgrade()`` return.

Each operation knows its steps on a platform (the SQL, and checks a rebuild runs between
statements), whether it loses data (``destructive`` reasons: ``up`` refuses them
without ``--allow-destructive``) and, where it can, its reverse. Table operations carry
whole snapshots (:mod:`clickorm.migrations.snapshot`), so planning needs neither the
models nor the live database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clickorm.errors import MigrationError
from clickorm.migrations.compare import diff_tables, narrowing
from clickorm.schema.alter_plan import AlterStep
from clickorm.schema.table import Table

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform

__all__ = [
    "Operation", "CreateTable", "DropTable", "RenameTable", "AlterTable", "RunSQL",
    "RunPython", "reverse",
]


class Operation:
    """Base class: ``steps(platform)``, ``destructive``, ``reverse()``, ``describe()``."""

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        raise NotImplementedError

    @property
    def destructive(self) -> list[str]:
        """Why this operation loses data (empty: it does not)."""
        return []

    @property
    def unconfirmed(self) -> list[str]:
        """Guesses the author must confirm before the operation may run."""
        return []

    def reverse(self) -> Operation:
        raise MigrationError(f"{self.describe()} cannot be reversed; write downgrade() by hand")

    def describe(self) -> str:
        return type(self).__name__


def _cluster(table: Table) -> str | None:
    value = table.options.get("cluster")
    return str(value) if value else None


@dataclass
class CreateTable(Operation):
    table: Table

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        return [AlterStep(s) for s in platform.compile_create(self.table)]

    def reverse(self) -> Operation:
        return DropTable(self.table)

    def describe(self) -> str:
        return f"create table {self.table.name}"


@dataclass
class DropTable(Operation):
    """Drop a table; ``table`` is its definition, so the drop can be reversed (empty)."""

    table: Table

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        # every table the definition makes (a sharded table: the Distributed one, then
        # its local table), each ON CLUSTER when the table or the connection names one
        return [AlterStep(s) for name in platform.model_tables(self.table)
                for s in platform.compile_drop(name, cluster=_cluster(self.table))]

    @property
    def destructive(self) -> list[str]:
        return [f"drops table {self.table.name} and its rows"]

    def reverse(self) -> Operation:
        return CreateTable(self.table)

    def describe(self) -> str:
        return f"drop table {self.table.name}"


@dataclass
class RenameTable(Operation):
    old: str
    new: str
    cluster: str | None = None

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        return [AlterStep(s) for s in platform.compile_rename(self.old, self.new, cluster=self.cluster)]

    def reverse(self) -> Operation:
        return RenameTable(self.new, self.old, self.cluster)

    def describe(self) -> str:
        return f"rename table {self.old} -> {self.new}"


@dataclass
class AlterTable(Operation):
    """Turn ``before`` into ``after`` (same table): in place, rebuilt or refused by the
    platform. ``renames`` (old -> new) keep a column's values under a new name;
    ``unconfirmed_renames`` lists guesses (``"old -> new"``) the runner refuses until
    the author deletes them (confirming) or replaces the rename by a drop and an add."""

    before: Table
    after: Table
    renames: Mapping[str, str] = field(default_factory=dict)
    unconfirmed_renames: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.before.name != self.after.name:
            raise MigrationError(
                f"AlterTable goes from {self.before.name!r} to {self.after.name!r}; rename "
                "the table with RenameTable first"
            )

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        diff = diff_tables(self.before, self.after, self.renames)
        if diff.is_empty():
            return []
        return platform.plan_alter(diff, self.before, self.after).steps

    def rebuild_reasons(self, platform: BasePlatform) -> list[str]:
        diff = diff_tables(self.before, self.after, self.renames)
        return [] if diff.is_empty() else platform.plan_alter(diff, self.before, self.after).rebuild

    @property
    def destructive(self) -> list[str]:
        diff = diff_tables(self.before, self.after, self.renames)
        name = self.before.name
        out = [f"drops column {name}.{c}" for c in diff.dropped_columns]
        for new_name, col in diff.changed_columns.items():
            source = next((o for o, n in self.renames.items() if n == new_name), new_name)
            old = self.before.columns[source]
            if narrowing(old, col):
                out.append(f"changes the type of {name}.{source} "
                           f"({getattr(old.type, 'sql', old.type)} -> {getattr(col.type, 'sql', col.type)})")
        return out

    @property
    def unconfirmed(self) -> list[str]:
        return [f"rename column {self.before.name}.{r} (guessed)" for r in self.unconfirmed_renames]

    def reverse(self) -> Operation:
        return AlterTable(self.after, self.before, {n: o for o, n in self.renames.items()})

    def describe(self) -> str:
        return f"alter table {self.before.name}"


@dataclass
class RunSQL(Operation):
    """Statements as written; ``reverse_sql`` makes it reversible."""

    sql: str | Sequence[str]
    reverse_sql: str | Sequence[str] | None = None
    loses_data: bool = False

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        return [AlterStep(s) for s in ([self.sql] if isinstance(self.sql, str) else self.sql)]

    @property
    def destructive(self) -> list[str]:
        return ["runs SQL marked loses_data=True"] if self.loses_data else []

    def reverse(self) -> Operation:
        if self.reverse_sql is None:
            return super().reverse()
        return RunSQL(self.reverse_sql, self.sql)

    def describe(self) -> str:
        return "run SQL"


@dataclass
class RunPython(Operation):
    """A data step: ``forward(connection)``; ``backward`` makes it reversible."""

    forward: Callable[[BaseConnection], None]
    backward: Callable[[BaseConnection], None] | None = None

    def steps(self, platform: BasePlatform) -> list[AlterStep]:
        name = getattr(self.forward, "__name__", "python step")
        return [AlterStep(f"-- python: {name}", run=self.forward, long=True)]

    def reverse(self) -> Operation:
        if self.backward is None:
            return super().reverse()
        return RunPython(self.backward, self.forward)

    def describe(self) -> str:
        return f"run Python {getattr(self.forward, '__name__', '')}".strip()


def reverse(operations: Sequence[Operation]) -> list[Operation]:
    """The operations undoing ``operations`` (reversed order); refuses irreversible ones."""
    return [op.reverse() for op in reversed(operations)]
