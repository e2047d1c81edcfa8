"""ClickHouse identifier quoting and literal escaping (shared by grammar, platform, drivers)."""

from __future__ import annotations

from clickorm.errors import QueryError

_IDENT_ESCAPES = str.maketrans({"\\": "\\\\", "`": "\\`"})


def quote_identifier(name: str) -> str:
    """Backtick-quote one identifier part; NUL cannot be quoted safely and is refused."""
    if not name or "\x00" in name:
        raise QueryError(f"Invalid ClickHouse identifier {name!r}: empty or contains NUL")
    return "`" + name.translate(_IDENT_ESCAPES) + "`"


def quote_dotted(name: str) -> str:
    """Quote ``db.table`` / ``table.column`` part by part."""
    return ".".join(quote_identifier(part) for part in name.split("."))
