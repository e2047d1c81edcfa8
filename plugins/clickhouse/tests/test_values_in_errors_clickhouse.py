"""A bound number ClickHouse cannot hold (an integer past 256 bits, a Decimal past 76
digits) is refused by its size, never quoted in the error: bound, rendered by to_sql(),
or in an IN list, on chDB."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError
from clickorm.model.builder import QueryBuilder

HUGE_INT = 7 ** 200
LONG_DECIMAL = Decimal("31415926535" * 8)


@pytest.mark.parametrize("value, size", [(HUGE_INT, "170 digits"), (LONG_DECIMAL, "88 digits")])
def test_a_number_too_wide_is_refused_without_its_value(chdb: BaseConnection, value: Any,
                                                        size: str) -> None:
    one = QueryBuilder("system.one", connection=chdb)
    for attempt in (lambda: one.where("dummy", value).get(),
                    lambda: one.where("dummy", value).to_sql(),
                    lambda: one.where_in("dummy", [1, value]).get()):
        with pytest.raises(QueryError) as info:
            attempt()
        text = str(info.value)
        assert size in text, text
        assert str(value)[:20] not in text and "31415926535" not in text
