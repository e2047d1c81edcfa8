"""ClickHouse identifier quoting, and the preparer its grammar and platform share."""

from __future__ import annotations

from typing import Any

from clickorm.dialects import IdentifierPreparer
from clickorm.errors import QueryError
from clickorm_clickhouse.literals import format_number, literal, quote_string

__all__ = ["ClickHousePreparer", "quote_dotted", "quote_identifier"]

_IDENT_ESCAPES = str.maketrans({"\\": "\\\\", "`": "\\`"})


def quote_identifier(name: str) -> str:
    """Backtick-quote one identifier part; NUL cannot be quoted safely and is refused."""
    if not name or "\x00" in name:
        raise QueryError(f"Invalid ClickHouse identifier {name!r}: empty or contains NUL")
    return "`" + name.translate(_IDENT_ESCAPES) + "`"


def quote_dotted(name: str) -> str:
    """Quote ``db.table`` / ``table.column`` part by part."""
    return ".".join(quote_identifier(part) for part in name.split("."))


class ClickHousePreparer(IdentifierPreparer):
    """ClickHouse's identifiers and literals, for one server version: the grammar and the
    platform both write through it (``literals.literal`` is the one literal writer)."""

    __slots__ = ()
    dialect = "clickhouse"
    quote_char = "`"

    def quote(self, name: str) -> str:
        return quote_identifier(name)

    def quote_identifier(self, name: str) -> str:
        return quote_identifier(name)

    def quote_dotted(self, name: str) -> str:
        return quote_dotted(name)

    def quote_string(self, text: str) -> str:
        return quote_string(text)

    def literal(self, value: Any) -> str:
        return literal(value, self.server_version)

    def number(self, value: Any) -> str:
        """A number in plain positional notation, for places that take constants only."""
        return format_number(value)
