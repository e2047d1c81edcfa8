"""ClickHouse platform (placeholder until the dialect issue lands)."""

from clickorm.schema.platform import BasePlatform


class ClickHousePlatform(BasePlatform):
    """ClickHouse DDL compiler."""

    dialect_name = "clickhouse"
