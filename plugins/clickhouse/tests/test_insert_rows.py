"""``insert_many(dicts)`` without model instances (clickorm.model.row_validation) writes
what the instance path writes, and fails as it fails, on SQLite, chDB and the 18.16
server: field validators, defaults and default factories, aliases, Nullable, DateTime
with a time zone, Decimal, enums, arrays; a model with a model validator keeps the
instance path and its validator runs. (The value-by-value comparison of the two
validations is tests/test_row_validation.py.)"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from pydantic import Field, ValidationInfo, field_validator, model_validator

from clickorm import Column, Model, types
from clickorm.connection.base import BaseConnection
from clickorm.errors import ValidationError
from clickorm.model import bulk_validation
from clickorm.model import model as model_module
from clickorm.model.row_validation import rows_validator
from clickorm.model.session import Session
from clickorm_clickhouse.engines import MergeTree

D = decimal.Decimal
UTC = dt.UTC


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Event(Model):
    id: Annotated[int, types.UInt64] = Column(primary_key=True, autoincrement=False)
    name: str
    label: str = Field(default="", validation_alias="lbl")
    note: str | None = None
    at: Annotated[dt.datetime, types.DateTime("UTC")]
    price: Annotated[D, types.Decimal(9, 2)] = D("0")
    color: Annotated[Color, types.Enum8] = Color.RED
    tags: list[str] = Field(default_factory=list)
    shout: str = Field(default_factory=lambda data: data["name"].upper())
    level: Annotated[int, types.UInt8] = 0

    @field_validator("name")
    @classmethod
    def _name(cls, value: str, info: ValidationInfo) -> str:
        if value == "bad":
            raise ValueError("names may not be bad")
        return f"{value.strip()}#{info.data['id']}"

    class Meta:
        table_name = "insert_rows_events"
        engine = MergeTree()
        order_by = ("id",)


class Ranged(Model):
    id: int = Column(primary_key=True, autoincrement=False)
    low: int
    high: int

    @model_validator(mode="after")
    def _ordered(self) -> Ranged:
        if self.low > self.high:
            raise ValueError("low is above high")
        self.high += 1000  # visible in what is written: the model validator ran
        return self

    class Meta:
        table_name = "insert_rows_ranged"
        engine = MergeTree()
        order_by = ("id",)


@pytest.fixture
def engine(engine_connection: tuple[str, BaseConnection]) -> Iterator[str]:
    """Both tables on one engine, its connection the models' session."""
    name, conn = engine_connection
    with Session(conn):
        Event.create_table()
        Ranged.create_table()
        yield name
        Event.drop_table(if_exists=True)
        Ranged.drop_table(if_exists=True)


def events(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {"id": i, "name": f" n{i} ",
                               "at": dt.datetime(2024, 1, 1, 12, tzinfo=UTC)
                               + dt.timedelta(minutes=i)}
        if i % 2:
            row.update(lbl=f"l{i}", note=f"note {i}", price=f"{i}.25", color="blue",
                       tags=["a", str(i)], level=i % 256)
        if i % 3 == 0:
            row.update(at=f"2024-02-01T00:00:0{i % 10}+02:00", shout="given")
        out.append(row)
    return out


def written() -> list[tuple[Any, ...]]:
    got = Event.query.order_by("id").get()
    return [(m.id, m.name, m.label, m.note, m.at.astimezone(UTC), m.price, m.color, m.tags,
             m.shout, m.level) for m in got]


def test_rows_without_instances_are_written_as_instances_would_be(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rows_validator(Event) is not None
    data = events(25)
    assert Event.insert_many(data, chunk_size=10) == 25
    fast = written()
    Event.drop_table()
    Event.create_table()
    with monkeypatch.context() as patched:  # the instance path, for comparison
        patched.setattr(model_module, "rows_validator", lambda _model: None)
        assert Event.insert_many(data, chunk_size=10) == 25
    assert written() == fast
    first, second, third = fast[:3]
    assert first[1:3] == ("n0#0", "") and first[8] == "given" and first[4] == dt.datetime(
        2024, 1, 31, 22, 0, tzinfo=UTC)
    assert second[2:4] == ("l1", "note 1") and second[5] == D("1.25")
    assert second[6] is Color.BLUE and second[7] == ["a", "1"] and second[8] == "N1#1"
    assert third[3] is None and third[6] is Color.RED and third[7] == []


def test_an_invalid_row_fails_alike_and_writes_nothing(
        engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_validation, "VALIDATION_CHUNK_ROWS", 4)
    data = events(12)
    data[9]["price"] = "1.234"
    data[9]["lbl"] = 7
    messages = []
    for fast in (True, False):
        with monkeypatch.context() as patched:
            if not fast:
                patched.setattr(model_module, "rows_validator", lambda _model: None)
            with pytest.raises(ValidationError) as info:
                Event.insert_many(data)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "item 9 of insert_many() (fields lbl, price)" in messages[0]
    assert "1.234" not in messages[0]
    assert Event.count() == 0


def test_a_model_validator_keeps_the_instance_path(engine: str) -> None:
    assert rows_validator(Ranged) is None
    assert Ranged.insert_many([{"id": 1, "low": 1, "high": 2},
                               {"id": 2, "low": 0, "high": 0}]) == 2
    assert Ranged.query.order_by("id").pluck("high") == [1002, 1000]
    with pytest.raises(ValidationError, match=r"(?s)item 1 of insert_many\(\).*low is above"):
        Ranged.insert_many([{"id": 3, "low": 1, "high": 2}, {"id": 4, "low": 5, "high": 0}])
    assert Ranged.count() == 2
