"""ClickORM: Pydantic v2 models, a plugin-based multi-dialect query layer, ClickHouse first.

Everything a user needs is importable from here::

    from clickorm import Model, Column, types, func, ConnectionManager
"""

from clickorm import types
from clickorm.connection.manager import reset_managers
from clickorm.errors import (
    HTTP404,
    ClickORMError,
    ConfigError,
    ConnectionError,
    MigrationError,
    ModelNotFound,
    PluginError,
    QueryError,
    SchemaError,
    ValidationError,
)
from clickorm.model import (
    Collection,
    Column,
    Model,
    belongs_to,
    belongs_to_many,
    has_many,
    has_one,
    scope,
)
from clickorm.model.builder import QueryBuilder
from clickorm.model.manager import ConnectionManager, get_connection, get_manager, use
from clickorm.model.masonite_ops import SimplePage
from clickorm.model.pagination import Page
from clickorm.model.session import Session
from clickorm.query.builder import JoinClause
from clickorm.query.compiled import Compiled
from clickorm.query.expressions import column, func, raw, table
from clickorm.schema.blueprint import Blueprint
from clickorm.schema.schema import Schema

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Blueprint",
    "ClickORMError",
    "Collection",
    "Column",
    "Compiled",
    "ConfigError",
    "ConnectionError",
    "ConnectionManager",
    "HTTP404",
    "JoinClause",
    "MigrationError",
    "Model",
    "ModelNotFound",
    "Page",
    "SimplePage",
    "PluginError",
    "QueryBuilder",
    "QueryError",
    "Schema",
    "SchemaError",
    "Session",
    "ValidationError",
    "belongs_to",
    "belongs_to_many",
    "column",
    "func",
    "get_connection",
    "get_manager",
    "has_many",
    "has_one",
    "raw",
    "reset_managers",
    "scope",
    "table",
    "types",
    "use",
]
