"""SQLWriter: the one buffer a statement is compiled into.

Visitors append SQL text with ``write`` and bound values with the grammar's ``bind``,
which writes the placeholder and appends the value in the same call. Text and values
therefore go into one stream in one pass, so the order of the values is the order of
their placeholders in the text, in every paramstyle (Peewee's Context works this way).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["SQLWriter"]


class SQLWriter:
    """SQL pieces and bound values of one statement, in text order."""

    __slots__ = ("parts", "params", "write")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []
        #: append one piece of SQL text (``parts.append``, bound once)
        self.write: Callable[[str], None] = self.parts.append

    def sql(self) -> str:
        return "".join(self.parts)

    def mark(self) -> int:
        """The position of the next piece, for ``wrote_since``."""
        return len(self.parts)

    def wrote_since(self, mark: int) -> bool:
        return len(self.parts) != mark
