"""ToyDB's DML compiler: the core grammar, binding what sqlite3 cannot bind as text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from clickorm.dialects import BaseGrammar


class ToyGrammar(BaseGrammar):
    """ToyDB speaks SQLite's SQL. Dates and datetimes in filters are bound as the ISO
    text its platform stores them as, so ``where("joined", date)`` compares like with like."""

    def adapt(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().adapt(value)
