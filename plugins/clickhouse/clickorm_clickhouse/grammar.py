"""ClickHouse grammar (placeholder until the dialect issue lands)."""

from clickorm.query.grammar import BaseGrammar


class ClickHouseGrammar(BaseGrammar):
    """ClickHouse DML compiler."""
