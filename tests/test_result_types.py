"""What the ORM types in scalar results and what it leaves as the driver returned it
(SQLite keeps dates, decimals, UUIDs and bools in storage forms, so it shows the
difference); the same queries on chDB and ClickHouse 18.16 are in the ClickHouse
plugin's test_typed_results.py."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Annotated

import pytest

from clickorm import Column, Model, QueryBuilder, types
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import QueryError
from clickorm.query.expressions import func, raw


class Trip(Model):
    id: int = Column(primary_key=True)
    day: dt.date
    done: bool
    fare: Annotated[decimal.Decimal, types.Decimal(8, 3)]
    note: str | None = None

    class Meta:
        table_name = "trips"


class Stop(Model):
    id: int = Column(primary_key=True)
    trip_id: int
    day: dt.date

    class Meta:
        table_name = "stops"


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Trip.create_table()
    Stop.create_table()
    Trip.insert_many([
        Trip(day=dt.date(2024, 3, 1), done=True, fare=decimal.Decimal("2.125")),
        Trip(day=dt.date(2024, 3, 2), done=False, fare=decimal.Decimal("1.000")),
        Trip(day=dt.date(2024, 3, 3), done=True, fare=decimal.Decimal("0.100")),
    ])
    Stop.insert_many([Stop(trip_id=1, day=dt.date(2025, 1, 1))])
    yield conn
    reset_managers()


def test_a_model_column_reads_as_its_field(db: BaseConnection) -> None:
    assert Trip.order_by("id").pluck("day") == [
        dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 3)]
    done = Trip.order_by("id").pluck("done")
    assert done == [True, False, True] and all(type(v) is bool for v in done)
    assert Trip.order_by("id").value("fare") == decimal.Decimal("2.125")
    assert Trip.where("id", 99).value("day") is None
    assert Trip.order_by("id").pluck("note") == [None, None, None]


def test_an_alias_of_a_model_column_reads_as_its_field(db: BaseConnection) -> None:
    trip = Trip.select("id", "day as started", "trips.done as finished").order_by("id").first()
    assert trip is not None
    assert (trip.started, trip.finished) == (dt.date(2024, 3, 1), True)
    assert type(trip.finished) is bool


def test_aggregates_are_typed_by_the_field(db: BaseConnection) -> None:
    assert Trip.query.min("day") == dt.date(2024, 3, 1)
    assert Trip.query.max("done") is True
    assert Trip.query.sum("done") == 2
    assert Trip.query.avg("done") == pytest.approx(2 / 3)
    total = Trip.query.sum("fare")
    assert (type(total), str(total)) == (decimal.Decimal, "3.225")
    assert Trip.query.avg("fare") == decimal.Decimal("1.075")
    # no rows: SQL's NULL, not a made-up number
    assert Trip.where("id", 99).avg("fare") is None
    assert Trip.where("id", 99).max("day") is None


class Wide(Model):
    id: int = Column(primary_key=True)
    big: Annotated[int, types.UInt128]


def test_a_sum_past_64_bits_is_exact(db: BaseConnection) -> None:
    Wide.create_table()
    Wide.insert_many([Wide(big=2**100), Wide(big=1)])
    assert Wide.order_by("id").pluck("big") == [2**100, 1]  # stored exactly, as text
    total = Wide.query.sum("big")  # SQLite's own sum would add them as floats
    assert (type(total), total) == (int, 2**100 + 1)
    assert Wide.where("id", 2).sum("big") == 1
    # and they compare and order as numbers, not as text ('9' > '10')
    Wide.insert_many([Wide(big=9), Wide(big=10)])
    assert Wide.order_by("big").pluck("big") == [1, 9, 10, 2**100]
    assert Wide.where("big", ">", 9).order_by("big").pluck("big") == [10, 2**100]
    assert Wide.query.max("big") == 2**100 and Wide.query.min("big") == 1


def test_a_sum_the_engine_computed_in_floats_past_2_53_is_an_error(
        db: BaseConnection) -> None:
    from clickorm.model.results import _exact_int

    with pytest.raises(QueryError, match="lost precision"):
        _exact_int(2.0**60)
    assert _exact_int(2.0**52) == 2**52


def test_what_the_orm_cannot_type_keeps_the_driver_value(db: BaseConnection) -> None:
    # raw SQL, functions and another table's columns: SQLite's storage forms
    assert Trip.order_by("id").pluck(raw("day")) == ["2024-03-01", "2024-03-02", "2024-03-03"]
    assert Trip.query.value(func.max(raw("done"))) == 1
    joined = Trip.join("stops", "stops.trip_id", "=", "trips.id")
    assert joined.pluck("stops.day") == ["2025-01-01"]
    assert joined.pluck("trips.day") == [dt.date(2024, 3, 1)]
    # a builder without a model has dict rows of driver values
    assert QueryBuilder("trips").order_by("id").pluck("done") == [1, 0, 1]
    assert QueryBuilder("trips").order_by("id").first() == {
        "id": 1, "day": "2024-03-01", "done": 1, "fare": "2.125", "note": None}


def test_update_and_delete_return_the_rows_changed(db: BaseConnection) -> None:
    assert Trip.where("done", True).update({"note": "x"}) == 2
    assert Trip.where("id", 99).update({"note": "y"}) == 0
    assert Trip.where("id", 1).increment("id", 10) == 1
    assert Trip.where("done", False).delete() == 1


def test_an_engine_that_cannot_count_rows_returns_none(db: BaseConnection,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "reports_affected_rows", False)
    assert Trip.where("done", True).update({"note": "x"}) is None
    assert Trip.where("done", False).delete() is None
    assert Trip.query.count() == 2  # the writes ran
