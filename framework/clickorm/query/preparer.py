"""IdentifierPreparer: how one dialect writes identifiers and literals.

A dialect has exactly one of these, shared by its grammar (DML, ``to_sql()``) and its
platform (DDL defaults, comments, settings), so both write the same text for the same
value. The base writes ANSI SQL: double-quoted identifiers, ``''``-doubled strings,
``TRUE``/``FALSE``, ``X'..'`` bytes; a dialect subclasses it and changes what differs.
Values are only written as literals where SQL cannot bind them (DDL, constants, the
``inline`` paramstyle that ``to_sql()`` uses).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import math
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from clickorm.errors import QueryError

__all__ = ["IdentifierPreparer"]


class IdentifierPreparer:
    """Quotes identifiers and writes literals for one dialect (and server version)."""

    #: the dialect name, used in error messages
    dialect: ClassVar[str] = "base"
    quote_char: ClassVar[str] = '"'
    #: the spelling of ``True`` and ``False``
    true: ClassVar[str] = "TRUE"
    false: ClassVar[str] = "FALSE"

    __slots__ = ("server_version",)

    def __init__(self, server_version: Sequence[int] | None = None) -> None:
        self.server_version = tuple(server_version) if server_version is not None else None

    # -- identifiers ---------------------------------------------------------------------
    def quote(self, name: str) -> str:
        """Quote one identifier; empty names and NUL cannot be quoted safely."""
        if type(name) is not str or not name or "\x00" in name:
            raise QueryError(
                f"Invalid identifier {name!r} for the {self.dialect} dialect: "
                "identifiers must be non-empty strings without NUL"
            )
        return self.quote_identifier(name)

    def quote_identifier(self, name: str) -> str:
        """The quoting itself (``name`` is already checked)."""
        c = self.quote_char
        return c + name.replace(c, c + c) + c

    def quote_dotted(self, name: str) -> str:
        """``db.table`` / ``table.column`` quoted part by part."""
        return ".".join([self.quote(part) for part in name.split(".")])

    # -- literals ------------------------------------------------------------------------
    def quote_string(self, text: str) -> str:
        if "\x00" in text:
            raise QueryError(f"The {self.dialect} dialect cannot write NUL inside a string literal")
        return "'" + text.replace("'", "''") + "'"

    def literal(self, value: Any) -> str:
        """``value`` as an escaped SQL literal of this dialect."""
        if value is None:
            return "NULL"
        if value is True or value is False:
            return self.true if value else self.false
        if isinstance(value, enum.Enum):
            return self.literal(value.value)
        if isinstance(value, bool):  # a bool subclass
            return self.literal(bool(value))
        if isinstance(value, int):
            return str(int(value))
        if isinstance(value, float):
            if not math.isfinite(value):
                raise QueryError(f"The {self.dialect} dialect cannot write the float {value!r} "
                                 "as a SQL literal")
            return repr(float(value))
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise QueryError(f"The {self.dialect} dialect cannot write the decimal "
                                 f"{value!r} as a SQL literal")
            return str(value)
        if isinstance(value, str):
            return self.quote_string(str(value))
        if isinstance(value, (bytes, bytearray, memoryview)):
            return "X'" + bytes(value).hex() + "'"
        if isinstance(value, _dt.datetime):
            return self.quote_string(value.isoformat(sep=" "))
        if isinstance(value, (_dt.date, _dt.time)):
            return self.quote_string(value.isoformat())
        if isinstance(value, uuid.UUID):
            return self.quote_string(str(value))
        if isinstance(value, (list, tuple)):
            return "(" + ", ".join([self.literal(v) for v in value]) + ")"
        raise QueryError(
            f"The {self.dialect} dialect cannot write a {type(value).__name__} value as a "
            "SQL literal"
        )
