"""Schema management: Schema -> Blueprint -> Table/TableDiff -> Platform -> DDL."""

from clickorm.schema.blueprint import Blueprint, ColumnBuilder, ForeignKeyBuilder
from clickorm.schema.platform import BasePlatform
from clickorm.schema.schema import Schema
from clickorm.schema.table import (
    CURRENT_TIMESTAMP,
    NO_DEFAULT,
    Column,
    ColumnDescription,
    ForeignKey,
    Index,
    Table,
    TableDiff,
)

__all__ = [
    "Schema",
    "Blueprint",
    "ColumnBuilder",
    "ForeignKeyBuilder",
    "BasePlatform",
    "Table",
    "TableDiff",
    "Column",
    "Index",
    "ForeignKey",
    "ColumnDescription",
    "CURRENT_TIMESTAMP",
    "NO_DEFAULT",
]
