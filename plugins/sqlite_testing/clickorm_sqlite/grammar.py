"""SQLite grammar (placeholder until the query core lands)."""

from clickorm.query.grammar import BaseGrammar


class SQLiteGrammar(BaseGrammar):
    """SQLite DML compiler."""
