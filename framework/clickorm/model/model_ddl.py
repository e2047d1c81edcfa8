"""Model-driven DDL: what ``User.create_table()``, ``drop_table()``, ``alter_table()`` and
``schema_sql()`` call. Each builds a Table or TableDiff from the model and goes through
the same Schema -> Platform path as hand-written blueprints.

``connection`` may be a BaseConnection, a configured connection name, or None (the
model's ``Meta.connection`` name, else the default connection). ``dry=True`` returns the
statements without running them.

Column specs accepted by ``alter_table(add_column=..., modify_column=...)``, alone or
in a list:

- ``"field"``: a field already declared on the model;
- ``("name", annotation)`` or ``("name", annotation, default)``;
- a ``Column(...)`` FieldInfo whose ColumnInfo has ``name`` set and whose annotation is
  ``field_info.annotation`` (or ``ColumnInfo.type``): the seed's ``Column("new_field", str)``;
- a ready :class:`clickorm.schema.table.Column`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic.fields import FieldInfo

from clickorm.errors import SchemaError
from clickorm.model.column import column_info
from clickorm.model.model_table import column_from_field, model_table_name, table_from_model
from clickorm.plugins.dialect import Dialect
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema.platform import BasePlatform
from clickorm.schema.schema import Schema
from clickorm.schema.table import Column, TableDiff

if TYPE_CHECKING:
    from clickorm.types.registry import TypeRegistry

__all__ = [
    "create_table",
    "drop_table",
    "alter_table",
    "schema_sql",
    "schema_statements",
    "column_from_spec",
    "table_from_model",
]


def _schema(
    model_cls: type, connection: Any, *, dry: bool, registry: TypeRegistry | None
) -> Schema:
    if connection is None:
        name = getattr(getattr(model_cls, "Meta", None), "connection", None)
        return Schema(connection_name=name, dry=dry, registry=registry)
    if isinstance(connection, str):
        return Schema(connection_name=connection, dry=dry, registry=registry)
    return Schema(connection, dry=dry, registry=registry)


def create_table(
    model_cls: type,
    connection: Any = None,
    *,
    if_not_exists: bool = True,
    dry: bool = False,
    registry: TypeRegistry | None = None,
) -> list[str]:
    """Create the model's table; returns the statements (run unless ``dry``)."""
    table = table_from_model(model_cls, registry)
    schema = _schema(model_cls, connection, dry=dry, registry=registry)
    return schema.create_table(table, if_not_exists=if_not_exists)


def drop_table(
    model_cls: type, connection: Any = None, *, if_exists: bool = False, dry: bool = False
) -> list[str]:
    schema = _schema(model_cls, connection, dry=dry, registry=None)
    meta = getattr(model_cls, "Meta", None)
    cluster = getattr(meta, "cluster", None) or None
    out: list[str] = []
    # every table the model's definition made (a sharded model: Distributed, then local)
    for name in schema.platform.model_tables(table_from_model(model_cls)):
        if if_exists:
            out += schema.drop_if_exists(name, cluster=cluster)
        else:
            out += schema.drop(name, cluster=cluster)
    return out


def alter_table(
    model_cls: type,
    connection: Any = None,
    *,
    add_column: Any = None,
    drop_column: str | Sequence[str] | None = None,
    rename_column: Mapping[str, str] | tuple[str, str] | Sequence[tuple[str, str]] | None = None,
    modify_column: Any = None,
    dry: bool = False,
    registry: TypeRegistry | None = None,
) -> list[str]:
    """Alter the model's table: add, drop, rename or modify (full new definition) columns."""
    diff = TableDiff(model_table_name(model_cls))
    for spec in _many(add_column):
        column = column_from_spec(spec, model_cls, registry)
        diff.added_columns[column.name] = column
    for spec in _many(modify_column):
        column = column_from_spec(spec, model_cls, registry)
        diff.changed_columns[column.name] = column
    if drop_column is not None:
        names = [drop_column] if isinstance(drop_column, str) else list(drop_column)
        diff.dropped_columns.extend(names)
    diff.renamed_columns.update(_renames(rename_column))
    if diff.is_empty():
        raise SchemaError(
            f"alter_table on {diff.name!r} was given nothing to do: pass add_column, "
            "drop_column, rename_column or modify_column"
        )
    meta = getattr(model_cls, "Meta", None)
    for key in ("cluster", "shard_by", "local_table"):
        # a model on a cluster alters ON CLUSTER (a sharded one: its local table, and the
        # Distributed table's columns on each host)
        value = getattr(meta, key, None)
        if value:
            diff.options[key] = value
    return _schema(model_cls, connection, dry=dry, registry=registry).alter_table(diff)


def _many(spec: Any) -> list[Any]:
    if spec is None:
        return []
    if isinstance(spec, list):
        return spec
    return [spec]


def _renames(spec: Any) -> dict[str, str]:
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(s, str) for s in spec):
        return {spec[0]: spec[1]}
    return dict(spec)


def column_from_spec(
    spec: Any, model_cls: type, registry: TypeRegistry | None = None
) -> Column:
    """One ``add_column``/``modify_column`` spec -> a Column (see the module docstring)."""
    model = model_cls.__name__
    if isinstance(spec, Column):
        return spec.copy()
    if isinstance(spec, str):
        return _model_field_column(spec, model_cls, registry)
    if isinstance(spec, FieldInfo):
        info = column_info(spec)
        if not info.name:
            raise SchemaError(
                f"alter_table on {model}: a Column(...) spec needs a name, "
                'e.g. Column("new_field", str)'
            )
        annotation = spec.annotation if spec.annotation is not None else info.type
        if annotation is None:
            raise SchemaError(f"alter_table on {model}: Column({info.name!r}) needs a type")
        column, _ = column_from_field(
            info.name, spec, annotation=annotation, registry=registry, model=model
        )
        return column
    if isinstance(spec, tuple | list) and len(spec) in (2, 3) and isinstance(spec[0], str):
        name, annotation = spec[0], spec[1]
        if len(spec) == 3 and isinstance(spec[2], FieldInfo):
            field = spec[2]
        else:
            field = Field(spec[2]) if len(spec) == 3 else Field()
        column, _ = column_from_field(
            name, field, annotation=annotation, registry=registry, model=model
        )
        return column
    raise SchemaError(
        f"alter_table on {model}: cannot read the column spec {spec!r}; use a model field "
        'name, ("name", type), ("name", type, default) or Column("name", type)'
    )


def _model_field_column(name: str, model_cls: type, registry: TypeRegistry | None) -> Column:
    fields: dict[str, FieldInfo] = getattr(model_cls, "model_fields", {})
    for field_name, field in fields.items():
        if field_name == name or column_info(field).name == name:
            column, _ = column_from_field(
                field_name, field, registry=registry, model=model_cls.__name__
            )
            return column
    raise SchemaError(
        f"Model {model_cls.__name__!r} has no field {name!r}; give its type: ({name!r}, str)"
    )


def schema_statements(
    model_cls: type,
    target: Any = None,
    *,
    if_not_exists: bool = False,
    registry: TypeRegistry | None = None,
) -> list[str]:
    """The CREATE statements for the model on ``target`` (connection, platform, dialect)."""
    table = table_from_model(model_cls, registry)
    return _dry_schema(model_cls, target, registry).platform.compile_create(table, if_not_exists)


def schema_sql(
    model_cls: type,
    target: Any = None,
    *,
    if_not_exists: bool = False,
    registry: TypeRegistry | None = None,
) -> str:
    """The model's DDL as one script (statements joined with ``;`` and newlines)."""
    statements = schema_statements(
        model_cls, target, if_not_exists=if_not_exists, registry=registry
    )
    return ";\n".join(statements) + ";"


def _dry_schema(model_cls: type, target: Any, registry: TypeRegistry | None) -> Schema:
    if isinstance(target, BasePlatform):
        return Schema(platform=target, dry=True, registry=registry)
    if isinstance(target, Dialect):
        return Schema(platform=_platform_of(target), dry=True, registry=registry)
    if isinstance(target, str):
        return Schema(platform=_platform_of(_find_dialect(target)), dry=True, registry=registry)
    return _schema(model_cls, target, dry=True, registry=registry)


def _platform_of(dialect: Any) -> Any:
    return dialect.platform(capabilities=dialect.capabilities)


def _find_dialect(name: str) -> Any:
    """A dialect by name from the installed plugins (PluginError explains a miss)."""
    return get_plugin_manager().get_dialect(name)
