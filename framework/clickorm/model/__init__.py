"""The model layer: Pydantic models over tables, hydration, writes, relationships."""

from clickorm.model.collection import Collection, collect
from clickorm.model.column import Column, ColumnInfo, column_info
from clickorm.model.model import Model, ModelMeta
from clickorm.model.persistence import RowWriter, writer_for
from clickorm.model.query import ModelQuery
from clickorm.model.relationships import (
    BelongsTo,
    BelongsToMany,
    HasMany,
    HasOne,
    RelatedCollection,
    Relationship,
    belongs_to,
    belongs_to_many,
    has_many,
    has_one,
)
from clickorm.model.scopes import Scope, scope

__all__ = [
    "BelongsTo",
    "BelongsToMany",
    "Collection",
    "Column",
    "ColumnInfo",
    "HasMany",
    "HasOne",
    "Model",
    "ModelMeta",
    "ModelQuery",
    "RelatedCollection",
    "Relationship",
    "RowWriter",
    "Scope",
    "belongs_to",
    "belongs_to_many",
    "collect",
    "column_info",
    "has_many",
    "has_one",
    "scope",
    "writer_for",
]
