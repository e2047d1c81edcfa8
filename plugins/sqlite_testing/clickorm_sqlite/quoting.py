"""SQLite identifiers and literals: one object shared by the grammar and the platform."""

from __future__ import annotations

from clickorm.dialects import IdentifierPreparer

__all__ = ["SQLitePreparer"]


class SQLitePreparer(IdentifierPreparer):
    """SQLite's identifiers and literals (grammar and platform): ``1``/``0`` booleans,
    which every SQLite parses and which is what a bool column stores."""

    __slots__ = ()
    dialect = "sqlite"
    true = "1"
    false = "0"
