"""Blueprint: the fluent builder that fills a Table (create) or a TableDiff (alter).

``t.string("name")`` adds a column and returns a :class:`ColumnBuilder` whose modifiers
(``nullable()``, ``default(v)``, ``unique()``, ``change()`` ...) edit that column. Table
level calls (``t.primary([...])``, ``t.index([...])``, ``t.rename_column(a, b)``,
``t.engine(...)``) edit the table or the diff. A Blueprint compiles nothing itself: its
Schema (or ``to_sql(platform)``) hands the Table/TableDiff to a Platform.
"""

from __future__ import annotations

import enum as _enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from clickorm.errors import SchemaError
from clickorm.schema.table import (
    CURRENT_TIMESTAMP,
    Column,
    ForeignKey,
    Index,
    Table,
    TableDiff,
    index_name,
)
from clickorm.types import logical as lt
from clickorm.types.registry import get_registry

if TYPE_CHECKING:
    from clickorm.schema.platform import BasePlatform
    from clickorm.types.registry import TypeRegistry

__all__ = ["Blueprint", "ColumnBuilder", "ForeignKeyBuilder"]


class ColumnBuilder:
    """Modifiers for the column a Blueprint method just added; each returns ``self``."""

    __slots__ = ("_blueprint", "column")

    def __init__(self, blueprint: Blueprint, column: Column) -> None:
        self._blueprint = blueprint
        self.column = column

    def nullable(self, value: bool = True) -> ColumnBuilder:
        self.column.nullable = value
        return self

    def not_nullable(self) -> ColumnBuilder:
        return self.nullable(False)

    def default(self, value: Any) -> ColumnBuilder:
        """A value default, rendered as an escaped literal (DDL cannot bind parameters)."""
        self.column.default, self.column.default_raw = value, None
        return self

    def default_raw(self, sql: str) -> ColumnBuilder:
        """A default written as an SQL expression of the target dialect, used verbatim."""
        self.column.default_raw = sql
        return self

    def use_current(self) -> ColumnBuilder:
        """DEFAULT the current timestamp, spelled by each platform."""
        self.column.default_raw = CURRENT_TIMESTAMP
        return self

    def unique(self, name: str | None = None) -> ColumnBuilder:
        self._blueprint.unique([self.column.name], name=name)
        return self

    def index(self, name: str | None = None, **options: Any) -> ColumnBuilder:
        self._blueprint.index([self.column.name], name=name, **options)
        return self

    def primary(self) -> ColumnBuilder:
        """Make this column the primary key (use ``t.primary([...])`` for composite keys)."""
        self._blueprint.primary([self.column.name])
        return self

    def autoincrement(self) -> ColumnBuilder:
        self.column.autoincrement = True
        return self.primary()

    def unsigned(self) -> ColumnBuilder:
        if not isinstance(self.column.type, lt.Integer):
            raise SchemaError(f"unsigned() applies to integer columns, not {self.column.name!r}")
        self.column.type = lt.Integer(self.column.type.bits, signed=False)
        return self

    def low_cardinality(self) -> ColumnBuilder:
        if not isinstance(self.column.type, lt.LowCardinality):
            self.column.type = lt.LowCardinality(self.column.type)
        return self

    def comment(self, text: str) -> ColumnBuilder:
        self.column.comment = text
        return self

    def change(self) -> ColumnBuilder:
        """Alter mode: this is the full new definition of an existing column."""
        self._blueprint._change(self.column)
        return self

    # dialect options (ClickHouse reads these; the base platform ignores them)
    def option(self, key: str, value: Any) -> ColumnBuilder:
        self.column.options[key] = value
        return self

    def codec(self, spec: str) -> ColumnBuilder:
        return self.option("codec", spec)

    def materialized(self, expression: str) -> ColumnBuilder:
        return self.option("materialized", expression)

    def alias(self, expression: str) -> ColumnBuilder:
        return self.option("alias", expression)

    def ttl(self, expression: str) -> ColumnBuilder:
        return self.option("ttl", expression)


class ForeignKeyBuilder:
    """``t.foreign("user_id").references("id").on("users").on_delete("cascade")``."""

    __slots__ = ("fk",)

    def __init__(self, fk: ForeignKey) -> None:
        self.fk = fk

    def references(self, *columns: str | Sequence[str]) -> ForeignKeyBuilder:
        self.fk.references_columns = _names(columns)
        return self

    def on(self, table: str) -> ForeignKeyBuilder:
        self.fk.references_table = table
        return self

    def on_delete(self, action: str) -> ForeignKeyBuilder:
        self.fk.on_delete = action
        return self

    def on_update(self, action: str) -> ForeignKeyBuilder:
        self.fk.on_update = action
        return self

    def name(self, name: str) -> ForeignKeyBuilder:
        self.fk.name = name
        return self


def _make_enum(name: str, values: list[str]) -> type[_enum.Enum]:
    """A string enum whose members' names and values are ``values``."""
    factory: Any = _enum.Enum
    return cast("type[_enum.Enum]", factory(name, [(v, v) for v in values]))


def _names(columns: Sequence[Any]) -> tuple[str, ...]:
    """Accept ``("a", "b")``, ``(["a", "b"],)`` or ``("a",)``."""
    if len(columns) == 1 and not isinstance(columns[0], str):
        return tuple(columns[0])
    return tuple(columns)


class Blueprint:
    """Collects one table's definition (``mode="create"``) or changes (``mode="alter"``).

    Used as a context manager by Schema: on a clean exit ``on_finish(blueprint)`` runs
    (compile and execute, or collect in dry mode) and its result lands in ``statements``.
    """

    def __init__(
        self,
        name: str,
        *,
        mode: str = "create",
        registry: TypeRegistry | None = None,
        on_finish: Callable[[Blueprint], list[str]] | None = None,
        compiler: Callable[[Blueprint], list[str]] | None = None,
    ) -> None:
        if mode not in ("create", "alter"):
            raise ValueError(f"mode must be 'create' or 'alter', not {mode!r}")
        self.name = name
        self.mode = mode
        self.table = Table(name)
        self.diff = TableDiff(name)
        self.statements: list[str] = []
        self._registry = registry
        self._on_finish = on_finish
        self._compiler = compiler

    @classmethod
    def create(cls, name: str, **kwargs: Any) -> Blueprint:
        return cls(name, mode="create", **kwargs)

    @classmethod
    def alter(cls, name: str, **kwargs: Any) -> Blueprint:
        return cls(name, mode="alter", **kwargs)

    @property
    def creating(self) -> bool:
        return self.mode == "create"

    # -- context manager -------------------------------------------------------------
    def __enter__(self) -> Blueprint:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self._on_finish is not None:
            self.statements = self._on_finish(self)

    def to_sql(self, platform: BasePlatform | None = None, current: Table | None = None) -> list[str]:
        """Compile without running: with ``platform`` directly, else through the Schema."""
        if platform is not None:
            if self.creating:
                return platform.compile_create(self.table)
            return platform.compile_alter(self.diff, current)
        if self._compiler is None:
            raise SchemaError("to_sql() needs a platform for a Blueprint made outside a Schema")
        return self._compiler(self)

    # -- columns -----------------------------------------------------------------------
    def column(self, name: str, type: Any, **options: Any) -> ColumnBuilder:  # noqa: A002
        """Add a column of any type: a logical type, a Python annotation or raw SQL text."""
        column = Column(name, self._logical(type, name), options=dict(options))
        if self.creating:
            self.table.add_column(column)
        else:
            if name in self.diff.added_columns:
                raise SchemaError(f"Column {name!r} is added twice to {self.name!r}")
            self.diff.added_columns[name] = column
        return ColumnBuilder(self, column)

    add_column = column

    def _logical(self, type_: Any, name: str) -> lt.LogicalType:
        if isinstance(type_, str):
            return lt.RawType(type_)
        if isinstance(type_, lt.LogicalType) or (
            isinstance(type_, type) and issubclass(type_, lt.LogicalType)
        ):
            return lt.as_logical(type_)
        registry = self._registry
        if registry is None:
            registry = get_registry()
        return registry.resolve(type_, model=f"table {self.name}", field=name)

    def increments(self, name: str = "id") -> ColumnBuilder:
        """An auto-incrementing unsigned integer primary key."""
        return self.column(name, lt.Integer(32, signed=False)).autoincrement()

    def big_increments(self, name: str = "id") -> ColumnBuilder:
        return self.column(name, lt.Integer(64, signed=False)).autoincrement()

    def tiny_integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(8))

    def small_integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(16))

    def integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(32))

    def big_integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(64))

    def unsigned_integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(32, signed=False))

    def unsigned_big_integer(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Integer(64, signed=False))

    def float(self, name: str, bits: int = 64) -> ColumnBuilder:
        return self.column(name, lt.Float(bits))

    def double(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Float(64))

    def decimal(self, name: str, precision: int = 17, scale: int = 6) -> ColumnBuilder:
        return self.column(name, lt.Decimal(precision, scale))

    def string(self, name: str, length: int | None = None) -> ColumnBuilder:
        """Text. ``length`` is kept as ``options["length"]`` for dialects with VARCHAR(n)."""
        builder = self.column(name, lt.String())
        if length is not None:
            builder.option("length", length)
        return builder

    def text(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.String())

    def char(self, name: str, length: int) -> ColumnBuilder:
        return self.column(name, lt.FixedString(length))

    def binary(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Bytes())

    def boolean(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Boolean())

    def date(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.Date())

    def datetime(
        self, name: str, precision: int | None = None, timezone: str | None = None
    ) -> ColumnBuilder:
        """DateTime, or DateTime64(precision) when sub-second ``precision`` is given."""
        if precision is None:
            return self.column(name, lt.DateTime(timezone))
        return self.column(name, lt.DateTime64(precision, timezone))

    timestamp = datetime

    def timestamps(self) -> None:
        """``created_at`` and ``updated_at``, defaulting to the current time."""
        self.datetime("created_at").use_current()
        self.datetime("updated_at").use_current()

    def soft_deletes(self, name: str = "deleted_at") -> ColumnBuilder:
        return self.datetime(name).nullable()

    def uuid(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.UUID())

    def ipv4(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.IPv4())

    def ipv6(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.IPv6())

    def json(self, name: str) -> ColumnBuilder:
        return self.column(name, lt.JSON())

    def enum(
        self, name: str, values: type[_enum.Enum] | Sequence[str], bits: int | None = None
    ) -> ColumnBuilder:
        """An enum column from an ``enum.Enum`` class or a list of string values."""
        if isinstance(values, type) and issubclass(values, _enum.Enum):
            enum_cls: type[_enum.Enum] = values
        else:
            enum_cls = _make_enum(f"{self.name}_{name}", [str(v) for v in values])
        return self.column(name, lt.Enum(enum_cls, bits=bits))

    def array(self, name: str, item: Any) -> ColumnBuilder:
        return self.column(name, lt.Array(self._logical(item, name)))

    def map(self, name: str, key: Any, value: Any) -> ColumnBuilder:
        return self.column(name, lt.Map(self._logical(key, name), self._logical(value, name)))

    # -- keys and indexes --------------------------------------------------------------
    def primary(self, columns: str | Sequence[str], name: str | None = None) -> Blueprint:
        """The (composite) primary key. In alter mode this replaces the current key."""
        names = (columns,) if isinstance(columns, str) else tuple(columns)
        if self.creating:
            if self.table.primary_key and self.table.primary_key != names:
                existing = self.table.primary_key
                if len(names) == 1 and names[0] not in existing:
                    names = (*existing, *names)
            self.table.primary_key = names
        else:
            self.diff.primary_key = names
        if name:
            (self.table if self.creating else self.diff).options["primary_key_name"] = name
        return self

    def _add_index(self, columns: str | Sequence[str], name: str | None, unique: bool,
                   options: dict[str, Any]) -> Blueprint:
        names = (columns,) if isinstance(columns, str) else tuple(columns)
        suffix = "unique" if unique else "index"
        index = Index(name or index_name(self.name, names, suffix), names, unique, options)
        if self.creating:
            if self.table.index(index.name) is not None:
                raise SchemaError(f"Index {index.name!r} is defined twice on {self.name!r}")
            self.table.indexes.append(index)
        else:
            self.diff.added_indexes.append(index)
        return self

    def index(self, columns: str | Sequence[str], name: str | None = None,
              **options: Any) -> Blueprint:
        """A (non-unique) index; ``options`` are dialect settings (ClickHouse skip index)."""
        return self._add_index(columns, name, False, dict(options))

    def unique(self, columns: str | Sequence[str], name: str | None = None) -> Blueprint:
        return self._add_index(columns, name, True, {})

    def foreign(self, *columns: str | Sequence[str]) -> ForeignKeyBuilder:
        fk = ForeignKey(_names(columns), "", ())
        self._add_foreign(fk)
        return ForeignKeyBuilder(fk)

    def foreign_key(
        self,
        columns: str | Sequence[str],
        references_table: str,
        references_columns: str | Sequence[str] = "id",
        *,
        on_delete: str | None = None,
        on_update: str | None = None,
        name: str | None = None,
    ) -> Blueprint:
        fk = ForeignKey(
            (columns,) if isinstance(columns, str) else tuple(columns),
            references_table,
            (references_columns,) if isinstance(references_columns, str)
            else tuple(references_columns),
            on_delete,
            on_update,
            name,
        )
        self._add_foreign(fk)
        return self

    def _add_foreign(self, fk: ForeignKey) -> None:
        if self.creating:
            self.table.foreign_keys.append(fk)
        else:
            self.diff.added_foreign_keys.append(fk)

    # -- alter-only operations -----------------------------------------------------------
    def _alter_only(self, what: str) -> TableDiff:
        if self.creating:
            raise SchemaError(f"{what} is only available when altering: Schema.table({self.name!r})")
        return self.diff

    def _change(self, column: Column) -> None:
        diff = self._alter_only("change()")
        diff.added_columns.pop(column.name, None)
        diff.changed_columns[column.name] = column

    def drop_column(self, *names: str | Sequence[str]) -> Blueprint:
        self._alter_only("drop_column").dropped_columns.extend(_names(names))
        return self

    def rename_column(self, old: str, new: str) -> Blueprint:
        self._alter_only("rename_column").renamed_columns[old] = new
        return self

    def drop_index(self, index: str | Sequence[str]) -> Blueprint:
        """Drop by name, or by column list (the conventional ``<table>_<cols>_index``)."""
        name = index if isinstance(index, str) else index_name(self.name, index, "index")
        self._alter_only("drop_index").dropped_indexes.append(name)
        return self

    def drop_unique(self, index: str | Sequence[str]) -> Blueprint:
        name = index if isinstance(index, str) else index_name(self.name, index, "unique")
        self._alter_only("drop_unique").dropped_indexes.append(name)
        return self

    def drop_foreign(self, key: str | Sequence[str]) -> Blueprint:
        """Drop a foreign key by constraint name or by its column list."""
        value: str | tuple[str, ...] = key if isinstance(key, str) else tuple(key)
        self._alter_only("drop_foreign").dropped_foreign_keys.append(value)
        return self

    def drop_primary(self) -> Blueprint:
        self._alter_only("drop_primary").primary_key = ()
        return self

    def rename(self, new_name: str) -> Blueprint:
        """Rename the table (applied after the other changes)."""
        self._alter_only("rename").new_name = new_name
        return self

    # -- table level -------------------------------------------------------------------
    def comment(self, text: str) -> Blueprint:
        if self.creating:
            self.table.comment = text
        else:
            self.diff.comment = text
        return self

    def option(self, key: str, value: Any) -> Blueprint:
        """A dialect table option (ClickHouse engine, order_by ...); the base ignores it."""
        (self.table if self.creating else self.diff).options[key] = value
        return self

    def options(self, **options: Any) -> Blueprint:
        for key, value in options.items():
            self.option(key, value)
        return self

    def engine(self, spec: str) -> Blueprint:
        return self.option("engine", spec)

    def order_by(self, *columns: str) -> Blueprint:
        return self.option("order_by", tuple(columns))

    def partition_by(self, expression: str) -> Blueprint:
        return self.option("partition_by", expression)

    def sample_by(self, expression: str) -> Blueprint:
        return self.option("sample_by", expression)

    def ttl(self, expression: str) -> Blueprint:
        return self.option("ttl", expression)

    def settings(self, **settings: Any) -> Blueprint:
        return self.option("settings", dict(settings))

    def on_cluster(self, cluster: str) -> Blueprint:
        return self.option("cluster", cluster)
