"""ClickORM: Pydantic v2 models, a plugin-based multi-dialect query layer, ClickHouse first."""

from clickorm.errors import (
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

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ClickORMError",
    "ConfigError",
    "ConnectionError",
    "MigrationError",
    "ModelNotFound",
    "PluginError",
    "QueryError",
    "SchemaError",
    "ValidationError",
]
