"""Table and TableDiff: what a Blueprint (or a model) describes and a Platform compiles.

``Table`` is a whole definition (create). ``TableDiff`` is a set of changes to one table
(alter); ``diff.apply(current)`` gives the target definition, which is how dialects that
rebuild tables (SQLite) work. Dialect-specific settings (ClickHouse engine, ORDER BY,
codecs, MATERIALIZED ...) live in ``options`` mappings the base platform ignores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from clickorm.errors import SchemaError
from clickorm.types.logical import LogicalType, LowCardinality, Nullable
from clickorm.types.resolve import make_nullable

__all__ = [
    "NO_DEFAULT",
    "CURRENT_TIMESTAMP",
    "CurrentTimestamp",
    "Column",
    "Index",
    "ForeignKey",
    "Table",
    "TableDiff",
    "ColumnDescription",
    "index_name",
]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


#: a column without a value default (``Column.default``)
NO_DEFAULT: Any = _NoDefault()


class CurrentTimestamp:
    """Portable ``DEFAULT <now>``; each platform spells it (``CURRENT_TIMESTAMP``, ``now()``)."""

    def __repr__(self) -> str:
        return "CURRENT_TIMESTAMP"


CURRENT_TIMESTAMP = CurrentTimestamp()


@dataclass
class Column:
    """One column. ``type`` excludes top-level nullability, which is ``nullable``.

    ``default`` is a Python value (encoded and rendered as an escaped literal);
    ``default_raw`` a SQL expression used verbatim (or :data:`CURRENT_TIMESTAMP`).
    ``options`` holds dialect settings (codec, materialized, alias, ttl ...).
    """

    name: str
    type: LogicalType
    nullable: bool = False
    default: Any = NO_DEFAULT
    default_raw: str | CurrentTimestamp | None = None
    autoincrement: bool = False
    comment: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a Nullable(...) type is the same as nullable=True; keep one representation
        if isinstance(self.type, Nullable) and self.type.inner is not None:
            self.type, self.nullable = self.type.inner, True
        elif (
            isinstance(self.type, LowCardinality)
            and isinstance(self.type.inner, Nullable)
            and self.type.inner.inner is not None
        ):
            self.type, self.nullable = LowCardinality(self.type.inner.inner), True

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT or self.default_raw is not None

    @property
    def full_type(self) -> LogicalType:
        """The type with nullability folded in (what ClickHouse spells as one type)."""
        return make_nullable(self.type) if self.nullable else self.type

    def copy(self, **changes: Any) -> Column:
        changes.setdefault("options", dict(self.options))
        return replace(self, **changes)


@dataclass
class Index:
    """A (unique) index over ``columns``; ``raw_sql`` is an introspected definition."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    raw_sql: str | None = None

    def __post_init__(self) -> None:
        self.columns = tuple(self.columns)


@dataclass
class ForeignKey:
    columns: tuple[str, ...]
    references_table: str
    references_columns: tuple[str, ...]
    on_delete: str | None = None
    on_update: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        self.columns = tuple(self.columns)
        self.references_columns = tuple(self.references_columns)

    def matches(self, key: str | Sequence[str]) -> bool:
        """True when ``key`` is this key's name or its column list."""
        if isinstance(key, str):
            return key == self.name or (key,) == self.columns
        return tuple(key) == self.columns


def index_name(table: str, columns: Iterable[str], suffix: str) -> str:
    """The conventional index name: ``users_email_unique``, ``users_a_b_index``."""
    return "_".join([table.replace(".", "_"), *columns, suffix])


@dataclass
class Table:
    """A full table definition."""

    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    comment: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def add_column(self, column: Column) -> Column:
        if column.name in self.columns:
            raise SchemaError(f"Table {self.name!r} already has a column {column.name!r}")
        self.columns[column.name] = column
        return column

    def column(self, name: str) -> Column:
        try:
            return self.columns[name]
        except KeyError:
            raise SchemaError(
                f"Table {self.name!r} has no column {name!r}; columns: {', '.join(self.columns)}"
            ) from None

    def index(self, name: str) -> Index | None:
        return next((i for i in self.indexes if i.name == name), None)

    def copy(self, name: str | None = None) -> Table:
        return Table(
            name=name or self.name,
            columns={n: c.copy() for n, c in self.columns.items()},
            primary_key=tuple(self.primary_key),
            indexes=[replace(i, options=dict(i.options)) for i in self.indexes],
            foreign_keys=[replace(f) for f in self.foreign_keys],
            comment=self.comment,
            options=dict(self.options),
        )

    def validate(self) -> None:
        """Check references between parts (primary key, indexes, foreign keys -> columns)."""
        if not self.columns:
            raise SchemaError(f"Table {self.name!r} has no columns")
        for part, names in (
            [("primary key", self.primary_key)]
            + [(f"index {i.name!r}", i.columns) for i in self.indexes if i.raw_sql is None]
            + [(f"foreign key {f.columns}", f.columns) for f in self.foreign_keys]
        ):
            missing = [n for n in names if n not in self.columns]
            if missing:
                raise SchemaError(
                    f"Table {self.name!r}: {part} names unknown column(s) {', '.join(missing)}"
                )
        auto = [c.name for c in self.columns.values() if c.autoincrement]
        if auto and (len(auto) > 1 or self.primary_key != (auto[0],)):
            raise SchemaError(
                f"Table {self.name!r}: autoincrement column {auto[0]!r} must be the whole "
                "primary key (and only one column can autoincrement)"
            )


@dataclass
class TableDiff:
    """Changes to one table. ``apply`` order: renames, drops, changes, additions."""

    name: str
    new_name: str | None = None
    added_columns: dict[str, Column] = field(default_factory=dict)
    changed_columns: dict[str, Column] = field(default_factory=dict)
    dropped_columns: list[str] = field(default_factory=list)
    #: old name -> new name
    renamed_columns: dict[str, str] = field(default_factory=dict)
    added_indexes: list[Index] = field(default_factory=list)
    dropped_indexes: list[str] = field(default_factory=list)
    added_foreign_keys: list[ForeignKey] = field(default_factory=list)
    #: names or column tuples of foreign keys to drop
    dropped_foreign_keys: list[str | tuple[str, ...]] = field(default_factory=list)
    #: the new primary key; ``()`` drops it, ``None`` leaves it alone
    primary_key: tuple[str, ...] | None = None
    comment: str | None = None
    #: dialect options to change (ClickHouse: ttl, settings, order_by ...)
    options: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (
            self.new_name or self.added_columns or self.changed_columns
            or self.dropped_columns or self.renamed_columns or self.added_indexes
            or self.dropped_indexes or self.added_foreign_keys or self.dropped_foreign_keys
            or self.primary_key is not None or self.comment is not None or self.options
        )

    def apply(self, current: Table) -> Table:
        """The table as it is after this diff (keeps ``current``'s name; see ``new_name``)."""
        table = current.copy()
        for old, new in self.renamed_columns.items():
            _rename_column(table, old, new)
        for name in self.dropped_columns:
            _drop_column(table, name)
        for name, column in self.changed_columns.items():
            if name not in table.columns:
                raise SchemaError(f"Cannot change column {name!r}: table {table.name!r} has no such column")
            if column.name != name and column.name in table.columns:
                raise SchemaError(f"Cannot change {name!r} to {column.name!r}: column exists")
            table.columns = {
                (column.name if n == name else n): (column.copy() if n == name else c)
                for n, c in table.columns.items()
            }
        for column in self.added_columns.values():
            table.add_column(column.copy())
        for key in self.dropped_foreign_keys:
            kept = [f for f in table.foreign_keys if not f.matches(key)]
            if len(kept) == len(table.foreign_keys):
                raise SchemaError(f"Table {table.name!r} has no foreign key {key!r} to drop")
            table.foreign_keys = kept
        table.foreign_keys.extend(replace(f) for f in self.added_foreign_keys)
        for index_name_ in self.dropped_indexes:
            if table.index(index_name_) is None:
                raise SchemaError(f"Table {table.name!r} has no index {index_name_!r} to drop")
            table.indexes = [i for i in table.indexes if i.name != index_name_]
        table.indexes.extend(replace(i) for i in self.added_indexes)
        if self.primary_key is not None:
            table.primary_key = tuple(self.primary_key)
            for column in table.columns.values():
                if column.autoincrement and table.primary_key != (column.name,):
                    column.autoincrement = False
        if self.comment is not None:
            table.comment = self.comment
        table.options.update(self.options)
        table.validate()
        return table


def _rename_column(table: Table, old: str, new: str) -> None:
    table.column(old)
    if new in table.columns:
        raise SchemaError(f"Cannot rename {old!r} to {new!r}: table {table.name!r} has {new!r}")
    table.columns = {
        (new if n == old else n): (c.copy(name=new) if n == old else c)
        for n, c in table.columns.items()
    }

    def swap(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if n == old else n for n in names)

    table.primary_key = swap(table.primary_key)
    for index in table.indexes:
        if old in index.columns:
            if index.options.get("verbatim_only"):
                raise SchemaError(
                    f"Index {index.name!r} on {table.name!r} is a partial or expression index "
                    f"over {old!r}; it cannot be rewritten for the rename. Drop it first and "
                    "create it again afterwards."
                )
            index.columns, index.raw_sql = swap(index.columns), None
    for fk in table.foreign_keys:
        fk.columns = swap(fk.columns)


def _drop_column(table: Table, name: str) -> None:
    table.column(name)
    del table.columns[name]
    table.primary_key = tuple(n for n in table.primary_key if n != name)
    # as in most databases, indexes and foreign keys over a dropped column go with it
    table.indexes = [i for i in table.indexes if name not in i.columns]
    table.foreign_keys = [f for f in table.foreign_keys if name not in f.columns]


@dataclass(frozen=True)
class ColumnDescription:
    """One column as the database reports it (``Schema.get_columns``)."""

    name: str
    type: str
    nullable: bool
    default: str | None = None
    primary: bool = False
    comment: str | None = None
