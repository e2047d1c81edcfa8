"""``Column(...)``: a Pydantic field that also carries database column metadata.

``id: int = Column(primary_key=True)`` returns a ``pydantic.fields.FieldInfo`` whose
``metadata`` holds one :class:`ColumnInfo`; the model layer, the schema layer and the
platforms read it from there (``column_info(field_info)``). A callable ``default``
becomes a Pydantic ``default_factory`` (the seed's ``Column(default=datetime.utcnow)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


@dataclass(frozen=True)
class ColumnInfo:
    """Database-side facts about one model field (everything Pydantic does not know)."""

    primary_key: bool = False
    index: bool = False
    unique: bool = False
    #: the column's name in the database when it differs from the field name
    name: str | None = None
    #: explicit logical type, overriding what the annotation implies
    type: Any = None
    #: SQL expression the database fills in (DEFAULT expr), rendered by the platform
    server_default: str | None = None
    #: ClickHouse MATERIALIZED / ALIAS expressions (read-only columns, never inserted)
    materialized: str | None = None
    alias: str | None = None
    #: ClickHouse compression codec, e.g. "ZSTD(3)" or "Delta, ZSTD"
    codec: str | None = None
    #: per-column TTL expression (ClickHouse)
    ttl: str | None = None
    comment: str | None = None
    #: autoincrement primary key on dialects that have it (SQLite INTEGER PRIMARY KEY)
    autoincrement: bool | None = None
    #: extra dialect-specific options, kept verbatim for the platform
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        """Columns the database computes; they are selected but never inserted."""
        return self.materialized is not None or self.alias is not None


def Column(  # noqa: N802 - reads like a type in model declarations, as in the seed
    default: Any = PydanticUndefined,
    annotation: Any = PydanticUndefined,
    /,
    *,
    primary_key: bool = False,
    index: bool = False,
    unique: bool = False,
    name: str | None = None,
    type: Any = None,  # noqa: A002 - the natural name for a column's type
    server_default: str | None = None,
    materialized: str | None = None,
    alias: str | None = None,
    codec: str | None = None,
    ttl: str | None = None,
    comment: str | None = None,
    autoincrement: bool | None = None,
    options: dict[str, Any] | None = None,
    **field_kwargs: Any,
) -> Any:
    """Declare a model field with database metadata; returns a Pydantic ``FieldInfo``.

    Extra keyword arguments go to ``pydantic.Field`` (``description``, ``gt``, ...).
    Two positional arguments are the seed's named-column form for schema changes:
    ``User.alter_table(add_column=Column("new_field", str))`` -- a column called
    ``new_field`` of type ``str`` (the FieldInfo carries both).
    """
    keyword_default = field_kwargs.pop("default", PydanticUndefined)
    if annotation is not PydanticUndefined:
        if not isinstance(default, str):
            raise TypeError(
                f"Column(name, type): the name must be a str, got {default!r}; "
                "for a default value use Column(default=...)"
            )
        name, default = default, keyword_default
    elif keyword_default is not PydanticUndefined:
        if default is not PydanticUndefined:
            raise TypeError("Column() got a default both positionally and as default=")
        default = keyword_default
    info = ColumnInfo(
        primary_key=primary_key,
        index=index,
        unique=unique,
        name=name,
        type=type,
        server_default=server_default,
        materialized=materialized,
        alias=alias,
        codec=codec,
        ttl=ttl,
        comment=comment if comment is not None else field_kwargs.get("description"),
        autoincrement=autoincrement,
        options=dict(options or {}),
    )
    if callable(default) and "default_factory" not in field_kwargs:
        field_kwargs["default_factory"] = default
        default = PydanticUndefined
    if default is PydanticUndefined and (
        materialized is not None or alias is not None or server_default is not None
        or (primary_key and autoincrement)
    ) and "default_factory" not in field_kwargs:
        # the database fills these in, so the Python side must not require them
        default = None
    fi: FieldInfo = Field(default, **field_kwargs)
    fi.metadata.append(info)
    if annotation is not PydanticUndefined:
        fi.annotation = annotation
    return fi


def column_info(field_info: FieldInfo) -> ColumnInfo:
    """The ColumnInfo attached to a field, or the plain defaults when there is none."""
    for item in field_info.metadata:
        if isinstance(item, ColumnInfo):
            return item
    return _PLAIN


_PLAIN = ColumnInfo()

__all__ = ["Column", "ColumnInfo", "column_info"]
