"""Table and database names on the embedded (chDB) connection: never a file path or glob.

chDB's ``default`` database is an Overlay of an ordinary database and a Filesystem one,
so there a quoted table name such as ```/etc/passwd``` or ```data/*.csv``` is read as a
file (or glob) relative to the working directory, and writes append to it. The embedded
connection therefore works in a real (Atomic) database of its own; and, so that an
explicit ``default.<path>`` or ``database = "default"`` cannot reach files either, the
grammar and platform it uses refuse names with path or glob characters.
"""

from __future__ import annotations

from clickorm.errors import ConfigError, QueryError, SchemaError
from clickorm_clickhouse.grammar import ClickHouseGrammar
from clickorm_clickhouse.platform import ClickHousePlatform

__all__ = [
    "EMBEDDED_DATABASE", "EmbeddedGrammar", "EmbeddedPlatform", "check_database", "check_table",
]

#: the database an embedded connection uses when none is configured (created if missing)
EMBEDDED_DATABASE = "clickorm"
#: characters chDB reads as a path separator or a glob in a table or database name
PATH_CHARS = frozenset("/\\*?{}")


def _bad(name: str) -> str | None:
    found = sorted(PATH_CHARS.intersection(name))
    if not found:
        return None
    return ", ".join(repr(c) for c in found)


def check_table(name: str, error: type[Exception] = QueryError) -> None:
    """Refuse a (possibly ``db.``-qualified) table name chDB could read as a file path."""
    chars = _bad(name)
    if chars is not None:
        raise error(
            f"Table name {name!r} contains {chars}, which the embedded ClickHouse engine "
            "(chDB) reads as a file path or glob; use a name without / \\ * ? { }"
        )


def check_database(name: str, connection: str) -> None:
    """Refuse a configured database name chDB could read as a file path."""
    chars = _bad(name)
    if chars is not None:
        raise ConfigError(
            f"Database name {name!r} contains {chars}, which the embedded ClickHouse engine "
            "(chDB) reads as a file path or glob; choose a plain name",
            key=f"{connection}.database",
        )


class EmbeddedGrammar(ClickHouseGrammar):
    """The ClickHouse grammar, refusing table names chDB would read as files."""

    def quote_table(self, name: str) -> str:
        quoted = self._quoted_tables.get(name)
        if quoted is None:  # checked once per name, like the quoting cache
            check_table(name)
            quoted = super().quote_table(name)
        return quoted


class EmbeddedPlatform(ClickHousePlatform):
    """The ClickHouse platform, refusing table names chDB would read as files."""

    def quote_table(self, name: str) -> str:
        check_table(name, SchemaError)
        return super().quote_table(name)
