"""The result of compiling a query: SQL text with placeholders plus the bound values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple


class Compiled(NamedTuple):
    """``sql`` holds placeholders only; ``params`` is a tuple (qmark) or a dict (named)."""

    sql: str
    params: Sequence[Any] | Mapping[str, Any]

    def __str__(self) -> str:
        return self.sql
