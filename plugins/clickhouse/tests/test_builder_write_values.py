"""A model query's bulk writes (``update``, ``increment``/``decrement``, ``insert``) check
their values as the model's fields before anything is sent, as ``save()`` does: on
ClickHouse an unchecked 300 in a UInt8 was stored as 44 and a 1960 date as 2139, on
SQLite as written, and 18.16 blocked the table with a mutation that could never finish."""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import Column, Model, QueryBuilder, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import QueryError, ValidationError
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree


class Stock(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    level: Annotated[int, types.UInt8] = 0
    price: Annotated[decimal.Decimal, types.Decimal(10, 2)] = decimal.Decimal("1.00")
    day: dt.date = dt.date(2000, 1, 1)
    code: Annotated[str, types.FixedString(3)] = "abc"
    count_: int = Column(name="count", default=0)

    class Meta:
        table_name = "stock_write_values"
        engine = MergeTree()
        order_by = ("id",)


@pytest.fixture()
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    name, conn = engine_connection
    with Session(conn):
        Stock.drop_table(if_exists=True)
        Stock.create_table()
        Stock.create(id=1, level=250)
        yield name


def _unchanged() -> None:
    row = Stock.find(1)
    assert row is not None
    assert (row.level, row.price, row.day, row.code, row.count_) == (
        250, decimal.Decimal("1.00"), dt.date(2000, 1, 1), "abc", 0)


@pytest.mark.parametrize(("field", "value", "held"), [
    ("level", 300, "UInt8 holds 0..255"),
    ("level", -1, "UInt8 holds 0..255"),
    ("price", decimal.Decimal("1.234"), "Decimal(10, 2) keeps 2"),
    ("day", dt.date(1960, 1, 1), "Date holds 1970-01-01"),
    ("code", "abcdef", "FixedString(3) holds at most 3"),
    ("level", "many", "valid integer"),
])
def test_update_refuses_a_value_its_column_cannot_hold(engine: str, field: str, value: Any,
                                                        held: str) -> None:
    with pytest.raises(ValidationError, match=f"field {field}") as info:
        Stock.where("id", 1).update({field: value})
    assert held in str(info.value)
    assert str(value) not in str(info.value)
    _unchanged()


def test_update_writes_valid_values_as_the_fields(engine: str) -> None:
    Stock.where("id", 1).update({"level": 255, "price": decimal.Decimal("2.50"),
                                 "day": dt.date(2105, 12, 31), "code": "xy", "count": 7})
    Stock.where("id", 1).update({"count_": 8})  # the field's name or its column's
    row = Stock.find(1)
    assert row is not None
    assert (row.level, row.price, row.day, row.code, row.count_) == (
        255, decimal.Decimal("2.50"), dt.date(2105, 12, 31), "xy", 8)


@pytest.mark.parametrize(("field", "amount", "error"), [
    ("level", 1.5, "integer field"),
    ("price", 0.1, "Decimal field"),
    ("price", decimal.Decimal("0.001"), "Decimal(10, 2) keeps 2"),
    ("level", 256, "UInt8 holds 0..255"),
    ("level", True, "needs a number"),
])
def test_increment_refuses_an_amount_the_field_cannot_hold(engine: str, field: str,
                                                           amount: Any, error: str) -> None:
    with pytest.raises((QueryError, ValidationError), match=re.escape(error)):
        Stock.where("id", 1).increment(field, amount)
    _unchanged()


def test_increment_and_decrement_exact_amounts(engine: str) -> None:
    if engine == "sqlite":
        # a Decimal is exact text there, which SQLite would add in floats (1.00 + 0.1 + 0.2
        # would store 1.3000000000000003): refused rather than rounded
        with pytest.raises(QueryError, match="stores Stock.price as text"):
            Stock.where("id", 1).increment("price", decimal.Decimal("0.25"))
    else:
        Stock.where("id", 1).increment("price", decimal.Decimal("0.25"))
    Stock.where("id", 1).decrement("level", 50)
    Stock.where("id", 1).increment("count_", 2)
    row = Stock.find(1)
    assert row is not None
    price = decimal.Decimal("1.00" if engine == "sqlite" else "1.25")
    assert (row.price, row.level, row.count_) == (price, 200, 2)


def test_insert_on_a_model_query_validates_each_row(engine: str) -> None:
    with pytest.raises(ValidationError, match=r"insert\(\) row 1 \(field level\)"):
        Stock.insert([{"id": 2, "level": 1}, {"id": 3, "level": 999}])
    with pytest.raises(ValidationError, match="field code"):
        Stock.query.insert({"id": 4, "code": "toolong"})
    assert Stock.count() == 1
    Stock.insert([{"id": 2, "count": 3}, {"id": 3, "count_": 0}])
    Stock.insert({"id": 5, "price": decimal.Decimal("9.99")})
    assert Stock.where_in("id", [2, 3]).order_by("id").pluck("count") == [3, 0]
    assert Stock.find(5).price == decimal.Decimal("9.99")  # type: ignore[union-attr]


def test_increment_past_the_columns_range_is_refused(engine: str) -> None:
    # ClickHouse wrapped 250 + 10 in a UInt8 to 4 and 0 - 1 to 255; SQLite stored 260
    Stock.create(id=2, level=0)
    with pytest.raises(QueryError, match=re.escape("past UInt8's range (0..255)")):
        Stock.where("id", 1).increment("level", 10)
    with pytest.raises(QueryError, match="past UInt8's range"):
        Stock.where("id", "<", 5).decrement("level")
    _unchanged()
    assert Stock.find(2).level == 0  # type: ignore[union-attr]
    # only the matching rows count: 250 elsewhere does not stop this one
    Stock.where("id", 2).increment("level", 10)
    Stock.where("id", 1).decrement("level", 250)
    assert Stock.order_by("id").pluck("level") == [0, 10]


def test_a_raw_one_row_insert_is_checked_by_the_column_and_reports_no_made_up_id(
        engine_connection: tuple[str, BaseConnection]) -> None:
    # chDB cast the bound Int64 999 into the UInt8 column as 231; the native path returned
    # the row count, which create() then reported as the new row's id
    name, conn = engine_connection
    with Session(conn):
        Stock.drop_table(if_exists=True)
        Stock.create_table()
        raw = QueryBuilder("stock_write_values", connection=conn)
        if name != "sqlite":  # SQLite's columns take any integer
            with pytest.raises(QueryError, match="level"):
                raw.insert({"id": 1, "level": 999})
            assert raw.count() == 0
            assert raw.insert({"id": 1, "level": 9}) is None  # ClickHouse makes no keys
            assert raw.create({"id": 2, "level": 8}) == {"id": 2, "level": 8}
            assert raw.create({"level": 7}) == {"level": 7}  # no made-up "id"
            assert sorted(raw.pluck("level")) == [7, 8, 9]
        else:
            assert raw.create({"level": 7}) == {"level": 7, "id": 1}  # the rowid


class Wide(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    total: Annotated[int, types.Int128] = 0

    class Meta:
        table_name = "wide_write_values"
        engine = MergeTree()
        order_by = ("id",)


def test_a_text_stored_number_is_not_incremented_in_floats(
        engine_connection: tuple[str, BaseConnection]) -> None:
    # SQLite added 1 to a 128-bit integer stored as text in floats and stored
    # '1.26765060022823e+30', which no longer read back as an int
    name, conn = engine_connection
    if name == "server":
        return  # no Int128 before ClickHouse 20.8
    with Session(conn):
        Wide.drop_table(if_exists=True)
        Wide.create_table()
        Wide.create(id=1, total=2**100)
        if name == "sqlite":
            with pytest.raises(QueryError, match="stores Wide.total as text"):
                Wide.where("id", 1).increment("total")
            assert Wide.find(1).total == 2**100  # type: ignore[union-attr]
            return
        Wide.where("id", 1).increment("total")
        assert Wide.find(1).total == 2**100 + 1  # type: ignore[union-attr]
        with pytest.raises(QueryError, match="past Int128's range"):
            Wide.where("id", 1).increment("total", 2**127 - 2**100)
