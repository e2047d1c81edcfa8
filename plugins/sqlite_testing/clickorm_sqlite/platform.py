"""SQLite platform (placeholder until the schema issue lands)."""

from clickorm.schema.platform import BasePlatform


class SQLitePlatform(BasePlatform):
    """SQLite DDL compiler."""

    dialect_name = "sqlite"
