"""SQLite platform: DDL, native ALTERs where SQLite has them, the rebuild where not.

Native: ADD COLUMN (nullable or with a constant default, not a key), RENAME COLUMN
(3.25+), DROP COLUMN (3.35+, when no key, index or foreign key uses it), CREATE/DROP INDEX
and RENAME TO. Everything else — changing a column's type, nullability or default, keys,
foreign keys, adding a NOT NULL column without a default — rebuilds the table (see
rebuild.py), keeping the other columns, indexes, foreign keys and triggers.

SQLite has no column comments, engines or codecs: comments and storage options are
ignored; MATERIALIZED/ALIAS columns are refused. Table options read here:
``without_rowid`` and ``strict``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence

from clickorm.dialects import (
    AlterPlan,
    AlterStep,
    BaseConnection,
    BasePlatform,
    Codec,
    Column,
    ColumnDescription,
    CurrentTimestamp,
    Decimal,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LogicalType,
    Nullable,
    RawType,
    RebuildPlan,
    SchemaError,
    Table,
    TableDiff,
    referential_action,
)
from clickorm_sqlite import introspect, rebuild
from clickorm_sqlite.quoting import SQLitePreparer
from clickorm_sqlite.types import (
    TYPE_NAMES,
    decoder_for,
    encoder_for,
    enum_type_name,
    integer_type_name,
    logical_from_declared,
)

_RENAME_COLUMN = (3, 25, 0)
_DROP_COLUMN = (3, 35, 0)
_UNSUPPORTED_COLUMN_OPTIONS = ("materialized", "alias")
#: what SQLite takes as a DEFAULT without parentheses: a signed number, a string or blob
#: literal, NULL, TRUE/FALSE, CURRENT_TIME/DATE/TIMESTAMP; anything else is an expression
_BARE_DEFAULT = re.compile(
    r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?0[xX][0-9a-fA-F]+|[xX]?'([^']|'')*'"
    r'|"([^"]|"")*"'  # a double-quoted string: SQLite reads it as a literal only bare
    r"|(?i:null|true|false|current_time|current_date|current_timestamp)")


class SQLitePlatform(BasePlatform):
    """SQLite DDL compiler."""

    dialect_name = "sqlite"
    preparer_class = SQLitePreparer
    rebuilds_tables = True
    type_names = TYPE_NAMES
    model_option_keys = frozenset({"strict", "without_rowid"})
    #: a UNIQUE constraint of a CREATE TABLE is the unique index Column(unique=True) makes
    plain_index_options = frozenset({"sqlite_constraint"})

    def logical_type_of(self, column: Column) -> LogicalType | None:
        if not isinstance(column.type, RawType):
            return column.full_type
        logical = logical_from_declared(column.type.sql)
        if logical is None:
            return None
        return Nullable(logical) if column.nullable else logical

    def same_column_type(self, spelled: str, declared: str) -> bool:
        return spelled.upper() == declared.upper()  # SQLite's type names ignore case

    def column_note(self, column: Column) -> str | None:
        if isinstance(column.type, RawType) and isinstance(
                logical_from_declared(column.type.sql), Decimal):
            return ("SQLite keeps no precision and scale for a decimal column (nor tells it "
                    "from a 128/256-bit integer): Decimal(38, 10) is assumed, check it")
        return None

    @property
    def sqlite_version(self) -> tuple[int, ...]:
        """The library version the DDL targets (the connection's, else this Python's)."""
        if self.server_version:
            return tuple(self.server_version)
        import sqlite3

        return sqlite3.sqlite_version_info

    # -- types, codecs -------------------------------------------------------------------
    def type_sql_enum(self, logical: Enum) -> str:
        return enum_type_name(logical)

    def type_sql_integer(self, logical: Integer) -> str:
        return integer_type_name(logical)

    def make_encoder(self, logical: LogicalType) -> Codec | None:
        return encoder_for(logical)

    def make_decoder(self, logical: LogicalType) -> Codec | None:
        return decoder_for(logical)

    # -- CREATE --------------------------------------------------------------------------
    def check_table(self, table: Table) -> None:
        super().check_table(table)
        for column in table.columns.values():
            self.check_column(column, table.name)
            if column.autoincrement and self.column_type_sql(column).upper() != "INTEGER":
                raise SchemaError(
                    f"SQLite autoincrement needs an integer column; {table.name}.{column.name} "
                    f"is {column.type!r}"
                )

    def check_column(self, column: Column, table: str) -> None:
        """Refuse column features SQLite cannot express; compile the type to check it."""
        used = [k for k in _UNSUPPORTED_COLUMN_OPTIONS if column.options.get(k) is not None]
        if used:
            raise SchemaError(
                f"SQLite cannot express {used[0].upper()} columns ({table}.{column.name}); "
                "use a regular column on SQLite"
            )
        self.column_type_sql(column)

    def _inline_primary(self, column: Column, table: Table | None) -> bool:
        return table is not None and table.primary_key == (column.name,)

    def default_sql(self, column: Column) -> str | None:
        """An expression default in parentheses: SQLite takes only literals bare."""
        default = super().default_sql(column)
        if default is None or _BARE_DEFAULT.fullmatch(default.strip()):
            return default
        return f"({default})"

    def column_sql(self, column: Column, table: Table | None = None) -> str:
        parts = [self.quote(column.name)]
        declared = self.column_type_sql(column)
        if declared:
            parts.append(declared)
        if not column.nullable:
            parts.append("NOT NULL")
        if self._inline_primary(column, table):
            parts.append("PRIMARY KEY")
            if column.autoincrement:
                parts.append("AUTOINCREMENT")
        default = self.default_sql(column)
        if default is not None:
            parts.append(f"DEFAULT {default}")
        return " ".join(parts)

    def primary_key_sql(self, table: Table) -> str | None:
        if len(table.primary_key) <= 1:
            return None  # inline on the column
        return f"PRIMARY KEY ({self.quote_columns(table.primary_key)})"

    def foreign_key_sql(self, fk: ForeignKey) -> str:
        if fk.references_table and not fk.references_columns:
            # SQLite allows REFERENCES parent (the parent's primary key)
            sql = (
                f"FOREIGN KEY ({self.quote_columns(fk.columns)}) "
                f"REFERENCES {self.quote(fk.references_table)}"
            )
            if fk.on_delete:
                sql += f" ON DELETE {referential_action(fk.on_delete)}"
            if fk.on_update:
                sql += f" ON UPDATE {referential_action(fk.on_update)}"
            return sql
        return super().foreign_key_sql(fk)

    def compile_create(self, table: Table, if_not_exists: bool = False) -> list[str]:
        statements = super().compile_create(table, if_not_exists)
        suffix = [
            word
            for key, word in (("without_rowid", "WITHOUT ROWID"), ("strict", "STRICT"))
            if table.options.get(key)
        ]
        if suffix:
            statements[0] += " " + ", ".join(suffix)
        return statements

    # -- other whole-table statements ----------------------------------------------------
    def compile_rename(self, old: str, new: str, *, cluster: str | None = None,
                       current: Table | None = None) -> list[str]:
        self.no_cluster(cluster)
        _, _, short = new.rpartition(".")  # SQLite: the new name is never qualified
        return [f"ALTER TABLE {self.quote_table(old)} RENAME TO {self.quote(short)}"]

    def compile_truncate(self, name: str, *, cluster: str | None = None) -> list[str]:
        self.no_cluster(cluster)
        return [f"DELETE FROM {self.quote_table(name)}"]

    def compile_drop_index(self, table: str, name: str) -> str:
        schema, _, _ = table.rpartition(".")
        return f"DROP INDEX {self.quote_table(f'{schema}.{name}' if schema else name)}"

    # -- ALTER ---------------------------------------------------------------------------
    def rebuild_reasons(self, diff: TableDiff, current: Table | None) -> list[str]:
        """Why ``diff`` needs a table rebuild on SQLite (empty: ALTER TABLE will do)."""
        reasons = []
        if diff.changed_columns:
            reasons.append(f"changing column(s) {', '.join(diff.changed_columns)}")
        if diff.primary_key is not None:
            reasons.append("changing the primary key")
        if diff.added_foreign_keys or diff.dropped_foreign_keys:
            reasons.append("adding or dropping foreign keys")
        if diff.renamed_columns and self.sqlite_version < _RENAME_COLUMN:
            reasons.append(f"renaming columns (SQLite {_version(self.sqlite_version)} < 3.25)")
        for column in diff.added_columns.values():
            why = self._add_needs_rebuild(column)
            if why:
                reasons.append(f"adding {column.name!r} ({why})")
        for name in diff.dropped_columns:
            why = self._drop_needs_rebuild(name, current)
            if why:
                reasons.append(f"dropping {name!r} ({why})")
        return reasons

    def _add_needs_rebuild(self, column: Column) -> str | None:
        if column.autoincrement:
            return "a primary key"
        raw = column.default_raw
        if isinstance(raw, CurrentTimestamp) or (
            isinstance(raw, str) and (raw.lstrip().startswith("(") or raw.upper().startswith("CURRENT_"))
        ):
            return "its default is an expression"
        if not column.nullable:
            literal = self.default_sql(column)
            if literal is None or literal.upper() == "NULL":
                return "NOT NULL without a default"
        return None

    def _drop_needs_rebuild(self, name: str, current: Table | None) -> str | None:
        if self.sqlite_version < _DROP_COLUMN:
            return f"SQLite {_version(self.sqlite_version)} < 3.35"
        if current is None:
            return None
        if name in current.primary_key:
            return "part of the primary key"
        if any(name in i.columns or i.options.get("verbatim_only") for i in current.indexes):
            return "used by an index"
        if any(name in fk.columns for fk in current.foreign_keys):
            return "part of a foreign key"
        return None

    def alter_requires_current(self, diff: TableDiff) -> bool:
        return bool(diff.dropped_columns) or bool(self.rebuild_reasons(diff, None))

    def compile_alter(self, diff: TableDiff, current: Table | None = None) -> list[str]:
        for column in [*diff.added_columns.values(), *diff.changed_columns.values()]:
            self.check_column(column, diff.name)
        if diff.dropped_columns and current is None and self.alter_requires_current(diff):
            raise self.needs_current(diff, "dropping columns")
        return super().compile_alter(diff, current)

    def needs_current(self, diff: TableDiff, why: str) -> SchemaError:
        return SchemaError(
            f"Altering {diff.name!r} on SQLite ({why}) needs the table's current definition: "
            "run it through Schema(connection).table(...) or pass current=Table"
        )

    # -- the core's table rebuild, SQLite's steps (see rebuild.py) -----------------------
    def check_rebuildable(self, current: Table) -> None:
        rebuild.check_rebuildable(current)

    def rebuild_after_copy(self, current: Table, target: Table, temp: str) -> list[str]:
        return rebuild.after_copy(self, current, target, temp)

    def rebuild_swap(self, table: str, temp: str) -> list[str]:
        return rebuild.swap(self, table, temp)

    def rebuild_restore(self, current: Table) -> list[str]:
        return list(current.options.get("sqlite_triggers", []))

    @contextlib.contextmanager
    def rebuild_session(
        self, connection: BaseConnection, plan: RebuildPlan, *, action: str
    ) -> Iterator[None]:
        with rebuild.session(self, connection, plan, action=action):
            yield

    def execute(
        self,
        connection: BaseConnection,
        statements: Sequence[str],
        *,
        table: str,
        action: str,
    ) -> None:
        """Several statements run inside one SAVEPOINT, so they apply all or none."""
        if len(statements) <= 1:
            super().execute(connection, statements, table=table, action=action)
            return
        connection.execute("SAVEPOINT clickorm_ddl")
        try:
            super().execute(connection, statements, table=table, action=action)
        except BaseException:
            connection.execute("ROLLBACK TO clickorm_ddl")
            connection.execute("RELEASE clickorm_ddl")
            raise
        connection.execute("RELEASE clickorm_ddl")

    # -- introspection -------------------------------------------------------------------
    def has_table(self, connection: BaseConnection, name: str) -> bool:
        return introspect.has_table(connection, name, self.quote)

    def get_columns(self, connection: BaseConnection, table: str) -> list[ColumnDescription]:
        return introspect.get_columns(connection, table, self.quote)

    def has_column(self, connection: BaseConnection, table: str, column: str) -> bool:
        if not self.has_table(connection, table):
            return False
        return any(c.name.lower() == column.lower() for c in self.get_columns(connection, table))

    def get_table(self, connection: BaseConnection, name: str) -> Table:
        return introspect.get_table(connection, name, self.quote)

    def list_tables(self, connection: BaseConnection) -> list[str]:
        return introspect.list_tables(connection)

    def normalized_table(self, connection: BaseConnection, table: Table) -> Table:
        """The scratch copy is made without indexes (SQLite's index names are global)."""
        bare = table.copy()
        bare.indexes = []
        out = super().normalized_table(connection, bare)
        out.indexes = [Index(i.name, i.columns, i.unique) for i in table.indexes]
        return out

    # -- migrations ----------------------------------------------------------------------
    def plan_alter(self, diff: TableDiff, before: Table, after: Table) -> AlterPlan:
        """ALTER TABLE where SQLite can, else its table rebuild as one atomic step."""
        for column in [*diff.added_columns.values(), *diff.changed_columns.values()]:
            self.check_column(column, diff.name)
        reasons = self.rebuild_reasons(diff, before)
        options = sorted(k for k in diff.options if k != "sqlite_triggers")
        if options:  # STRICT, WITHOUT ROWID: only a new table changes them
            reasons.append(f"changing table options ({', '.join(options)})")
        if not reasons:
            return super().plan_alter(diff, before, after)
        plan = rebuild.plan_rebuild(self, diff, before)

        def run(connection: BaseConnection) -> None:
            rebuild.run_rebuild(self, connection, plan, action="Migrating")

        sql = ";\n".join(plan.statements())
        return AlterPlan(diff.name, [AlterStep(sql, run=run, long=True)], rebuild=reasons)


def _version(version: tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version)
