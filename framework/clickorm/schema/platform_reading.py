"""Introspection: how a platform reads live tables back, for migrations and inspect.

A mixin of :class:`~clickorm.schema.platform.BasePlatform`: ``has_table``,
``get_columns``, ``get_table``, ``list_tables`` (a dialect implements these), and what
the core builds on them: :meth:`Introspection.introspect` (every table, or some, as
Table objects), ``normalized_table`` (a definition spelled as the server reads it back,
so autogenerate compares field by field), and the model annotations ``clickorm
inspect`` writes for introspected columns.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from clickorm.errors import ClickORMError, SchemaError
from clickorm.schema.annotations import Annotation, annotation_for_logical
from clickorm.schema.table import Column, ColumnDescription, Index, Table, index_name
from clickorm.types.logical import LogicalType, RawType

if TYPE_CHECKING:
    from clickorm.connection.base import BaseConnection
    from clickorm.types.registry import TypeRegistry

__all__ = ["Introspection"]


class Introspection:
    """The reading half of a platform (mixed into ``BasePlatform``)."""

    if TYPE_CHECKING:  # provided by BasePlatform
        dialect_name: str

        @property
        def registry(self) -> TypeRegistry: ...
        def column_type_sql(self, column: Column) -> str: ...
        def type_sql(self, logical: LogicalType) -> str: ...
        def compile_create(self, table: Table, if_not_exists: bool = False) -> list[str]: ...
        def compile_drop(self, name: str, if_exists: bool = False, *,
                         cluster: str | None = None) -> list[str]: ...
        def execute(self, connection: BaseConnection, statements: Sequence[str], *,
                    table: str, action: str) -> None: ...

    # -- introspection -------------------------------------------------------------------
    def _no_introspection(self, what: str) -> SchemaError:
        return SchemaError(f"The {self.dialect_name} platform does not implement {what}")

    def has_table(self, connection: BaseConnection, name: str) -> bool:
        raise self._no_introspection("has_table")

    def get_columns(self, connection: BaseConnection, table: str) -> list[ColumnDescription]:
        raise self._no_introspection("get_columns")

    def has_column(self, connection: BaseConnection, table: str, column: str) -> bool:
        return any(c.name == column for c in self.get_columns(connection, table))

    def get_table(self, connection: BaseConnection, name: str) -> Table:
        """The table's current definition, for alters that need it (rebuilds, diffs)."""
        raise self._no_introspection("get_table")

    def list_tables(self, connection: BaseConnection) -> list[str]:
        """Names of the tables (not views) in the connection's database, sorted."""
        raise self._no_introspection("list_tables")

    def introspect(
        self, connection: BaseConnection, table_names: Sequence[str] | None = None
    ) -> dict[str, Table]:
        """The live database's tables as Table objects (all tables, or ``table_names``).

        Names in ``table_names`` that do not exist are left out of the result, so callers
        can tell "missing" from "present" with ``in``.
        """
        names = self.list_tables(connection) if table_names is None else list(table_names)
        return {n: self.get_table(connection, n) for n in names if self.has_table(connection, n)}

    # -- models from live tables (``clickorm inspect``) ---------------------------------
    #: ``Table.options`` keys a model carries in ``Meta.options`` (the rest are ``Meta``
    #: keys the dialect declares, or reported as not expressible)
    model_option_keys: ClassVar[frozenset[str]] = frozenset()

    #: index options that do not stop a one-column index from being ``Column(index=True)``
    plain_index_options: ClassVar[frozenset[str]] = frozenset()

    def index_on_field(self, table: Table, index: Index) -> bool:
        """True when ``index`` is what ``Column(index=True)`` / ``unique=True`` creates."""
        suffix = "unique" if index.unique else "index"
        return (
            len(index.columns) == 1
            and index.name == index_name(table.name, index.columns, suffix)
            and set(index.options) <= self.plain_index_options
        )

    def index_source(self, index: Index) -> tuple[str, tuple[str, ...]]:
        """An entry of ``Meta.indexes`` recreating ``index``: (Python source, imports)."""
        args = [repr(index.name), repr(tuple(index.columns))]
        if index.unique:
            args.append("unique=True")
        if index.raw_sql and index.options.get("verbatim_only"):
            args.append(f"raw_sql={index.raw_sql!r}")
        return f"Index({', '.join(args)})", ("from clickorm.schema import Index",)

    def logical_type_of(self, column: Column) -> LogicalType | None:
        """The logical type an introspected column's SQL type stands for (nullability
        included), or None when no logical type spells it. Dialects parse their SQL."""
        if isinstance(column.type, RawType):
            return None
        return column.full_type

    def column_note(self, column: Column) -> str | None:
        """Something about an introspected column its model field cannot say, or None."""
        return None

    def same_column_type(self, spelled: str, declared: str) -> bool:
        """True when a column this platform spells ``spelled`` is the same as one
        declared ``declared`` (exact text by default)."""
        return spelled == declared

    def annotation_for(self, column: Column, hint: str | None = None) -> Annotation:
        """The model field annotation for an introspected column (``hint`` names the
        classes it declares, the column's name by default).

        The annotation for :meth:`logical_type_of` is resolved through the type registry
        and kept only when it spells the column's SQL type exactly; otherwise the field
        pins the SQL type (``Column(type=types.RawType(...))``), so a model made from the
        annotation never creates a different column.
        """
        logical = self.logical_type_of(column)
        found = (annotation_for_logical(logical, hint or column.name)
                 if logical is not None else None)
        note = self.column_note(column)
        want = self.column_type_sql(column)
        if found is not None:
            try:
                resolved = self.registry.resolve(found.value, field=column.name)
                spelled: str | None = self.column_type_sql(Column(column.name, resolved))
            except (ClickORMError, TypeError, ValueError):
                spelled = None
            if spelled is not None and self.same_column_type(spelled, want):
                return Annotation(found.text, found.value, found.imports, found.declarations,
                                  note=note)
        optional = found is not None and found.text.endswith(" | None")
        if found is not None and optional == column.nullable:
            text, value, imports, declarations = (
                found.text, found.value, found.imports, found.declarations)
        else:
            text = "Any | None" if column.nullable else "Any"
            value, imports, declarations = Any, ("from typing import Any",), ()
        assert isinstance(column.type, RawType) or logical is not None
        sql = column.type.sql if isinstance(column.type, RawType) else self.type_sql(column.type)
        return Annotation(text, value, imports, declarations, column_type=sql, note=note)

    #: the prefix of the scratch tables ``normalized_table`` creates and drops
    SHADOW_PREFIX: ClassVar[str] = "_clickorm_shadow_"

    def normalized_table(self, connection: BaseConnection, table: Table) -> Table:
        """``table`` as :meth:`introspect` would read it once created on ``connection``.

        The default creates it under a scratch name, reads it back and drops it, so the
        server itself spells types, defaults and key expressions; the result carries
        ``table``'s name. Dialects that can spell it without a round trip override this.
        """
        shadow = table.copy(name=self._shadow_name(table.name))
        shadow.options.pop("cluster", None)
        created = False
        try:
            self.execute(connection, self.compile_create(shadow), table=table.name,
                         action="Normalising (scratch copy of)")
            created = True
            read = self.introspect(connection, [shadow.name])[shadow.name]
        finally:
            if created:
                self.execute(connection, self.compile_drop(shadow.name, if_exists=True),
                             table=table.name, action="Dropping the scratch copy of")
        return read.copy(name=table.name)

    def _shadow_name(self, name: str) -> str:
        schema, _, short = name.rpartition(".")
        # unique per call: two `migrate check` runs at once must not share a scratch table
        scratch = f"{self.SHADOW_PREFIX}{uuid.uuid4().hex[:8]}_{short}"
        return f"{schema}.{scratch}" if schema else scratch
