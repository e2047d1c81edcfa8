"""BasePlatform: compiles Table / TableDiff objects into DDL for one dialect.

Grammars compile DML; DDL differs too much between databases (SQLite rebuilds tables,
ClickHouse has engines and mutations), so each dialect has a Platform. The base gives
ANSI-flavoured defaults a dialect overrides piece by piece:

- types: ``type_sql(logical)`` tries a plugin override from the TypeRegistry, then a
  ``type_sql_<kind>`` method, then the ``type_names`` table (merged along the MRO);
- codecs: ``encoder(logical)`` / ``decoder(logical)`` (cached; ``None`` = pass through;
  every returned codec lets ``None`` through) built by ``make_encoder``/``make_decoder``;
- DDL: ``compile_create/alter/drop/rename/truncate`` return lists of statements;
- execution: ``execute`` / ``execute_alter`` run statements on a BaseConnection; a
  dialect that sets ``rebuilds_tables`` gets the core's table rebuild
  (:mod:`clickorm.schema.rebuild`) for the alters ``rebuild_reasons`` names;
- introspection (:mod:`clickorm.schema.platform_reading`, mixed in): ``has_table``,
  ``has_column``, ``get_columns``, ``get_table``, and ``introspect`` (every table, or
  some, as Table objects) which migrations' autogenerate and ``clickorm inspect`` share;
- migrations: ``plan_alter(diff, before, after)`` gives an :class:`AlterPlan` (in-place
  statements, or a rebuild with its checks); ``normalized_table`` gives a definition
  spelled the way ``introspect`` reads it back, so the two compare field by field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.errors import QueryError, SchemaError
from clickorm.query.preparer import IdentifierPreparer
from clickorm.schema.alter_plan import AlterPlan, AlterStep
from clickorm.schema.platform_reading import Introspection
from clickorm.schema.rebuild import RebuildPlan, plan_rebuild, run_rebuild
from clickorm.schema.table import (
    NO_DEFAULT,
    Column,
    CurrentTimestamp,
    ForeignKey,
    Index,
    Table,
    TableDiff,
)
from clickorm.types.jsonform import none_safe
from clickorm.types.logical import (
    DateTime,
    DateTime64,
    Decimal,
    Float,
    Integer,
    LogicalType,
    LowCardinality,
    Nullable,
)
from clickorm.types.registry import get_registry

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.types.registry import TypeRegistry

__all__ = ["ANSI_TYPE_NAMES", "BasePlatform", "Codec", "referential_action"]

Codec = Callable[[Any], Any]

#: the ANSI SQL spelling of the kinds that need no parameters; the fallback when a
#: dialect's ``type_names`` and ``type_sql_<kind>`` methods say nothing about a kind
#: (integers, floats, decimals and timestamps are spelled by :meth:`BasePlatform.ansi_type_sql`)
ANSI_TYPE_NAMES: dict[str, str] = {
    "string": "VARCHAR",
    "bytes": "BLOB",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


class BasePlatform(Introspection):
    """Base class every dialect's DDL compiler subclasses."""

    dialect_name = "base"
    #: how this dialect quotes identifiers and writes literals (its grammar's too)
    preparer_class: ClassVar[type[IdentifierPreparer]] = IdentifierPreparer
    #: logical kind -> DDL type name; subclasses add or replace entries (merged on the MRO)
    type_names: ClassVar[dict[str, str]] = {}
    _all_type_names: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        merged: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            merged.update(klass.__dict__.get("type_names", {}))
        cls._all_type_names = merged

    def __init__(
        self,
        *,
        server_version: tuple[int, ...] | None = None,
        capabilities: frozenset[str] = frozenset(),
        **options: Any,
    ) -> None:
        self.server_version = server_version
        self.capabilities = capabilities
        self.options = options
        self.preparer = self.preparer_class(server_version)
        self._registry: TypeRegistry | None = options.get("registry")
        self._encoders: dict[LogicalType, Codec | None] = {}
        self._decoders: dict[LogicalType, Codec | None] = {}

    @property
    def registry(self) -> TypeRegistry:
        if self._registry is None:
            self._registry = get_registry()
        return self._registry

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities

    # -- identifiers and literals (the dialect's preparer, shared with its grammar) -------
    def quote(self, name: str) -> str:
        """Quote one identifier; names that cannot be quoted safely are refused."""
        try:
            return self.preparer.quote(name)
        except QueryError as exc:
            raise SchemaError(str(exc)) from None

    def quote_table(self, name: str) -> str:
        """Quote a possibly qualified table name (``db.table``) part by part."""
        return ".".join(self.quote(part) for part in name.split("."))

    def quote_columns(self, names: Sequence[str]) -> str:
        return ", ".join(self.quote(n) for n in names)

    def literal(self, value: Any) -> str:
        """A SQL literal for DDL (defaults cannot be bound): the grammar's spelling."""
        try:
            return self.preparer.literal(value)
        except QueryError as exc:
            raise SchemaError(
                f"{exc}; use default_raw(...) with an SQL expression instead") from None

    def quote_string(self, text: str) -> str:
        try:
            return self.preparer.quote_string(text)
        except QueryError as exc:
            raise SchemaError(str(exc)) from None

    def current_timestamp_sql(self) -> str:
        return "CURRENT_TIMESTAMP"

    # -- types and codecs ----------------------------------------------------------------
    def type_sql(self, logical: LogicalType) -> str:
        """This dialect's DDL name for a logical type."""
        override = self.registry.type_sql_override(self.dialect_name, logical)
        if override is not None:
            return override(logical, self)
        if logical.is_open:
            raise SchemaError(
                f"{logical!r} is an incomplete type marker; give the inner type, e.g. "
                f"types.{type(logical).__name__}(types.String)"
            )
        method = getattr(self, f"type_sql_{logical.kind}", None)
        if method is not None:
            return str(method(logical))
        try:
            return self._all_type_names[logical.kind]
        except KeyError:
            pass
        ansi = self.ansi_type_sql(logical)
        if ansi is None:
            raise SchemaError(
                f"The {self.dialect_name} platform cannot express the column type {logical!r}"
            )
        return ansi

    def ansi_type_sql(self, logical: LogicalType) -> str | None:
        """The ANSI type for ``logical`` where one holds every value exactly, else None:
        SMALLINT/INTEGER/BIGINT (an unsigned type takes the next wider one; UInt64 and
        wider have none), REAL/DOUBLE PRECISION, DECIMAL(p, s), TIMESTAMP[(p)] [WITH
        TIME ZONE] and :data:`ANSI_TYPE_NAMES`."""
        if isinstance(logical, Integer):
            bits = logical.bits if logical.signed else logical.bits * 2
            for width, name in ((16, "SMALLINT"), (32, "INTEGER"), (64, "BIGINT")):
                if bits <= width:
                    return name
            return None
        if isinstance(logical, Float):
            return "REAL" if logical.bits == 32 else "DOUBLE PRECISION"
        if isinstance(logical, Decimal):
            return f"DECIMAL({logical.precision}, {logical.scale})"
        if isinstance(logical, DateTime | DateTime64):
            precision = f"({logical.precision})" if isinstance(logical, DateTime64) else ""
            zone = " WITH TIME ZONE" if logical.timezone else ""
            return f"TIMESTAMP{precision}{zone}"
        return ANSI_TYPE_NAMES.get(logical.kind)

    def type_sql_raw(self, logical: Any) -> str:
        return str(logical.sql)

    def type_sql_nullable(self, logical: Nullable) -> str:
        assert logical.inner is not None
        return self.type_sql(logical.inner)

    def type_sql_low_cardinality(self, logical: LowCardinality) -> str:
        assert logical.inner is not None
        return self.type_sql(logical.inner)

    def encoder(self, logical: LogicalType) -> Codec | None:
        """Python value -> database parameter for ``logical``; ``None`` means unchanged."""
        try:
            return self._encoders[logical]
        except KeyError:
            pass
        override = self.registry.codec_override(self.dialect_name, logical)
        if override is not None:
            codec = none_safe(override[0]) if override[0] is not None else None
        else:
            codec = self.make_encoder(logical)
        self._encoders[logical] = codec
        return codec

    def decoder(self, logical: LogicalType) -> Codec | None:
        """Database value -> Python value for ``logical``; ``None`` means unchanged."""
        try:
            return self._decoders[logical]
        except KeyError:
            pass
        override = self.registry.codec_override(self.dialect_name, logical)
        if override is not None:
            codec = none_safe(override[1]) if override[1] is not None else None
        else:
            codec = self.make_decoder(logical)
        self._decoders[logical] = codec
        return codec

    def make_encoder(self, logical: LogicalType) -> Codec | None:
        """Build the encoder for ``logical`` (dialects override; must let None through)."""
        if isinstance(logical, Nullable | LowCardinality) and logical.inner is not None:
            return self.encoder(logical.inner)
        return None

    def make_decoder(self, logical: LogicalType) -> Codec | None:
        if isinstance(logical, Nullable | LowCardinality) and logical.inner is not None:
            return self.decoder(logical.inner)
        return None

    # -- pieces of DDL -------------------------------------------------------------------
    def check_table(self, table: Table) -> None:
        """Refuse definitions this dialect cannot express (the base checks references)."""
        table.validate()

    def column_type_sql(self, column: Column) -> str:
        return self.type_sql(column.type)

    def default_sql(self, column: Column) -> str | None:
        """The DEFAULT expression: raw SQL verbatim, a value encoded then escaped."""
        if column.default_raw is not None:
            if isinstance(column.default_raw, CurrentTimestamp):
                return self.current_timestamp_sql()
            return column.default_raw
        if column.default is NO_DEFAULT:
            return None
        encode = self.encoder(column.type)
        value = encode(column.default) if encode is not None else column.default
        return self.literal(value)

    def column_sql(self, column: Column, table: Table | None = None) -> str:
        parts = [self.quote(column.name), self.column_type_sql(column)]
        if not column.nullable:
            parts.append("NOT NULL")
        default = self.default_sql(column)
        if default is not None:
            parts.append(f"DEFAULT {default}")
        return " ".join(parts)

    def primary_key_sql(self, table: Table) -> str | None:
        if not table.primary_key:
            return None
        sql = f"PRIMARY KEY ({self.quote_columns(table.primary_key)})"
        name = table.options.get("primary_key_name")
        return f"CONSTRAINT {self.quote(name)} {sql}" if name else sql

    def foreign_key_sql(self, fk: ForeignKey) -> str:
        if not fk.references_table or not fk.references_columns:
            raise SchemaError(
                f"Foreign key on {fk.columns} needs the referenced table and columns: "
                "t.foreign('user_id').references('id').on('users')"
            )
        sql = (
            f"FOREIGN KEY ({self.quote_columns(fk.columns)}) REFERENCES "
            f"{self.quote_table(fk.references_table)} ({self.quote_columns(fk.references_columns)})"
        )
        if fk.name:
            sql = f"CONSTRAINT {self.quote(fk.name)} {sql}"
        if fk.on_delete:
            sql += f" ON DELETE {referential_action(fk.on_delete)}"
        if fk.on_update:
            sql += f" ON UPDATE {referential_action(fk.on_update)}"
        return sql

    def compile_create_index(self, table: str, index: Index) -> str:
        if index.raw_sql:
            return index.raw_sql
        unique = "UNIQUE " if index.unique else ""
        return (
            f"CREATE {unique}INDEX {self.quote(index.name)} ON {self.quote_table(table)} "
            f"({self.quote_columns(index.columns)})"
        )

    def compile_drop_index(self, table: str, name: str) -> str:
        return f"DROP INDEX {self.quote(name)}"

    # -- whole statements ----------------------------------------------------------------
    def compile_create(self, table: Table, if_not_exists: bool = False) -> list[str]:
        self.check_table(table)
        parts = [self.column_sql(c, table) for c in table.columns.values()]
        pk = self.primary_key_sql(table)
        if pk:
            parts.append(pk)
        parts.extend(self.foreign_key_sql(fk) for fk in table.foreign_keys)
        head = "CREATE TABLE IF NOT EXISTS" if if_not_exists else "CREATE TABLE"
        statements = [f"{head} {self.quote_table(table.name)} ({', '.join(parts)})"]
        indexes = [self.compile_create_index(table.name, i) for i in table.indexes]
        if if_not_exists:  # creating twice must not fail on the indexes either
            indexes = [
                sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
                    "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1)
                for sql in indexes
            ]
        return statements + indexes

    def no_cluster(self, cluster: str | None) -> None:
        """Dialects without clusters refuse ``ON CLUSTER`` rather than drop it silently."""
        if cluster:
            raise SchemaError(f"ON CLUSTER ({cluster!r}) is not supported by the "
                              f"{self.dialect_name} dialect")

    def compile_drop(self, name: str, if_exists: bool = False, *,
                     cluster: str | None = None) -> list[str]:
        self.no_cluster(cluster)
        head = "DROP TABLE IF EXISTS" if if_exists else "DROP TABLE"
        return [f"{head} {self.quote_table(name)}"]

    #: True when :meth:`compile_rename` needs the table's current definition (Schema
    #: reads it from the connection and passes ``current``)
    rename_requires_current: ClassVar[bool] = False

    def compile_rename(self, old: str, new: str, *, cluster: str | None = None,
                       current: Table | None = None) -> list[str]:
        """Rename table ``old`` to ``new``; ``current`` is its definition when
        :attr:`rename_requires_current` (a dialect that must re-create the indexes)."""
        self.no_cluster(cluster)
        return [f"ALTER TABLE {self.quote_table(old)} RENAME TO {self.quote_table(new)}"]

    def compile_truncate(self, name: str, *, cluster: str | None = None) -> list[str]:
        self.no_cluster(cluster)
        return [f"TRUNCATE TABLE {self.quote_table(name)}"]

    def compile_create_view(
        self,
        name: str,
        query: Any,
        *,
        to: str,
        columns: Sequence[str] | None = None,
        if_not_exists: bool = False,
        cluster: str | None = None,
    ) -> list[str]:
        """``CREATE MATERIALIZED VIEW name TO target AS SELECT``; dialects without
        materialized views refuse."""
        raise SchemaError(
            f"The {self.dialect_name} dialect has no materialized views (view {name!r})")

    def compile_drop_view(
        self, name: str, if_exists: bool = False, *, cluster: str | None = None
    ) -> list[str]:
        self.no_cluster(cluster)
        head = "DROP VIEW IF EXISTS" if if_exists else "DROP VIEW"
        return [f"{head} {self.quote_table(name)}"]

    def compile_swap(self, name: str, new: str, old: str) -> list[str]:
        """Put ``new`` in place of ``name``, keeping the table it replaces as ``old``
        (a rebuild's swap). Two renames here; a dialect with one statement for both
        (ClickHouse's ``RENAME TABLE a TO b, c TO a``) overrides it."""
        return [*self.compile_rename(name, old), *self.compile_rename(new, name)]

    def alter_requires_current(self, diff: TableDiff) -> bool:
        """True when ``compile_alter`` needs the table's current definition (the base:
        when the alter needs a rebuild)."""
        return self.rebuilds_tables and bool(self.rebuild_reasons(diff, None))

    # -- the table rebuild (see clickorm.schema.rebuild) ----------------------------------
    #: True when ALTERs this engine cannot run in place rebuild the table
    rebuilds_tables: ClassVar[bool] = False

    def rebuild_reasons(self, diff: TableDiff, current: Table | None) -> list[str]:
        """Why ``diff`` needs a rebuild (empty: ALTER TABLE will do); used only when
        :attr:`rebuilds_tables`. The base: changing columns or the primary key."""
        reasons = []
        if diff.changed_columns:
            reasons.append(f"changing column(s) {', '.join(diff.changed_columns)}")
        if diff.primary_key is not None:
            reasons.append("changing the primary key")
        return reasons

    def needs_current(self, diff: TableDiff, why: str) -> SchemaError:
        """The error when an alter needs the table's definition and has none."""
        return SchemaError(
            f"Altering {diff.name!r} on {self.dialect_name} ({why}) needs the table's "
            "current definition: run it through Schema(connection).table(...) or pass "
            "current=Table"
        )

    def check_rebuildable(self, current: Table) -> None:  # noqa: B027 - optional hook
        """Refuse a table a rebuild would not preserve (triggers, generated columns ...)."""

    def rebuild_after_copy(self, current: Table, target: Table, temp: str) -> list[str]:
        """Statements run right after the rows are copied (none by default)."""
        return []

    def rebuild_swap(self, table: str, temp: str) -> list[str]:
        """Statements replacing ``table`` with the filled ``temp`` (drop, rename)."""
        return [f"DROP TABLE {self.quote_table(table)}", *self.compile_rename(temp, table)]

    def rebuild_restore(self, current: Table) -> list[str]:
        """Statements re-creating what the table had besides its indexes (none)."""
        return []

    @contextlib.contextmanager
    def rebuild_session(
        self, connection: BaseConnection, plan: RebuildPlan, *, action: str
    ) -> Iterator[None]:
        """Run a rebuild all or nothing: one transaction (a savepoint in an open one on
        dialects with nested transactions). Without transactions a rebuild is refused:
        a failure after the drop would lose the table."""
        if "transactions" not in connection.capabilities:
            raise SchemaError(
                f"{action} table {plan.table!r} needs a table rebuild, which the "
                f"{self.dialect_name} dialect can only run inside a transaction, and it "
                "declares none")
        with connection.transaction():
            yield

    def compile_alter(self, diff: TableDiff, current: Table | None = None) -> list[str]:
        """ANSI ALTER TABLE statements, one change per statement; a rebuild where the
        platform rebuilds tables and :meth:`rebuild_reasons` gives a reason."""
        if self.rebuilds_tables:
            reasons = self.rebuild_reasons(diff, current)
            if reasons:
                if current is None:
                    raise self.needs_current(diff, "; ".join(reasons))
                return plan_rebuild(self, diff, current).statements()
        if diff.changed_columns:
            raise SchemaError(
                f"The {self.dialect_name} platform cannot change columns "
                f"({', '.join(diff.changed_columns)}) of table {diff.name!r}"
            )
        if diff.primary_key is not None:
            raise SchemaError(
                f"The {self.dialect_name} platform cannot change the primary key of {diff.name!r}"
            )
        table = self.quote_table(diff.name)
        out = [
            f"ALTER TABLE {table} RENAME COLUMN {self.quote(old)} TO {self.quote(new)}"
            for old, new in diff.renamed_columns.items()
        ]
        out += [self.compile_drop_index(diff.name, name) for name in diff.dropped_indexes]
        for key in diff.dropped_foreign_keys:
            if not isinstance(key, str):
                raise SchemaError(
                    f"The {self.dialect_name} platform drops foreign keys by name; "
                    f"give the constraint name instead of {key!r}"
                )
            out.append(f"ALTER TABLE {table} DROP CONSTRAINT {self.quote(key)}")
        out += [f"ALTER TABLE {table} DROP COLUMN {self.quote(n)}" for n in diff.dropped_columns]
        out += [
            f"ALTER TABLE {table} ADD COLUMN {self.column_sql(c)}"
            for c in diff.added_columns.values()
        ]
        out += [f"ALTER TABLE {table} ADD {self.foreign_key_sql(fk)}" for fk in diff.added_foreign_keys]
        out += [self.compile_create_index(diff.name, i) for i in diff.added_indexes]
        if diff.new_name:
            out += self.compile_rename(diff.name, diff.new_name)
        return out

    # -- execution -----------------------------------------------------------------------
    def execute(
        self,
        connection: BaseConnection,
        statements: Sequence[str],
        *,
        table: str,
        action: str,
    ) -> None:
        """Run DDL statements in order, wrapping failures in SchemaError."""
        for sql in statements:
            self.run_one(connection, sql, table=table, action=action)

    def run_one(self, connection: BaseConnection, sql: str, *, table: str, action: str) -> Any:
        try:
            return connection.execute(sql)
        except Exception as exc:
            raise self.ddl_error(connection, sql, exc, table=table, action=action) from exc

    def ddl_error(
        self,
        connection: BaseConnection,
        sql: str | None,
        exc: BaseException,
        *,
        table: str,
        action: str,
    ) -> SchemaError:
        """A SchemaError saying what failed, on which table and connection, with the SQL."""
        reason = str(exc).split("\n", 1)[0] if isinstance(exc, QueryError) else str(exc)
        name = connection.name
        where = f" on connection {name!r}" if name else ""
        text = f"{action} table {table!r} failed{where}: {reason}"
        if sql:
            text += f"\n  SQL: {sql if len(sql) <= 2000 else sql[:2000] + ' ...'}"
        error = SchemaError(text)
        error.sql = sql  # type: ignore[attr-defined]
        error.table = table  # type: ignore[attr-defined]
        return error

    def alter_waits(self, table: str) -> list[AlterStep]:
        """Steps a migration runs after ALTERs of ``table`` until the change is everywhere
        (a dialect replicating DDL in the background waits for it); none by default."""
        return []

    def shared_table_options(self, table: str) -> dict[str, Any]:
        """Options making ``table`` one table every node of the connection's cluster
        shares (migrations keep their history in it); none by default, and a dialect
        without clusters refuses a connection that names one elsewhere."""
        return {}

    def compared_table(self, live: Mapping[str, Table], table: Table) -> Table | None:
        """The live table a model's ``table`` is compared with (migrations), under the
        model's name; None when it is missing. The default: the one of the same name."""
        return live.get(table.name)

    def model_tables(self, table: Table) -> list[str]:
        """The tables a model's definition makes, the one it is read through first
        (one; a dialect may make more, e.g. a sharded table and its local table)."""
        return [table.name]

    def execute_alter(
        self, connection: BaseConnection, diff: TableDiff, current: Table | None = None
    ) -> list[str]:
        """Apply ``diff`` on ``connection``; returns the statements that ran."""
        if self.rebuilds_tables:
            if current is None and self.alter_requires_current(diff):
                current = self.get_table(connection, diff.name)
            if self.rebuild_reasons(diff, current):
                assert current is not None
                plan = plan_rebuild(self, diff, current)
                run_rebuild(self, connection, plan, action="Altering")
                return plan.statements()
        statements = self.compile_alter(diff, current)
        self.execute(connection, statements, table=diff.name, action="Altering")
        return statements

    def plan_alter(self, diff: TableDiff, before: Table, after: Table) -> AlterPlan:
        """How this dialect turns ``before`` into ``after`` (``diff`` between them).

        The base runs ``compile_alter`` in place; dialects that rebuild tables override
        it, and refuse with a SchemaError naming the reason when neither works.
        """
        return AlterPlan(diff.name, [AlterStep(s) for s in self.compile_alter(diff, before)])


_ACTIONS = {"CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION"}


def referential_action(action: str) -> str:
    """Normalise ``"cascade"``/``"set_null"`` to SQL; unknown actions are refused."""
    spelled = " ".join(action.replace("_", " ").upper().split())
    if spelled not in _ACTIONS:
        raise SchemaError(
            f"Unknown foreign key action {action!r}; use one of "
            + ", ".join(sorted(a.lower() for a in _ACTIONS))
        )
    return spelled
