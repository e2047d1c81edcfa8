"""Schema: picks the connection and the mode, hands Blueprints to the Platform.

Every method works on the class (default connection, looked up when first needed) and
on an instance bound to a connection::

    with Schema.create("users") as t:          # default connection
        t.increments("id"); t.string("name")
    Schema(conn).drop_if_exists("users")       # a given connection
    Schema.on("analytics").has_table("events")  # a named connection

Dry mode compiles and collects instead of running: ``Schema(conn, dry=True)`` (or
``Schema(platform=SQLitePlatform(), dry=True)`` with no database at all). Every
operation returns its statements, and the instance keeps all of them in
``schema.statements``. Introspection (``has_table``, ``get_columns``, and reading the
current table for SQLite rebuilds) still queries the connection in dry mode: it only reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Concatenate, Generic, ParamSpec, TypeVar

# the module, not its names: connection.manager -> plugins.manager -> this package is a
# cycle inside the engine layer, resolved by reading the function when a schema runs
from clickorm.connection import manager as connection_manager
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.table import ColumnDescription, Table, TableDiff

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.schema.platform import BasePlatform
    from clickorm.types.registry import TypeRegistry

__all__ = ["Schema"]

P = ParamSpec("P")
R = TypeVar("R")


class _either(Generic[P, R]):  # noqa: N801 - used like ``classmethod``
    """A method callable on the class (a default Schema is made) or on an instance."""

    def __init__(self, fn: Callable[Concatenate[Schema, P], R]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, obj: Schema | None, owner: type[Schema]) -> Callable[P, R]:
        target = owner() if obj is None else obj
        return functools.partial(self.fn, target)


class Schema:
    """Creates, alters, drops and inspects tables on one connection."""

    def __init__(
        self,
        connection: BaseConnection | None = None,
        *,
        dry: bool = False,
        platform: BasePlatform | None = None,
        registry: TypeRegistry | None = None,
        connection_name: str | None = None,
    ) -> None:
        self._connection = connection
        self._connection_name = connection_name
        self._platform = platform
        self.dry = dry
        self.registry = registry
        #: every statement this Schema compiled, in order (run or, in dry mode, not)
        self.statements: list[str] = []

    @classmethod
    def on(cls, name: str, *, dry: bool = False) -> Schema:
        """A Schema on the configured connection called ``name``."""
        return cls(connection_name=name, dry=dry)

    # -- what it runs on ---------------------------------------------------------------
    @property
    def connection(self) -> BaseConnection:
        if self._connection is None:
            get_connection = connection_manager.get_connection
            conn = get_connection(self._connection_name) if self._connection_name else get_connection()
            self._connection = conn
        return self._connection

    @property
    def has_connection(self) -> bool:
        return self._connection is not None or self._platform is None

    @property
    def platform(self) -> BasePlatform:
        if self._platform is None:
            self._platform = self.connection.platform
        return self._platform

    # -- create / alter through blueprints ---------------------------------------------
    @_either
    def create(self, name: str, *, if_not_exists: bool = False) -> Blueprint:
        """A Blueprint for a new table; the table is created when the ``with`` block ends."""
        return Blueprint(
            name,
            mode="create",
            registry=self.registry,
            on_finish=lambda bp: self.create_table(bp.table, if_not_exists=if_not_exists),
            compiler=lambda bp: self.platform.compile_create(bp.table, if_not_exists),
        )

    @_either
    def table(self, name: str, *, current: Table | None = None) -> Blueprint:
        """A Blueprint of changes to ``name``, applied when the ``with`` block ends.

        ``current`` is the table's present definition for platforms that rebuild tables
        (SQLite); without it, it is read from the connection when needed.
        """
        return Blueprint(
            name,
            mode="alter",
            registry=self.registry,
            on_finish=lambda bp: self.alter_table(bp.diff, current=current),
            compiler=lambda bp: self._compile_alter(bp.diff, current),
        )

    @_either
    def create_table(self, table: Table, *, if_not_exists: bool = False) -> list[str]:
        statements = self.platform.compile_create(table, if_not_exists)
        return self._run(statements, table=table.name, action="Creating")

    @_either
    def alter_table(self, diff: TableDiff, *, current: Table | None = None) -> list[str]:
        if diff.is_empty():
            return []
        if self.dry:
            statements = self._compile_alter(diff, current)
            self.statements.extend(statements)
            return statements
        if current is None and self.platform.alter_requires_current(diff):
            current = self.platform.get_table(self.connection, diff.name)
        statements = self.platform.execute_alter(self.connection, diff, current)
        self.statements.extend(statements)
        return statements

    def _compile_alter(self, diff: TableDiff, current: Table | None) -> list[str]:
        platform = self.platform
        if current is None and platform.alter_requires_current(diff) and self.has_connection:
            current = platform.get_table(self.connection, diff.name)
        return platform.compile_alter(diff, current)

    # -- whole-table operations --------------------------------------------------------
    # ``cluster=`` runs the statement ON CLUSTER where the dialect has clusters (ClickHouse)
    @_either
    def drop(self, name: str, *, cluster: str | None = None) -> list[str]:
        return self._run(self.platform.compile_drop(name, cluster=cluster), table=name,
                         action="Dropping")

    @_either
    def drop_if_exists(self, name: str, *, cluster: str | None = None) -> list[str]:
        return self._run(self.platform.compile_drop(name, True, cluster=cluster), table=name,
                         action="Dropping")

    @_either
    def rename(self, old: str, new: str, *, cluster: str | None = None) -> list[str]:
        platform = self.platform
        if platform.rename_requires_current and self.has_connection:
            current = platform.get_table(self.connection, old)
            statements = platform.compile_rename(old, new, cluster=cluster, current=current)
        else:
            statements = platform.compile_rename(old, new, cluster=cluster)
        return self._run(statements, table=old, action="Renaming")

    @_either
    def truncate(self, name: str, *, cluster: str | None = None) -> list[str]:
        return self._run(self.platform.compile_truncate(name, cluster=cluster), table=name,
                         action="Truncating")

    # -- introspection -----------------------------------------------------------------
    @_either
    def has_table(self, name: str) -> bool:
        return self.platform.has_table(self.connection, name)

    @_either
    def has_column(self, table: str, column: str) -> bool:
        return self.platform.has_column(self.connection, table, column)

    @_either
    def get_columns(self, table: str) -> list[ColumnDescription]:
        return self.platform.get_columns(self.connection, table)

    @_either
    def get_table(self, name: str) -> Table:
        return self.platform.get_table(self.connection, name)

    @_either
    def introspect(self, table_names: Sequence[str] | None = None) -> dict[str, Table]:
        """The live tables (all, or ``table_names`` that exist) as Table objects: what
        migrations compare with the models and ``clickorm inspect`` prints."""
        return self.platform.introspect(self.connection, table_names)

    # -- running -----------------------------------------------------------------------
    def _run(self, statements: list[str], *, table: str, action: str) -> list[str]:
        self.statements.extend(statements)
        if not self.dry:
            self.platform.execute(self.connection, statements, table=table, action=action)
        return statements
