"""SQLWriter: the one buffer a statement is compiled into.

Visitors append SQL text with ``write`` and bound values with the grammar's ``bind``,
which writes the placeholder and appends the value in the same call. Text and values
therefore go into one stream in one pass, so the order of the values is the order of
their placeholders in the text, in every paramstyle (Peewee's Context works this way).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SQLWriter", "new_writer"]

_list_new = list.__new__


class SQLWriter(list[str]):
    """The SQL pieces of one statement (the list itself) and its bound values, in text
    order. A list subclass so that writing a piece is one C-level append."""

    __slots__ = ("params",)
    params: list[Any]

    #: append one piece of SQL text
    write = list.append

    def __init__(self) -> None:
        super().__init__()
        self.params = []

    def sql(self) -> str:
        return "".join(self)


def new_writer() -> SQLWriter:
    """An empty writer without the ``__init__`` call (the compiler makes one per query)."""
    w = _list_new(SQLWriter)
    w.params = []
    return w
