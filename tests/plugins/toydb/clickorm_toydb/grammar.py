"""ToyDB's DML compiler: the core grammar as is."""

from clickorm.dialects import BaseGrammar


class ToyGrammar(BaseGrammar):
    """ToyDB speaks SQLite's SQL."""
