"""Each column type's range is checked by the model before anything is written, the same
on every dialect; boundary values round-trip exactly; unknown keys are refused.

Runs on SQLite and on chDB (in process); the 18.16 server has its own module in the
ClickHouse plugin's tests (test_ranges_1816.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any

import pydantic
import pytest
from pydantic import ConfigDict

from clickorm import ConnectionManager, types
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, set_default_manager
from clickorm.errors import ValidationError
from clickorm.model import Column, Model

F32 = 3.4028234663852886e38


class Ranged(Model):
    id: Annotated[int, types.UInt32] = Column(primary_key=True, autoincrement=False)
    small: Annotated[int, types.UInt8] = 0
    tiny: Annotated[int, types.Int8] = 0
    wide: int = 0
    day: date = date(2000, 1, 1)
    day32: Annotated[date, types.Date32] = date(2000, 1, 1)
    at: datetime = datetime(2000, 1, 1)
    precise: Annotated[datetime, types.DateTime64(6)] = datetime(2000, 1, 1)
    price: Annotated[Decimal, types.Decimal(5, 2)] = Decimal("0")
    code: Annotated[str, types.FixedString(4)] = "abcd"
    ratio: Annotated[float, types.Float32] = 0.0
    maybe: Annotated[int, types.UInt8] | None = None

    class Meta:
        table_name = "ranged"
        engine = "MergeTree()"
        order_by = "id"


LOW = dict(small=0, tiny=-128, wide=-(2**63), day=date(1970, 1, 1), day32=date(1900, 1, 1),
           at=datetime(1970, 1, 1), precise=datetime(1900, 1, 1), price=Decimal("-999.99"),
           code="wxyz", ratio=-F32, maybe=0)
HIGH = dict(small=255, tiny=127, wide=2**63 - 1, day=date(2149, 6, 6), day32=date(2299, 12, 31),
            at=datetime(2106, 2, 7, 6, 28, 15),
            precise=datetime(2299, 12, 31, 23, 59, 59, 999999), price=Decimal("999.99"),
            code="éa", ratio=F32, maybe=255)

#: (field, value, text the message shows for the allowed range)
OUT_OF_RANGE = [
    ("small", 300, "0..255"),
    ("small", -1, "0..255"),
    ("tiny", 128, "-128..127"),
    ("wide", 2**63, "-9223372036854775808..9223372036854775807"),
    ("day", date(1969, 12, 31), "1970-01-01..2149-06-06"),
    ("day", date(1900, 1, 1), "1970-01-01..2149-06-06"),
    ("day", date(2149, 6, 7), "1970-01-01..2149-06-06"),
    ("day32", date(1899, 12, 31), "1900-01-01..2299-12-31"),
    ("day32", date(2300, 1, 1), "1900-01-01..2299-12-31"),
    ("at", datetime(1969, 12, 31, 23, 59, 59), "1970-01-01 00:00:00..2106-02-07 06:28:15 UTC"),
    ("at", datetime(2106, 2, 7, 6, 28, 16), "1970-01-01 00:00:00..2106-02-07 06:28:15 UTC"),
    # an aware value is compared in UTC: 00:30 at +01:00 is 1969-12-31 23:30 UTC
    ("at", datetime(1970, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "UTC"),
    ("precise", datetime(1899, 12, 31, 23, 59, 59), "1900-01-01 00:00:00..2299-12-31"),
    ("price", 1.005, "keeps 2"),
    ("price", Decimal("12345.678"), "keeps 2"),
    ("price", Decimal("1000"), "at most 3 digits before the point"),
    ("code", "abcde", "at most 4"),
    ("code", "ééé", "at most 4"),  # 6 bytes in UTF-8
    ("ratio", 1e39, "Float32"),
    ("maybe", 256, "0..255"),
]


@pytest.fixture(params=["sqlite", "chdb"])
def engine(request: pytest.FixtureRequest) -> Iterator[BaseConnection]:
    reset_managers()
    if request.param == "sqlite":
        manager = set_default_manager(ConnectionManager("sqlite://"))
    else:
        manager = set_default_manager(
            ConnectionManager("clickhouse+embedded://", database="clickorm_test_ranges"))
    conn = manager.connection()
    Ranged.drop_table(if_exists=True)
    Ranged.create_table()
    yield conn
    Ranged.drop_table(if_exists=True)
    reset_managers()


def _count() -> int:
    return int(Ranged.query.count())


@pytest.mark.parametrize(("field", "value", "allowed"), OUT_OF_RANGE)
def test_out_of_range_values_are_refused_before_writing(
        engine: BaseConnection, field: str, value: Any, allowed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Ranged.create(id=1, **{field: value})
    message = str(caught.value)
    assert "Ranged" in message and field in message and allowed in message
    # the value's type, never the value
    assert f"(got a value of type {type(value).__name__})" in message
    assert f"got {value!r}" not in message and f"got {value}" not in message
    assert "Nothing was written" in message
    with pytest.raises(ValidationError):
        Ranged.insert_many([{"id": 2}, {"id": 3, field: value}])
    with pytest.raises(pydantic.ValidationError):
        Ranged(id=4, **{field: value})
    row = Ranged(id=5)
    with pytest.raises(ValidationError, match=field):
        setattr(row, field, value)  # assignment is checked too, so insert_many stays safe
    assert getattr(row, field) == getattr(Ranged(id=5), field)
    Ranged.insert_many([row])
    assert [r.id for r in Ranged.query.get()] == [5]


def test_boundary_values_round_trip_exactly(engine: BaseConnection) -> None:
    Ranged.insert_many([Ranged(id=1, **LOW), Ranged(id=2, **HIGH)])
    low, high = Ranged.order_by("id").get()
    for name, value in LOW.items():
        assert getattr(low, name) == value, name
    for name, value in HIGH.items():
        assert getattr(high, name) == value, name


def test_values_within_range_are_accepted_as_pydantic_coerces_them(
        engine: BaseConnection) -> None:
    row = Ranged.create(id=1, price="1.50", at=datetime(2000, 1, 1, tzinfo=UTC),
                        ratio=0.5, code=b"ab".decode())
    assert row.price == Decimal("1.50")
    assert Ranged.find(1).price == Decimal("1.50")


def test_unknown_keys_are_refused_with_a_suggestion(engine: BaseConnection) -> None:
    with pytest.raises(ValidationError) as caught:
        Ranged.create(id=1, smal=3)
    message = str(caught.value)
    assert "'smal'" in message and "Did you mean 'small'" in message
    assert "id, small, tiny" in message  # the model's fields
    with pytest.raises(ValidationError, match="Did you mean 'small'"):
        Ranged.insert_many([{"id": 2, "smal": 3}])
    with pytest.raises(ValidationError, match="Did you mean 'small'"):
        Ranged(id=3).fill(smal=3)
    with pytest.raises(pydantic.ValidationError, match="smal"):
        Ranged(id=4, smal=3)
    assert _count() == 0


class Lenient(Model):
    """A model may opt out: ``extra="ignore"`` is Pydantic's default behaviour."""

    model_config = ConfigDict(extra="ignore")
    id: int = Column(primary_key=True)
    name: str = ""


def test_a_model_may_opt_out_of_refusing_unknown_keys() -> None:
    assert Lenient(id=1, nmae="x").model_dump() == {"id": 1, "name": ""}
    assert Ranged.model_config["extra"] == "forbid"


def test_sqlite_refuses_what_it_cannot_store_faithfully() -> None:
    class Reading(Model):
        id: int = Column(primary_key=True)
        reading: float = 0.0
        counter: Annotated[int, types.UInt64] = 0

    reset_managers()
    set_default_manager(ConnectionManager("sqlite://"))
    try:
        Reading.create_table()
        with pytest.raises(ValidationError, match=r"Reading\.reading.*NaN"):
            Reading.insert_many([Reading(id=1), Reading(id=2, reading=math.nan)])
        with pytest.raises(ValidationError, match=r"Reading\.counter.*2\*\*63 - 1"):
            Reading.create(id=3, counter=2**63)
        assert Reading.query.count() == 0
        Reading.insert_many([Reading(id=4, reading=math.inf, counter=2**63 - 1)])
        back = Reading.find(4)
        assert back.reading == math.inf and back.counter == 2**63 - 1
    finally:
        reset_managers()


def test_chdb_stores_nan_and_the_whole_uint64_range() -> None:
    class Sample(Model):
        id: Annotated[int, types.UInt32] = Column(primary_key=True, autoincrement=False)
        reading: float = 0.0
        counter: Annotated[int, types.UInt64] = 0

        class Meta:
            engine = "MergeTree()"
            order_by = "id"

    reset_managers()
    set_default_manager(ConnectionManager("clickhouse+embedded://",
                                          database="clickorm_test_ranges"))
    try:
        Sample.drop_table(if_exists=True)
        Sample.create_table()
        Sample.insert_many([Sample(id=1, reading=math.nan, counter=2**64 - 1)])
        back = Sample.find(1)
        assert math.isnan(back.reading) and back.counter == 2**64 - 1
        with pytest.raises(ValidationError, match="0..18446744073709551615"):
            Sample.create(id=2, counter=2**64)
        Sample.drop_table()
    finally:
        reset_managers()
