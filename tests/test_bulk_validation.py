"""Validating many rows in one Pydantic call per chunk: ``Model.validate_many(dicts)``
and ``insert_many(dicts)`` (or instances with ``validate=True``) report the first invalid
row's index and field, never its value, and write nothing."""

from __future__ import annotations

import datetime as dt
import decimal
import gc
import traceback
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from clickorm import Collection, Column, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.connection.manager import reset_managers, use
from clickorm.errors import ValidationError
from clickorm.model import bulk_validation


class Reading(Model):
    id: int = Column(primary_key=True)
    sensor: str
    level: Annotated[int, types.UInt8]

    class Meta:
        table_name = "bulk_readings"


class Guarded(Model):
    id: int = Column(primary_key=True)
    secret: str = ""

    class Meta:
        table_name = "bulk_guarded"
        guarded = ("secret",)


class Shaped(Model):
    id: int = Column(primary_key=True)
    code: Annotated[str, types.FixedString(8)] = ""
    price: Annotated[decimal.Decimal, types.Decimal(9, 2)] = decimal.Decimal(0)
    at: dt.datetime = dt.datetime(2020, 1, 1)
    day: dt.date = dt.date(2020, 1, 1)
    ratio: Annotated[float, types.Float32] = 0.0
    small: list[Annotated[int, types.UInt8]] = []
    big: Annotated[int, types.UInt64] = 0

    class Meta:
        table_name = "bulk_shaped"


@pytest.fixture
def db() -> Iterator[BaseConnection]:
    reset_managers()
    conn = use("sqlite://").connection()
    Reading.create_table()
    Guarded.create_table()
    Shaped.create_table()
    yield conn
    reset_managers()


def rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i + 1, "sensor": f"s{i % 7}", "level": i % 200} for i in range(n)]


def test_validate_many_builds_instances_in_one_call(db: BaseConnection) -> None:
    out = Reading.validate_many(rows(3))
    assert isinstance(out, Collection)
    assert out == [Reading(id=1, sensor="s0", level=0), Reading(id=2, sensor="s1", level=1),
                   Reading(id=3, sensor="s2", level=2)]
    assert not out[0].is_persisted


def test_the_first_invalid_row_is_named_by_index_and_field_never_by_value(
        db: BaseConnection) -> None:
    data = rows(5)
    data[3]["level"] = 98765
    data[4]["sensor"] = 424242
    with pytest.raises(ValidationError) as err:
        Reading.validate_many(data)
    text = str(err.value)
    assert "item 3 of validate_many() (field level)" in text
    assert "UInt8 holds 0..255" in text
    assert "98765" not in text and "424242" not in text
    assert err.value.__cause__ is None  # Pydantic's error shows the input
    assert all("input" not in e for e in err.value.errors)


def test_insert_many_of_dicts_validates_in_chunks_and_writes_nothing_on_error(
        db: BaseConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_validation, "VALIDATION_CHUNK_ROWS", 4)
    data = rows(10)
    data[9]["level"] = -1
    with pytest.raises(ValidationError, match=r"item 9 of insert_many\(\) \(field level\)"):
        Reading.insert_many(data)
    assert Reading.count() == 0
    assert Reading.insert_many(rows(10), validate=True) == 10
    assert Reading.order_by("id").pluck("level")[-1] == 9


def test_instances_with_validate_true_are_checked_in_place(db: BaseConnection) -> None:
    items = [Reading(id=1, sensor="a", level=1), Reading(id=2, sensor="b", level=2)]
    items[1].__dict__["level"] = 300  # bypassed validation (model_construct, __dict__)
    with pytest.raises(ValidationError, match=r"item 1 of insert_many\(\) \(field level\)"):
        Reading.insert_many(items, validate=True)
    items[1].__dict__["level"] = 3
    assert Reading.insert_many(items, validate=True) == 2
    assert items[0].is_persisted


def test_unknown_and_guarded_keys_are_refused(db: BaseConnection) -> None:
    with pytest.raises(ValidationError, match="Did you mean 'sensor'"):
        Reading.insert_many([{"id": 1, "sensr": "a", "level": 1}])
    with pytest.raises(ValidationError, match="does not accept 'secret'"):
        Guarded.insert_many([{"id": 1}, {"id": 2, "secret": "x"}])
    assert Guarded.count() == 0


def test_the_collector_rests_during_a_large_validation(db: BaseConnection) -> None:
    seen: list[bool] = []

    def probe(phase: str, info: dict[str, Any]) -> None:
        seen.append(True)

    data = rows(30_000)
    Reading.validate_many(rows(1))  # its validator is compiled on first use, collector on
    gc.callbacks.append(probe)
    try:
        Reading.validate_many(data)
    finally:
        gc.callbacks.remove(probe)
    assert gc.isenabled()
    assert len(seen) <= 2  # at most the collection when the collector resumes


# the ORM's own range checks (beyond Pydantic's ge/le) named the value in their reason
OUT_OF_SHAPE = [
    ("code", "Zq9val-token"), ("price", decimal.Decimal("4242.123")),
    ("price", decimal.Decimal("4242424242")), ("at", dt.datetime(1961, 7, 13, 4, 42, 42)),
    ("ratio", 4.2424242e39), ("small", [1, 4242]),
]


@pytest.mark.parametrize(("field", "value"), OUT_OF_SHAPE)
def test_a_value_out_of_its_type_is_never_shown(db: BaseConnection, field: str,
                                                 value: Any) -> None:
    shown = str(value).split("-")[0] if field != "small" else "4242"
    for attempt in (lambda: Shaped.validate_many([{"id": 1}, {"id": 2, field: value}]),
                    lambda: Shaped.insert_many([{"id": 1}, {"id": 2, field: value}])):
        with pytest.raises(ValidationError) as err:
            attempt()
        text = "".join(traceback.format_exception(err.value))
        assert shown not in text and "4242" not in text, text
        assert field in str(err.value)
    assert Shaped.query.count() == 0


def test_a_uint64_sqlite_cannot_hold_is_refused_without_its_value(db: BaseConnection
                                                                  ) -> None:
    with pytest.raises(ValidationError, match="at most 9223372036854775807") as err:
        Shaped.insert_many([{"id": 1, "big": 2**64 - 4242}])
    assert str(2**64 - 4242) not in "".join(traceback.format_exception(err.value))
    assert Shaped.query.count() == 0
