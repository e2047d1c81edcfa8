"""``table_from_model``: a Pydantic model class -> the Table the platforms compile.

Reads ``model_cls.model_fields`` (annotation, ``Annotated`` markers, default) and each
field's :class:`~clickorm.model.column.ColumnInfo`; the table name from the argument,
``__table_name__`` or ``Meta.table_name``; and the dialect table options from ``Meta``.

Python defaults that are plain scalars (str, int, float, bool, Decimal, date, datetime,
UUID, IP, Enum) become DDL defaults, so adding a NOT NULL field to a table with rows
works; factories and container defaults stay on the Python side.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import types
import typing
import uuid
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from clickorm.errors import SchemaError
from clickorm.model.column import ColumnInfo, column_info
from clickorm.model.meta import TableMeta
from clickorm.plugins.manager import get_plugin_manager
from clickorm.schema.table import Column, Index, Table, index_name
from clickorm.types.logical import LogicalType, Nullable, RawType, as_logical
from clickorm.types.registry import get_registry

if TYPE_CHECKING:
    from clickorm.types.registry import TypeRegistry

__all__ = [
    "table_from_model",
    "column_from_field",
    "field_logical_type",
    "model_table_name",
    "CORE_META_OPTIONS",
    "meta_options",
]

#: the core's Meta attributes copied into Table.options (the key, portable indexes)
CORE_META_OPTIONS = ("primary_key", "indexes")


def meta_options() -> tuple[str, ...]:
    """Meta attributes copied into Table.options: the core's, then every table option
    the installed dialects declare (``Dialect.table_options``; their platforms read them)."""
    declared = get_plugin_manager().table_options() - set(CORE_META_OPTIONS)
    return CORE_META_OPTIONS + tuple(sorted(declared))
_SCALAR_DEFAULTS = (
    str, int, float, bool, decimal.Decimal, dt.date, dt.datetime, dt.time, uuid.UUID,
    ipaddress.IPv4Address, ipaddress.IPv6Address, enum.Enum, bytes,
)


def model_table_name(model_cls: type, table_name: str | None = None) -> str:
    name = table_name or getattr(model_cls, "__table_name__", None)
    if not name:
        name = getattr(getattr(model_cls, "Meta", None), "table_name", None)
    if not name:
        raise SchemaError(
            f"Model {model_cls.__name__!r} has no table name: set __table_name__ or "
            "Meta.table_name"
        )
    return str(name)


def _registry(registry: TypeRegistry | None) -> TypeRegistry:
    if registry is not None:
        return registry
    return get_registry()


def column_from_field(
    field_name: str,
    field: FieldInfo,
    *,
    annotation: Any = None,
    registry: TypeRegistry | None = None,
    model: str | None = None,
) -> tuple[Column, ColumnInfo]:
    """One model field -> a Column (and its ColumnInfo, for keys and indexes)."""
    info = column_info(field)
    name = info.name or field_name
    logical = field_logical_type(
        field_name, field, annotation=annotation, registry=registry, model=model
    )
    column = Column(
        name,
        logical,
        comment=info.comment,
        autoincrement=bool(info.autoincrement),
        options=dict(info.options),
    )
    if info.primary_key:
        column.nullable = False  # `id: int | None = Column(primary_key=True)` still a key
    if info.server_default is not None:
        column.default_raw = info.server_default
    elif _is_scalar_default(field.default):
        column.default = field.default
    for key in ("materialized", "alias", "codec", "ttl"):
        value = getattr(info, key)
        if value is not None:
            column.options[key] = value
    return column, info


def field_logical_type(
    field_name: str,
    field: FieldInfo,
    *,
    annotation: Any = None,
    registry: TypeRegistry | None = None,
    model: str | None = None,
) -> LogicalType:
    """A model field's logical type, as the DDL uses it (share it for codecs).

    ``Column(type=...)`` wins: a LogicalType (wrapped in Nullable when the annotation is
    Optional), a string of dialect SQL (RawType) or a Python annotation to resolve.
    Otherwise the annotation (``annotation`` overrides ``field.annotation``) and the
    field's ``Annotated`` metadata are resolved by the registry.
    """
    explicit = column_info(field).type
    if isinstance(explicit, str):
        return RawType(explicit)
    if isinstance(explicit, LogicalType) or (
        isinstance(explicit, type) and issubclass(explicit, LogicalType)
    ):
        logical = as_logical(explicit)
        nullable = field.annotation is not None and _is_optional(field.annotation)
        return Nullable(logical) if nullable and not isinstance(logical, Nullable) else logical
    target = explicit if explicit is not None else (
        annotation if annotation is not None else field.annotation
    )
    metadata = [m for m in field.metadata if not isinstance(m, ColumnInfo)]
    return _registry(registry).resolve(target, metadata=metadata, model=model, field=field_name)


def _is_optional(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return (origin is typing.Union or origin is types.UnionType) and type(None) in typing.get_args(
        annotation
    )


def _is_scalar_default(value: Any) -> bool:
    return value is not PydanticUndefined and value is not None and isinstance(
        value, _SCALAR_DEFAULTS
    )


def table_from_model(
    model_cls: type,
    registry: TypeRegistry | None = None,
    *,
    table_name: str | None = None,
) -> Table:
    """The Table a model describes (columns, keys, indexes, Meta options)."""
    name = model_table_name(model_cls, table_name)
    fields: dict[str, FieldInfo] = getattr(model_cls, "model_fields", None) or {}
    if not fields:
        raise SchemaError(f"Model {model_cls.__name__!r} has no fields to make columns from")
    table = Table(name)
    reg = _registry(registry)
    primary: list[str] = []
    for field_name, field in fields.items():
        column, info = column_from_field(
            field_name, field, registry=reg, model=model_cls.__name__
        )
        table.add_column(column)
        if info.primary_key:
            primary.append(column.name)
        if info.unique:
            table.indexes.append(
                Index(index_name(name, [column.name], "unique"), (column.name,), unique=True)
            )
        elif info.index:
            table.indexes.append(Index(index_name(name, [column.name], "index"), (column.name,)))
    table.primary_key = tuple(primary)
    _read_meta(model_cls, table)
    table.validate()
    return table


def _read_meta(model_cls: type, table: Table) -> None:
    meta = getattr(model_cls, "Meta", None)
    if meta is None:
        return
    for key in meta_options():
        value = meta.get(key) if isinstance(meta, TableMeta) else getattr(meta, key, None)
        if value is not None:
            table.options[key] = value
    extra = getattr(meta, "options", None)
    if isinstance(extra, dict):
        table.options.update(extra)
    comment = getattr(meta, "comment", None)
    if comment:
        table.comment = str(comment)
    indexes = table.options.get("indexes")
    if indexes:
        portable = [i for i in indexes if isinstance(i, Index)]
        table.indexes.extend(portable)
        rest = [i for i in indexes if not isinstance(i, Index)]
        if rest:
            table.options["indexes"] = rest
        else:
            del table.options["indexes"]
    # Meta.primary_key names the key when no field is marked primary_key=True
    pk = table.options.get("primary_key")
    if not table.primary_key and pk:
        names = (pk,) if isinstance(pk, str) else tuple(pk)
        if all(isinstance(n, str) and n in table.columns for n in names):
            table.primary_key = names
    # otherwise the key the model layer derived (a field called `id`, say)
    derived = getattr(model_cls, "__primary_key__", None)
    if not table.primary_key and isinstance(derived, tuple) and derived and all(
            isinstance(n, str) and n in table.columns for n in derived):
        table.primary_key = derived

