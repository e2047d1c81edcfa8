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

from clickorm.query.grammar import BaseGrammar
from clickorm_sqlite.quoting import SQLitePreparer


class SQLiteGrammar(BaseGrammar):
    name = "sqlite"
    preparer_class = SQLitePreparer
    operators: Mapping[str, str] = {
        **BaseGrammar.operators,
        "GLOB": "GLOB",
        # SQLite's LIKE is already case-insensitive for ASCII
        "ILIKE": "LIKE",
        "NOT ILIKE": "NOT LIKE",
    }

    def adapt(self, value: Any) -> Any:
        """sqlite3 binds int/float/str/bytes/None; everything else is stored as text."""
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, enum.Enum):
            return self.adapt(value.value)
        if isinstance(value, _dt.datetime):
            return value.isoformat(sep=" ")
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
