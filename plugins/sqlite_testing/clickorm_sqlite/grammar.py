"""SQLite grammar: the base grammar with SQLite's quoting and its few differences.

Read this file to see how small a dialect's grammar can be: everything else comes from
BaseGrammar, and constructs SQLite lacks (FINAL, PREWHERE, ...) are refused there
because the dialect does not declare their capabilities.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import ipaddress
import json
import uuid
from collections.abc import Mapping
from typing import Any

from clickorm.dialects import BaseGrammar, Compare, SQLWriter
from clickorm_sqlite.quoting import SQLitePreparer
from clickorm_sqlite.types import utc_text

#: pattern operators written by ``compare_like`` (an ESCAPE clause follows the pattern)
_LIKES = {"LIKE": "LIKE", "NOT LIKE": "NOT LIKE", "ILIKE": "LIKE", "NOT ILIKE": "NOT LIKE"}


class SQLiteGrammar(BaseGrammar):
    """What makes SQLite answer as ClickHouse does: NULLs sort last in both directions
    (SQLite's default puts them first ascending), ``LIKE`` treats a backslash as the
    escape character (``ESCAPE '\\'``) and is case-sensitive (the connection sets
    ``PRAGMA case_sensitive_like``), ``ILIKE`` compares ``lower()`` of both sides."""

    name = "sqlite"
    preparer_class = SQLitePreparer
    # the LIKE family is left out on purpose: the base visit_compare hands operators it
    # does not list to compare_unlisted, which writes them with their ESCAPE clause, so
    # every other comparison takes the base's path without an extra call
    operators: Mapping[str, str] = {
        **{op: sql for op, sql in BaseGrammar.operators.items() if op not in _LIKES},
        "GLOB": "GLOB",
    }
    default_nulls = "LAST"
    # HAVING "age" reads the column age before an alias age: the alias's expression is
    # written instead, so the name means the alias as on ClickHouse
    columns_before_aliases = True

    def compare_unlisted(self, node: Compare, w: SQLWriter) -> None:
        if node[1] in _LIKES:
            self.compare_like(node, w)
        else:
            BaseGrammar.compare_unlisted(self, node, w)

    def compare_like(self, node: Compare, w: SQLWriter) -> None:
        """``x LIKE p ESCAPE '\\'``; ILIKE as ``lower(x) LIKE lower(p)`` (ASCII folding)."""
        left, op, right = node
        fold = "ILIKE" in op
        w.write("lower(" if fold else "")
        self.expr(left, w)
        w.write(f") {_LIKES[op]} lower(" if fold else f" {_LIKES[op]} ")
        self.operand(right, w)
        w.write(") ESCAPE '\\'" if fold else " ESCAPE '\\'")

    def adapt(self, value: Any) -> Any:
        """sqlite3 binds int/float/str/bytes/None; everything else is stored as text."""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, enum.Enum):
            return self.adapt(value.value)
        if isinstance(value, _dt.datetime):
            return utc_text(value)
        if isinstance(value, (_dt.date, _dt.time)):
            return value.isoformat()
        if isinstance(value, (decimal.Decimal, uuid.UUID, ipaddress.IPv4Address,
                              ipaddress.IPv6Address)):
            return str(value)
        if isinstance(value, (list, tuple, dict)):
            return json.dumps(value, default=str)
        return value

    def offset_without_limit(self, offset: int) -> str:
        # SQLite only accepts OFFSET after a LIMIT; -1 means "no limit"
        return f"LIMIT -1 OFFSET {offset}"
